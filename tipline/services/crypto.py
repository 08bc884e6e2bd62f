"""Encryption at rest with keys kept outside the database (MultiFernet: the first key encrypts, all decrypt)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

from tipline import ROOT


class KeyConfigError(RuntimeError):
    """The encryption keys are missing or do not fit the stored data."""


def _load_or_create(path: Path, make) -> str:
    """Read a key file from the instance folder, creating it on first use (demo and development only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


# Keys created in the instance folder when the environment gives none (never in production).
GENERATED_KEYS = {
    "SECRET_KEY": "secret_key",
    "DATA_ENCRYPTION_KEYS": "data_keys",
    "RECEIPT_INDEX_KEY": "receipt_index_key",
    "SMS_NUMBER_KEY": "sms_number_key",
    "AUDIT_CHAIN_KEY": "audit_chain_key",
}
# How to make each missing key: DATA_ENCRYPTION_KEYS are Fernet keys, the others any long random string.
KEY_HINTS = [
    (
        ("DATA_ENCRYPTION_KEYS",),
        ' Generate DATA_ENCRYPTION_KEYS with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())".',
    ),
    (
        ("SECRET_KEY", "RECEIPT_INDEX_KEY", "SMS_NUMBER_KEY", "AUDIT_CHAIN_KEY"),
        ' Generate each other key with: python -c "import secrets; print(secrets.token_urlsafe(48))".',
    ),
]

log = logging.getLogger(__name__)
MIN_SECRET_CHARS = 32
MIN_LOOKUP_KEY_CHARS = 22  # 128 random bits in url-safe base64


def _check_production(app: Flask) -> None:
    """Refuse the settings that would quietly make a production site unsafe."""
    problems = []
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        problems.append("set DATABASE_URL (PostgreSQL); production never falls back to a local SQLite file")
    if not str(app.config.get("PUBLIC_BASE_URL", "")).startswith("https://"):
        problems.append("set PUBLIC_BASE_URL to the https:// address residents use (cookies, HSTS, SMS links)")
    if len(app.config["SECRET_KEY"]) < MIN_SECRET_CHARS:  # sessions only: a new key logs officers out, nothing else
        problems.append(f"make SECRET_KEY at least {MIN_SECRET_CHARS} random characters")
    # Tips' files and keys inside the code's folder would go with it (a checkout replaced, a venv rebuilt).
    for name, folder in (("TIPLINE_INSTANCE", app.instance_path), ("ATTACHMENT_DIR", app.config.get("ATTACHMENT_DIR"))):
        if folder and Path(folder).resolve().is_relative_to(ROOT):
            problems.append(f"set {name} to a folder outside the code's folder {ROOT} (say /var/lib/tipline)")
    # Lookup keys (changing one orphans what it indexes) and the audit chain's key (its entries stop verifying).
    for name in ("RECEIPT_INDEX_KEY", "SMS_NUMBER_KEY", "AUDIT_CHAIN_KEY"):
        if len(app.config[name]) < MIN_LOOKUP_KEY_CHARS:
            log.warning("%s is under %d characters: fine if random, weak if a word", name, MIN_LOOKUP_KEY_CHARS)
    if problems:
        raise KeyConfigError("Refusing to start: " + "; ".join(problems) + " (see README, 'Configuration').")


def init_app(app: Flask) -> None:
    """Resolve the secret key and data keys, creating demo keys in the instance folder when allowed."""
    instance = Path(app.instance_path)
    require = app.config["REQUIRE_KEYS"]
    missing = [k for k in GENERATED_KEYS if not app.config.get(k)]
    if require and missing:
        raise KeyConfigError(
            "Refusing to start: set "
            + ", ".join(missing)
            + " in the environment (see README, 'Configuration')."
            + "".join(hint for names, hint in KEY_HINTS if set(names) & set(missing))
        )
    if require:
        _check_production(app)
    for name, filename in GENERATED_KEYS.items():  # demo and development only: production refused above
        if not app.config.get(name):
            app.config[name] = _load_or_create(instance / filename, lambda: Fernet.generate_key().decode())
    try:
        keys = [Fernet(k.strip()) for k in app.config["DATA_ENCRYPTION_KEYS"].split(",") if k.strip()]
    except (ValueError, TypeError) as exc:
        raise KeyConfigError(
            "Refusing to start: DATA_ENCRYPTION_KEYS must be comma-separated Fernet keys "
            "(32 url-safe base64-encoded bytes each)."
        ) from exc
    app.extensions["tipline_fernet"] = MultiFernet(keys)


def fernet() -> MultiFernet:
    """The current application's key ring."""
    return current_app.extensions["tipline_fernet"]


def encrypt(data: bytes) -> bytes:
    """Encrypt bytes with the newest key."""
    return fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    """Decrypt bytes with any known key; a clear error if none fits."""
    try:
        return fernet().decrypt(token)
    except InvalidToken as exc:
        raise KeyConfigError("Stored data cannot be decrypted with the configured DATA_ENCRYPTION_KEYS.") from exc


def keyed_hash(key_name: str, value: str) -> str:
    """HMAC-SHA256 of value with the configured key key_name, hex encoded (for look-ups without plaintext)."""
    key = current_app.config[key_name].encode("utf-8")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
