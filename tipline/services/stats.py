"""Operational figures for operators (public figures live in the transparency service)."""

from __future__ import annotations

from sqlalchemy import func, select

from tipline.extensions import db
from tipline.models import Tip


def tip_count() -> int:
    """Number of tips stored."""
    return db.session.scalar(select(func.count(Tip.id))) or 0
