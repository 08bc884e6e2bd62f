"""Security headers, cookies, sessions, CSRF on every form and request size limits.

What each test throws at the system, and what it must answer:

- test_every_page_has_a_strict_policy: GETs of resident, officer, transparency, event and error pages (and the
  403 of an unsigned webhook) → a CSP whose every source is 'self', 'none' or data: (default-src 'self', no
  inline or eval), X-Frame-Options DENY and frame-ancestors 'none', Referrer-Policy no-referrer, a
  Permissions-Policy that turns off geolocation, camera and microphone, nosniff, and no HSTS over plain HTTP.
- test_https_deployment_sends_hsts_and_secure_cookies: an app whose PUBLIC_BASE_URL is https, asked over https
  → HSTS for at least a year; session and language cookies Secure, HttpOnly, SameSite=Lax.
- test_forwarded_host_of_a_client_never_steers_the_https_redirect: behind PROXY_HOPS=1, a plain-HTTP request with
  a client's X-Forwarded-Host/-Port or Host of evil.example → redirected to the PUBLIC_BASE_URL's host only.
- test_cookies_over_http_are_httponly_and_samesite: the demo over http → HttpOnly and SameSite on every cookie.
- test_login_starts_a_new_session_and_logout_ends_the_old_one: log in, then log out, then replay the cookie the
  login gave → login changes the session cookie and the CSRF token; the replayed cookie is not logged in.
- test_every_post_route_refuses_a_missing_csrf_token: every POST route of the route table (except the channels'
  signed webhooks, /sms/twilio* and /whatsapp/twilio*), posted with plausible fields but no token, by an anonymous
  visitor and by a logged-in officer → 400 or 401, never 2xx/3xx, and nothing is stored or changed.
- test_requests_over_the_size_limit_get_413: a tip, a follow-up and a webhook post one byte over
  MAX_CONTENT_LENGTH → 413 with the friendly page, nothing stored.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.helpers import csrf_token, follow_up, login, make_officer, open_event, submit_tip, tip_by_text
from tests.sms_helpers import sms_params
from tipline import channels, create_app, tasks
from tipline.config import TestConfig
from tipline.extensions import db
from tipline.models import Event, Feedback, Message, Tip, User
from tipline.security import CSP

ALLOWED_SOURCES = {"'self'", "'none'", "data:"}
PAGES = [
    "/",
    "/tip",
    "/tip?lang=ar",
    "/follow-up",
    "/feedback",
    "/events",
    "/transparency/",
    "/officer/login",
    "/no-such-page",
]


def _policy(header: str) -> dict[str, list[str]]:
    """A CSP header as {directive: [sources]}."""
    directives = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def _cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name (deletions, which carry no value, left out)."""
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie") if "Max-Age=0" not in h}


def test_every_page_has_a_strict_policy(client):
    responses = [client.get(p) for p in PAGES] + [client.post("/sms/twilio", data=sms_params("hi"))]
    assert [r.status_code for r in responses][-2:] == [404, 403]
    for response in responses:
        policy = _policy(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert {s for sources in policy.values() for s in sources} <= ALLOWED_SOURCES, policy
        assert set(policy) >= set(CSP)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        permissions = response.headers["Permissions-Policy"].replace(" ", "")
        for feature in ("geolocation=()", "camera=()", "microphone=()"):
            assert feature in permissions
        assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def https_app(app):
    """A second app deployed at an https address (each app has its own header settings; Celery is re-bound after)."""
    tasks.celery.finalize(auto=True)  # keep the tasks bound to the session app
    https = create_app(type("HttpsConfig", (TestConfig,), {"PUBLIC_BASE_URL": "https://tips.example.org"}))
    yield https
    tasks.init_app(app)


def test_https_deployment_sends_hsts_and_secure_cookies(https_app):
    client = https_app.test_client()
    response = client.get("/officer/login?lang=es", base_url="https://tips.example.org")
    assert response.status_code == 200
    max_age = re.search(r"max-age=(\d+)", response.headers["Strict-Transport-Security"])
    assert int(max_age.group(1)) >= 365 * 86400
    cookies = _cookies(response)
    assert set(cookies) >= {"session", "lang"}
    for header in cookies.values():
        assert "; Secure" in header and "; HttpOnly" in header and "SameSite=Lax" in header, header


def test_an_https_app_in_the_same_process_leaves_the_other_apps_headers_alone(https_app, app, client):
    assert "Strict-Transport-Security" in https_app.test_client().get("/", base_url="https://tips.example.org").headers
    response = client.get("/tip")  # the session app still answers over http, without a redirect to https
    assert response.status_code == 200 and "Strict-Transport-Security" not in response.headers


@pytest.fixture
def proxied_app(app):
    """A production-like app behind one reverse proxy at an https address (redirects on, as outside the tests)."""
    tasks.celery.finalize(auto=True)  # keep the tasks bound to the session app
    settings = {"PUBLIC_BASE_URL": "https://tips.example.org", "PROXY_HOPS": 1, "TESTING": False}
    yield create_app(type("ProxiedConfig", (TestConfig,), settings))
    tasks.init_app(app)


def test_forwarded_host_of_a_client_never_steers_the_https_redirect(proxied_app):
    client = proxied_app.test_client()
    for headers in (
        {"X-Forwarded-Host": "evil.example"},
        {"X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "8443"},
        {"Host": "evil.example"},  # nginx's $host passes the client's Host header on
    ):
        response = client.get("/tip?lang=es", headers=headers | {"X-Forwarded-Proto": "http"})
        assert response.status_code in (301, 302)
        assert response.location == "https://tips.example.org/tip?lang=es", headers
    assert client.get("/officer/login", headers={"X-Forwarded-Proto": "https"}).status_code == 200


def test_cookies_over_http_are_httponly_and_samesite(client):
    cookies = _cookies(client.get("/tip?lang=fr"))
    assert set(cookies) >= {"session", "lang"}
    for header in cookies.values():
        assert "; HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header, header


def test_login_starts_a_new_session_and_logout_ends_the_old_one(app, client):
    officer = make_officer(app, "session.check")
    before_token = csrf_token(client, "/officer/login")
    before_cookie = client.get_cookie("session").value
    assert login(client, officer).status_code == 302
    logged_in_cookie = client.get_cookie("session").value
    assert logged_in_cookie != before_cookie
    queue = client.get("/officer/queue")
    assert queue.status_code == 200
    after_token = re.search(r'name="csrf_token" value="([^"]+)"', queue.get_data(as_text=True)).group(1)
    assert after_token != before_token

    assert client.post("/officer/logout", data={"csrf_token": after_token}).status_code == 302
    assert client.get("/officer/queue").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", logged_in_cookie)
    response = replay.get("/officer/queue")
    assert response.status_code == 302 and "/officer/login" in response.location


def _post_routes(app) -> list:
    """Every POST rule except the channels' signed webhooks."""
    webhooks = tuple(adapter.webhook_path for adapter in channels.REGISTRY.values())
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    return [r for r in rules if not r.rule.startswith(webhooks)]


@pytest.fixture
def targets(app, client):
    """Real objects for every URL argument: a liaison tip with its receipt, an event with one feedback."""

    receipt = submit_tip(client, text="A white van without plates parks behind the school every night.")
    code = open_event(app)
    token = csrf_token(client, f"/f/{code}")
    assert client.post(f"/f/{code}", data={"csrf_token": token, "overall": "4"}).status_code == 200
    with app.app_context():
        feedback_id = db.session.scalar(select(Feedback.id))
    return {
        "public_id": tip_by_text(app, "white van"),
        "code": code,
        "feedback_id": feedback_id,
        "receipt": receipt,
        "username": "session.csrf",
        "change": "disable",
    }


FIELDS = {
    "public.tip": {"text": "A tip posted from another site without the form's token."},
    "public.follow_up": {"receipt": "{receipt}"},
    "public.follow_up_message": {"receipt": "{receipt}", "body": "Forged message"},
    "public.feedback": {"overall": "5", "text": "Forged feedback"},
    "public.feedback_code": {"code": "{code}"},
    "officer.login": {"username": "session.csrf", "password": "pw-session.csrf-long", "code": "000000"},
    "officer.verify": {"outcome": "verified"},
    "officer.reply": {"body": "Forged reply"},
    "officer.close": {"note": "Forged close", "confirm_close": "y"},
    "officer.category": {"category": "other"},
    "officer.release": {"reason": "Forged release"},
    "officer.account": {
        "current": "pw-session.csrf-long",
        "new": "a forged new password",
        "confirm": "a forged new password",
    },
    "officer.add_account": {"username": "forged.user", "role": "admin"},
    "officer.reset_account": {"new_password": "y", "my_password": "pw-session.admin-long"},
}


def _counts(app) -> tuple:
    """What a forged post could have changed."""
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        return (
            db.session.scalar(select(func.count(Tip.id))),
            db.session.scalar(select(func.count(Message.id))),
            db.session.scalar(select(func.count(Feedback.id))),
            db.session.scalar(select(func.count(Event.id))),
            tip.status_code,
            tip.verification,
            [(u.username, u.active, u.password_hash, u.totp_secret) for u in db.session.scalars(select(User))],
        )


def test_every_post_route_refuses_a_missing_csrf_token(app, targets):
    officer = make_officer(app, "session.csrf", "supervisor", "liaison")
    admin = make_officer(app, "session.admin", "admin", "liaison")
    before = _counts(app)
    anonymous, staff, boss = app.test_client(), app.test_client(), app.test_client()
    assert login(staff, officer).status_code == 302
    assert login(boss, admin).status_code == 302
    failures = []
    for rule in _post_routes(app):
        with app.test_request_context():
            url = url_for(rule.endpoint, **{a: targets[a] for a in rule.arguments})
        data = {k: v.format(**targets) for k, v in FIELDS.get(rule.endpoint, {}).items()}
        admin_only = getattr(app.view_functions[rule.endpoint], "allowed_roles", None) == ("admin",)
        for who, client in (
            ("anonymous", anonymous),
            ("admin" if admin_only else "officer", boss if admin_only else staff),
        ):
            status = client.post(url, data=data).status_code
            if status not in (400, 401):
                failures.append(f"{who} POST {rule.rule}: {status}")
    assert failures == []
    assert _counts(app) == before
    assert staff.get("/officer/queue").status_code == 200, "a forged logout must not end the session"
    assert boss.get("/officer/accounts").status_code == 200


def test_requests_over_the_size_limit_get_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    token = csrf_token(client, "/tip")
    for url in ("/tip", "/follow-up", "/sms/twilio"):
        padding = "x" * (limit + 1 - len("csrf_token=&text=") - len(token))
        response = client.post(
            url,
            data=f"csrf_token={token}&text={padding}",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 413, url
        assert "too large" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Tip.id))) == 0
    assert follow_up(client, "0000 0000 0000 0000").status_code == 404
