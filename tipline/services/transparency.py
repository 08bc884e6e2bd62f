"""Public figures: monthly aggregates rebuilt in the background, disclosure-controlled, read by the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from tipline.extensions import db
from tipline.models import Assignment, Event, Feedback, StatMonthly, StatRefresh, Tip
from tipline.models.types import utcnow
from tipline.services import aggregates, disclosure

PERIOD_PATTERN = r"\d{4}-(0[1-9]|1[0-2])"
COUNT_TABLES = {
    "tips_by_month": ("total",),
    "tips_by_channel": ("channel",),
    "tips_by_language": ("language",),
    "tips_by_category": ("category",),
    "outcomes_verification": ("verification",),
    "outcomes_handling": ("handling",),
    "outcomes_state": ("state",),
    "tips_by_lead_agency": ("agency",),
    "tips_by_area": ("area",),
    "complaints": ("complaints", "complaint_outcome"),
    "events": ("events", "feedback", "event_feedback"),
}
VALUE_TABLES = {
    "response_times": ("first_response", "closure"),
    "feedback_averages": ("feedback_avg", "event_avg"),
}
TABLES = COUNT_TABLES | VALUE_TABLES


def min_count() -> int:
    """k: the smallest count published as it is."""
    return int(current_app.config["TRANSPARENCY_MIN_COUNT"])


def last_published_period(now: datetime | None = None) -> str:
    """The latest complete month older than the publication delay."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["TRANSPARENCY_DELAY_DAYS"]))
    first_of_month = cutoff.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return aggregates.period_of(first_of_month - timedelta(days=1))


def is_published(period: str, now: datetime | None = None) -> bool:
    """True when a month's figures may be shown."""
    return period <= last_published_period(now)


def published_periods(now: datetime | None = None) -> list[str]:
    """Months with figures that may be shown, oldest first (read from the aggregate table only)."""
    last = last_published_period(now)
    query = select(StatMonthly.period).where(StatMonthly.period <= last).distinct().order_by(StatMonthly.period)
    return list(db.session.scalars(query))


def _months_between(first: datetime, last: datetime) -> list[str]:
    """Every YYYY-MM from first to last."""
    periods, cursor = [], first.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while cursor <= last:
        periods.append(aggregates.period_of(cursor))
        cursor = aggregates.month_range(aggregates.period_of(cursor))[1]
    return periods


def changed_periods(since: datetime | None) -> list[str]:
    """Months touched since the last refresh (every month on the first run)."""
    if since is None:
        first, last = db.session.execute(select(func.min(Tip.created_at), func.max(Tip.created_at))).one()
        e_first, e_last = db.session.execute(select(func.min(Event.starts_at), func.max(Event.starts_at))).one()
        moments = [m for m in (first, last, e_first, e_last) if m is not None]
        return _months_between(min(moments), max(moments)) if moments else []
    moments = set(db.session.scalars(select(Tip.created_at).where(Tip.updated_at >= since)))
    moments |= set(db.session.scalars(select(Tip.created_at).join(Assignment).where(Assignment.created_at >= since)))
    moments |= set(db.session.scalars(select(Event.starts_at).where(Event.created_at >= since)))
    moments |= set(db.session.scalars(select(Event.starts_at).join(Feedback).where(Feedback.created_at >= since)))
    return sorted({aggregates.period_of(m) for m in moments})


def _rows(period: str, counts: dict, equations: list, stats: dict, k: int) -> list[StatMonthly]:
    """The protected rows of one month."""
    shown = disclosure.protect_shown(counts, equations, k, aggregates.INTERNAL)
    rows = [
        StatMonthly(period=period, dimension=d, key=key, count=counts[(d, key)], shown=text)
        for (d, key), text in shown.items()
    ]
    allowed = {
        (dim, key): disclosure.statistic_allowed(n, k) and (dim != "event_avg" or _event_count_shown(key, shown))
        for (dim, key), (n, _value) in stats.items()
    }
    averages = _month_averages({var: stat for var, stat in stats.items() if var[0] == "event_avg" and allowed[var]})
    allowed |= {var: disclosure.statistic_allowed(n, k) for var, (n, _value) in averages.items()}
    for (dim, key), (n, value) in (stats | averages).items():
        rows.append(
            StatMonthly(period=period, dimension=dim, key=key, count=n, value=value, value_shown=allowed[(dim, key)])
        )
    return rows


def _event_count_shown(key: str, shown: dict) -> bool:
    """True when the answer count of the event of an 'event:question' key is published as a number: an average
    beside a withheld count, rounded, would narrow that count (and, through the totals, its neighbours)."""
    return shown[("event_feedback", key.split(":", 1)[0])].isdigit()


def _month_averages(published: dict[tuple, tuple[int, float]]) -> dict[tuple, tuple[int, float]]:
    """The month's average per question over the events' published averages only (any other event's ratings could
    be worked out from it)."""
    pooled: dict[str, tuple[int, float]] = {}
    for (_dim, key), (n, value) in published.items():
        question = key.split(":", 1)[1]
        count, total = pooled.get(question, (0, 0.0))
        pooled[question] = (count + n, total + n * value)
    return {("feedback_avg", question): (n, total / n) for question, (n, total) in pooled.items()}


def refresh_period(period: str) -> int:
    """Rebuild one month's aggregate rows; returns how many rows it holds."""
    k = min_count()
    counts, equations, stats = aggregates.month_figures(period, k)
    rows = _rows(period, counts, equations, stats, k)
    db.session.execute(delete(StatMonthly).where(StatMonthly.period == period))
    db.session.add_all(rows)
    return len(rows)


def frozen(period: str) -> bool:
    """A published month keeps the figures it was first published with: rebuilt after one officer's action, its
    figures would differ from the first version by that one tip (verified, routed, closed), for all to compare."""
    built = db.session.scalar(select(StatMonthly.id).where(StatMonthly.period == period).limit(1)) is not None
    return built and is_published(period)


def refresh(periods: list[str] | None = None, republish: bool = False) -> list[str]:
    """Rebuild the given months, or every month changed since the last refresh, except months already published
    (unless `republish`: an operator's deliberate correction); one commit."""
    started = utcnow()
    if periods is None:
        last = db.session.scalar(select(StatRefresh).order_by(StatRefresh.id.desc()).limit(1))
        periods = changed_periods(last.started_at if last else None)
    periods = [period for period in periods if republish or not frozen(period)]
    revised = [period for period in periods if frozen(period)]  # published figures replaced: said on the page
    for period in periods:
        refresh_period(period)
    db.session.add(StatRefresh(started_at=started, periods=list(periods), revised=revised or None))
    db.session.commit()
    return list(periods)


def revisions() -> dict[str, list[datetime]]:
    """When each published month's figures were corrected after their first publication, by month."""
    found: dict[str, list[datetime]] = {}
    query = select(StatRefresh).where(StatRefresh.revised.is_not(None)).order_by(StatRefresh.id)
    for refresh_row in db.session.scalars(query):
        for period in refresh_row.revised or []:
            found.setdefault(period, []).append(refresh_row.started_at)
    return found


def schedule_refresh(periods: list[str] | None = None) -> bool:
    """Ask the worker (or run inline without a broker) to rebuild the aggregates."""
    from tipline import tasks

    return tasks.dispatch(tasks.refresh_transparency, periods)


def month(period: str) -> dict[str, dict[str, StatMonthly]]:
    """One published month's rows by dimension then key; empty when not published."""
    if not is_published(period):
        return {}
    result: dict[str, dict[str, StatMonthly]] = {}
    rank = aggregates.row_order()
    rows = db.session.scalars(select(StatMonthly).where(StatMonthly.period == period))
    for row in sorted(rows, key=lambda r: rank(r.dimension, r.key)):
        result.setdefault(row.dimension, {})[row.key] = row
    return result


def monthly_totals() -> list[tuple[str, str]]:
    """(period, public count) of tips for every published month."""
    last = last_published_period()
    query = select(StatMonthly.period, StatMonthly.shown).where(
        StatMonthly.dimension == "total", StatMonthly.period <= last
    )
    return [(period, shown) for period, shown in db.session.execute(query.order_by(StatMonthly.period))]


def table_rows(table: str) -> list[dict]:
    """An open-data table over every published month: only public forms, never raw counts of withheld cells."""
    dims = TABLES[table]
    last = last_published_period()
    query = select(StatMonthly).where(StatMonthly.dimension.in_(dims), StatMonthly.period <= last)
    rank = aggregates.row_order()
    rows = sorted(db.session.scalars(query), key=lambda r: (r.period, *rank(r.dimension, r.key)))
    if table in COUNT_TABLES:
        return [{"period": r.period, "dimension": r.dimension, "key": r.key, "count": r.shown} for r in rows]
    return [
        {"period": r.period, "dimension": r.dimension, "key": r.key, "value": round(r.value, 1)}
        for r in rows
        if r.value_shown
    ]


def event_summary(code: str) -> dict[str, str | float]:
    """An event's public feedback figures once its month is published: count (protected) and averages (n ≥ k)."""
    event = db.session.scalar(select(Event).where(Event.code == code))
    if event is None or not is_published(aggregates.period_of(event.starts_at)):
        return {}
    rows = month(aggregates.period_of(event.starts_at))
    summary: dict[str, str | float] = {}
    if code in rows.get("event_feedback", {}):
        summary["count"] = rows["event_feedback"][code].shown
    for key, row in rows.get("event_avg", {}).items():
        if key.startswith(code + ":") and row.value_shown:
            summary[key.split(":", 1)[1]] = round(row.value, 1)
    return summary
