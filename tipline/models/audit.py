"""The tamper-evident audit log: every officer action and every view of a tip, hash-chained."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db
from tipline.models.types import UNREADABLE, TolerantEncryptedText, UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One audited event; `hash` covers the previous entry's hash and this entry's content (version 1: SHA-256,
    version 2: HMAC-SHA256 under AUDIT_CHAIN_KEY, which the database does not hold)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))  # username, or system
    action: Mapped[str] = mapped_column(String(40), index=True)
    tip_public_id: Mapped[str | None] = mapped_column(String(16), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # The agency an entry without a tip concerns (a login, an account, a digest): agency admins read only theirs.
    agency_code: Mapped[str | None] = mapped_column(String(32), index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Entries written before 0016 are unkeyed (1); every new one is keyed (2), and no 1 may follow a 2.
    version: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    # Officers' free text (notes, reasons), encrypted; the hashed details hold its digest, so retention can erase
    # it with the tip and the chain still verifies.
    private: Mapped[str | None] = mapped_column(TolerantEncryptedText)

    @property
    def notes(self) -> dict:
        """The free text of the entry ({} once erased, {"unreadable": True} when no key decrypts it)."""
        if self.private == UNREADABLE:
            return {"unreadable": True}
        return {k: v for k, v in json.loads(self.private).items() if k != "salt"} if self.private else {}
