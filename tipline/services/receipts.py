"""Receipt codes: 16 digits shown to the sender, stored only as an argon2id hash behind a keyed HMAC index.

A web form's code is derived from the form itself (its one-time id and text) under a key the database does not
hold, so the same form sent again shows the same code; a text message's code is random.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from tipline.extensions import db
from tipline.models import Receipt, Tip
from tipline.services.crypto import keyed_hash

_NON_DIGITS = re.compile(r"[\s\-\.]")
CODE_DIGITS = 16
FORM_CODE_LABEL = b"tipline receipt code of a web form v1"  # HKDF info: this sub-key serves nothing else


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


def _form_code_key() -> bytes:
    """The sub-key form codes are derived under: HKDF-SHA256 of RECEIPT_INDEX_KEY with its own label."""
    secret = current_app.config["RECEIPT_INDEX_KEY"].encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=FORM_CODE_LABEL).derive(secret)


def form_code(submission: str, content: str) -> str:
    """The code of the tip a web form makes: HMAC-SHA256 of the form's one-time id and text, as 16 digits.

    A 256-bit digest taken modulo 10^16: the bias towards low codes is under 10^16 / 2^256 (about 10^-61).
    """
    digest = hmac.new(_form_code_key(), f"{submission}\0{content}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest, "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def format_code(code: str) -> str:
    """Group a code 4-4-4-4 for display."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(raw: str) -> str | None:
    """ASCII digits of a typed code (spaces, dashes and any script's digits allowed), or None if not 16 digits."""
    digits = _NON_DIGITS.sub("", raw or "")
    if len(digits) != CODE_DIGITS or not digits.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(d)) for d in digits)  # Arabic-Indic and other digits read as 0-9


def issue(tip: Tip, code: str | None = None) -> str:
    """Create the receipt of a new tip with this code, a random one by default (added to the session, not
    committed), and return the clear code. The unique index refuses a code another tip holds."""
    code = code or new_code()
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
