"""Officer accounts: creation, argon2id passwords, mandatory TOTP with recovery codes, and a lockout with back-off
of the address that fails to log in."""

from __future__ import annotations

import getpass
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2.exceptions import VerificationError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session

from tipline.extensions import db
from tipline.models import Agency, LoginFailure, RecoveryCode, User
from tipline.models.types import utcnow
from tipline.models.users import ROLES
from tipline.services import audit
from tipline.services.crypto import keyed_hash
from tipline.services.receipts import hasher

CLI = "admin-cli"  # the actor of shell commands; cli_actor() adds the operating-system account
LOCK_AFTER = 5
RECOVERY_CODES = 8
MIN_PASSWORD = 12  # NIST SP 800-63B asks for at least 8; officers' accounts open tips, so more
MIN_DISTINCT_CHARACTERS = 6
USERNAME = re.compile(r"[A-Za-z0-9._-]{3,80}")
_DUMMY_HASH = None


class AccountError(ValueError):
    """A user command or login that cannot proceed; args[0] is a reason key."""


@dataclass
class Credentials:
    """What an administrator hands to a new officer once: password, TOTP secret, recovery codes."""

    username: str
    password: str | None  # None: unchanged
    totp_secret: str
    recovery_codes: list[str]

    def provisioning_uri(self) -> str:
        """otpauth:// URI for an authenticator app."""
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.username, issuer_name="Tipline")


def _new_second_factor(user: User, secret: str | None = None) -> tuple[str, list[str]]:
    """Give a user a fresh TOTP secret and recovery codes; returns them in clear, once."""
    secret = secret or pyotp.random_base32()
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    user.totp_secret = secret
    user.totp_last_step = None  # the old authenticator's last step says nothing about the new one
    user.recovery_codes = [RecoveryCode(lookup=_recovery_lookup(c), code_hash=hasher().hash(c)) for c in codes]
    return secret, codes


def _recovery_lookup(code: str) -> str:
    """The keyed index of a recovery code (the receipt index key, under its own prefix): a login finds the one row
    to check instead of trying all eight."""
    return keyed_hash("RECEIPT_INDEX_KEY", f"recovery {code}")


def add(
    username: str,
    role: str,
    agency: str,
    display_name: str = "",
    password: str | None = None,
    totp_secret: str | None = None,
    actor: str = CLI,
) -> Credentials:
    """Create an officer account with a password and a second factor."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    found = db.session.get(Agency, agency)
    if found is None:
        raise AccountError(f"unknown agency '{agency}'")
    if role == "oversight" and found.kind != "oversight":  # the role reads every complaint's casework
        raise AccountError("the oversight role belongs to the oversight body's staff, and only to them")
    if not USERNAME.fullmatch(username or ""):
        raise AccountError("a username is 3 to 80 letters, digits, dots, dashes or underscores")
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError(f"user '{username}' already exists")  # IA.Reviewer beside ia.reviewer muddies the log
    password = password or secrets.token_urlsafe(12)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hasher().hash(password),
        role=role,
        agency_code=agency,
    )
    secret, codes = _new_second_factor(user, totp_secret)
    db.session.add(user)
    try:
        audit.record(actor, "user.add", of_agency=agency, username=username, role=role, agency=agency)
        db.session.commit()
    except IntegrityError as exc:  # the same name added at the same moment elsewhere: its index refuses this one
        db.session.rollback()
        raise AccountError(f"user '{username}' already exists") from exc
    return Credentials(username, password, secret, codes)


def cli_actor() -> str:
    """The audit actor of a shell command: admin-cli and the account that ran it (behind sudo, the real one)."""
    try:
        who = os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        who = str(os.getuid())
    return f"{CLI}:{who}"


def _get(username: str) -> User:
    """A user by name, or AccountError."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user '{username}'")
    return user


def disable(username: str, actor: str = CLI) -> None:
    """Disable an account and end its sessions."""
    user = _get(username)
    user.active = False
    user.session_version += 1
    audit.record(actor, "user.disable", of_agency=user.agency_code, username=username)
    db.session.commit()


def enable(username: str, actor: str = CLI) -> None:
    """Let a disabled account log in again (with the password and second factor it had)."""
    user = _get(username)
    user.active = True
    _lift_locks(user)
    audit.record(actor, "user.enable", of_agency=user.agency_code, username=username)
    db.session.commit()


def end_sessions(user: User) -> None:
    """End every session of a user (on logout): a copied or replayed session cookie no longer logs in."""
    user.session_version += 1
    db.session.commit()


def reset_second_factor(username: str, actor: str = CLI, new_password: bool = False) -> Credentials:
    """Issue a new TOTP secret and recovery codes (the old ones stop working), and a new password if asked; end
    sessions and lift a lock."""
    user = _get(username)
    secret, codes = _new_second_factor(user)
    password = None
    if new_password:
        password = secrets.token_urlsafe(12)
        user.password_hash = hasher().hash(password)
    user.session_version += 1
    _lift_locks(user)
    action = "user.reset_access" if new_password else "user.reset_2fa"
    audit.record(actor, action, of_agency=user.agency_code, username=username)
    db.session.commit()
    return Credentials(username, password, secret, codes)


def confirm_password(user: User, password: str, client: str) -> bool:
    """A logged-in user's own password, asked again before a sensitive change; a wrong one counts like a failed
    login from this client, and at the lock it also ends the user's sessions (a guesser holding someone's session
    loses it)."""
    if _password_ok(user, password):
        return True
    if _count_failure(user, client, utcnow()):
        user.session_version += 1
    audit.record(user.username, "user.password_failed", of_agency=user.agency_code)
    db.session.commit()
    return False


def change_password(user: User, current: str, new: str, client: str) -> None:
    """Replace a user's own password after checking the current one; other sessions of the user end.

    AccountError keys: "current" (wrong current password), "short", "same", "weak", "username".
    """
    if not confirm_password(user, current or "", client):
        raise AccountError("current")
    if len(new or "") < MIN_PASSWORD:
        raise AccountError("short")
    if new == current:
        raise AccountError("same")
    if len(set(new.lower())) < MIN_DISTINCT_CHARACTERS:  # "aaaaaaaaaaaa", "121212121212"
        raise AccountError("weak")
    if user.username.lower() in new.lower():
        raise AccountError("username")
    user.password_hash = hasher().hash(new)
    user.session_version += 1
    audit.record(user.username, "user.password", of_agency=user.agency_code)
    db.session.commit()


def _claim(row: User | RecoveryCode, unused, **values) -> bool:
    """Write values to row only while the condition unused still holds, atomically: of two logins racing with
    the same code, one wins."""
    session = object_session(row) or db.session
    model = type(row)
    claimed = session.execute(update(model).where(model.id == row.id, unused).values(**values)).rowcount
    session.refresh(row, list(values))
    return claimed == 1


def _second_factor(user: User | None, code: str) -> int | RecoveryCode | None:
    """What a typed code matches, without using it up: the time step of a current TOTP code not used before (one
    step of clock drift allowed), or an unused recovery code.

    Every path makes exactly one argon2 verification (a recovery code is found by its keyed index; a TOTP code or
    an unknown user checks a dummy hash), so the time taken tells nothing. Codes issued before the index existed
    are checked one by one, for accounts that still have them.
    """
    code = (code or "").replace(" ", "")
    if user is not None and code.isascii() and code.isdigit() and len(code) == 6:
        _verify(None, code)
        totp = pyotp.TOTP(user.totp_secret)
        now = int(time.time()) // totp.interval
        steps = (s for s in (now - 1, now, now + 1) if s > (user.totp_last_step or -1))
        return next((s for s in steps if hmac.compare_digest(totp.generate_otp(s), code)), None)
    code = code.lower()
    unused = [rc for rc in user.recovery_codes if rc.used_at is None] if user is not None else []
    lookup = _recovery_lookup(code)
    found = next((rc for rc in unused if rc.lookup == lookup), None)
    if _verify(found.code_hash if found else None, code):
        return found
    return next((rc for rc in unused if rc.lookup is None and _verify(rc.code_hash, code)), None)


def _use(user: User, match: int | RecoveryCode) -> bool:
    """Use up a matched TOTP step or recovery code; False when a racing login used it first."""
    if isinstance(match, RecoveryCode):
        return _claim(match, RecoveryCode.used_at.is_(None), used_at=utcnow())
    return _claim(user, or_(User.totp_last_step.is_(None), User.totp_last_step < match), totp_last_step=match)


def _verify(stored: str | None, typed: str) -> bool:
    """One argon2 verification of typed against stored, or against a dummy hash when nothing is stored (False)."""
    global _DUMMY_HASH
    _DUMMY_HASH = _DUMMY_HASH or hasher().hash("dummy-password")
    try:
        return hasher().verify(stored or _DUMMY_HASH, typed) and stored is not None
    except VerificationError:
        return False


def _password_ok(user: User | None, password: str) -> bool:
    """Verify a password; spend the same time when the user does not exist."""
    return _verify(user.password_hash if user is not None else None, password)


def _failures(user: User, client: str) -> LoginFailure | None:
    """The failed logins to this account from this client, if any."""
    return db.session.scalar(select(LoginFailure).where(LoginFailure.user_id == user.id, LoginFailure.client == client))


def _count_failure(user: User, client: str, now: datetime) -> datetime | None:
    """Count a wrong password or code from this client; from its LOCK_AFTER-th on, lock this client out of the
    account with a doubling back-off (at most an hour) and show the lock to admins; returns its end, if locked.

    Rows of past days go: a client's key changes at midnight, so they would never be read again.
    """
    stale = LoginFailure.last_failed_at < now - timedelta(days=1)
    db.session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id, stale))
    row = _failures(user, client)
    if row is None:
        try:
            with db.session.begin_nested():
                row = LoginFailure(user_id=user.id, client=client, failures=0, last_failed_at=now)
                db.session.add(row)
        except IntegrityError:  # a failure from the same client, counted at the same moment, made the row
            row = _failures(user, client)
    counted = update(LoginFailure).where(LoginFailure.id == row.id)  # in the database: racing failures all count
    db.session.execute(counted.values(failures=LoginFailure.failures + 1, last_failed_at=now))
    db.session.refresh(row)
    if row.failures < LOCK_AFTER:
        return None
    row.locked_until = now + timedelta(minutes=min(2 ** (row.failures - LOCK_AFTER), 60))
    user.locked_until = max(user.locked_until or now, row.locked_until)
    return row.locked_until


def _lift_locks(user: User) -> None:
    """Forget every client's failed logins to this account (an admin enabled it or renewed its credentials)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
    user.locked_until = None


def authenticate(username: str, password: str, code: str, client: str) -> User:
    """Check password and second factor; lock this client (a keyed hash of its address, see extensions.client_key)
    out of the account with growing back-off after repeated failures from it.

    A lock earned from one address never stops the right password and code from another, so a guesser cannot keep
    an officer out. Every attempt makes the same two argon2 verifications (the password, then the second factor,
    whatever the password), and every failure gives the same answer after the same audit write: neither the answer
    nor the time taken tells whether a username exists, a password is right or an address is locked.
    """
    # names are unique regardless of case (a phone capitalises "Desk.pierre"); the index on lower(username) serves it
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    username = user.username if user is not None else username
    now = utcnow()
    failures = _failures(user, client) if user is not None else None
    locked = failures is not None and failures.locked_until is not None and failures.locked_until > now
    password_ok = _password_ok(user, password)
    match = _second_factor(user, code)  # checked whatever the password, so the time taken is always the same
    if locked:
        audit.record(username, "login.locked", of_agency=user.agency_code)
        db.session.commit()
        raise AccountError("invalid")
    if not (password_ok and user.active and match is not None and _use(user, match)):
        if user is not None:
            _count_failure(user, client, now)
            audit.record(username, "login.failed", of_agency=user.agency_code)
        else:  # the same write as for a real account, so the time taken does not tell; the typed name is not kept
            audit.record("unknown", "login.failed")  # (it may be a password typed in the wrong box)
        db.session.commit()
        raise AccountError("invalid")
    if failures is not None:
        db.session.delete(failures)  # this client's count starts afresh; other addresses' locks hold
    audit.record(username, "login", of_agency=user.agency_code)
    db.session.commit()
    return user
