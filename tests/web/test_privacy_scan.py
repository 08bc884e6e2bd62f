"""Privacy scan: after a full run, the database, the attachment store and the logs hold nothing that identifies.

What the test throws at the system, and what it must answer:

- A whole conversation from a visitor with address 203.0.113.77 behind a proxy (X-Forwarded-For 198.51.100.23)
  and a distinctive User-Agent: a web tip with a photo carrying EXIF GPS and camera tags, a wrong receipt, a
  follow-up message, an SMS conversation from +1 520-555-0123 (first text, follow-up text, STOP-free), an
  officer's login and replies to both tips (the SMS reply sent through a local stand-in gateway).
- Every table's every column (reflected with SQLAlchemy, on SQLite or on PostgreSQL with TEST_DATABASE_URL),
  every file of the attachment store and every log record (DEBUG and up, captured with caplog) must contain
  none of: either address, the user agent, the phone number in E.164 or national formats, the camera maker,
  the receipt code, or any of the marker strings typed as tip, message or reply text.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from pathlib import Path

from flask_wtf import FlaskForm
from PIL import Image
from sqlalchemy import MetaData, select, update
from wtforms import StringField
from wtforms.fields.core import UnboundField

from tests.helpers import csrf_token, follow_up, login, make_officer, post_action, submit_tip, tip_by_text
from tests.sms_helpers import post_sms, reply_text
from tipline.blueprints.officer import forms as officer_forms
from tipline.blueprints.officer_events import forms as officer_event_forms
from tipline.extensions import db
from tipline.i18n import LANGUAGE_NAMES
from tipline.models import Tip
from tipline.models.types import utcnow
from tipline.services import crypto

CLIENT_ADDRESS = "203.0.113.77"
FORWARDED_FOR = "198.51.100.23"
USER_AGENT = "PrivacyProbe/4.2 (Distinctive-Agent-c0ffee)"
NUMBER = "+15205550123"
NUMBER_FORMS = [NUMBER, "15205550123", "5205550123", "(520) 555-0123", "520-555-0123", "520 555 0123", "555-0123"]
MARKERS = {
    "tip": "PRVMARK-TIPTEXT-91 a white van unloads crates behind the clinic at night",
    "place": "PRVMARK-PLACE-92 corner of Elm and 5th",
    "message": "PRVMARK-FOLLOWUP-93 the van came back with a second driver",
    "sms": "PRVMARK-SMSTEXT-94 two men load boxes into a boat at the north ramp",
    "sms2": "PRVMARK-SMSMORE-95 the boat is blue with a white stripe",
    "reply": "PRVMARK-REPLY-96 what time did the van arrive",
    "sms_reply": "PRVMARK-SMSREPLY-97 how many boxes did you see",
}
CAMERA = "PrivacyPhoneMaker"


def _photo_with_gps() -> bytes:
    """A JPEG with camera and GPS EXIF tags, as a phone writes them."""
    exif = Image.Exif()
    exif[0x010F] = CAMERA
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (31.0, 45.0, 12.0), "W", (106.0, 27.0, 3.0)
    out = io.BytesIO()
    Image.new("RGB", (48, 32), (90, 30, 30)).save(out, format="JPEG", exif=exif.tobytes())
    assert CAMERA.encode() in out.getvalue()
    return out.getvalue()


def _as_text(value) -> str:
    """A stored value as text (binary columns decoded byte for byte)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)


def _dump_database(app) -> tuple[str, int]:
    """Every row of every table, every column, as one text; and the number of tables seen."""
    with app.app_context():
        meta = MetaData()
        meta.reflect(bind=db.engine)
        chunks = []
        with db.engine.connect() as conn:
            for table in meta.sorted_tables:
                for row in conn.execute(select(table)):
                    chunks.extend(_as_text(v) for v in row)
    return "\n".join(chunks), len(meta.sorted_tables)


def _forbidden(receipt: str) -> list[str]:
    """Everything that must never be stored or logged."""
    return [CLIENT_ADDRESS, FORWARDED_FOR, USER_AGENT, "Distinctive-Agent", CAMERA, receipt, receipt.replace(" ", "")]


def _leaks(haystack: str, receipt: str) -> list[str]:
    """Forbidden strings (and marker prefixes) found in a text."""
    found = [s for s in _forbidden(receipt) + NUMBER_FORMS if s in haystack]
    found += [m for m in MARKERS.values() if m[:16] in haystack]
    return found


def _run_everything(app, client, gateway, photo: bytes) -> str:
    """Web tip with a photo, wrong receipt, follow-up, SMS conversation, officer replies; returns the receipt."""
    receipt = submit_tip(
        client,
        text=MARKERS["tip"],
        place=MARKERS["place"],
        attachments=(io.BytesIO(photo), "IMG_0042.jpg", "image/jpeg"),
    )
    assert follow_up(client, "1111 2222 3333 4444").status_code == 404
    page = follow_up(client, receipt).get_data(as_text=True)
    hidden = re.search(r'name="receipt" type="hidden" value="([^"]+)"', page).group(1)
    token = csrf_token(client, "/follow-up")
    sent = client.post("/follow-up/message", data={"receipt": hidden, "body": MARKERS["message"], "csrf_token": token})
    assert sent.status_code == 200

    first = reply_text(post_sms(client, app, MARKERS["sms"], sender=NUMBER))
    assert re.search(r"\d{4} \d{4} \d{4} \d{4}", first)
    reply_text(post_sms(client, app, MARKERS["sms2"], sender=NUMBER))

    officer = make_officer(app, "privacy.desk")
    assert login(client, officer).status_code == 302
    for marker, body in (("PRVMARK-TIPTEXT", MARKERS["reply"]), ("PRVMARK-SMSTEXT", MARKERS["sms_reply"])):
        response = post_action(client, tip_by_text(app, marker), "reply", template="", body=body)
        assert response.status_code == 302
    assert [m["Body"] for m in gateway.sent if MARKERS["sms_reply"] in m["Body"]], "the SMS reply was not sent"
    assert MARKERS["reply"] in follow_up(app.test_client(), receipt).get_data(as_text=True)
    return receipt


def test_database_store_and_logs_hold_no_address_agent_number_or_plaintext(app, client, gateway, caplog):
    photo = _photo_with_gps()  # made before logs are captured: only the application's own logging counts
    caplog.set_level(logging.DEBUG)
    client.environ_base.update(
        {"REMOTE_ADDR": CLIENT_ADDRESS, "HTTP_X_FORWARDED_FOR": FORWARDED_FOR, "HTTP_USER_AGENT": USER_AGENT}
    )
    receipt = _run_everything(app, client, gateway, photo)

    dump, tables = _dump_database(app)
    assert tables >= 10 and "PRVMARK" not in dump and len(dump) > 1000
    assert _leaks(dump, receipt) == []

    files = list(Path(app.config["ATTACHMENT_DIR"]).glob("*"))
    assert len(files) == 1
    for stored in files:
        assert _leaks(stored.read_bytes().decode("latin-1"), receipt) == [], stored.name

    assert len(caplog.records) > 0
    logged = "\n".join(
        [caplog.text] + [f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records]
    )
    assert _leaks(logged, receipt) == []


# Every text box of the officers' pages (tipline/blueprints/officer*/forms.py) is either typed into by the walk
# below, through the real pages, or named here with the reason it holds nothing about a tip: a box added later
# fails the test until it is one or the other.
OFFICER_FORM_MODULES = (officer_forms, officer_event_forms)
NOT_ABOUT_A_TIP = {
    **dict.fromkeys(
        [("LoginForm", name) for name in ("username", "password", "code", "resume_url", "resume_fields")],
        "signing in: the password and code are checked, never stored; the kept work is carried by the page",
    ),
    **dict.fromkeys(
        [("PasswordForm", name) for name in ("current", "new", "confirm")]
        + [("AccountForm", "my_password"), ("ResetAccessForm", "my_password")],
        "passwords: stored as an argon2id hash only",
    ),
    **dict.fromkeys(
        [("AccountForm", "username"), ("AccountForm", "display_name")],
        "an account's name: shown to colleagues and in the audit log",
    ),
    **dict.fromkeys(
        [("EventForm", "timezone"), ("EventForm", "place")]
        + [("EventForm", f"{kind}_{code}") for kind in ("title", "description") for code in LANGUAGE_NAMES],
        "an outreach event: published to residents on the events page",
    ),
    ("QueueFilterForm", "after"): "the queue's next-page link: a position in the queue, sent in the URL, never stored",
    **dict.fromkeys(
        [("AuditFilterForm", "person"), ("AuditFilterForm", "tip")],
        "the audit log's filters: a username or tip number to look for, sent in the URL, never stored",
    ),
}


def _text_fields(form_cls) -> list[str]:
    """The names of a form's text boxes (text, text area, password, hidden), as declared on the class."""
    return sorted(
        name
        for name in dir(form_cls)
        if isinstance(unbound := getattr(form_cls, name), UnboundField) and issubclass(unbound.field_class, StringField)
    )


def _officer_text_boxes() -> set[tuple[str, str]]:
    """(form, field) for every text box of every form of the officers' pages."""
    return {
        (form_cls.__name__, name)
        for module in OFFICER_FORM_MODULES
        for form_cls in vars(module).values()
        if isinstance(form_cls, type) and issubclass(form_cls, FlaskForm) and form_cls.__module__ == module.__name__
        for name in _text_fields(form_cls)
    }


class _Officer:
    """An officer at the tip page who types a marker of its own into every text box of each form posted."""

    def __init__(self, client, markers: dict[tuple[str, str], str]):
        self.client, self.markers = client, markers

    def fill(self, public_id: str, action: str, form_cls, expect: int = 302, **choices) -> None:
        """Post form_cls from the tip page with every text box filled with its marker (choices fill the rest)."""
        typed = {}
        for name in _text_fields(form_cls):
            key = (form_cls.__name__, name)
            typed[name] = self.markers.setdefault(key, f"PRVMARK-{len(self.markers):02d}")
        response = post_action(self.client, public_id, action, **(typed | choices))
        assert response.status_code == expect, response.get_data(as_text=True)[:2000]


def _stored(app) -> dict[str, list[str]]:
    """Every stored value by "table.column", read raw; a value the data keys decrypt is given decrypted, marked."""
    with app.app_context():
        meta = MetaData()
        meta.reflect(bind=db.engine)
        found: dict[str, list[str]] = {}
        with db.engine.connect() as conn:
            for table in meta.sorted_tables:
                for row in conn.execute(select(table)).mappings():
                    for column, value in row.items():
                        text = _as_text(value)
                        if isinstance(value, bytes | bytearray | memoryview):
                            try:
                                text = "decrypted: " + crypto.decrypt(bytes(value)).decode("utf-8", "replace")
                            except crypto.KeyConfigError:
                                pass
                        found.setdefault(f"{table.name}.{column}", []).append(text)
    return found


def _holding(stored: dict[str, list[str]], needle: str, decrypted: bool) -> list[str]:
    """The columns where needle is stored in clear (or, with decrypted, encrypted)."""
    return sorted(
        column
        for column, values in stored.items()
        if any(needle in v and v.startswith("decrypted: ") == decrypted for v in values)
    )


def _walk_every_officer_form(app, client, gateway) -> tuple[dict, set]:
    """A routed, shared and closed web tip, a complaint handed back by oversight, an SMS tip answered: every text
    box typed into; returns the markers, and those that nothing keeps (refused, or read for another outcome only)."""
    submit_tip(client, text=SMUGGLING_TIP, category="smuggling", lat="31.65", lon="-106.40")
    submit_tip(app.test_client(), text=NOT_A_COMPLAINT, category="misconduct")
    reply_text(post_sms(client, app, SMS_TIP, sender=NUMBER))
    markers: dict[tuple[str, str], str] = {}
    desk, reviewer = app.test_client(), app.test_client()
    login(desk, make_officer(app, "privacy.forms"))
    login(reviewer, make_officer(app, "privacy.oversight", "oversight", "oversight"))
    desk_officer, oversight = _Officer(desk, markers), _Officer(reviewer, markers)

    web, complaint, sms = (tip_by_text(app, text[:20]) for text in (SMUGGLING_TIP, NOT_A_COMPLAINT, SMS_TIP))
    desk_officer.fill(web, "verify", officer_forms.VerifyForm, outcome="duplicate", expect=400)  # no such tip id
    discarded = {markers[("VerifyForm", "duplicate_of")]}  # the box is read for a duplicate only
    desk_officer.fill(web, "verify", officer_forms.VerifyForm, outcome="verified")
    desk_officer.fill(web, "route", officer_forms.RouteForm, lead="rvpd")  # overriding the proposal: a reason
    desk_officer.fill(web, "reply", officer_forms.ReplyForm, template="")
    desk_officer.fill(web, "share", officer_forms.ShareForm, agency="rvso")
    desk_officer.fill(web, "close", officer_forms.CloseForm, confirm_close="y")

    assert post_action(reviewer, complaint, "category", category="smuggling").status_code == 302
    oversight.fill(complaint, "release", officer_forms.ReleaseForm)
    desk_officer.fill(complaint, "close", officer_forms.CloseForm, confirm_close="y")

    desk_officer.fill(sms, "reply", officer_forms.ReplyForm, template="")
    assert [m for m in gateway.sent if markers[("ReplyForm", "body")] in m["Body"]], "the SMS reply was not sent"
    desk_officer.fill(sms, "close", officer_forms.CloseForm, confirm_close="y")
    return markers, discarded


SMUGGLING_TIP = "Two men unload boxes from a boat near the river every night at 2 am, a white van waits."
NOT_A_COMPLAINT = "Somebody sells stolen phones from a red car behind the bus station on Fridays."
SMS_TIP = "Trucks without lights cross the levee road at 3 am towards the old quarry."


def test_officers_reasons_and_notes_are_stored_encrypted_and_erased_with_the_tip(app, client, gateway, caplog):
    caplog.set_level(logging.DEBUG)
    markers, discarded = _walk_every_officer_form(app, client, gateway)

    assert _officer_text_boxes() - set(NOT_ABOUT_A_TIP) == set(markers)  # every other box was typed into
    stored = _stored(app)
    assert _holding(stored, "PRVMARK", decrypted=False) == [] and "PRVMARK" not in caplog.text
    assert [m for m in markers.values() if m not in discarded and not _holding(stored, m, decrypted=True)] == []

    with app.app_context():
        db.session.execute(update(Tip).values(closed_at=utcnow() - timedelta(days=400)))
        db.session.commit()
    assert "purged 3 tips" in app.test_cli_runner().invoke(args=["retention", "run"]).output
    assert _holding(_stored(app), "PRVMARK", decrypted=True) == []  # erased with the tips, every copy
