"""Column types: UTC timestamps and text encrypted at rest."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, LargeBinary, TypeDecorator


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Normalise to UTC before storing."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        """Attach UTC to naive values read back."""
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class EncryptedText(TypeDecorator):
    """Unicode text encrypted with the deployment's data keys (MultiFernet); the database sees ciphertext only."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Encrypt on the way in."""
        if value is None:
            return None
        from tipline.services.crypto import encrypt

        return encrypt(value.encode("utf-8"))

    def process_result_value(self, value, dialect):
        """Decrypt on the way out."""
        if value is None:
            return None
        from tipline.services.crypto import decrypt

        return decrypt(bytes(value)).decode("utf-8")


UNREADABLE = "\x00"  # what TolerantEncryptedText reads from a value no configured key decrypts


class TolerantEncryptedText(EncryptedText):
    """EncryptedText that reads a value it cannot decrypt (altered, or under a retired key) as UNREADABLE instead
    of failing the whole query: one damaged audit note must not hide the log, or stop its verification."""

    cache_ok = True

    def process_result_value(self, value, dialect):
        """Decrypt, or UNREADABLE."""
        from tipline.services.crypto import KeyConfigError

        try:
            return super().process_result_value(value, dialect)
        except KeyConfigError:
            return UNREADABLE


class EncryptedFloat(EncryptedText):
    """A number (a tip's exact coordinates) encrypted like EncryptedText; never compared or indexed in SQL."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Encrypt the number's exact text."""
        return None if value is None else super().process_bind_param(repr(float(value)), dialect)

    def process_result_value(self, value, dialect):
        """Decrypt back to a float."""
        return None if value is None else float(super().process_result_value(value, dialect))
