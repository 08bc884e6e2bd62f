"""Attachments: metadata is stripped before storage, types are checked by content.

Bad input thrown here: a text file, an executable renamed .jpg, a fourth attachment, an empty file.
Each must be refused with a clear message before anything is stored, and the typed text kept.
"""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from tests.helpers import csrf_token, submit_tip
from tipline.extensions import db
from tipline.models import Attachment, Tip
from tipline.services import uploads

TEXT = "Photo of the truck that unloads at the warehouse on 5th street."


def _jpeg_with_gps() -> bytes:
    """A JPEG carrying EXIF camera and GPS tags, as a phone writes them."""
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (31.0, 45.0, 12.0), "W", (106.0, 27.0, 3.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes(), comment=b"secret comment")
    data = out.getvalue()
    assert b"PhoneMaker" in data
    return data


def _png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane Resident")
    info.add_text("XML:com.adobe.xmp", "<x:xmpmeta>GPS 31.75 -106.45</x:xmpmeta>")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Jane Resident", "/Producer": "SecretScanner 2.0"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_with_hidden_personal_data(filter_as_array: bool = False, deflated: bool = False) -> bytes:
    """A PDF whose page XMP, annotation author and embedded photo's EXIF name the resident (the photo deflated
    on top of its JPEG coding when asked: [/FlateDecode /DCTDecode])."""
    from pypdf.annotations import Text
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    xmp = DecodedStreamObject()
    xmp.set_data(b"<x:xmpmeta>PageXMP Jane Resident</x:xmpmeta>")
    page[NameObject("/Metadata")] = writer._add_object(xmp)
    page[NameObject("/PieceInfo")] = DictionaryObject({NameObject("/App"): TextStringObject("PieceInfoSecret")})
    note = Text(text="see the truck", rect=(10, 10, 50, 50))
    note[NameObject("/T")] = TextStringObject("AnnotAuthorJane")
    writer.add_annotation(0, note)
    photo, dct = DecodedStreamObject(), NameObject("/DCTDecode")
    photo._data = zlib.compress(_jpeg_with_gps()) if deflated else _jpeg_with_gps()
    photo.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(64),
            NameObject("/Height"): NumberObject(48),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): ArrayObject([NameObject("/FlateDecode"), dct])
            if deflated
            else ArrayObject([dct])
            if filter_as_array
            else dct,
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(photo)})}
    )
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert all(s in data for s in (b"PageXMP", b"PieceInfoSecret", b"AnnotAuthorJane"))
    return data


def _stored(app) -> list[tuple[str, bytes]]:
    with app.app_context():
        rows = db.session.scalars(select(Attachment)).all()
        return [(a.content_type, uploads.load(a.storage_key)) for a in rows]


def test_photo_exif_and_gps_are_stripped_from_the_stored_file(app, client):
    submit_tip(client, text=TEXT, attachments=[(io.BytesIO(_jpeg_with_gps()), "IMG_0001.jpg")])
    [(ctype, stored)] = _stored(app)
    assert ctype == "image/jpeg"
    img = Image.open(io.BytesIO(stored))
    assert img.size == (64, 48)
    assert not img.getexif()
    assert b"PhoneMaker" not in stored and b"secret comment" not in stored and b"Exif" not in stored


def test_png_text_and_xmp_chunks_are_stripped(app, client):
    submit_tip(client, text=TEXT, attachments=[(io.BytesIO(_png_with_text()), "shot.png")])
    [(ctype, stored)] = _stored(app)
    assert ctype == "image/png"
    assert b"Jane Resident" not in stored and b"xmpmeta" not in stored
    assert Image.open(io.BytesIO(stored)).size == (10, 10)


def test_pdf_author_and_producer_are_stripped(app, client):
    submit_tip(client, text=TEXT, attachments=[(io.BytesIO(_pdf_with_metadata()), "report.pdf")])
    [(ctype, stored)] = _stored(app)
    assert ctype == "application/pdf"
    assert b"Jane Resident" not in stored and b"SecretScanner" not in stored
    assert len(PdfReader(io.BytesIO(stored)).pages) == 1


@pytest.mark.parametrize("filter_as_array", [False, True], ids=["filter-name", "filter-array"])
def test_pdf_page_xmp_annotation_author_and_embedded_photo_exif_are_stripped(app, client, filter_as_array):
    pdf = _pdf_with_hidden_personal_data(filter_as_array)
    submit_tip(client, text=TEXT, attachments=[(io.BytesIO(pdf), "scan.pdf")])
    [(ctype, stored)] = _stored(app)
    assert ctype == "application/pdf"
    for secret in (b"PageXMP", b"Jane Resident", b"PieceInfoSecret", b"AnnotAuthorJane", b"PhoneMaker", b"Exif"):
        assert secret not in stored
    page = PdfReader(io.BytesIO(stored)).pages[0]
    assert page["/Annots"][0].get_object()["/Contents"] == "see the truck"  # the note itself stays
    assert page.images[0].image.size == (64, 48)  # the photo still shows


def test_multi_picture_jpeg_from_a_phone_camera_is_accepted_as_a_plain_jpeg(app, client):
    main, preview = Image.new("RGB", (64, 48), (10, 120, 10)), Image.new("RGB", (32, 24), (10, 10, 120))
    out = io.BytesIO()
    main.save(out, format="MPO", save_all=True, append_images=[preview])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    submit_tip(client, text=TEXT, attachments=[(io.BytesIO(out.getvalue()), "IMG_0002.JPG")])
    [(ctype, stored)] = _stored(app)
    assert ctype == "image/jpeg"
    img = Image.open(io.BytesIO(stored))
    assert (img.format, img.size, getattr(img, "n_frames", 1)) == ("JPEG", (64, 48), 1)


def test_attachment_store_holds_ciphertext_only(app, client):
    submit_tip(client, text=TEXT, attachments=[(io.BytesIO(_png_with_text()), "shot.png")])
    files = list(uploads_dir(app).iterdir())
    assert len(files) == 1
    assert b"PNG" not in files[0].read_bytes()


def uploads_dir(app):
    with app.app_context():
        return uploads.store_dir()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"just some notes, not a picture", "notes.txt"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "holiday.jpg"),
        (b"", "empty.png"),
        (  # the header chunk's length cut by one byte (found by the fuzz test): Pillow raises ValueError
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0cIHDR\x00\x00\x00\x08\x00\x00\x00\x08\x08\x06\x00\x00\x00"
            b"\xc4\x0f\xbe\x8b\x00\x00\x00\x00IEND\xaeB`\x82",
            "a.jpg",
        ),
    ],
    ids=["text-file", "exe-disguised-as-jpg", "empty-file", "truncated-png-header"],
)
def test_disallowed_or_disguised_attachment_is_refused_and_nothing_stored(app, client, content, name):
    token = csrf_token(client, "/tip?lang=es")
    response = client.post(
        "/tip?lang=es", data={"text": TEXT, "csrf_token": token, "attachments": [(io.BytesIO(content), name)]}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert TEXT in page
    assert "adjunto" in page.lower() or "archivo" in page.lower() or "fotos" in page.lower()
    with app.app_context():
        assert db.session.scalars(select(Tip)).all() == []
    assert list(uploads_dir(app).iterdir()) == []


def test_a_fourth_attachment_is_refused(app, client):
    token = csrf_token(client, "/tip")
    files = [(io.BytesIO(_png_with_text()), f"p{i}.png") for i in range(4)]
    response = client.post("/tip", data={"text": TEXT, "csrf_token": token, "attachments": files})
    assert response.status_code == 400
    assert "at most 3 files" in response.get_data(as_text=True)


def _post_one(client, content: bytes, name: str, lang: str = "es"):
    token = csrf_token(client, f"/tip?lang={lang}")
    data = {"text": TEXT, "csrf_token": token, "attachments": [(io.BytesIO(content), name)]}
    return client.post(f"/tip?lang={lang}", data=data)


def test_a_picture_too_large_to_decode_is_refused_from_its_header(app, client):
    out = io.BytesIO()
    Image.new("1", (9000, 5000)).save(out, format="PNG")  # 45 megapixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    response = _post_one(client, out.getvalue(), "huge.png")
    assert response.status_code == 400
    assert "Las fotos enviadas juntas pueden sumar como máximo 40 megapíxeles." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Tip)).all() == []


def test_a_pdf_with_too_many_pages_is_refused(app, client):
    writer = PdfWriter()
    for _ in range(uploads.MAX_PDF_PAGES + 1):
        writer.add_blank_page(width=10, height=10)
    out = io.BytesIO()
    writer.write(out)
    response = _post_one(client, out.getvalue(), "many.pdf", lang="fr")
    assert response.status_code == 400
    assert "Les documents PDF peuvent compter au plus 200 pages." in response.get_data(as_text=True)


def test_a_pdf_stamp_attached_file_and_photo_behind_two_filters_reveal_nothing(app, client):
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    appearance = DecodedStreamObject()
    appearance.set_data(b"q Q")
    appearance.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form")})
    appearance[NameObject("/StampSecret")] = TextStringObject("PhoneMaker in a stamp")
    stamp = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Stamp"),
            NameObject("/Rect"): ArrayObject([]),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(appearance)}),
        }
    )
    attached = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/FS"): TextStringObject("AttachedSecret.jpg"),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(stamp), writer._add_object(attached)])
    out = io.BytesIO()
    writer.write(out)
    assert b"StampSecret" in out.getvalue() and b"AttachedSecret" in out.getvalue()
    assert _post_one(client, out.getvalue(), "stamped.pdf").status_code == 200
    [(_ctype, stored)] = _stored(app)
    assert b"StampSecret" not in stored and b"AttachedSecret" not in stored
    assert len(PdfReader(io.BytesIO(stored)).pages[0]["/Annots"]) == 1  # the stamp stays, without its appearance


def test_a_pdf_photo_whose_metadata_cannot_be_reached_is_refused(app, client):
    response = _post_one(client, _pdf_with_hidden_personal_data(deflated=True), "scan.pdf", lang="en")
    assert response.status_code == 400
    assert "This PDF holds a picture whose hidden data (such as a GPS position) cannot be removed." in (
        response.get_data(as_text=True)
    )
    assert _stored(app) == []
