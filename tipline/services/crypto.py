"""Encryption at rest with keys kept outside the database (MultiFernet: the first key encrypts, all decrypt)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app


class KeyConfigError(RuntimeError):
    """The encryption keys are missing or do not fit the stored data."""


def _load_or_create(path: Path, make) -> str:
    """Read a key file from the instance folder, creating it on first use (demo and development only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def init_app(app: Flask) -> None:
    """Resolve the secret key and data keys, creating demo keys in the instance folder when allowed."""
    instance = Path(app.instance_path)
    require = app.config["REQUIRE_KEYS"]
    required = ("SECRET_KEY", "DATA_ENCRYPTION_KEYS", "RECEIPT_INDEX_KEY", "SMS_NUMBER_KEY")
    missing = [k for k in required if not app.config.get(k)]
    if require and missing:
        raise KeyConfigError(
            "Refusing to start: set " + ", ".join(missing) + " in the environment "
            "(see README, 'Configuration'). Generate a data key with: "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _load_or_create(instance / "secret_key", lambda: Fernet.generate_key().decode())
    if not app.config.get("DATA_ENCRYPTION_KEYS"):
        app.config["DATA_ENCRYPTION_KEYS"] = _load_or_create(
            instance / "data_keys", lambda: Fernet.generate_key().decode()
        )
    if not app.config.get("RECEIPT_INDEX_KEY"):
        app.config["RECEIPT_INDEX_KEY"] = _load_or_create(
            instance / "receipt_index_key", lambda: Fernet.generate_key().decode()
        )
    if not app.config.get("SMS_NUMBER_KEY"):
        app.config["SMS_NUMBER_KEY"] = _load_or_create(
            instance / "sms_number_key", lambda: Fernet.generate_key().decode()
        )
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
