"""Tips, their receipts, the anonymous conversation, attachments and triage results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.models.types import EncryptedFloat, EncryptedText, UTCDateTime, utcnow


class Tip(db.Model):
    """One item a resident sent: an anonymous tip (web or SMS)."""

    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # web | sms
    language: Mapped[str] = mapped_column(String(8))  # detected language of the text, or und
    ui_language: Mapped[str] = mapped_column(String(8))  # language the sender used the site in
    text: Mapped[str] = mapped_column(EncryptedText)
    place: Mapped[str | None] = mapped_column(EncryptedText)
    lat: Mapped[float | None] = mapped_column(EncryptedFloat)  # where the resident was: encrypted like the text
    lon: Mapped[float | None] = mapped_column(EncryptedFloat)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    status_code: Mapped[str] = mapped_column(ForeignKey("statuses.code"))
    triage_state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | unavailable
    # when its triage task was last handed to a broker: the sweep leaves it to the worker for a visibility timeout
    triage_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the web form's one-time submission id: a reloaded or re-sent form never makes a second tip
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Casework (liaison triage, routing, SLA); the queue orders by priority_key, a static key that already
    # includes age: priority = score + w·age  ⇔  key = score − w·created_hours (higher first).
    queue_state: Mapped[str] = mapped_column(String(16), default="liaison")  # liaison | routed | oversight
    priority_key: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    verification: Mapped[str | None] = mapped_column(String(16))  # verified | unfounded | duplicate | needs_info
    category_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # the oversight body handed the tip back (not a complaint): triage's complaint suspicion no longer holds it
    oversight_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    routing: Mapped[dict] = mapped_column(JSON, default=dict)  # proposed decision, rule and flags
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"))
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the sender wrote after the officers' last reply (an answer, more information): the queue marks the tip
    sender_wrote_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    area_code: Mapped[str | None] = mapped_column(String(64))  # smallest area holding the point (kept after purge)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # content erased by retention
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category = relationship("Category", lazy="joined")
    status = relationship("Status", lazy="joined")
    messages: Mapped[list[Message]] = relationship(
        back_populates="tip", order_by="Message.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(back_populates="tip", cascade="all, delete-orphan")
    assignments = relationship("Assignment", back_populates="tip", cascade="all, delete-orphan")
    assigned_user = relationship("User", foreign_keys=[assigned_user_id])
    triage: Mapped[TriageRecord | None] = relationship(
        back_populates="tip", order_by="TriageRecord.id.desc()", uselist=False, viewonly=True
    )

    __table_args__ = (
        Index("ix_tips_status_created", "status_code", "created_at"),
        Index("ix_tips_queue", "queue_state", "priority_key", "id"),
    )

    def status_reply(self, lang: str) -> str:
        """What the tip's status means, told to its sender in lang (a complaint, held by the oversight body, has
        texts of its own)."""
        return self.status.reply(lang, complaint=self.queue_state == "oversight")

    @property
    def suggested_category(self) -> str | None:
        """The category triage found when nobody has set one (officers confirm it with a click)."""
        if self.category_code is None and self.triage is not None:
            return self.triage.category_code
        return None

    @property
    def triage_category(self) -> str | None:
        """The category triage found, whatever the sender or an officer chose (None before triage)."""
        return self.triage.category_code if self.triage is not None else None


class Receipt(db.Model):
    """The secret a sender follows up with: argon2id hash, looked up through a keyed HMAC index."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), unique=True)
    lookup: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 hex of the code
    hash: Mapped[str] = mapped_column(String(128))  # argon2id

    tip: Mapped[Tip] = relationship()


class Message(db.Model):
    """One message of the anonymous conversation between the sender and officers."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    author_role: Mapped[str] = mapped_column(String(16))  # sender | officer | system
    author_id: Mapped[int | None] = mapped_column(Integer)  # officer's user id (later issue)
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # as Tip.submission_key

    tip: Mapped[Tip] = relationship(back_populates="messages")


class Attachment(db.Model):
    """A file sent with a tip, metadata stripped and encrypted in the attachment store."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tip: Mapped[Tip] = relationship(back_populates="attachments")


class TriageRecord(db.Model):
    """The triage model's output for a tip, with the model version that produced it."""

    __tablename__ = "triage_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # one result per tip: a second delivery of the same task loses its insert to the first (triage.triage_tip)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True, unique=True)
    model_version: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    spam: Mapped[float] = mapped_column(Float)
    actionability: Mapped[float] = mapped_column(Float)
    credibility: Mapped[float] = mapped_column(Float)
    relevance: Mapped[float | None] = mapped_column(Float)  # NULL: triaged before the model scored relevance
    urgency: Mapped[float] = mapped_column(Float, default=0.0)
    category_code: Mapped[str | None] = mapped_column(String(32))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    factors: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tip: Mapped[Tip] = relationship(back_populates="triage")
