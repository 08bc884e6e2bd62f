"""Read access to the deployment's categories and statuses for forms and pages."""

from __future__ import annotations

from sqlalchemy import select

from tipline.extensions import db
from tipline.models import Category


def category_choices(lang: str) -> list[tuple[str, str]]:
    """Active categories as (code, localised name), in the deployment's order."""
    rows = db.session.scalars(select(Category).where(Category.active).order_by(Category.position, Category.code))
    return [(c.code, c.name(lang)) for c in rows]
