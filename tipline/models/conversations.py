"""Conversations on any channel (SMS, WhatsApp, …): who writes (by keyed hash only), each inbound message once,
each outbound message with its delivery status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.models.types import EncryptedText, UTCDateTime, utcnow


class Contact(db.Model):
    """An address that wrote to the line on one channel: found by (channel, keyed HMAC of the address); the address
    itself kept only encrypted."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "address_hash", name="uq_contacts_channel_address_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # a name in tipline.channels' registry
    address_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 hex (SMS_NUMBER_KEY)
    address: Mapped[str | None] = mapped_column(EncryptedText)  # kept only to reply; erased when closed
    language: Mapped[str | None] = mapped_column(String(8))  # language of the last message or keyword
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)  # by a keyword: kept over detection
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"))  # current conversation
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # the last message from the address
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tip = relationship("Tip")


class Inbound(db.Model):
    """One inbound message, stored once per (channel, provider message id): the unique pair makes retries harmless."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "message_sid", name="uq_inbound_messages_channel_message_sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    message_sid: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # new_tip | append | stop | start | help | language | …
    reply: Mapped[str | None] = mapped_column(EncryptedText)  # replayed to retries; purged after a window
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None while the reply is being made
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    contact: Mapped[Contact] = relationship()


class Outbound(db.Model):
    """A message sent through a channel's API (an officer's reply, a notice or a template), with its delivery
    status."""

    __tablename__ = "outbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_sid", name="uq_outbound_messages_channel_provider_sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(EncryptedText)
    template: Mapped[bool] = mapped_column(Boolean, default=False)  # the deployment's pre-approved template
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|error|queued|sent|delivered|…
    error_code: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    contact: Mapped[Contact] = relationship()
