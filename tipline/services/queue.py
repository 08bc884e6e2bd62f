"""Officers' queues: who may see a tip, priority ordering, filters and keyset pagination, SLA."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, event, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tipline.extensions import db
from tipline.models import Assignment, Tip, TriageRecord, User
from tipline.models.types import utcnow

PAGE_SIZE = 25
SORTS = ("priority", "newest", "oldest")  # each a keyset order: (key, id) cursors page through it
AGE_WEIGHT_PER_HOUR = 1 / 48  # two days of waiting weigh as much as a full point of score


def priority_score(
    actionability: float, credibility: float, urgency: float, spam: float, relevance: float | None = None
) -> float:
    """Score in about [-1, 1] from the triage figures; spam pushes an item to the bottom, and a tip about nothing
    a public-safety desk handles (low relevance) goes below one that is (None: scored before relevance existed)."""
    if relevance is None:
        score = 0.4 * actionability + 0.3 * credibility + 0.3 * urgency
    else:
        score = 0.3 * actionability + 0.25 * credibility + 0.25 * urgency + 0.2 * relevance
    return score - 1.0 if spam >= 0.9 else score


def priority_key(score: float, created_at: datetime) -> float:
    """Static sort key equal to score + w·age up to a constant, so the order ages without rewrites."""
    return score - AGE_WEIGHT_PER_HOUR * created_at.timestamp() / 3600


def sync_holdings(session, _context=None, _instances=None) -> None:
    """Before each flush: copy priority, open and intake state of changed tips onto their agencies' holdings."""
    tips = {obj for obj in (*session.new, *session.dirty) if isinstance(obj, Tip)}
    tips |= {obj.tip for obj in (*session.new, *session.dirty) if isinstance(obj, Assignment) and obj.tip is not None}
    for tip in tips:
        at_desk = tip.queue_state in ("liaison", "oversight")
        for holding in tip.assignments:
            holding.priority_key = tip.priority_key
            holding.open = tip.closed_at is None
            holding.intake = at_desk and holding.role in ("liaison", "oversight")


event.listen(Session, "before_flush", sync_holdings)


def visible_to(user: User):
    """SQL condition: the tip is held (actively) by the user's agency."""
    return exists().where(
        and_(Assignment.tip_id == Tip.id, Assignment.agency_code == user.agency_code, Assignment.active)
    )


def get_for(user: User, public_id: str) -> Tip | None:
    """A tip the user's agency holds, or None (the caller answers 404, never 403)."""
    return db.session.scalar(select(Tip).where(Tip.public_id == public_id, visible_to(user)))


@dataclass
class Filters:
    """Queue filters from the query string (all optional)."""

    view: str = "intake"  # intake (liaison / oversight desk) | agency (routed here) | all
    status: str | None = None
    category: str | None = None
    language: str | None = None
    min_credibility: float | None = None
    since: datetime | None = None
    until: datetime | None = None
    include_closed: bool = False
    sort: str = "priority"


def _filtered(query, f: Filters):
    """Apply filters to a queue query (tips joined to the agency's holdings)."""
    if f.view == "intake":
        query = query.where(Assignment.intake.is_(True))
    elif f.view == "agency":
        query = query.where(Assignment.intake.is_(False))
    if not f.include_closed:
        query = query.where(Assignment.open.is_(True))
    if f.status:
        query = query.where(Tip.status_code == f.status)
    if f.category:
        query = query.where(Tip.category_code == f.category)
    if f.language:
        query = query.where(Tip.language == f.language)
    if f.since:
        query = query.where(Tip.created_at >= f.since)
    if f.until:
        query = query.where(Tip.created_at < f.until + timedelta(days=1))
    if f.min_credibility is not None:
        query = query.where(
            exists().where(and_(TriageRecord.tip_id == Tip.id, TriageRecord.credibility >= f.min_credibility))
        )
    return query


def _held(user: User):
    return and_(Assignment.tip_id == Tip.id, Assignment.agency_code == user.agency_code, Assignment.active.is_(True))


def page(user: User, f: Filters, after: tuple[float, int] | None = None, size: int = PAGE_SIZE) -> list[Tip]:
    """One page of the user's queue in f.sort order (highest priority first by default); `after` is the last row's
    (key, id). By priority the scan walks one range of ix_tip_agencies_queue in order, so its cost does not grow
    with the table; by age it walks the tips' ids (newer tips have larger ids)."""
    query = _filtered(select(Tip).join(Assignment, _held(user)), f).options(selectinload(Tip.triage))
    if f.sort == "newest":
        order = (Assignment.tip_id.desc(),)
        query = query.where(Assignment.tip_id < after[1]) if after else query
    elif f.sort == "oldest":
        order = (Assignment.tip_id.asc(),)
        query = query.where(Assignment.tip_id > after[1]) if after else query
    else:
        order = (Assignment.priority_key.desc(), Assignment.tip_id.desc())
        if after is not None:
            key, tip_id = after
            query = query.where(
                or_(Assignment.priority_key < key, and_(Assignment.priority_key == key, Assignment.tip_id < tip_id))
            )
    return list(db.session.scalars(query.order_by(*order).limit(size)))


def count(user: User, f: Filters) -> int:
    """How many tips of the user's queue match the filters (every page together)."""
    query = _filtered(select(func.count()).select_from(Tip).join(Assignment, _held(user)), f)
    return db.session.scalar(query) or 0


def is_overdue(tip: Tip, now: datetime | None = None) -> bool:
    """The tip waits beyond its SLA without a first response."""
    return bool(
        tip.sla_due_at
        and tip.first_response_at is None
        and tip.closed_at is None
        and tip.sla_due_at < (now or utcnow())
    )


def sla_due(status_code: str, start: datetime) -> datetime | None:
    """When a tip in this status must have had a response."""
    from tipline.services import catalog

    info = catalog.statuses().get(status_code)
    return start + timedelta(hours=info.sla_hours) if info and info.sla_hours else None


def overdue_by_agency(now: datetime | None = None) -> dict[str, list[Tip]]:
    """Overdue tips grouped by the agencies holding them (for the supervisors' digest)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Assignment.agency_code, Tip)
        .join(Tip, Tip.id == Assignment.tip_id)
        .where(Assignment.active, Tip.first_response_at.is_(None), Tip.closed_at.is_(None), Tip.sla_due_at < now)
        .order_by(Assignment.agency_code, Tip.sla_due_at)
    ).all()
    digest: dict[str, list[Tip]] = {}
    for agency, tip in rows:
        digest.setdefault(agency, []).append(tip)
    return digest
