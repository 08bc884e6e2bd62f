"""SMS conversations: follow-up texts, language switches, STOP/START, officers' replies out through the gateway,
delivery status, MMS media, numbers kept only encrypted and erased, the admin CLI.

Bad input thrown here: media of a disallowed type (declared and disguised), an unsigned status callback,
a gateway that fails before it accepts a text.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select, text, update

from tests.sms_helpers import NUMBER, address, basic_auth, post_sms, post_status, reply_text, webhook_path
from tipline import tasks
from tipline.extensions import db
from tipline.models import Attachment, Contact, Inbound, Message, Outbound, Status, Tip
from tipline.models.types import utcnow
from tipline.services import messaging, triage, uploads
from tipline.services.conversations import contacts, texts

pytestmark = pytest.mark.usefixtures("each_channel")  # every test once per registered channel
TIP = "A white van without plates waits at the old bridge every night around 2 am."
MORE = "It has a dent on the left door and a ladder on the roof."


def _expected(app, key: str, lang: str, **params) -> str:
    """An automatic text as the sender should read it."""
    with app.app_context():
        return texts.render(key, lang, **params)


def _tips(app) -> list[Tip]:
    """Tips with their conversations loaded."""
    with app.app_context():
        tips = db.session.scalars(select(Tip).order_by(Tip.id)).unique().all()
        return [(t.id, t.text, [m.body for m in t.messages if m.author_role == "sender"]) for t in tips]


def _officer_reply(app, body: str) -> None:
    """An officer answers the latest tip."""
    with app.app_context():
        tip = db.session.scalars(select(Tip).order_by(Tip.id.desc())).first()
        messaging.reply_to_sender(tip, body, "en")


def test_follow_up_texts_join_the_tip_until_the_window_closes(app, client):
    post_sms(client, app, TIP)
    assert reply_text(post_sms(client, app, MORE)) == _expected(app, "appended", "en")
    assert _tips(app) == [(_tips(app)[0][0], TIP, [MORE])]
    with app.app_context():
        hours = app.config["SMS_CONVERSATION_HOURS"] + 1
        db.session.execute(update(Contact).values(last_seen=utcnow() - timedelta(hours=hours)))
        db.session.commit()
    assert "Receipt" in reply_text(post_sms(client, app, "Same van again tonight, now at the gas station."))
    assert len(_tips(app)) == 2


def test_new_keyword_starts_a_new_tip_alone_or_before_the_text(app, client):
    post_sms(client, app, TIP)
    post_sms(client, app, "NUEVO")
    assert "recibo" in reply_text(post_sms(client, app, "Hay un camión abandonado junto al canal desde ayer."))
    assert "Receipt" in reply_text(post_sms(client, app, "NEW Two men sell fuel from barrels behind the church."))
    assert [t[1][:8] for t in _tips(app)] == [TIP[:8], "Hay un c", "Two men "]


def test_conversation_switches_language_with_keywords_and_detection(app, client, monkeypatch):
    detected = {"value": "und"}
    monkeypatch.setattr(triage, "detect_language", lambda text: detected["value"])
    assert "Receipt" in reply_text(post_sms(client, app, TIP))
    detected["value"] = "ht"  # nothing chosen: the language of each text
    assert reply_text(post_sms(client, app, "Kamyonèt la tounen.")) == _expected(app, "appended", "ht")
    assert reply_text(post_sms(client, app, "ES")) == _expected(app, "language", "es")
    assert reply_text(post_sms(client, app, "Kamyonèt la tounen ankò.")) == _expected(app, "appended", "es")
    detected["value"] = "und"  # a language chosen is kept, whatever the texts look like
    assert reply_text(post_sms(client, app, "ok")) == _expected(app, "appended", "es")
    assert reply_text(post_sms(client, app, "AIDE")) == _expected(app, "help", "fr")
    assert reply_text(post_sms(client, app, "more")) == _expected(app, "appended", "fr")


def test_a_receipt_code_texted_opens_its_tip_from_any_phone_and_is_never_stored(app, client):
    first = reply_text(post_sms(client, app, TIP))
    code = re.search(r"(\d{4} \d{4} \d{4} \d{4})", first).group(1)
    other = "+15205550222"
    opened = post_sms(client, app, f"{code.replace(' ', '')} {MORE}", sender=other)
    assert reply_text(opened) == _expected(app, "appended", "en")
    assert reply_text(post_sms(client, app, "Tonight again.", sender=other)) == _expected(app, "appended", "en")
    alone = post_sms(client, app, code.replace(" ", "-"), sender="+15205550333")  # the code alone, with dashes
    assert reply_text(alone) == _expected(app, "receipt_open", "en")
    (tip_id, text, messages), *others = _tips(app)
    assert (text, messages, others) == (TIP, [MORE, "Tonight again."], [])
    with app.app_context():
        stored = " ".join(m.body for m in db.session.scalars(select(Message)))
        assert code.replace(" ", "")[:8] not in stored.replace(" ", "")
        db.session.execute(update(Tip).values(status_code="closed", closed_at=utcnow()))
        db.session.commit()
    closed = post_sms(client, app, f"{code} one more thing", sender=other)
    assert reply_text(closed) == _expected(app, "receipt_closed", "en")
    wrong = reply_text(post_sms(client, app, "1234 5678 1234 5678 a new van", sender="+15205550444"))
    assert "Receipt" in wrong  # sixteen digits that open nothing: a tip like any other


def test_an_mms_of_refused_attachments_alone_makes_no_tip(app, client, gateway):
    gateway.media["ME9"] = (b"\x00\x00\x00\x18ftyp3gp4 video", "video/3gpp")
    reply = reply_text(post_sms(client, app, "", **_mms(gateway, "ME9", "video/3gpp")))
    assert reply == _expected(app, "media_refused", "en")
    assert _tips(app) == []


def test_stop_confirms_once_then_nothing_is_sent_until_start(app, client, gateway):
    post_sms(client, app, TIP)
    assert reply_text(post_sms(client, app, "KANPE")) == _expected(app, "stopped", "ht")
    assert reply_text(post_sms(client, app, "STOP")) is None
    assert reply_text(post_sms(client, app, "HELP")) is None
    assert reply_text(post_sms(client, app, MORE)) is None
    _officer_reply(app, "Can you tell us the colour of the van?")
    assert gateway.sent == []
    assert reply_text(post_sms(client, app, "KÒMANSE")) == _expected(app, "started", "ht")
    _officer_reply(app, "Thank you. Can you tell us the colour of the van?")
    assert [m["Body"] for m in gateway.sent] == [
        _expected(app, "officer", "ht", message="Thank you. Can you tell us the colour of the van?")
    ]


def test_officer_reply_goes_out_through_the_worker_and_delivery_status_is_recorded(app, client, gateway, each_channel):
    post_sms(client, app, TIP)
    _officer_reply(app, "What colour was the van?")
    (sent,) = gateway.sent
    line = app.config["WHATSAPP_FROM_NUMBER" if each_channel == "whatsapp" else "TWILIO_FROM_NUMBER"]
    assert sent["To"] == address(NUMBER) and sent["From"] == address(line)
    assert sent["Body"] == _expected(app, "officer", "en", message="What colour was the van?")
    assert sent["StatusCallback"] == app.config["PUBLIC_BASE_URL"] + webhook_path() + "/status"
    assert sent["auth"] == basic_auth(app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"])
    assert post_status(client, app, sent["sid"], "delivered").status_code == 204
    assert post_status(client, app, sent["sid"], "sent").status_code == 204  # late callback: no regression
    assert post_status(client, app, sent["sid"], "failed", signed=False).status_code == 403
    with app.app_context():
        outbound = db.session.scalar(select(Outbound))
        assert (outbound.status, outbound.attempts, outbound.provider_sid) == ("delivered", 1, sent["sid"])


def _outbound(app) -> tuple[int, str, int]:
    """(id, status, attempts) of the only outbound text."""
    with app.app_context():
        outbound = db.session.scalar(select(Outbound))
        return outbound.id, outbound.status, outbound.attempts


def test_outbound_text_is_retried_with_backoff_until_the_gateway_accepts_it(app, client, gateway):
    assert tasks.send_sms.retry_backoff and tasks.send_sms.max_retries == 5
    post_sms(client, app, TIP)
    gateway.fail_sends = 2
    _officer_reply(app, "Are you safe?")  # the first attempts fail; the reply itself is kept
    outbound_id = _outbound(app)[0]
    tasks.send_sms.apply(args=[outbound_id], throw=False)  # the worker's automatic retries (done if inline)
    assert len(gateway.sent) == 1
    assert _outbound(app)[1:] == ("queued", 3)
    tasks.send_sms.apply(args=[outbound_id], throw=False)  # a duplicate delivery of the task sends nothing
    assert len(gateway.sent) == 1


def test_outbound_text_is_marked_failed_when_the_gateway_never_accepts_it(app, client, gateway, monkeypatch):
    monkeypatch.setitem(tasks.celery.conf, "task_eager_propagates", False)  # as on a worker: retries, then gives up
    post_sms(client, app, TIP)
    gateway.fail_sends = 100
    _officer_reply(app, "Are you safe?")
    tasks.send_sms.apply(args=[_outbound(app)[0]])
    assert _outbound(app)[1] == "failed"
    assert gateway.sent == []


def test_number_is_stored_only_encrypted_never_shown_and_erased_when_the_tip_closes(app, client):
    post_sms(client, app, TIP)
    with app.app_context():
        for table in ("contacts", "inbound_messages", "tips", "messages"):
            rows = db.session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608 - fixed names
            assert NUMBER[1:] not in repr(rows)
        contact = db.session.scalar(select(Contact))
        assert contact.address == address(NUMBER)
        tip = db.session.scalar(select(Tip))
    with app.test_request_context():
        assert re.fullmatch(r"Sender [0-9A-F]{4}", contacts.sender_label_for_tip(tip.id))
        assert contacts.sender_label_for_tip(tip.id) == "Sender " + contact.address_hash[:4].upper()
    with app.app_context():
        assert contacts.forget_addresses_for_closed() == 0
        tip = db.session.scalar(select(Tip))
        tip.status_code = db.session.scalar(select(Status.code).where(Status.is_closed))
        db.session.commit()
        assert contacts.forget_addresses_for_closed() == 1
        assert db.session.scalar(select(Contact.address)) is None


def test_stored_reply_with_the_receipt_is_purged_after_the_retention_window(app, client):
    post_sms(client, app, TIP)
    with app.app_context():
        assert contacts.purge_stored_replies() == 0
        hours = app.config["SMS_REPLY_RETENTION_HOURS"] + 1
        db.session.execute(update(Inbound).values(created_at=utcnow() - timedelta(hours=hours)))
        db.session.commit()
        assert contacts.purge_stored_replies() == 1
        assert db.session.scalar(select(Inbound.reply)) is None


def _jpeg_with_gps() -> bytes:
    """A phone photo with camera and GPS tags."""
    img, exif = Image.new("RGB", (32, 24), (10, 120, 200)), Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825)[1] = "N"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _mms(gateway, name: str, declared: str) -> dict:
    """Media fields of an MMS pointing at the local gateway."""
    return {"NumMedia": "1", "MediaUrl0": f"{gateway.url}/media/{name}", "MediaContentType0": declared}


def test_mms_photo_is_fetched_with_credentials_stripped_and_attached(app, client, gateway):
    gateway.media["ME1"] = (_jpeg_with_gps(), "image/jpeg")
    assert "Receipt" in reply_text(post_sms(client, app, TIP, **_mms(gateway, "ME1", "image/jpeg")))
    assert gateway.media_auth == [basic_auth(app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"])]
    with app.app_context():
        (attachment,) = db.session.scalars(select(Attachment)).all()
        stored = uploads.load(attachment.storage_key)
        assert attachment.content_type == "image/jpeg" and b"PhoneMaker" not in stored


def test_mms_of_a_disallowed_type_is_refused_and_the_sender_told(app, client, gateway):
    gateway.media["ME2"] = (b"\x00\x00\x00\x18ftypmp42 video", "video/mp4")
    reply = reply_text(post_sms(client, app, TIP, **_mms(gateway, "ME2", "video/mp4")))
    assert _expected(app, "media_refused", "en") in reply and "Receipt" in reply
    assert gateway.media_auth == []  # never downloaded
    gateway.media["ME3"] = (b"MZ\x90\x00 not really a photo", "image/jpeg")
    post_sms(client, app, MORE, **_mms(gateway, "ME3", "image/jpeg"))
    assert [m["Body"] for m in gateway.sent] == [_expected(app, "media_refused", "en")]
    with app.app_context():
        assert db.session.scalars(select(Attachment)).all() == []
        assert len(db.session.scalars(select(Message).where(Message.author_role == "sender")).all()) == 1


def test_tips_count_cli_counts_tips_that_came_by_sms(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tips", "count"]).output.strip() == "0"
    post_sms(client, app, TIP)
    post_sms(client, app, MORE)
    post_sms(client, app, "NEW Somebody sells pills behind the bus station.")
    result = runner.invoke(args=["tips", "count"])
    assert result.exit_code == 0 and result.output.strip() == "2"


def test_sms_purge_cli_erases_numbers_of_closed_tips(app, client):
    post_sms(client, app, TIP)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["sms", "purge"]).output.strip() == "erased 0 numbers, 0 stored replies"
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        tip.status_code = db.session.scalar(select(Status.code).where(Status.is_closed))
        db.session.commit()
    assert runner.invoke(args=["sms", "purge"]).output.strip() == "erased 1 numbers, 0 stored replies"
    with app.app_context():
        assert db.session.scalar(select(Contact.address)) is None
