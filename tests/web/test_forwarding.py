"""Forwarding a tip to an agency's own system: signed JSON that follows the published schema, retried.

Thrown at it: a receiver that fails twice (HTTP 500, then 503) before accepting. Every attempt is recorded, the
third succeeds, and the receiver can check the HMAC signature with the shared secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select, update

from tests.helpers import login, make_officer, post_action, submit_tip, tip_by_text
from tipline.extensions import db
from tipline.models import Agency, AuditEntry, ForwardAttempt, Tip
from tipline.services import forwarding

SECRET = "shared-secret-with-the-federal-unit"


class Receiver(BaseHTTPRequestHandler):
    """An agency system that answers 500, 503, then 200, and keeps what it received."""

    statuses: list[int] = []
    received: list[tuple[dict, str]] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((json.loads(body), self.headers[forwarding.SIGNATURE_HEADER], body))
        self.send_response(self.statuses.pop(0) if self.statuses else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(app, monkeypatch):
    Receiver.statuses, Receiver.received = [500, 503], []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("FEDLIAISON_FORWARD_SECRET", SECRET)
    with app.app_context():
        url = f"http://127.0.0.1:{server.server_port}/tips"
        db.session.execute(update(Agency).where(Agency.code == "fedliaison").values(forward_url=url))
        db.session.commit()
    yield Receiver
    server.shutdown()


def test_forwarding_retries_until_the_receiver_accepts(app, client, receiver):
    submit_tip(client, text="Boxes unloaded from a boat under the old bridge at 2 am, three men, a white van.")
    tip_id = tip_by_text(app, "Boxes unloaded")
    login(client, make_officer(app, "desk.fwd", "officer", "liaison"))
    response = post_action(client, tip_id, "share", agency="fedliaison", reason="Federal smuggling case", forward="y")
    assert response.status_code == 302
    with app.app_context():
        attempts = db.session.scalars(select(ForwardAttempt).order_by(ForwardAttempt.id)).all()
        assert [(a.attempt, a.status_code, a.ok) for a in attempts] == [
            (1, 500, False),
            (2, 503, False),
            (3, 200, True),
        ]
    payload, signature, body = receiver.received[-1]
    assert payload["tip_id"] == tip_id
    assert payload["text"].startswith("Boxes unloaded")
    assert set(payload) <= set(forwarding.SCHEMA["properties"])
    assert set(forwarding.SCHEMA["required"]) <= set(payload)
    assert signature == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    attempts = page.split("<h2>Forwarding attempts</h2>")[1].split("</ul>")[0]
    assert "<bdi>Federal Border Liaison Unit</bdi> #3" in attempts
    assert [line.endswith("· delivered</li>") for line in attempts.split("<li")[1:]] == [False, False, True]


def test_without_the_signing_secret_nothing_is_sent_and_the_officer_sees_why(app, client, receiver, monkeypatch):
    monkeypatch.delenv("FEDLIAISON_FORWARD_SECRET")
    submit_tip(client, text="Boxes unloaded from a boat under the old bridge at 2 am, three men, a white van.")
    tip_id = tip_by_text(app, "Boxes unloaded")
    login(client, make_officer(app, "desk.nokey", "officer", "liaison"))
    post_action(client, tip_id, "share", agency="fedliaison", reason="Federal smuggling case", forward="y")
    assert receiver.received == []
    page = client.get(f"/officer/tips/{tip_id}?lang=es").get_data(as_text=True)
    assert "no enviada: no hay clave de firma para esta agencia" in page
    assert "FEDLIAISON_FORWARD_SECRET" not in page  # operators' detail, for administrators only
    admin = app.test_client()
    login(admin, make_officer(app, "liaison.admin.fwd", "admin", "liaison"))
    assert "set FEDLIAISON_FORWARD_SECRET to sign it" in admin.get(f"/officer/tips/{tip_id}").get_data(as_text=True)


def test_the_schema_is_published(client):
    schema = client.get("/officer/forwarding-schema.json").get_json()
    assert schema["title"] == "Tip forwarded by the community tip line"
    assert "tip_id" in schema["required"]


def test_a_retry_after_the_tip_became_a_complaint_sends_nothing(app, client, receiver):
    receiver.statuses = [500] * 10  # the receiver is down when the tip is shared
    submit_tip(client, text="Boxes unloaded from a boat under the old bridge at 2 am, three men, a white van.")
    tip_id = tip_by_text(app, "Boxes unloaded")
    login(client, make_officer(app, "desk.fwd2", "officer", "liaison"))
    post_action(client, tip_id, "share", agency="fedliaison", reason="Federal smuggling case", forward="y")
    sent = len(receiver.received)
    assert sent >= 1 and all(p["from_agency"] == "liaison" for p, _, _ in receiver.received)
    assert post_action(client, tip_id, "category", category="misconduct").status_code == 302
    receiver.statuses = []
    with app.app_context():
        tip = db.session.scalar(select(Tip).where(Tip.public_id == tip_id))
        forwarding.deliver(tip.id, "fedliaison", attempt=9)  # the worker's pending retry
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.tip_public_id == tip_id)).all()
    assert len(receiver.received) == sent
    assert "tip.forward_withdrawn" in actions


def test_sharing_with_an_agency_without_a_system_of_its_own_is_a_share_not_a_forward(app, client, receiver):
    submit_tip(client, text="Boxes unloaded from a boat under the old bridge at 2 am, three men, a white van.")
    tip_id = tip_by_text(app, "Boxes unloaded")
    login(client, make_officer(app, "desk.nosys", "officer", "liaison"))
    form = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True).split('name="agency"')[1].split("</select>")[0]
    assert form.split("<option")[1].startswith(' value="">Choose an agency<')  # nothing chosen by a slip
    with app.app_context():
        agencies = db.session.scalars(select(Agency).order_by(Agency.code)).all()
        code = next(a.code for a in agencies if not a.forward_url and a.kind not in ("oversight", "liaison"))
    shared = post_action(client, tip_id, "share", agency=code, reason="Their patrol area", forward="y")
    page = client.get(shared.headers["Location"]).get_data(as_text=True)
    assert "This agency has no system of its own to send it to" in page
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.tip_public_id == tip_id)).all()
    assert "tip.share" in actions and "tip.forward" not in actions
    assert receiver.received == []
