"""Agreements between agencies (MOU rules), which agencies hold a tip, and forwarding attempts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.models.types import EncryptedText, UTCDateTime, utcnow


class MouRule(db.Model):
    """(area, category) → lead agency and supporting agencies, valid between two dates."""

    __tablename__ = "mou_rules"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))  # None = any area
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))  # None = any category
    lead_agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    supporting: Mapped[list] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")


class Assignment(db.Model):
    """An agency holding a tip: the liaison desk, a lead or supporting agency, a share, or oversight."""

    __tablename__ = "tip_agencies"
    __table_args__ = (
        UniqueConstraint("tip_id", "agency_code", name="uq_tip_agency"),
        Index("ix_tip_agencies_queue", "agency_code", "active", "open", "intake", "priority_key", "tip_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # liaison | lead | support | shared | oversight
    reason: Mapped[str | None] = mapped_column(EncryptedText)  # an officer's words: erased with the tip
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Queue keys copied from the tip (kept in step on every flush) so a queue is one ordered index range.
    intake: Mapped[bool] = mapped_column(Boolean, default=True)  # waiting at the liaison or oversight desk
    open: Mapped[bool] = mapped_column(Boolean, default=True)  # the tip is not closed
    priority_key: Mapped[float] = mapped_column(Float, default=0.0)

    tip = relationship("Tip", back_populates="assignments")


class ForwardAttempt(db.Model):
    """One attempt to POST a tip to an agency's own system."""

    __tablename__ = "forward_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    UNSIGNED = "not sent: set "  # how the error of an attempt refused for want of a signing key begins

    @property
    def unsigned(self) -> bool:
        """Nothing was sent because the agency's signing key is not configured (an administrator's task)."""
        return self.status_code is None and (self.error or "").startswith(self.UNSIGNED)
