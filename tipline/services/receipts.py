"""Receipt codes: 16 random digits shown once, stored as an argon2id hash behind a keyed HMAC index."""

from __future__ import annotations

import re
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import current_app
from sqlalchemy import select

from tipline.extensions import db
from tipline.models import Receipt, Tip
from tipline.services.crypto import keyed_hash

_NON_DIGITS = re.compile(r"[\s\-\.]")
CODE_DIGITS = 16


def hasher() -> PasswordHasher:
    """The argon2id hasher with the configured parameters (OWASP minimum by default), built once per app."""
    ph = current_app.extensions.get("tipline_argon2")
    if ph is None:
        cfg = current_app.config
        ph = PasswordHasher(
            time_cost=cfg["ARGON2_TIME_COST"],
            memory_cost=cfg["ARGON2_MEMORY_KIB"],
            parallelism=cfg["ARGON2_PARALLELISM"],
        )
        current_app.extensions["tipline_argon2"] = ph
    return ph


def new_code() -> str:
    """A fresh random 16-digit code."""
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def format_code(code: str) -> str:
    """Group a code 4-4-4-4 for display."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(raw: str) -> str | None:
    """ASCII digits of a typed code (spaces, dashes and any script's digits allowed), or None if not 16 digits."""
    digits = _NON_DIGITS.sub("", raw or "")
    if len(digits) != CODE_DIGITS or not digits.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(d)) for d in digits)  # Arabic-Indic and other digits read as 0-9


def issue(tip: Tip) -> str:
    """Create the receipt of a new tip (added to the session, not committed) and return the clear code."""
    code = new_code()
    db.session.add(Receipt(tip=tip, lookup=keyed_hash("RECEIPT_INDEX_KEY", code), hash=hasher().hash(code)))
    return code


def find_tip(code: str) -> Tip | None:
    """The tip a normalised code belongs to, or None: one indexed query, then an argon2id check."""
    receipt = db.session.scalar(select(Receipt).where(Receipt.lookup == keyed_hash("RECEIPT_INDEX_KEY", code)))
    if receipt is None:
        return None
    try:
        hasher().verify(receipt.hash, code)
    except VerificationError:
        return None
    return receipt.tip
