"""Versions of the category model trained on officers' confirmed labels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tipline.extensions import db
from tipline.models.types import UTCDateTime, utcnow


class ModelVersion(db.Model):
    """One retraining attempt: its held-out scores, whether it was promoted, and whether it is in use."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str | None] = mapped_column(String(500))  # None: refused, nothing was saved
    examples: Mapped[int] = mapped_column(Integer)
    candidate_score: Mapped[float] = mapped_column(Float)
    current_score: Mapped[float] = mapped_column(Float)
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
