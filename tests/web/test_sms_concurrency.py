"""Exactly once under concurrent duplicate deliveries: threads posting one MessageSid to a real local server."""

from __future__ import annotations

import threading
import urllib.request
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests.sms_helpers import MESSAGE_RE, new_sid, sign, sms_params
from tipline import create_app, tasks
from tipline.config import TestConfig
from tipline.extensions import db
from tipline.models import Inbound, Outbound, Tip
from tipline.services import triage

DELIVERIES = 8
TIP = "Three pickups without lights cross the dry wash north of the mile 12 marker every night."


@pytest.fixture
def server_app(app, tmp_path, monkeypatch):
    """The app to serve from threads: a second app on a SQLite file (in-memory SQLite is one connection)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        yield app  # PostgreSQL: the session app's pool serves threads
        return
    monkeypatch.setattr(tasks, "dispatch", lambda task, *args: True)  # triage belongs to the session app
    tasks.celery.finalize(auto=True)  # bind every task to the session app before a second app exists
    uri = f"sqlite:///{tmp_path / 'threads.sqlite'}"
    other = create_app({**_config(), "SQLALCHEMY_DATABASE_URI": uri})
    tasks.init_app(app)
    with other.app_context():
        from flask_migrate import upgrade

        from tipline.services import deployment

        upgrade(revision="heads")
        deployment.load(deployment.read(deployment.DEMO_FILE))
        triage.detect_language(TIP)  # load the language model once, not in eight threads at a time
    yield other
    with other.app_context():
        db.engine.dispose()


def _config() -> dict:
    """The test settings as a dict."""
    return {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}


def _post(url: str, params: dict, signature: str, results: list, barrier: threading.Barrier) -> None:
    """One delivery, started together with the others."""
    request = urllib.request.Request(url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature})
    barrier.wait()
    with urllib.request.urlopen(request, timeout=30) as response:
        results.append((response.status, response.read().decode()))


def _deliver_together(server_app, deliveries: list[dict]) -> list[tuple[int, str]]:
    """Post every delivery to a real local server at the same moment; (status, body) of each."""
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/sms/twilio"
        results, barrier = [], threading.Barrier(len(deliveries))
        threads = [
            threading.Thread(
                target=_post, args=(url, params, sign(server_app, "/sms/twilio", params), results, barrier)
            )
            for params in deliveries
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        server.shutdown()
    return results


def test_concurrent_duplicate_deliveries_create_one_tip_and_the_same_reply(server_app):
    params = sms_params(TIP, sid=new_sid())
    results = _deliver_together(server_app, [params] * DELIVERIES)
    assert [status for status, _ in results] == [200] * DELIVERIES
    replies = {MESSAGE_RE.search(body).group(1) for _, body in results}
    assert len(replies) == 1 and "Receipt code" in replies.pop()
    with server_app.app_context():
        counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Tip, Inbound, Outbound)]
    assert counts == [1, 1, 0]


def test_the_parts_of_a_long_text_arriving_together_make_one_tip(server_app):
    parts = [TIP, "They turn east at the water tank and", "come back two hours later without cargo."]
    results = _deliver_together(server_app, [sms_params(part, sid=new_sid()) for part in parts])
    assert [status for status, _ in results] == [200] * len(parts)
    replies = [MESSAGE_RE.search(body).group(1) for _, body in results]
    assert sum("Receipt code" in reply for reply in replies) == 1
    with server_app.app_context():
        (tip,) = db.session.scalars(select(Tip)).all()
        assert sorted([tip.text, *(m.body for m in tip.messages)]) == sorted(parts)
