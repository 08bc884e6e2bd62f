"""Shared fixtures: the app on a throw-away database (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import MetaData

from tipline import ROOT, create_app
from tipline.channels import REGISTRY
from tipline.config import TestConfig
from tipline.extensions import db, limiter

DEPLOYMENT_TABLES = {"categories", "statuses", "agencies", "areas", "places", "mou_rules"}


def _reset_schema() -> None:
    """Drop every table the database holds, those an older schema left (renamed since) and Alembic's bookkeeping
    included, then build the schema through the migrations."""
    from flask_migrate import upgrade

    existing = MetaData()
    existing.reflect(bind=db.engine)
    existing.drop_all(bind=db.engine)
    upgrade(revision="heads")


def _compile_catalogs() -> None:
    """Build the .mo files if this checkout has none yet (they are never committed)."""
    from babel.messages.frontend import CommandLineInterface

    translations = ROOT / "translations"
    if not list(translations.glob("*/LC_MESSAGES/messages.mo")):
        CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(translations)])


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The application, schema built by the migrations, demo deployment loaded."""
    _compile_catalogs()
    instance = tmp_path_factory.mktemp("instance")
    os.environ["TIPLINE_INSTANCE"] = str(instance)
    app = create_app(TestConfig)
    app.config["ATTACHMENT_DIR"] = str(instance / "attachments")
    with app.app_context():
        _reset_schema()
        from tipline.services import deployment

        deployment.load(deployment.read(deployment.DEMO_FILE))
    return app


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty the tip tables and the rate limiter after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):  # children before parents
                if table.name not in DEPLOYMENT_TABLES:
                    conn.execute(table.delete())
        limiter.reset()
        for stored in Path(app.config["ATTACHMENT_DIR"]).glob("*"):
            stored.unlink()


@pytest.fixture
def client(app):
    """A test client (a resident's browser without JavaScript)."""
    return app.test_client()


@pytest.fixture(params=sorted(REGISTRY))
def each_channel(request, monkeypatch) -> str:
    """Run a conversation test once per registered channel (the helpers in tests.sms_helpers post to it)."""
    from tests import sms_helpers

    monkeypatch.setattr(sms_helpers, "CHANNEL", request.param)
    return request.param


@pytest.fixture
def gateway(app, monkeypatch):
    """A local stand-in for the SMS gateway's REST API and media store, on 127.0.0.1."""
    from tests.sms_helpers import start_gateway

    state, server = start_gateway()
    monkeypatch.setitem(app.config, "TWILIO_API_BASE", state.url)
    yield state
    server.shutdown()
    server.server_close()
