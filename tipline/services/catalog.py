"""Read access to the deployment's categories and statuses for forms and pages."""

from __future__ import annotations

from sqlalchemy import select

from tipline.extensions import db
from tipline.models import Agency, Area, Category, Status, User


def category_choices(lang: str) -> list[tuple[str, str]]:
    """Active categories as (code, localised name), in the deployment's order."""
    rows = db.session.scalars(select(Category).where(Category.active).order_by(Category.position, Category.code))
    return [(c.code, c.name(lang)) for c in rows]


def status_choices(lang: str) -> list[tuple[str, str]]:
    """Statuses as (code, localised name), in the deployment's order."""
    rows = db.session.scalars(select(Status).order_by(Status.position))
    return [(s.code, s.name(lang)) for s in rows]


def agency_choices(exclude_kinds: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Agencies as (code, name)."""
    rows = db.session.scalars(select(Agency).order_by(Agency.name))
    return [(a.code, a.name) for a in rows if a.kind not in exclude_kinds]


def officers_of(agency: str) -> list[tuple[str, str]]:
    """Active users of an agency as (username, display name)."""
    rows = db.session.scalars(select(User).where(User.agency_code == agency, User.active).order_by(User.display_name))
    return [(u.username, u.display_name) for u in rows]


def areas() -> list[tuple[str, str, dict]]:
    """Every jurisdiction as (code, name, GeoJSON geometry)."""
    return [(a.code, a.name, a.geometry) for a in db.session.scalars(select(Area).order_by(Area.code))]
