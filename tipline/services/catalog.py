"""Read access to the deployment's categories, statuses and agencies, cached per process for the hot paths.

The cache is emptied by `deployment.load`; other processes (gunicorn workers, Celery) pick up a new deployment
file when they restart.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from tipline.extensions import db
from tipline.i18n import current_language
from tipline.models import Agency, Area, Category, Status, User


@dataclass(frozen=True)
class StatusInfo:
    """What the hot paths need of a status, detached from any session."""

    code: str
    sla_hours: int | None
    is_closed: bool
    replies: dict


def _cached(key, compute):
    """A value computed once per process and deployment."""
    cache = current_app.extensions.setdefault("tipline_catalog", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def invalidate() -> None:
    """Forget cached deployment facts (after a deployment load)."""
    current_app.extensions["tipline_catalog"] = {}


def statuses() -> dict[str, StatusInfo]:
    """Every status by code."""
    return _cached(
        "statuses",
        lambda: {
            s.code: StatusInfo(s.code, s.sla_hours, s.is_closed, dict(s.replies or {}))
            for s in db.session.scalars(select(Status))
        },
    )


def initial_status() -> StatusInfo:
    """The status a new tip starts in."""
    code = _cached(
        "initial",
        lambda: db.session.scalar(select(Status.code).where(Status.is_initial).order_by(Status.position).limit(1)),
    )
    return statuses().get(code) or StatusInfo(code or "received", None, False, {})


def agency_of_kind(kind: str) -> str | None:
    """Code of the (first) agency of a kind, e.g. the liaison desk or the oversight body."""
    return _cached(
        ("agency", kind),
        lambda: db.session.scalar(select(Agency.code).where(Agency.kind == kind).order_by(Agency.code).limit(1)),
    )


def oversight_categories() -> frozenset[str]:
    """Categories whose tips go to the oversight body only."""
    return _cached(
        "oversight", lambda: frozenset(db.session.scalars(select(Category.code).where(Category.oversight.is_(True))))
    )


def category_choices(lang: str, cached_only: bool = False) -> list[tuple[str, str]]:
    """Active categories as (code, localised name), in the deployment's order; with cached_only, what this process
    has already read, or none, without asking the database (a page drawn while the database is down)."""

    def compute():
        query = select(Category).where(Category.active).order_by(Category.position, Category.code)
        return [(c.code, c.name(lang)) for c in db.session.scalars(query)]

    if cached_only:
        return list(current_app.extensions.get("tipline_catalog", {}).get(("categories", lang), []))
    return list(_cached(("categories", lang), compute))


def status_choices(lang: str) -> list[tuple[str, str]]:
    """Statuses as (code, localised name), in the deployment's order."""
    rows = db.session.scalars(select(Status).order_by(Status.position))
    return [(s.code, s.name(lang)) for s in rows]


def agency_choices(
    exclude_kinds: tuple[str, ...] = (), only_kinds: tuple[str, ...] | None = None
) -> list[tuple[str, str]]:
    """Agencies as (code, name in the current language), without some kinds or of some kinds only."""
    lang = current_language()
    rows = db.session.scalars(select(Agency).order_by(Agency.name))
    kept = [a for a in rows if a.kind not in exclude_kinds and (only_kinds is None or a.kind in only_kinds)]
    return [(a.code, a.display(lang)) for a in kept]


def who_runs_the_line(lang: str) -> list[dict]:
    """The deployment's agencies for the home page: name, kind and their own words (with the words' language)."""
    rows = db.session.scalars(select(Agency).order_by(Agency.name))
    order = {"liaison": 0, "oversight": 2}  # the desk that reads tips first, the oversight body last
    agencies = sorted(rows, key=lambda a: (order.get(a.kind, 1), a.display(lang)))
    shown = []
    for agency in agencies:
        about, about_lang = agency.about_in(lang) or (None, None)
        shown.append({"name": agency.display(lang), "kind": agency.kind, "about": about, "about_lang": about_lang})
    return shown


def officers_of(agency: str) -> list[tuple[str, str]]:
    """Active users of an agency as (username, display name)."""
    rows = db.session.scalars(select(User).where(User.agency_code == agency, User.active).order_by(User.display_name))
    return [(u.username, u.display_name) for u in rows]


def area_names(lang: str) -> dict[str, str]:
    """Every jurisdiction's name in lang, by code (without the geometries)."""
    return _cached(("area_names", lang), lambda: {a.code: a.display(lang) for a in db.session.scalars(select(Area))})


def areas() -> list[tuple[str, str, dict]]:
    """Every jurisdiction as (code, name in the current language, GeoJSON geometry)."""
    lang = current_language()
    return [(a.code, a.display(lang), a.geometry) for a in db.session.scalars(select(Area).order_by(Area.code))]
