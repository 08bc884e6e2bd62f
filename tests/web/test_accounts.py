"""Accounts on the web: an officer changes their own password; an agency administrator adds, disables,
enables and resets the accounts of their own agency, and of no other.

Bad input thrown here: a wrong current password (guessed again and again), a short or mistyped new one, a taken,
look-alike or malformed username, the oversight role asked for on the web, an administrator resetting or disabling
themselves, renewing an administrator's password, or reaching into another agency, a session that expired on the
password page, and sessions that must end when an account is disabled or its password changes.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.helpers import csrf_token, login, make_officer
from tipline.extensions import db
from tipline.models import AuditEntry

LOGIN_REFUSED = "Wrong username, password or code"


def _post(client, url: str, page: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def _change_password(client, current: str, new: str, confirm: str | None = None):
    return _post(client, "/officer/account", "/officer/account", current=current, new=new, confirm=confirm or new)


def _refused(app, officer: dict, code: str) -> bool:
    """A login with a valid second factor is refused (so the password or the account is what fails)."""
    response = login(app.test_client(), officer, code=code)
    return response.status_code == 401 and LOGIN_REFUSED in response.get_data(as_text=True)


def _credentials(html: str) -> tuple[str | None, str]:
    password = re.search(r'id="new-password">([^<]+)<', html)
    return (password.group(1) if password else None), re.search(r'id="totp-secret">([^<]+)<', html).group(1)


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
    weak = _change_password(here, officer["password"], "aaaaaaaaaaaa")
    assert "too easy to guess" in weak.get_data(as_text=True)
    named = _change_password(here, officer["password"], "my name is pw.change ok")
    assert "must not contain your username" in named.get_data(as_text=True)

    done = _change_password(here, officer["password"], "a much longer passphrase")
    assert done.status_code == 302
    assert "Your password is changed" in here.get("/officer/account").get_data(as_text=True)
    assert here.get("/officer/queue").status_code == 200  # this session goes on
    assert elsewhere.get("/officer/queue").status_code == 302  # the other one ended

    assert _refused(app, officer, officer["recovery"][1])  # the old password, with a good recovery code
    officer["password"] = "a much longer passphrase"
    assert login(app.test_client(), officer, code=officer["recovery"][1]).status_code == 302


def test_guessing_the_current_password_locks_the_account_and_ends_the_session(app):
    officer = make_officer(app, "pw.guess")
    client = app.test_client()
    login(client, officer)
    for attempt in range(5):
        answer = _change_password(client, f"guess number {attempt}", "a much longer passphrase")
        assert answer.status_code == 400, attempt
    assert client.get("/officer/queue").status_code == 302  # the session that was guessing is over
    assert _refused(app, officer, officer["recovery"][0])  # locked, even with the right password
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "pw.guess")).all()
    assert actions.count("user.password_failed") == 5


def test_a_password_typed_when_the_session_had_ended_is_never_kept(app):
    client = app.test_client()
    token = csrf_token(client, "/officer/login")
    typed = {"current": "my old secret pass", "new": "my brand new secret pass", "confirm": "my brand new secret pass"}
    answer = client.post("/officer/account", data={"csrf_token": token, **typed})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 401 and answer.headers["Cache-Control"] == "no-store"
    assert "Your session ended. Log in again." in page and "what you typed is kept" not in page
    assert "secret pass" not in page


def test_the_password_page_speaks_the_officers_language(app):
    officer = make_officer(app, "pw.creole")
    client = app.test_client()
    login(client, officer)
    client.get("/officer/account?lang=ht")
    short = _change_password(client, officer["password"], "kout", "")
    assert "Nouvo modpas la twò kout." in short.get_data(as_text=True)
    assert 'dir="rtl"' in client.get("/officer/account?lang=ar").get_data(as_text=True)


def test_an_administrator_adds_an_officer_who_can_then_log_in(app):
    admin = make_officer(app, "adm.add", "admin", "rvpd")
    client = app.test_client()
    login(client, admin)
    page = client.get("/officer/accounts").get_data(as_text=True)
    assert "adm.add" in page
    assert 'value="oversight"' not in page  # the role that reads every complaint is given from the shell

    account = {"username": "new.deputy", "role": "officer", "display_name": "Deputy"}
    unconfirmed = _post(client, "/officer/accounts", "/officer/accounts", **account, my_password="a guess")
    assert unconfirmed.status_code == 400  # a stolen session alone creates no account that outlives it
    assert "Your password is not right." in unconfirmed.get_data(as_text=True)
    created = _post(client, "/officer/accounts", "/officer/accounts", **account, my_password=admin["password"])
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    html = created.get_data(as_text=True)
    password, secret = _credentials(html)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "Authenticator QR code" in svg and "href" not in svg  # drawn in the page, fetched from nowhere
    assert len(re.findall(r'<li><code dir="ltr">[0-9a-f]{10}</code></li>', html)) == 8
    assert 'hreflang="es"' not in html  # no language link that would leave the page and lose the credentials

    newcomer = {"username": "new.deputy", "password": password, "secret": secret}
    fresh = app.test_client()
    assert login(fresh, newcomer).status_code == 302
    assert "Deputy" in fresh.get("/officer/queue").get_data(as_text=True)
    with app.app_context():
        added = select(AuditEntry).where(AuditEntry.action == "user.add").order_by(AuditEntry.id.desc())
        entry = db.session.scalar(added)
    assert entry.actor == "adm.add" and entry.details["username"] == "new.deputy"
    assert password not in str(entry.details) and secret not in str(entry.details)


def test_bad_account_requests_get_clear_messages(app):
    admin = make_officer(app, "adm.bad", "admin", "rvpd")
    client = app.test_client()
    login(client, admin)
    for taken in ("adm.bad", "ADM.Bad"):
        answer = _post(
            client,
            "/officer/accounts",
            "/officer/accounts",
            username=taken,
            role="officer",
            my_password=admin["password"],
        )
        assert answer.status_code == 400
        assert "This username is taken" in answer.get_data(as_text=True)
    for malformed in ("a b<", "abc\n", "ab"):
        answer = _post(client, "/officer/accounts", "/officer/accounts", username=malformed, role="officer")
        assert "Use 3 to 80 letters" in answer.get_data(as_text=True), repr(malformed)
    oversight = _post(client, "/officer/accounts", "/officer/accounts", username="sneaky.ia", role="oversight")
    assert oversight.status_code == 400
    assert "Choose one of the roles in the list." in oversight.get_data(as_text=True)


def test_disabling_ends_the_colleagues_session_and_enabling_restores_it(app):
    admin = make_officer(app, "adm.dis", "admin", "rvpd")
    deputy = make_officer(app, "dep.dis", "officer", "rvpd")
    boss, worker = app.test_client(), app.test_client()
    login(boss, admin)
    login(worker, deputy)

    done = _post(boss, "/officer/accounts/dep.dis/disable", "/officer/accounts/dep.dis")
    assert done.status_code == 302
    page = boss.get("/officer/accounts/dep.dis").get_data(as_text=True)
    assert "dep.dis can no longer log in." in page and 'id="account-status">Disabled' in page
    assert worker.get("/officer/queue").status_code == 302
    assert _refused(app, deputy, deputy["recovery"][0])

    _post(boss, "/officer/accounts/dep.dis/enable", "/officer/accounts/dep.dis")
    assert login(app.test_client(), deputy, code=deputy["recovery"][0]).status_code == 302

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
    assert client.get("/officer/accounts/desk.other").status_code == 404
    for action in ("disable", "enable", "reset"):
        assert _post(client, f"/officer/accounts/desk.other/{action}", "/officer/accounts").status_code == 404
    assert _post(client, "/officer/accounts/nobody.at.all/reset", "/officer/accounts").status_code == 404


def test_a_reset_gives_a_new_second_factor_and_with_the_admins_password_a_new_password(app):
    admin = make_officer(app, "adm.reset", "admin", "rvpd")
    deputy = make_officer(app, "dep.reset", "officer", "rvpd")
    client = app.test_client()
    login(client, admin)

    page = "/officer/accounts/dep.reset"
    empty = _post(client, f"{page}/reset", page)  # a session alone, without the administrator's own password
    assert empty.status_code == 400 and "Fill in this box." in empty.get_data(as_text=True)
    stolen = _post(client, f"{page}/reset", page, my_password="a guess")
    assert stolen.status_code == 400 and "Your password is not right." in stolen.get_data(as_text=True)
    kept = _post(client, f"{page}/reset", page, my_password=admin["password"]).get_data(as_text=True)
    assert "Unchanged." in kept
    assert login(app.test_client(), deputy).status_code == 401  # the old authenticator stopped working
    deputy["secret"] = _credentials(kept)[1]
    deputy.pop("last_step")
    assert login(app.test_client(), deputy).status_code == 302

    unconfirmed = _post(client, f"{page}/reset", page, new_password="y", my_password="not mine")
    assert unconfirmed.status_code == 400
    assert "Your password is not right." in unconfirmed.get_data(as_text=True)
    renewed = _post(client, f"{page}/reset", page, new_password="y", my_password=admin["password"])
    password, secret = _credentials(renewed.get_data(as_text=True))
    fresh = {"username": "dep.reset", "password": password, "secret": secret}
    assert login(app.test_client(), fresh).status_code == 302
    assert _refused(app, {**fresh, "password": deputy["password"]}, deputy["recovery"][0])  # old password, dead code

    disabled = make_officer(app, "dep.gone", "officer", "rvpd")
    _post(client, "/officer/accounts/dep.gone/disable", "/officer/accounts/dep.gone")
    gone = "/officer/accounts/dep.gone"
    answer = _post(client, f"{gone}/reset", gone, my_password=admin["password"]).get_data(as_text=True)
    assert "This account is disabled: enable it so the officer can log in." in answer
    assert disabled["username"] in answer


def test_no_web_session_can_take_over_an_account_that_sees_more(app):
    admin = make_officer(app, "adm.take", "admin", "oversight")
    make_officer(app, "ia.reviewer", "oversight", "oversight")
    make_officer(app, "adm.peer", "admin", "oversight")
    client = app.test_client()
    login(client, admin)
    for target in ("ia.reviewer", "adm.peer"):
        page = f"/officer/accounts/{target}"
        assert "issued from the command line" in client.get(page).get_data(as_text=True)
        answer = _post(client, f"{page}/reset", page, new_password="y", my_password=admin["password"])
        assert answer.status_code == 400 and "issued from the command line" in answer.get_data(as_text=True)
    myself = _post(client, "/officer/accounts/adm.take/reset", "/officer/accounts", new_password="y")
    assert myself.status_code == 302 and myself.location.endswith("/officer/account")
    assert client.get("/officer/queue").status_code == 200  # nothing was reset: the session goes on
