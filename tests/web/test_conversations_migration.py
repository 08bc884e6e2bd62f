"""The migration that turns the SMS tables into channel-neutral conversations keeps every row of a running SMS
conversation (numbers still decrypt, the conversation goes on, retries still replay), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from tests.sms_helpers import NUMBER, new_sid, post_sms, reply_text
from tipline.extensions import db
from tipline.models import Contact, Inbound, Outbound, Tip
from tipline.services import messaging

TIP = "A white van without plates waits at the old bridge every night around 2 am."
BEFORE = "0020_triage_relevance"


@pytest.fixture
def migrated_back(app):
    """The schema goes down and up again: reload the deployment afterwards, as an operator does."""
    yield
    from tipline.services import deployment

    with app.app_context():
        db.session.remove()
        upgrade(revision="heads")
        deployment.load(deployment.read(deployment.DEMO_FILE))


def test_sms_conversations_stored_before_the_upgrade_go_on_as_sms_conversations(app, client, gateway, migrated_back):
    sid = new_sid()
    first = reply_text(post_sms(client, app, TIP, sid=sid))
    with app.app_context():
        messaging.reply_to_sender(db.session.scalar(select(Tip)), "Which bridge?", "en")
        db.session.remove()
        downgrade(revision=BEFORE)  # the SMS tables as they were before this release
        db.session.remove()
        old = db.session.execute(text("SELECT COUNT(*) FROM sms_contacts")).scalar_one()
        sent = db.session.execute(text("SELECT COUNT(*) FROM sms_outbound")).scalar_one()
        assert (old, sent) == (1, 1)
        db.session.remove()
        upgrade(revision="heads")
        db.session.remove()
        contact = db.session.scalar(select(Contact))
        assert (contact.channel, contact.address) == ("sms", NUMBER)
        assert db.session.scalars(select(Inbound.channel)).all() == ["sms"]
        assert db.session.scalars(select(Outbound.channel)).all() == ["sms"]
        db.session.remove()
    assert reply_text(post_sms(client, app, TIP, sid=sid)) == first  # a retry still replays the stored answer
    assert "added to your tip" in reply_text(post_sms(client, app, "It came back tonight."))
    with app.app_context():
        messaging.reply_to_sender(db.session.scalar(select(Tip)), "Thank you.", "en")  # new ids follow the old
        assert len(db.session.scalars(select(Inbound)).all()) == 2
        assert len(db.session.scalars(select(Outbound)).all()) == 2
    assert len(gateway.sent) == 2
