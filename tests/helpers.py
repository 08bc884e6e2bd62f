"""Helpers that act as a resident's browser would: load the form, keep its CSRF token, post."""

from __future__ import annotations

import re

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECEIPT_RE = re.compile(r'id="receipt-code">([0-9 ]+)<')
STATUS_RE = re.compile(r'id="tip-status">([^<]+)<')
SUBMISSION_RE = re.compile(r'name="submission" type="hidden" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """Load a page as a browser would and return the form's CSRF token."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def submit_tip(client, lang: str = "en", **fields) -> str:
    """Send a tip through the real form, as a browser does (optional boxes left empty arrive as empty strings),
    and return the receipt code shown to the sender."""
    blank = dict.fromkeys(("category", "place", "lat", "lon", "when"), "")
    data = blank | {"text": "A white van without plates waits at the old bridge every night around 2 am."} | fields
    page = client.get(f"/tip?lang={lang}").get_data(as_text=True)
    data["csrf_token"] = CSRF_RE.search(page).group(1)
    data.setdefault("submission", SUBMISSION_RE.search(page).group(1))  # the form's one-time id
    response = client.post(f"/tip?lang={lang}", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    return RECEIPT_RE.search(response.get_data(as_text=True)).group(1)


def follow_up(client, receipt: str, lang: str = "en"):
    """Open a tip on the follow-up page with its receipt code."""
    token = csrf_token(client, f"/follow-up?lang={lang}")
    return client.post(f"/follow-up?lang={lang}", data={"receipt": receipt, "csrf_token": token})


def make_officer(app, username: str, role: str = "officer", agency: str = "liaison") -> dict:
    """Create an officer account through the service; returns its one-time credentials."""
    from tipline.services import users

    with app.app_context():
        creds = users.add(username, role, agency, password=f"pw-{username}-long")
    return {
        "username": username,
        "password": creds.password,
        "secret": creds.totp_secret,
        "recovery": creds.recovery_codes,
    }


def totp_code(officer: dict) -> str:
    """A valid authenticator code this officer has not used yet (a code logs in once): the current step, or the
    next one (one step of drift is allowed), waiting for a new 30-second window when both are used."""
    import time

    import pyotp

    while True:
        now = int(time.time()) // 30
        step = max(now, officer.get("last_step", now - 1) + 1)
        if step <= now + 1:
            officer["last_step"] = step
            return pyotp.TOTP(officer["secret"]).generate_otp(step)
        time.sleep(30 - time.time() % 30 + 0.05)


def login(client, officer: dict, code: str | None = None):
    """Log in through the real form with password and a fresh TOTP code."""
    token = csrf_token(client, "/officer/login")
    data = {
        "username": officer["username"],
        "password": officer["password"],
        "code": code or totp_code(officer),
        "csrf_token": token,
    }
    return client.post("/officer/login", data=data)


def post_action(client, public_id: str, action: str, **data):
    """Post an action form from the tip page, with the page's CSRF token."""
    token = csrf_token(client, f"/officer/tips/{public_id}")
    return client.post(f"/officer/tips/{public_id}/{action}", data={"csrf_token": token, **data})


def tip_by_text(app, fragment: str):
    """The public id of the tip whose text contains fragment."""
    from sqlalchemy import select

    from tipline.extensions import db
    from tipline.models import Tip

    with app.app_context():
        for tip in db.session.scalars(select(Tip)):
            if fragment in tip.text:
                return tip.public_id
    raise AssertionError(f"no tip containing {fragment!r}")


def open_event(app, organisers: tuple[str, ...] = ("liaison",), titles: dict | None = None) -> str:
    """An outreach event that started two hours ago (so it takes feedback); returns its short code."""
    from datetime import UTC, datetime, timedelta

    from tipline.services import events

    started = (datetime.now(UTC) - timedelta(hours=2)).replace(tzinfo=None, second=0, microsecond=0)
    draft = events.EventDraft(
        titles=titles or {"en": "Meet your police"},
        descriptions={"en": "Questions and answers."},
        starts_local=started,
        timezone="UTC",
        place="Community hall",
        organisers=list(organisers),
        languages=sorted(titles or {"en"}),
    )
    with app.app_context():
        return events.create_event(draft).code


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_in_again(client, officer: dict, expired):
    """Log in from the page an expired session gave (the 401 login page keeping what was typed); returns the
    response, the page offering to send that work again."""
    import html

    page = expired.get_data(as_text=True)
    kept = re.search(r'name="resume_fields" type="hidden" value="([^"]*)"', page).group(1)
    url = re.search(r'name="resume_url" type="hidden" value="([^"]*)"', page).group(1)
    return client.post(
        "/officer/login",
        data={
            "username": officer["username"],
            "password": officer["password"],
            "code": totp_code(officer),
            "resume_url": html.unescape(url),
            "resume_fields": html.unescape(kept),
            "csrf_token": CSRF_RE.search(page).group(1),
        },
    )
