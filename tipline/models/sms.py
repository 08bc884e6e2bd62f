"""SMS conversations: who is texting (by keyed hash only), each inbound message once, each outbound text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.models.types import EncryptedText, UTCDateTime, utcnow


class SmsContact(db.Model):
    """A phone that texted the line: found by a keyed HMAC of its number; the number itself only encrypted."""

    __tablename__ = "sms_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 hex (SMS_NUMBER_KEY)
    number: Mapped[str | None] = mapped_column(EncryptedText)  # kept only to reply; erased when closed
    language: Mapped[str | None] = mapped_column(String(8))  # language of the last message or keyword
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)  # by a keyword: kept over detection
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"))  # current conversation
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tip = relationship("Tip")


class SmsInbound(db.Model):
    """One inbound text, stored once per provider message id: the unique id makes retries harmless."""

    __tablename__ = "sms_inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("sms_contacts.id", ondelete="CASCADE"), index=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # new_tip | append | stop | start | help | language | …
    reply: Mapped[str | None] = mapped_column(EncryptedText)  # replayed to retries; purged after a window
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None while the reply is being made
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    contact: Mapped[SmsContact] = relationship()


class SmsOutbound(db.Model):
    """A text sent through the gateway's API (an officer's reply or a notice), with its delivery status."""

    __tablename__ = "sms_outbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("sms_contacts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(EncryptedText)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|error|queued|sent|delivered|…
    error_code: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    contact: Mapped[SmsContact] = relationship()
