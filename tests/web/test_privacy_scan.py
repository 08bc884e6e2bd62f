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
from pathlib import Path

from PIL import Image
from sqlalchemy import MetaData, select

from tests.helpers import csrf_token, follow_up, login, make_officer, post_action, submit_tip, tip_by_text
from tests.sms_helpers import post_sms, reply_text
from tipline.extensions import db

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
