"""Outreach events, the feedback residents leave about them, and the aggregates behind the transparency pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.models.catalog import _localised
from tipline.models.types import EncryptedText, UTCDateTime, utcnow


class Event(db.Model):
    """A public outreach event organised by one or more agencies, reachable by a short numeric code."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("code", name="uq_events_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8))
    titles: Mapped[dict] = mapped_column(JSON, default=dict)  # language -> title
    descriptions: Mapped[dict] = mapped_column(JSON, default=dict)  # language -> description
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    place: Mapped[str] = mapped_column(String(300))
    organisers: Mapped[list] = mapped_column(JSON, default=list)  # agency codes
    languages: Mapped[list] = mapped_column(JSON, default=list)  # languages spoken at the event
    feedback_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    feedback: Mapped[list[Feedback]] = relationship(back_populates="event", cascade="all, delete-orphan")

    def title(self, lang: str) -> str:
        """Title in lang, falling back to English."""
        return _localised(self.titles, lang)

    def description(self, lang: str) -> str:
        """Description in lang, falling back to English."""
        return _localised(self.descriptions, lang)

    def translated(self, lang: str) -> bool:
        """True when the organisers wrote a title in lang."""
        return bool(self.titles.get(lang))

    def fully_translated(self, lang: str) -> bool:
        """True when the title, and the description if there is one, are written in lang."""
        described = any((self.descriptions or {}).values())
        return self.translated(lang) and (not described or bool((self.descriptions or {}).get(lang)))


class Feedback(db.Model):
    """One resident's feedback about an event: 1–5 ratings and optional text, all optional."""

    __tablename__ = "event_feedback"
    __table_args__ = (UniqueConstraint("event_id", "sender_hash", name="uq_event_feedback_sender"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    ratings: Mapped[dict] = mapped_column(JSON, default=dict)  # question code -> 1..5
    text: Mapped[str | None] = mapped_column(EncryptedText)
    language: Mapped[str] = mapped_column(String(8), default="und")
    spam: Mapped[float | None] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(8))  # web | sms
    sender_hash: Mapped[str | None] = mapped_column(String(64))  # SMS sender's keyed hash, never the number
    converted_tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="feedback")


class StatMonthly(db.Model):
    """One published figure of one month: a count (and a median or average), with its disclosure-controlled form."""

    __tablename__ = "stats_monthly"
    __table_args__ = (
        UniqueConstraint("period", "dimension", "key", name="uq_stats_monthly_cell"),
        Index("ix_stats_monthly_period", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    dimension: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(80))
    count: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[float | None] = mapped_column(Float)  # median hours or average rating
    shown: Mapped[str] = mapped_column(String(8), default="")  # what the public sees: "12", "<5", "x" or ""
    value_shown: Mapped[bool] = mapped_column(Boolean, default=False)  # value based on at least k items


class StatRefresh(db.Model):
    """When the aggregates were last rebuilt, and for which months."""

    __tablename__ = "stats_refreshes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    periods: Mapped[list] = mapped_column(JSON, default=list)
    revised: Mapped[list | None] = mapped_column(JSON)  # published months rebuilt (a correction), else NULL
