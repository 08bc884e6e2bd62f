"""Officer login against a guesser: every answer costs the same argon2 work (so the time taken confirms neither a
password nor a username), and failed logins lock out the address that made them, not the officer elsewhere.

Bad input thrown here: a made-up username, a wrong password, a wrong, non-numeric or used-up second factor, a
guesser at one address holding the account locked, the officer logging in from another address meanwhile.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import update

from tests.helpers import csrf_token, login, make_officer, totp_code
from tipline.extensions import db
from tipline.models import RecoveryCode
from tipline.services.receipts import hasher

GUESSER, OFFICE = "203.0.113.9", "198.51.100.7"


class CountingHasher(PasswordHasher):
    """The app's argon2id hasher (same parameters), counting its verifications."""

    verified = 0

    def verify(self, hash, password) -> bool:  # noqa: A002 (argon2's own parameter name)
        """Count, then verify as argon2 does."""
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def counting(app):
    """Put a counting hasher in the app's place for one test."""
    with app.app_context():
        real = hasher()
    counter = CountingHasher(time_cost=real.time_cost, memory_cost=real.memory_cost, parallelism=real.parallelism)
    app.extensions["tipline_argon2"] = counter
    yield counter
    app.extensions["tipline_argon2"] = real


def _post_login(app, username: str, password: str, code: str, address: str = "127.0.0.1"):
    client = app.test_client()
    token = csrf_token(client, "/officer/login")
    data = {"username": username, "password": password, "code": code, "csrf_token": token}
    return client.post("/officer/login", data=data, environ_base={"REMOTE_ADDR": address})


def _wrong_totp(officer: dict) -> str:
    """Six digits that are none of the codes valid now."""
    totp, now = pyotp.TOTP(officer["secret"]), int(time.time()) // 30
    valid = {totp.generate_otp(step) for step in (now - 1, now, now + 1, now + 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in valid)


def test_every_login_answer_costs_the_same_argon2_work_so_time_confirms_no_password(app, counting):
    officer = make_officer(app, "timing.user")
    name, password = officer["username"], officer["password"]
    attempts = {  # each from its own address, so that no lock earned by one answers another
        "right password, recovery code": (name, password, officer["recovery"][7]),
        "right password, TOTP": (name, password, totp_code(officer)),
        "unknown username": ("nobody.here", password, "abcdef1234"),
        "wrong password": (name, "wrong password here", totp_code(officer)),
        "wrong password, recovery code": (name, "wrong password here", officer["recovery"][0]),
        "right password, wrong TOTP": (name, password, _wrong_totp(officer)),
        "right password, non-numeric code": (name, password, "not-a-code"),
        "right password, recovery-like code": (name, password, "0123456789"),
        "right password, used recovery code": (name, password, officer["recovery"][7]),
    }
    cost, answers = {}, {}
    for number, (path, (username, typed_password, code)) in enumerate(attempts.items()):
        counting.verified = 0
        answers[path] = _post_login(app, username, typed_password, code, f"192.0.2.{number + 1}").status_code
        cost[path] = counting.verified
    assert len(set(cost.values())) == 1, cost
    assert [path for path, status in answers.items() if status == 302] == [
        "right password, recovery code",
        "right password, TOTP",
    ]


def test_a_recovery_code_issued_before_the_index_still_logs_in_once(app):
    officer = make_officer(app, "old.codes")
    with app.app_context():
        db.session.execute(update(RecoveryCode).values(lookup=None))  # as migration 0016 leaves older codes
        db.session.commit()
    assert _post_login(app, "old.codes", officer["password"], officer["recovery"][3]).status_code == 302
    assert _post_login(app, "old.codes", officer["password"], officer["recovery"][3]).status_code == 401


def test_a_locked_address_costs_the_same_argon2_work_as_a_made_up_username(app, counting):
    officer = make_officer(app, "timing.locked")
    for _ in range(5):
        assert _post_login(app, "timing.locked", "wrong password here", "123456").status_code == 401
    counting.verified = 0
    assert _post_login(app, "timing.locked", officer["password"], totp_code(officer)).status_code == 401  # locked
    locked = counting.verified
    counting.verified = 0
    _post_login(app, "nobody.here", officer["password"], "123456")
    assert locked == counting.verified


def _status_cell(page: str, username: str) -> str:
    row = re.search(rf">{re.escape(username)}</a></td>.*?</tr>", page, re.S).group(0)
    return re.sub(r"\s+", " ", re.findall(r"<td>(.*?)</td>", row, re.S)[-1])


def test_a_guesser_at_one_address_cannot_keep_the_officer_out_from_another(app):
    officer = make_officer(app, "lock.target", "officer", "liaison")
    for _ in range(6):  # one wrong password an hour would do the same: the back-off keeps the address out
        refused = _post_login(app, "lock.target", "wrong password here", "123456", GUESSER)
        assert refused.status_code == 401
    from_guesser = _post_login(app, "lock.target", officer["password"], totp_code(officer), GUESSER)
    assert from_guesser.status_code == 401  # the address that guessed stays locked out, even with everything right
    assert "locked for a while" in from_guesser.get_data(as_text=True)

    one_slip = _post_login(app, "lock.target", "mistyped password", "123456", OFFICE)
    assert one_slip.status_code == 401
    at_work = _post_login(app, "lock.target", officer["password"], totp_code(officer), OFFICE)
    assert at_work.status_code == 302 and at_work.headers["Location"].endswith("/officer/queue")

    admin = app.test_client()
    assert login(admin, make_officer(app, "lock.admin", "admin", "liaison")).status_code == 302
    admin.get("/officer/accounts?lang=fr")
    status = _status_cell(admin.get("/officer/accounts").get_data(as_text=True), "lock.target")
    assert status.startswith("Bloqué après des échecs de connexion jusqu'au ")
    assert re.search(r"\d{1,2}:\d{2}", status)  # until when, to the minute
    assert _status_cell(admin.get("/officer/accounts").get_data(as_text=True), "lock.admin") == "Actif"

    still_locked = _post_login(app, "lock.target", officer["password"], officer["recovery"][0], GUESSER)
    assert still_locked.status_code == 401  # the officer's login elsewhere lifted nothing for the guesser
