"""The SMS webhook: signed Twilio-compatible requests, receipts, exactly-once replies, keywords in five languages.

Bad input thrown at it here: a missing or wrong signature, a signature made for another URL, an empty body, a
1,600-character concatenated text, unknown extra fields, a missing MessageSid or From, a flood from one number.
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from tests.helpers import STATUS_RE, follow_up
from tests.sms_helpers import (
    NUMBER,
    OTHER_NUMBER,
    address,
    new_sid,
    post_sms,
    reply_text,
    sign,
    sms_params,
    webhook_path,
)
from tipline.extensions import db
from tipline.models import Inbound, Message, Outbound, Tip
from tipline.services.conversations import texts

pytestmark = pytest.mark.usefixtures("each_channel")  # every test once per registered channel
TIP = "A white van without plates waits at the old bridge every night around 2 am."
RECEIPT_IN_REPLY = r"(\d{4} \d{4} \d{4} \d{4})"


def _count(app, model) -> int:
    """Rows of a model."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _post_signed(client, app, params: dict):
    """Post params correctly signed to the channel's webhook."""
    return client.post(webhook_path(), data=params, headers={"X-Twilio-Signature": sign(app, webhook_path(), params)})


def _expected(app, key: str, lang: str) -> str:
    """An automatic text as the sender should read it."""
    with app.test_request_context():
        return texts.render(key, lang)


def test_first_text_creates_a_tip_whose_receipt_opens_it_on_the_web(app, client, each_channel):
    reply = reply_text(post_sms(client, app, TIP))
    code = re.search(RECEIPT_IN_REPLY, reply).group(1)
    assert "/follow-up" in reply
    page = follow_up(client, code).get_data(as_text=True)
    assert TIP in page
    assert STATUS_RE.search(page).group(1) == "Received"
    with app.app_context():
        assert db.session.scalar(select(Tip.channel)) == each_channel


@pytest.mark.parametrize("signature", [None, "bm90LWEtc2lnbmF0dXJl"], ids=["missing", "wrong"])
def test_missing_or_wrong_signature_is_refused_and_logged_without_the_number(app, client, caplog, signature):
    headers = {"X-Twilio-Signature": signature} if signature else {}
    with caplog.at_level(logging.INFO):
        response = client.post(webhook_path(), data=sms_params(TIP), headers=headers)
    assert response.status_code == 403
    assert "signature" in caplog.text
    assert NUMBER not in caplog.text and NUMBER[1:] not in caplog.text and TIP not in caplog.text
    assert _count(app, Tip) == 0


def test_signature_made_for_another_url_is_refused(app, client):
    params = sms_params(TIP)
    headers = {"X-Twilio-Signature": sign(app, "", params, url="https://elsewhere.example" + webhook_path())}
    assert client.post(webhook_path(), data=params, headers=headers).status_code == 403
    assert _count(app, Tip) == 0


def test_signature_of_other_fields_is_refused(app, client):
    params = sms_params(TIP)
    headers = {"X-Twilio-Signature": sign(app, webhook_path(), params)}
    tampered = params | {"Body": "Something else entirely, typed by an attacker."}
    assert client.post(webhook_path(), data=tampered, headers=headers).status_code == 403


def test_empty_text_answers_help_without_creating_a_tip(app, client):
    assert reply_text(post_sms(client, app, "   ")) == _expected(app, "help", "en")
    assert _count(app, Tip) == 0


def test_concatenated_1600_character_text_is_accepted_whole(app, client):
    long_text = ("Boxes are unloaded behind the feed store on Ruiz street at night. " * 30)[:1600]
    assert len(long_text) == 1600
    post_sms(client, app, long_text)
    with app.app_context():
        assert db.session.scalar(select(Tip)).text == long_text


def test_unknown_extra_fields_are_ignored(app, client):
    response = post_sms(client, app, TIP, SmsStatus="received", FromCity="NOGALES", ApiVersion="2010-04-01", X="1")
    assert "Receipt" in reply_text(response)
    assert _count(app, Tip) == 1


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_missing_message_id_or_sender_is_a_bad_request(app, client, missing):
    params = sms_params(TIP)
    del params[missing]
    response = client.post(
        webhook_path(), data=params, headers={"X-Twilio-Signature": sign(app, webhook_path(), params)}
    )
    assert response.status_code == 400
    assert _count(app, Tip) == 0


def test_signed_request_replayed_with_a_shifted_message_sid_is_refused(app, client, caplog):
    params = sms_params(TIP)
    signature = sign(app, webhook_path(), params)
    assert "Receipt" in reply_text(client.post(webhook_path(), data=params, headers={"X-Twilio-Signature": signature}))
    counts = [_count(app, model) for model in (Tip, Inbound, Message)]
    # Twilio signs keys and values joined without separators: moving "NumMedia0" into the id signs the same.
    replayed = {k: v for k, v in params.items() if k != "NumMedia"} | {"MessageSid": params["MessageSid"] + "NumMedia0"}
    assert sign(app, webhook_path(), replayed) == signature
    with caplog.at_level(logging.INFO):
        answers = [client.post(webhook_path(), data=replayed, headers={"X-Twilio-Signature": signature}) for _ in "ab"]
    assert [a.status_code for a in answers] == [400, 400]
    assert [_count(app, model) for model in (Tip, Inbound, Message)] == counts
    refused = [r for r in caplog.records if r.name == "tipline.blueprints.channel_webhook"]
    assert len(refused) == 1, "one log line per minute, not one per refused request"
    assert NUMBER[1:] not in caplog.text and TIP not in caplog.text


NOT_A_DELIVERY = [
    ("MessageSid", "SM" + "0" * 31),
    ("MessageSid", "SM" + "A" * 32),
    ("MessageSid", "XY" + "0" * 32),
    ("To", None),
    ("To", " "),
    ("NumMedia", None),
    ("NumMedia", "0To+15005550006"),
    ("AccountSid", None),
]


@pytest.mark.parametrize(("field", "value"), NOT_A_DELIVERY, ids=[f"{f}={v!r}" for f, v in NOT_A_DELIVERY])
def test_signed_request_without_what_a_real_delivery_has_is_a_bad_request(app, client, field, value):
    params = sms_params(TIP)
    params = {k: v for k, v in params.items() if k != field} | ({} if value is None else {field: value})
    response = client.post(
        webhook_path(), data=params, headers={"X-Twilio-Signature": sign(app, webhook_path(), params)}
    )
    assert response.status_code == 400
    assert _count(app, Tip) == 0


def test_signed_request_for_another_account_is_forbidden(app, client):
    params = sms_params(TIP, AccountSid="AC" + "1" * 32)
    response = client.post(
        webhook_path(), data=params, headers={"X-Twilio-Signature": sign(app, webhook_path(), params)}
    )
    assert response.status_code == 403
    assert _count(app, Tip) == 0


def test_multimedia_message_id_is_accepted(app, client):
    assert "Receipt" in reply_text(post_sms(client, app, TIP, sid="MM" + "0123456789abcdef" * 2))


def test_retried_message_id_replays_the_same_reply_and_creates_nothing_more(app, client):
    sid = new_sid()
    first = reply_text(post_sms(client, app, TIP, sid=sid))
    counts = [_count(app, model) for model in (Tip, Inbound, Message, Outbound)]
    again = reply_text(post_sms(client, app, TIP, sid=sid))
    assert again == first and "Receipt" in first
    assert [_count(app, model) for model in (Tip, Inbound, Message, Outbound)] == counts
    assert counts[:2] == [1, 1] and counts[3] == 0


def test_flood_from_one_number_gets_one_polite_answer_then_silence(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_RATE_LIMIT", "3 per hour")
    replies = [reply_text(post_sms(client, app, f"{TIP} ({i})")) for i in range(6)]
    assert all(replies[:3])
    assert replies[3] == _expected(app, "throttled", "en")
    assert replies[4:] == [None, None]
    assert _count(app, Tip) == 1  # later texts joined the first tip; the flood stored nothing
    assert reply_text(post_sms(client, app, TIP, sender=OTHER_NUMBER))  # another number is not affected


KEYWORDS = [
    # (what the sender types, what it does, language of the answer)
    ("STOP", "stopped", "en"),
    ("arrêt", "stopped", "fr"),
    ("Alto", "stopped", "es"),
    ("PARE", "stopped", "es"),
    ("kanpe", "stopped", "ht"),
    ("توقف", "stopped", "ar"),
    ("HELP", "help", "en"),
    ("Aide", "help", "fr"),
    ("AYUDA", "help", "es"),
    ("ÈD", "help", "ht"),
    ("مساعدة", "help", "ar"),
    ("START", "started", "en"),
    ("COMMENCER", "started", "fr"),
    ("inicio", "started", "es"),
    ("KÒMANSE", "started", "ht"),
    ("ابدأ", "started", "ar"),
    ("NEW", "new_ready", "en"),
    ("NOUVEAU", "new_ready", "fr"),
    ("nuevo", "new_ready", "es"),
    ("NOUVO", "new_ready", "ht"),
    ("جديد", "new_ready", "ar"),
    ("EN", "language", "en"),
    ("FR", "language", "fr"),
    ("es", "language", "es"),
    ("HT", "language", "ht"),
    ("AR", "language", "ar"),
]


@pytest.mark.parametrize(("typed", "text", "lang"), KEYWORDS, ids=[k[0] for k in KEYWORDS])
def test_keyword_in_every_language_is_answered_in_that_language(app, client, typed, text, lang):
    reply = reply_text(post_sms(client, app, f"  {typed} "))
    assert reply == _expected(app, text, lang)
    if lang != "en":
        assert reply != _expected(app, text, "en"), "the catalog lacks this translation"
    assert _count(app, Tip) == 0


@pytest.mark.parametrize("typed", ["stop", "Stop.", "ARRET", "Arrêt!", "إيقاف", "Kanpe"])
def test_stop_is_matched_case_accent_and_punctuation_insensitively(app, client, typed):
    assert reply_text(post_sms(client, app, typed)) is not None
    assert reply_text(post_sms(client, app, TIP)) is None  # silence after STOP


def test_keyword_inside_a_sentence_is_just_text(app, client):
    reply = reply_text(post_sms(client, app, "Please stop the trucks that race through our street at night."))
    assert "Receipt" in reply
    assert _count(app, Tip) == 1


def test_web_form_still_requires_its_csrf_token(client):
    assert client.post("/tip", data={"text": TIP}).status_code == 400


@pytest.mark.parametrize(("channel", "other"), [("sms", "whatsapp"), ("whatsapp", "sms")])
def test_a_message_of_the_other_channel_is_a_bad_request(app, client, channel, other):
    params = sms_params(TIP, channel=other)  # e.g. whatsapp: addresses posted to the SMS webhook
    path = webhook_path(channel)
    response = client.post(path, data=params, headers={"X-Twilio-Signature": sign(app, path, params)})
    assert response.status_code == 400
    assert _count(app, Tip) == 0


def test_whatsapp_is_refused_where_the_deployment_has_no_whatsapp_sender(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WHATSAPP_FROM_NUMBER", None)
    assert post_sms(client, app, TIP, channel="whatsapp").status_code == 403
    assert _count(app, Tip) == 0


def test_the_same_number_on_sms_and_on_whatsapp_is_two_conversations(app, client):
    assert "Receipt" in reply_text(post_sms(client, app, TIP, channel="sms"))
    assert "Receipt" in reply_text(post_sms(client, app, TIP + " Again.", channel="whatsapp"))
    with app.app_context():
        assert sorted(db.session.scalars(select(Tip.channel))) == ["sms", "whatsapp"]
    assert address(NUMBER, "whatsapp") == "whatsapp:" + NUMBER
