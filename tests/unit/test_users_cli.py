"""Account commands: `tipline users add|disable|reset-2fa` and the SLA digest `tipline sla remind`.

Thrown at them: an unknown agency, an unknown role, a duplicate username, disabling a user who is logged in.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import update

from tests.helpers import login, submit_tip
from tipline.extensions import db
from tipline.models import Tip
from tipline.models.types import utcnow


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_add_prints_working_credentials_once(app):
    result = _run(app, "users", "add", "desk.cli", "--role", "officer", "--agency", "liaison")
    assert result.exit_code == 0, result.output
    password = re.search(r"password:\s+(\S+)", result.output).group(1)
    secret = re.search(r"TOTP secret:\s+(\S+)", result.output).group(1)
    assert len(re.search(r"recovery codes: (.+)", result.output).group(1).split()) == 8
    client = app.test_client()
    officer = {"username": "desk.cli", "password": password, "secret": secret}
    assert login(client, officer).status_code == 302


def test_users_add_refuses_bad_input_clearly(app):
    assert (
        "unknown agency 'nowhere'" in _run(app, "users", "add", "x", "--role", "officer", "--agency", "nowhere").output
    )
    assert "Invalid value for '--role'" in _run(app, "users", "add", "x", "--role", "chief", "--agency", "rvpd").output
    _run(app, "users", "add", "twice", "--role", "officer", "--agency", "rvpd")
    assert "already exists" in _run(app, "users", "add", "twice", "--role", "officer", "--agency", "rvpd").output


def test_two_accounts_whose_names_differ_only_in_case_cannot_both_be_stored(app, monkeypatch):
    """The check before the insert can race with another admin adding the same name; the index then refuses it."""
    from sqlalchemy import select as sql_select

    from tipline.models import User
    from tipline.services import users

    _run(app, "users", "add", "Case.Twin", "--role", "officer", "--agency", "rvpd")
    with app.app_context():
        real_scalar = db.session.scalar
        monkeypatch.setattr(db.session, "scalar", lambda stmt, *a, **k: None)  # lose the race: the check sees no one
        with pytest.raises(users.AccountError, match="already exists"):
            users.add("case.twin", "officer", "rvpd")
        monkeypatch.setattr(db.session, "scalar", real_scalar)
        names = db.session.scalars(sql_select(User.username).where(User.username.ilike("case.twin"))).all()
    assert names == ["Case.Twin"]


def test_disable_ends_the_session_of_a_logged_in_user(app):
    output = _run(app, "users", "add", "leaving", "--role", "officer", "--agency", "rvpd").output
    officer = {
        "username": "leaving",
        "password": re.search(r"password:\s+(\S+)", output).group(1),
        "secret": re.search(r"TOTP secret:\s+(\S+)", output).group(1),
    }
    client = app.test_client()
    login(client, officer)
    assert client.get("/officer/queue").status_code == 200
    assert _run(app, "users", "disable", "leaving").exit_code == 0
    assert client.get("/officer/queue").status_code == 302
    assert login(app.test_client(), officer).status_code == 401


def test_reset_2fa_replaces_the_secret(app):
    output = _run(app, "users", "add", "phone.lost", "--role", "officer", "--agency", "rvpd").output
    password = re.search(r"password:\s+(\S+)", output).group(1)
    old = re.search(r"TOTP secret:\s+(\S+)", output).group(1)
    new = re.search(r"TOTP secret:\s+(\S+)", _run(app, "users", "reset-2fa", "phone.lost").output).group(1)
    assert new != old
    officer = {"username": "phone.lost", "password": password, "secret": new}
    assert login(app.test_client(), officer).status_code == 302
    stale = officer | {"secret": old}
    assert login(app.test_client(), stale, code=pyotp.TOTP(old).now()).status_code == 401


def test_sla_remind_lists_overdue_tips_per_agency(app):
    client = app.test_client()
    submit_tip(client, text="Somebody sells pills behind the bus terminal every afternoon.")
    assert "nothing overdue" in _run(app, "sla", "remind").output
    with app.app_context():
        db.session.execute(update(Tip).values(sla_due_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    output = _run(app, "sla", "remind").output
    assert "liaison: 1 overdue" in output


def _credentials(output: str) -> dict:
    return {
        "password": re.search(r"password:\s+(\S+)", output).group(1),
        "secret": re.search(r"TOTP secret:\s+(\S+)", output).group(1),
    }


def test_enable_and_a_new_password_from_the_shell_are_audited_with_who_ran_them(app, monkeypatch):
    from sqlalchemy import select

    from tipline.models import AuditEntry

    monkeypatch.setenv("SUDO_USER", "ops.alice")
    officer = {
        "username": "back.again",
        **_credentials(_run(app, "users", "add", "back.again", "--role", "officer", "--agency", "rvpd").output),
    }
    _run(app, "users", "disable", "back.again")
    assert login(app.test_client(), officer).status_code == 401
    assert _run(app, "users", "enable", "back.again").output.strip() == "enabled back.again"
    assert login(app.test_client(), officer).status_code == 302

    renewed = _run(app, "users", "reset-2fa", "back.again", "--new-password")
    assert renewed.exit_code == 0, renewed.output
    fresh = {"username": "back.again", **_credentials(renewed.output)}
    assert fresh["password"] != officer["password"]
    assert login(app.test_client(), {**officer, "secret": fresh["secret"]}).status_code == 401  # the old password
    assert login(app.test_client(), fresh).status_code == 302
    assert "(unchanged)" in _run(app, "users", "reset-2fa", "back.again").output
    with app.app_context():
        actors = db.session.scalars(
            select(AuditEntry.actor).where(AuditEntry.details["username"].as_string() == "back.again")
        ).all()
    assert set(actors) == {"admin-cli:ops.alice"}
    assert "no user 'nobody.here'" in _run(app, "users", "enable", "nobody.here").output
