"""WhatsApp's 24-hour customer-service window: after it a free-form reply cannot go, so the officer is told, the
reply is held, the deployment's approved template is offered, and the sender's answer to it releases the reply.
SMS has no such window. Thrown at it: a deployment without a template."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.helpers import login, make_officer, post_action, tip_by_text
from tests.sms_helpers import post_sms, reply_text
from tipline.extensions import db
from tipline.models import Contact
from tipline.models.types import utcnow

TIP = "Two men load crates into a grey pickup behind the closed school every Tuesday night."
QUESTION = "Which road does the pickup take when it leaves?"


def _officer(app, name: str):
    """A liaison officer's browser, logged in."""
    officer = app.test_client()
    login(officer, make_officer(app, name, "officer", "liaison"))
    return officer


def _sender_last_wrote(app, hours: int) -> None:
    """Move the sender's last message back in time."""
    with app.app_context():
        db.session.execute(update(Contact).values(last_seen=utcnow() - timedelta(hours=hours)))
        db.session.commit()


def _page(officer, tip_id: str) -> str:
    """The tip page as the officer reads it."""
    return html.unescape(officer.get(f"/officer/tips/{tip_id}").get_data(as_text=True))


def test_a_whatsapp_reply_after_24_hours_is_held_and_the_officer_is_offered_the_template(app, client, gateway):
    post_sms(client, app, TIP, channel="whatsapp")
    tip_id = tip_by_text(app, "grey pickup")
    officer = _officer(app, "desk.wa.window")
    _sender_last_wrote(app, 25)
    answer = post_action(officer, tip_id, "reply", body=QUESTION)
    page = _page(officer, tip_id)
    assert answer.status_code == 302 and "Reply saved, but not sent yet" in page
    assert gateway.sent == []  # nothing WhatsApp would refuse is sent
    assert 'id="window-over"' in page and app.config["WHATSAPP_TEMPLATE_TEXT"] in page
    assert post_action(officer, tip_id, "invite-back").status_code == 302
    assert "Template message sent" in _page(officer, tip_id)
    (template,) = gateway.sent
    assert template["ContentSid"] == app.config["WHATSAPP_TEMPLATE_SID"] and "Body" not in template
    assert template["To"] == "whatsapp:+15205550123"
    assert reply_text(post_sms(client, app, "Hello?", channel="whatsapp"))  # the sender answers the template
    assert [QUESTION in sent.get("Body", "") for sent in gateway.sent] == [False, True]
    assert 'id="window-over"' not in _page(officer, tip_id)


def test_a_whatsapp_reply_within_24_hours_goes_at_once(app, client, gateway):
    post_sms(client, app, TIP, channel="whatsapp")
    tip_id = tip_by_text(app, "grey pickup")
    _sender_last_wrote(app, 23)
    post_action(_officer(app, "desk.wa.open"), tip_id, "reply", body=QUESTION)
    assert [QUESTION in sent["Body"] for sent in gateway.sent] == [True]


def test_an_sms_reply_has_no_24_hour_window(app, client, gateway):
    post_sms(client, app, TIP, channel="sms")
    tip_id = tip_by_text(app, "grey pickup")
    officer = _officer(app, "desk.sms.window")
    _sender_last_wrote(app, 25)
    post_action(officer, tip_id, "reply", body=QUESTION)
    assert [QUESTION in sent["Body"] for sent in gateway.sent] == [True]
    assert 'id="window-over"' not in _page(officer, tip_id)


@pytest.mark.parametrize("setting", ["WHATSAPP_TEMPLATE_SID", "WHATSAPP_TEMPLATE_TEXT"])
def test_without_a_template_the_officer_is_told_the_follow_up_page_is_the_way(
    app, client, gateway, monkeypatch, setting
):
    monkeypatch.setitem(app.config, setting, None)
    post_sms(client, app, TIP, channel="whatsapp")
    tip_id = tip_by_text(app, "grey pickup")
    officer = _officer(app, "desk.wa.none")
    _sender_last_wrote(app, 25)
    post_action(officer, tip_id, "reply", body=QUESTION)
    page = _page(officer, tip_id)
    assert 'id="no-template"' in page and "follow-up page" in page
    assert post_action(officer, tip_id, "invite-back").status_code == 400
    assert gateway.sent == []
