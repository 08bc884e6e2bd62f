"""Raw monthly figures for the transparency aggregates: one pass over one month of tips, events and feedback."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime

from sqlalchemy import select

from tipline.config import SUPPORTED_LANGUAGES
from tipline.extensions import db
from tipline.models import Agency, Area, Assignment, Category, Event, Feedback, Status, Tip
from tipline.models.types import utcnow

PARTITIONS = ("channel", "language", "category", "verification", "handling", "state", "agency", "area")
QUESTIONS = ("overall", "heard", "would_report")
VERIFICATION = ("verified", "unfounded", "duplicate", "needs_info", "pending")
INTERNAL = frozenset(
    [("noncomplaints", "all"), ("complaints_elsewhere", "all"), *(("noncomplaint_outcome", v) for v in VERIFICATION)]
)  # counts in the equations that are never published


def month_range(period: str) -> tuple[datetime, datetime]:
    """First instant of the month and of the next month, UTC."""
    year, month = map(int, period.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def period_of(moment: datetime) -> str:
    """The YYYY-MM month a timestamp falls in (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def _known_keys() -> dict[str, list[str]]:
    """Every key of every breakdown, so that zero cells are published too."""
    return {
        "channel": ["web", "sms"],
        "language": [*SUPPORTED_LANGUAGES, "und"],  # the same rows whatever the site offers now
        "category": [*db.session.scalars(select(Category.code).order_by(Category.position)), "none"],
        "verification": list(VERIFICATION),
        "handling": ["liaison", "routed", "oversight"],
        "state": ["open", "closed"],
        "agency": [*db.session.scalars(select(Agency.code).order_by(Agency.code)), "none"],
        "area": [*db.session.scalars(select(Area.code).order_by(Area.code)), "unknown"],
    }


def row_order():
    """A sort key for (dimension, key): each breakdown in the deployment's fixed order, every month alike. Rows in
    the order tips were met would list the keys a month has before its zeros, and so tell which withheld cells
    are zeros."""
    known = _known_keys() | {f"{side}_outcome": list(VERIFICATION) for side in ("complaint", "noncomplaint")}

    def rank(dimension: str, key: str) -> tuple:
        keys = known.get(dimension, [])
        return (dimension, keys.index(key) if key in keys else len(keys), key)

    return rank


def _tip_rows(start: datetime, end: datetime):
    """The columns of one month's tips the figures need, streamed."""
    lead = (
        select(Assignment.tip_id, db.func.min(Assignment.agency_code).label("agency"))
        .where(Assignment.role == "lead", Assignment.active.is_(True))
        .group_by(Assignment.tip_id)
        .subquery()
    )
    oversight = select(Assignment.tip_id).join(Agency).where(Agency.kind == "oversight", Assignment.active.is_(True))
    query = (
        select(
            Tip.channel,
            Tip.language,
            Tip.category_code,
            Tip.verification,
            Tip.queue_state,
            Status.is_closed,
            Tip.area_code,
            Tip.created_at,
            Tip.first_response_at,
            Tip.closed_at,
            lead.c.agency,
            Tip.id.in_(oversight).label("complaint"),
        )  # fmt: skip
        .join(Status, Tip.status_code == Status.code)
        .outerjoin(lead, lead.c.tip_id == Tip.id)
        .where(Tip.created_at >= start, Tip.created_at < end)
    )
    return db.session.execute(query.execution_options(yield_per=2000))


def _hours(later: datetime | None, earlier: datetime) -> float | None:
    """Hours between two timestamps, or None."""
    return None if later is None else max((later - earlier).total_seconds() / 3600, 0.0)


def tip_figures(period: str) -> tuple[Counter, dict[tuple, list[float]]]:
    """Counts per (dimension, key) and durations per (measure, agency) for the tips of one month."""
    counts: Counter = Counter()
    durations: dict[tuple, list[float]] = defaultdict(list)
    for row in _tip_rows(*month_range(period)):
        agency = row.agency or "none"
        keys = {
            "channel": row.channel,
            "language": row.language or "und",
            "category": row.category_code or "none",
            "verification": row.verification or "pending",
            "handling": row.queue_state,
            "state": "closed" if row.is_closed else "open",
            "agency": agency,
            "area": row.area_code or "unknown",
        }
        counts[("total", "all")] += 1
        counts.update(keys.items())
        if row.complaint or row.queue_state == "oversight":
            counts[("complaints", "all")] += 1
            counts[("complaint_outcome", keys["verification"])] += 1
            counts[("complaints_elsewhere", "all")] += row.queue_state != "oversight"
        else:
            counts[("noncomplaints", "all")] += 1
            counts[("noncomplaint_outcome", keys["verification"])] += 1
        for measure, moment in (("first_response", row.first_response_at), ("closure", row.closed_at)):
            hours = _hours(moment, row.created_at)
            if hours is not None:
                durations[(measure, agency)].append(hours)
    return counts, durations


def event_figures(period: str) -> tuple[Counter, dict[tuple, list[float]]]:
    """Events held in one month, their feedback counts and each event's ratings per question."""
    start, end = month_range(period)
    end = min(end, utcnow())
    counts: Counter = Counter()
    ratings: dict[tuple, list[float]] = defaultdict(list)
    events = db.session.scalars(select(Event).where(Event.starts_at >= start, Event.starts_at < end)).all()
    counts[("events", "held")] = len(events)
    counts[("feedback", "all")] = 0
    for event in events:
        answers: dict[str, list[float]] = defaultdict(list)
        feedback = db.session.scalars(select(Feedback).where(Feedback.event_id == event.id)).all()
        counts[("feedback", "all")] += len(feedback)
        counts[("event_feedback", event.code)] = len(feedback)
        for fb in feedback:
            for question, value in (fb.ratings or {}).items():
                answers[question].append(value)
        for question, values in answers.items():
            ratings[("event_avg", f"{event.code}:{question}")] = values
    return counts, ratings


def equations(counts: Counter, keys: dict[str, list[str]]) -> list[tuple[tuple, list[tuple]]]:
    """The totals a reader knows: every breakdown adds up to the month's total, routed tips are those with a lead
    agency, and so on (disclosure.protect uses those that hold)."""
    eqs = [(("total", "all"), [(dim, key) for key in keys[dim]]) for dim in PARTITIONS]
    eqs.append((("handling", "routed"), [("agency", key) for key in keys["agency"] if key != "none"]))
    eqs.append((("agency", "none"), [("handling", "liaison"), ("handling", "oversight")]))
    eqs.append((("complaints", "all"), [("complaint_outcome", key) for key in VERIFICATION]))
    # Subsets a reader can reason about through counts never published (INTERNAL): tips that are not complaints,
    # and complaints not (or no longer) in the oversight queue.
    eqs.append((("total", "all"), [("complaints", "all"), ("noncomplaints", "all")]))
    eqs.append((("noncomplaints", "all"), [("noncomplaint_outcome", key) for key in VERIFICATION]))
    eqs += [(("verification", v), [("complaint_outcome", v), ("noncomplaint_outcome", v)]) for v in VERIFICATION]
    eqs.append((("complaints", "all"), [("handling", "oversight"), ("complaints_elsewhere", "all")]))
    events = [v for v in counts if v[0] == "event_feedback"]
    eqs.append((("feedback", "all"), events))
    return eqs


def month_figures(period: str, k: int) -> tuple[dict, list, dict]:
    """Every count of a month (zeros included), the equations between them, and the medians/averages (k: the
    suppression threshold, transparency.min_count)."""
    keys = _known_keys()
    counts, durations = tip_figures(period)
    event_counts, ratings = event_figures(period)
    counts.update(event_counts)
    for dim in PARTITIONS:  # keys no longer configured (an area taken out of the deployment) still count
        keys[dim] += sorted({key for d, key in counts if d == dim} - set(keys[dim]))
    for dim in PARTITIONS:
        for key in keys[dim]:
            counts[(dim, key)] += 0
    for var in (("total", "all"), ("complaints", "all"), *INTERNAL):
        counts[var] += 0
    for key in VERIFICATION:
        counts[("complaint_outcome", key)] += 0
    stats = {var: (len(v), statistics.median(v)) for var, v in durations.items()}
    stats |= {var: (len(v), statistics.fmean(v)) for var, v in ratings.items()}
    return dict(counts), equations(counts, keys), stats
