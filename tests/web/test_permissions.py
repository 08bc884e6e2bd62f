"""Permission matrix: every officer and admin route × role × own/other agency → the expected status.

The expectations are keyed by endpoint and generated against the live route table: a new officer route
without a rule here fails `test_every_officer_route_has_a_rule`. Anonymous visitors are sent to the login page
(GET 302, POST 401 with the login form), roles outside a view's list get 403, and a tip held by another agency
is 404 — never 403, so ids cannot be probed.
"""

from __future__ import annotations

import pytest

from tests.helpers import csrf_token, login, make_officer, submit_tip, tip_by_text
from tipline.services.users import AccountError

ROLES = ("officer", "supervisor", "oversight", "admin")
STAFF = set(ROLES)
# endpoint -> (method, roles allowed or None for public, whether the route is about one tip)
RULES = {
    "officer.login": ("GET", None, False),
    "officer.forwarding_schema": ("GET", None, False),
    "officer.logout": ("POST", STAFF, False),
    "officer.index": ("GET", STAFF, False),
    "officer.queue": ("GET", STAFF, False),
    "officer.audit_log": ("GET", {"oversight", "admin"}, False),
    "officer.audit_export": ("GET", {"oversight", "admin"}, False),
    "officer.tip_detail": ("GET", STAFF, True),
    "officer.tip_map": ("GET", STAFF, True),
    "officer.attachment": ("GET", STAFF, True),
    "officer.reveal": ("POST", STAFF, True),
    "officer.verify": ("POST", STAFF, True),
    "officer.route": ("POST", STAFF, True),
    "officer.assign": ("POST", STAFF, True),
    "officer.category": ("POST", STAFF, True),
    "officer.reply": ("POST", STAFF, True),
    "officer.invite_back": ("POST", STAFF, True),
    "officer.share": ("POST", STAFF, True),
    "officer.close": ("POST", STAFF, True),
    "officer.release": ("POST", STAFF, True),
}
STAFF_PREFIXES = ("officer.", "admin.", "officer_events.")


def _staff_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(STAFF_PREFIXES)}


def test_every_officer_route_has_a_rule(app):
    covered = set(RULES) | set(EXTRA_RULES) | set(ACCOUNT_RULES)
    assert _staff_endpoints(app) <= covered, f"routes without a permission rule: {_staff_endpoints(app) - covered}"


def test_every_view_declares_the_roles_in_the_rule(app):
    for endpoint, (_method, roles, _about_tip) in RULES.items():
        declared = getattr(app.view_functions[endpoint], "allowed_roles", None)
        assert (set(declared) if declared else None) == roles, endpoint


def _url(app, endpoint: str, tip_id: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    if "public_id" in rule.arguments:
        values["public_id"] = tip_id
    if "attachment_id" in rule.arguments:
        values["attachment_id"] = 1
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _request(app, client, endpoint: str, tip_id: str):
    method, _roles, _about = RULES[endpoint]
    url = _url(app, endpoint, tip_id)
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(client, "/officer/login")})


@pytest.fixture
def tips(app):
    """One tip held by the liaison desk and one complaint held by the oversight body."""
    client = app.test_client()
    submit_tip(client, text="A white van without plates parks behind the school every night.")
    submit_tip(client, text="A deputy took cash from my neighbour at the checkpoint.", category="misconduct")
    return {"liaison": tip_by_text(app, "white van"), "oversight": tip_by_text(app, "took cash")}


def _expected(roles, about_tip: bool, role: str, own: bool, method: str) -> set[int]:
    if roles is None:
        return {200}
    if role not in roles:
        return {403}
    if about_tip and not own:
        return {404}
    return {200, 302, 400} if method == "POST" else ({200, 404} if "attachment" in method else {200, 302})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own-agency", "other-agency"])
def test_role_and_agency_matrix(app, tips, role, own):
    agency = "liaison" if role != "oversight" else "oversight"
    if role == "oversight" and not own:  # the role reads every complaint: a police agency cannot be given it
        with pytest.raises(AccountError, match="oversight role"):
            make_officer(app, "oversight.other", role, "rvpd")
        return
    officer = make_officer(app, f"{role}.{'own' if own else 'other'}", role, agency if own else "rvpd")
    tip_id = tips["liaison"] if agency == "liaison" else tips["oversight"]
    failures = []
    signed_in = app.test_client()
    login(signed_in, officer)  # once: an authenticator code logs in once; each request gets a fresh client
    cookie = signed_in.get_cookie(app.config["SESSION_COOKIE_NAME"])
    for endpoint, (method, roles, about_tip) in RULES.items():
        if endpoint == "officer.logout":
            continue
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value)
        status = _request(app, client, endpoint, tip_id).status_code
        expected = _expected(roles, about_tip, role, own, method)
        if endpoint == "officer.attachment" and expected == {200, 302}:
            expected = {404}  # the tip has no attachment 1: still no 403, no leak
        if status not in expected:
            failures.append(f"{endpoint}: {status} not in {sorted(expected)}")
    assert not failures, failures


def test_anonymous_visitors_are_sent_to_login(app, tips):
    client = app.test_client()
    for endpoint, (method, roles, _about) in RULES.items():
        if roles is None:
            continue
        status = _request(app, client, endpoint, tips["liaison"]).status_code
        assert status == (302 if method == "GET" else 401), endpoint


def test_a_complaint_is_invisible_even_to_the_liaison_desk(app, tips):
    client = app.test_client()
    login(client, make_officer(app, "desk", "supervisor", "liaison"))
    assert client.get(f"/officer/tips/{tips['oversight']}").status_code == 404


# Outreach events: organisers' pages (their per-agency scoping is tested with the events).
EXTRA_RULES = {
    "officer_events.index": ("GET", STAFF),
    "officer_events.summary": ("GET", STAFF),
    "officer_events.new": ("GET", {"officer", "supervisor", "admin"}),
    "officer_events.convert": ("POST", {"officer", "supervisor", "admin"}),
}


def _declared_and_signed_in(app, rules: dict, prefix: str):
    """Check each view declares its rule's roles; yield (role, a client signed in with that role) per role."""
    for endpoint, (_method, roles) in rules.items():
        assert set(app.view_functions[endpoint].allowed_roles) == roles, endpoint
    for role in ROLES:
        client = app.test_client()
        login(client, make_officer(app, f"{prefix}.{role}", role, "oversight" if role == "oversight" else "liaison"))
        yield role, client


def test_event_views_declare_their_roles_and_refuse_others(app):
    for role, client in _declared_and_signed_in(app, EXTRA_RULES, "ev"):
        expected = 200 if role in EXTRA_RULES["officer_events.new"][1] else 403
        assert client.get("/officer/events/new").status_code == expected, role
        assert client.get("/officer/events/").status_code == 200, role


def test_event_views_send_anonymous_visitors_to_login(app):
    client = app.test_client()
    assert client.get("/officer/events/").status_code == 302
    assert client.get("/officer/events/new").status_code == 302


# Accounts: every officer's own page; the agency administrators' page (its scoping is tested in test_accounts.py).
ACCOUNT_RULES = {
    "officer.account": ("GET", STAFF),
    "officer.accounts": ("GET", {"admin"}),
    "officer.account_detail": ("GET", {"admin"}),
    "officer.add_account": ("POST", {"admin"}),
    "officer.change_account": ("POST", {"admin"}),
    "officer.reset_account": ("POST", {"admin"}),
}


def test_account_views_declare_their_roles_and_refuse_others(app):
    for role, client in _declared_and_signed_in(app, ACCOUNT_RULES, "acct"):
        assert client.get("/officer/account").status_code == 200, role
        assert client.get("/officer/accounts").status_code == (200 if role == "admin" else 403), role
        token = csrf_token(client, "/officer/account")
        posted = client.post("/officer/accounts/acct.officer/reset", data={"csrf_token": token, "my_password": ""})
        assert posted.status_code == (400 if role == "admin" else 403), role  # an admin is asked for a password
