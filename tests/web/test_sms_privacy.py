"""Phone numbers: the number key is required in production and generated for the demo; no log line holds a
number or a text, even when the gateway fails."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from tests.sms_helpers import NUMBER, post_sms, start_gateway
from tipline import create_app
from tipline.config import ProductionConfig, TestConfig
from tipline.extensions import db
from tipline.models import Tip
from tipline.services import messaging
from tipline.services.crypto import KeyConfigError

TIP = "Someone pays teenagers to carry backpacks across the river near the water tower."


def _settings(config, **overrides) -> dict:
    """A config class's settings as a dict, with overrides."""
    return {k: getattr(config, k) for k in dir(config) if k.isupper()} | overrides


def test_production_refuses_to_start_without_the_number_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TIPLINE_INSTANCE", str(tmp_path))
    keys = {k: getattr(TestConfig, k) for k in ("SECRET_KEY", "DATA_ENCRYPTION_KEYS", "RECEIPT_INDEX_KEY")}
    settings = _settings(ProductionConfig, SMS_NUMBER_KEY=None, SQLALCHEMY_DATABASE_URI="sqlite://", **keys)
    with pytest.raises(KeyConfigError, match="SMS_NUMBER_KEY"):
        create_app(settings)


def test_demo_creates_the_number_key_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TIPLINE_INSTANCE", str(tmp_path))
    app = create_app(_settings(TestConfig, SMS_NUMBER_KEY=None))
    stored = (tmp_path / "sms_number_key").read_text().strip()
    assert app.config["SMS_NUMBER_KEY"] == stored and len(stored) >= 32
    assert (tmp_path / "sms_number_key").stat().st_mode & 0o077 == 0


def test_no_log_line_holds_a_number_or_a_text(app, client, caplog, monkeypatch):
    state, server = start_gateway()
    monkeypatch.setitem(app.config, "TWILIO_API_BASE", state.url)
    state.fail_sends = 100
    try:
        with caplog.at_level(logging.DEBUG):
            post_sms(client, app, TIP)
            with app.app_context():
                messaging.reply_to_sender(db.session.scalar(select(Tip)), "Which bridge exactly?", "en")
            post_sms(client, app, "STOP")
    finally:
        server.shutdown()
        server.server_close()
    logged = caplog.text
    assert NUMBER[1:] not in logged and NUMBER[-7:] not in logged
    assert TIP not in logged and "Which bridge" not in logged


def test_a_reply_sent_just_before_closing_still_reaches_the_sender_then_the_number_goes(
    app, client, gateway, monkeypatch
):
    from tests.helpers import login, make_officer, post_action
    from tipline import tasks
    from tipline.models import Contact, Outbound
    from tipline.services.conversations import contacts, outbound

    post_sms(client, app, TIP)
    with app.app_context():
        tip_id = db.session.scalar(select(Tip.public_id))
    officer = app.test_client()
    login(officer, make_officer(app, "desk.sms.close", "officer", "liaison"))
    queued = []  # the worker is busy: the reply waits in the queue (as with a broker) while the officer closes
    monkeypatch.setattr(tasks, "dispatch", lambda task, *args: queued.append((task, args)) or True)
    post_action(officer, tip_id, "reply", body="Officers checked the bridge, thank you. We are closing this.")
    post_action(officer, tip_id, "close", confirm_close="y")
    with app.app_context():
        reply = db.session.scalar(select(Outbound))
        assert db.session.scalar(select(Contact.address)) is not None  # still owed a reply
        contacts.forget_addresses_for_closed()  # the nightly retention job runs meanwhile
        assert db.session.scalar(select(Contact.address)) is not None
        assert queued and outbound.send_outbound(reply.id) not in ("suppressed", "failed")  # the worker
        assert db.session.scalar(select(Contact.address)) is None  # nothing owed any more
    assert any("closing this" in sent.get("Body", "") for sent in gateway.sent)


def test_a_help_text_from_a_new_number_leaves_no_number_stored(app, client):
    from tests.sms_helpers import OTHER_NUMBER, reply_text
    from tipline.models import Contact

    assert reply_text(post_sms(client, app, "HELP", sender=OTHER_NUMBER))
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert contact.address is None and contact.address_hash
