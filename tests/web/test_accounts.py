"""Accounts on the web: an officer changes their own password; an agency administrator adds, disables, enables
and resets the accounts of their own agency, and of no other.

Bad input thrown here: a wrong current password, a short or mistyped new one, a taken or malformed username, the
oversight role asked for in a police agency, an administrator disabling themselves or reaching into another
agency, and a session that must end when its account is disabled or its password changes.
"""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from tests.helpers import csrf_token, login, make_officer
from tipline.extensions import db
from tipline.models import AuditEntry


def _post(client, url: str, page: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def _change_password(client, current: str, new: str, confirm: str | None = None):
    return _post(client, "/officer/account", "/officer/account", current=current, new=new, confirm=confirm or new)


def test_an_officer_changes_their_password_and_other_sessions_end(app):
    officer = make_officer(app, "pw.change")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, officer)
    login(elsewhere, officer, code=officer["recovery"][0])

    wrong = _change_password(here, "not my password", "a much longer passphrase")
    assert wrong.status_code == 400
    assert "Your current password is not right." in wrong.get_data(as_text=True)
    short = _change_password(here, officer["password"], "short")
    assert "The new password is too short." in short.get_data(as_text=True)
    mistyped = _change_password(here, officer["password"], "a much longer passphrase", "a much longer passfrase")
    assert "The two new passwords differ." in mistyped.get_data(as_text=True)
    named = _change_password(here, officer["password"], "my name is pw.change ok")
    assert "must not contain your username" in named.get_data(as_text=True)

    done = _change_password(here, officer["password"], "a much longer passphrase")
    assert done.status_code == 302
    assert "Your password is changed" in here.get("/officer/account").get_data(as_text=True)
    assert here.get("/officer/queue").status_code == 200  # this session goes on
    assert elsewhere.get("/officer/queue").status_code == 302  # the other one ended

    assert login(app.test_client(), officer, code="000000").status_code == 401  # the old password
    officer["password"] = "a much longer passphrase"
    assert login(app.test_client(), officer).status_code == 302


def test_the_password_page_speaks_the_officers_language(app):
    officer = make_officer(app, "pw.creole")
    client = app.test_client()
    login(client, officer)
    client.get("/officer/account?lang=ht")
    short = _change_password(client, officer["password"], "kout")
    assert "Nouvo modpas la twò kout." in short.get_data(as_text=True)
    assert 'dir="rtl"' in client.get("/officer/account?lang=ar").get_data(as_text=True)


def test_a_wrong_current_password_is_audited(app):
    officer = make_officer(app, "pw.audit")
    client = app.test_client()
    login(client, officer)
    _change_password(client, "guessing", "a much longer passphrase")
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "pw.audit")).all()
    assert "user.password_failed" in actions


def test_an_administrator_adds_an_officer_who_can_then_log_in(app):
    admin = make_officer(app, "adm.add", "admin", "rvpd")
    client = app.test_client()
    login(client, admin)
    page = client.get("/officer/accounts").get_data(as_text=True)
    assert "adm.add" in page
    assert 'value="oversight"' not in page  # a police agency cannot give the role that reads complaints

    created = _post(
        client,
        "/officer/accounts",
        "/officer/accounts",
        username="new.deputy",
        role="officer",
        display_name="New Deputy",
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    html = created.get_data(as_text=True)
    password = re.search(r'id="new-password">([^<]+)<', html).group(1)
    secret = re.search(r'id="totp-secret">([^<]+)<', html).group(1)
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # the QR code is drawn in the page, fetched from nowhere
    assert len(re.findall(r"<li><code>[0-9a-f]{10}</code></li>", html)) == 8

    newcomer = {"username": "new.deputy", "password": password, "secret": secret}
    fresh = app.test_client()
    assert login(fresh, newcomer).status_code == 302
    assert "New Deputy" in fresh.get("/officer/queue").get_data(as_text=True)
    with app.app_context():
        added = select(AuditEntry).where(AuditEntry.action == "user.add").order_by(AuditEntry.id.desc())
        entry = db.session.scalar(added)
    assert entry.actor == "adm.add" and entry.details["username"] == "new.deputy"


def test_bad_account_requests_get_clear_messages(app):
    admin = make_officer(app, "adm.bad", "admin", "rvpd")
    client = app.test_client()
    login(client, admin)
    taken = _post(client, "/officer/accounts", "/officer/accounts", username="adm.bad", role="officer")
    assert taken.status_code == 400
    assert "This username is taken" in taken.get_data(as_text=True)
    malformed = _post(client, "/officer/accounts", "/officer/accounts", username="a b<", role="officer")
    assert "Use 3 to 80 letters" in malformed.get_data(as_text=True)
    oversight = _post(client, "/officer/accounts", "/officer/accounts", username="sneaky.ia", role="oversight")
    assert oversight.status_code == 400
    assert "Choose one of the roles in the list." in oversight.get_data(as_text=True)


def test_disabling_ends_the_colleagues_session_and_enabling_restores_it(app):
    admin = make_officer(app, "adm.dis", "admin", "rvpd")
    deputy = make_officer(app, "dep.dis", "officer", "rvpd")
    boss, worker = app.test_client(), app.test_client()
    login(boss, admin)
    login(worker, deputy)

    done = _post(boss, "/officer/accounts/dep.dis/disable", "/officer/accounts")
    assert done.status_code == 302
    assert "dep.dis can no longer log in." in boss.get("/officer/accounts").get_data(as_text=True)
    assert worker.get("/officer/queue").status_code == 302
    assert login(app.test_client(), deputy, code="000000").status_code == 401

    _post(boss, "/officer/accounts/dep.dis/enable", "/officer/accounts")
    assert login(app.test_client(), deputy).status_code == 302

    myself = _post(boss, "/officer/accounts/adm.dis/disable", "/officer/accounts")
    assert myself.status_code == 302
    assert "You cannot disable your own account" in boss.get("/officer/accounts").get_data(as_text=True)
    assert boss.get("/officer/queue").status_code == 200


def test_an_administrator_cannot_reach_another_agencys_accounts(app):
    admin = make_officer(app, "adm.other", "admin", "rvpd")
    make_officer(app, "desk.other", "officer", "liaison")
    client = app.test_client()
    login(client, admin)
    assert "desk.other" not in client.get("/officer/accounts").get_data(as_text=True)
    for action in ("disable", "enable", "reset"):
        assert _post(client, f"/officer/accounts/desk.other/{action}", "/officer/accounts").status_code == 404
    assert _post(client, "/officer/accounts/nobody.at.all/reset", "/officer/accounts").status_code == 404


def test_a_reset_gives_a_new_second_factor_and_if_asked_a_new_password(app):
    admin = make_officer(app, "adm.reset", "admin", "rvpd")
    deputy = make_officer(app, "dep.reset", "officer", "rvpd")
    client = app.test_client()
    login(client, admin)

    kept = _post(client, "/officer/accounts/dep.reset/reset", "/officer/accounts").get_data(as_text=True)
    assert "Unchanged." in kept
    new_secret = re.search(r'id="totp-secret">([^<]+)<', kept).group(1)
    assert login(app.test_client(), deputy).status_code == 401  # the old authenticator stopped working
    deputy["secret"] = new_secret
    deputy.pop("last_step")
    assert login(app.test_client(), deputy).status_code == 302

    renewed = _post(client, "/officer/accounts/dep.reset/reset", "/officer/accounts", new_password="y")
    html = renewed.get_data(as_text=True)
    fresh = {
        "username": "dep.reset",
        "password": re.search(r'id="new-password">([^<]+)<', html).group(1),
        "secret": re.search(r'id="totp-secret">([^<]+)<', html).group(1),
    }
    assert login(app.test_client(), deputy, code="000000").status_code == 401  # the old password
    assert login(app.test_client(), fresh).status_code == 302
    assert pyotp.TOTP(fresh["secret"]).now().isdigit()
