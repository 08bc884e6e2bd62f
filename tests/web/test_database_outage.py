"""A database outage: residents are told plainly that nothing was received and get their text back; officers get
the site's own page; the log names the outage. The database goes away for real: the app's engine is pointed at an
address where nothing answers (a closed port, or a SQLite file in a folder that does not exist)."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text

from tests.helpers import CSRF_RE, SUBMISSION_RE, free_port, login, make_officer, open_event, submit_tip
from tipline import create_app, tasks
from tipline.config import TestConfig
from tipline.extensions import db
from tipline.models import Feedback, Message, Tip
from tipline.server import JsonFormatter

TEXT = "A blue pickup with a cracked windshield unloads crates behind the feed store on Tuesdays at 3 am."


@pytest.fixture
def site(app, tmp_path, monkeypatch):
    """An app whose database can be taken away: the session app on PostgreSQL; on SQLite a second app on a file
    (the session app's in-memory database would not survive being disconnected)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        yield app
        return
    monkeypatch.setattr(tasks, "dispatch", lambda task, *args: True)  # triage belongs to the session app
    tasks.celery.finalize(auto=True)  # bind every task to the session app before a second app exists
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    other = create_app(settings | {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'outage.sqlite'}"})
    other.config["ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    tasks.init_app(app)
    with other.app_context():
        from flask_migrate import upgrade

        from tipline.services import deployment

        upgrade(revision="heads")
        deployment.load(deployment.read(deployment.DEMO_FILE))
    yield other
    with other.app_context():
        db.engine.dispose()


@contextmanager
def database_unreachable(app, tmp_path) -> Iterator[None]:
    """Until the block ends, every new connection of the app's engine goes where no database answers: a port
    nothing listens on, or a SQLite file in a folder that does not exist. Pooled connections are closed first."""
    with app.app_context():
        engine = db.engine
    port = free_port()

    def elsewhere(dialect, record, cargs, cparams) -> None:
        if dialect.name == "sqlite":
            cargs[0] = str(tmp_path / "no-such-folder" / "tipline.sqlite")
        else:
            cparams.update(host="127.0.0.1", port=port)

    event.listen(engine, "do_connect", elsewhere)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "do_connect", elsewhere)
        engine.dispose()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _textarea(page: str, name: str) -> str:
    """The text a textarea of the page holds."""
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\s*(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return html.unescape(match.group(1))


def test_a_tip_sent_while_the_database_is_down_is_said_not_received_and_comes_back(site, tmp_path):
    """The tip form answers 503 in the resident's language: not received, the text and choices filled in."""
    client = site.test_client()
    page = client.get("/tip?lang=es").get_data(as_text=True)
    data = {
        "csrf_token": CSRF_RE.search(page).group(1),
        "submission": SUBMISSION_RE.search(page).group(1),
        "text": TEXT,
        "category": "smuggling",
        "place": "Feed store, Calle 3",
        "lat": "",
        "lon": "",
        "when": "",
    }
    with database_unreachable(site, tmp_path):
        response = client.post("/tip?lang=es", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "No recibimos su información" in page
    assert _textarea(page, "text") == TEXT
    assert 'value="Feed store, Calle 3"' in page
    assert re.search(r'<option selected value="smuggling">|<option value="smuggling" selected>', page)
    assert data["submission"] in page  # the same form sent again is one tip
    assert _count(site, Tip) == 0

    again = {**data, "csrf_token": CSRF_RE.search(page).group(1)}
    stored = client.post("/tip?lang=es", data=again, content_type="multipart/form-data")
    assert stored.status_code == 200 and 'id="receipt-code"' in stored.get_data(as_text=True)
    assert _count(site, Tip) == 1


def test_attachments_of_a_tip_refused_by_an_outage_are_said_to_be_lost(site, tmp_path):
    """Files cannot be handed back: the page says to choose them again."""
    from io import BytesIO

    from PIL import Image

    photo = BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(photo, format="JPEG")
    client = site.test_client()
    page = client.get("/tip").get_data(as_text=True)
    data = {
        "csrf_token": CSRF_RE.search(page).group(1),
        "text": TEXT,
        "attachments": (BytesIO(photo.getvalue()), "a.jpg"),
    }
    with database_unreachable(site, tmp_path):
        response = client.post("/tip", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Your tip was not received" in page
    assert "files cannot be" in page
    assert _textarea(page, "text") == TEXT


def test_a_follow_up_message_sent_while_the_database_is_down_comes_back_unsent(site, tmp_path):
    """The message form answers 503: not sent, the message and the receipt kept to send again."""
    client = site.test_client()
    receipt = submit_tip(client, text=TEXT)
    opened = client.post("/follow-up", data={"receipt": receipt, "csrf_token": CSRF_RE.search(
        client.get("/follow-up").get_data(as_text=True)).group(1)}).get_data(as_text=True)  # fmt: skip
    data = {
        "csrf_token": CSRF_RE.search(opened).group(1),
        "submission": SUBMISSION_RE.search(opened).group(1),
        "receipt": receipt,
        "body": "The pickup came back tonight with a second driver.",
    }
    with database_unreachable(site, tmp_path):
        response = client.post("/follow-up/message", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Your message was not sent" in page
    assert _textarea(page, "body") == data["body"]
    assert f'value="{receipt}"' in page
    assert _count(site, Message) == 0

    again = {**data, "csrf_token": CSRF_RE.search(page).group(1)}
    sent = client.post("/follow-up/message", data=again)
    assert sent.status_code == 200 and "Your message was sent" in sent.get_data(as_text=True)
    assert _count(site, Message) == 1


def test_event_feedback_sent_while_the_database_is_down_comes_back_unsent(site, tmp_path):
    """The feedback form answers 503 with the answers and the comment kept."""
    code = open_event(site)
    client = site.test_client()
    page = client.get(f"/f/{code}").get_data(as_text=True)
    data = {"csrf_token": CSRF_RE.search(page).group(1), "overall": "4", "text": "More evening sessions, please."}
    with database_unreachable(site, tmp_path):
        response = client.post(f"/f/{code}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Your feedback was not received" in page
    assert _textarea(page, "text") == data["text"]
    assert re.search(r'<input checked[^>]*value="4"|<input[^>]*value="4"[^>]*checked', page)
    assert _count(site, Feedback) == 0


def test_officers_pages_answer_with_the_sites_own_page_while_the_database_is_down(site, tmp_path, monkeypatch):
    """A logged-in officer's page is the site's 503 page (no user is loaded to draw it), not a bare server error."""
    monkeypatch.setitem(site.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: errors become pages
    client = site.test_client()
    assert login(client, make_officer(site, "desk.outage")).status_code == 302
    with database_unreachable(site, tmp_path):
        queue = client.get("/officer/queue")
        missing = client.get("/officer/no-such-page")  # the 404 page asks who is logged in
        home = site.test_client().get("/follow-up")  # a resident's page that reads nothing stored
        events = client.get("/events")
    page = queue.get_data(as_text=True)
    assert queue.status_code == 503 and queue.headers["Retry-After"].isdigit()
    assert "cannot reach its database" in page and "Back to the queue" in page
    assert missing.status_code == 503 and "cannot reach its database" in missing.get_data(as_text=True)
    assert home.status_code == 200  # a page that needs no database still opens for residents (the home page
    # lists the agencies, from the database)
    assert events.status_code == 503 and "cannot reach its database" in events.get_data(as_text=True)
    assert client.get("/officer/queue").status_code == 200  # and the session survives the outage


def test_the_log_says_the_database_was_unreachable_without_addresses(site, tmp_path, caplog):
    """One line naming the outage, the error's class and the driver's message, never the server's address."""
    client = site.test_client()
    with database_unreachable(site, tmp_path), caplog.at_level(logging.ERROR, logger="tipline.errors"):
        client.get("/events")
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "tipline.errors"]
    assert len(lines) == 1
    assert "database unreachable" in lines[0] and "OperationalError" in lines[0]
    assert "sqlalche.me" not in lines[0] and "127.0.0.1" not in lines[0] and "no-such-folder" not in lines[0]


def test_a_connection_lost_after_the_answer_was_ready_does_not_turn_it_into_an_error(site):
    """PostgreSQL ending the session between a page's last query and the end of the request (as `pg_ctl stop -m
    fast` does) leaves the answer standing: closing the session does not raise out of the request."""
    if site.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("only a database server can end a session from outside")
    with site.test_request_context("/tip"):
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()  # a transaction stays open
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            other.commit()
    # leaving the block ran the request's teardown, which closes the session
