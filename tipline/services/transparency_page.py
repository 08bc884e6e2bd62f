"""The figures of one transparency page: tables and SVG charts built from the aggregate rows only."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_decimal
from markupsafe import Markup
from sqlalchemy import select

from tipline.extensions import db
from tipline.i18n import format_month
from tipline.models import Agency, Area, Category, Event, StatMonthly
from tipline.services import charts, transparency


@dataclass
class Section:
    """One figure: its table rows (label, public count or value) and its chart."""

    ident: str
    title: str
    desc: str
    head: str = ""  # what the rows are (the first column's heading)
    rows: list[tuple[str, str]] = field(default_factory=list)
    chart: Markup | None = None


def _names(lang: str) -> dict[str, dict[str, str]]:
    """Display names of deployment keys (categories, agencies, areas) in lang."""
    return {
        "category": {c.code: c.name(lang) for c in db.session.scalars(select(Category))},
        "agency": {a.code: a.display(lang) for a in db.session.scalars(select(Agency))},
        "area": {a.code: a.display(lang) for a in db.session.scalars(select(Area))},
        "event": {e.code: f"{e.title(lang)} ({e.code})" for e in db.session.scalars(select(Event))},
    }


def _label(dim: str, key: str, names: dict, labels: dict[str, str]) -> str:
    """The visitor's label of a key."""
    if dim in ("event_feedback", "event_avg"):  # "2241", or "2241:overall": the event by its title
        code, _, question = key.partition(":")
        event = names["event"].get(code, code)
        return f"{event} — {labels.get(question, question)}" if question else event
    base = dim.split("_")[0] if dim.startswith("complaint") else dim
    base = {"first_response": "agency", "closure": "agency", "complaint": "verification"}.get(base, base)
    if key in names.get(base, {}):
        return names[base][key]
    return labels.get(key, key)


def key_names(lang: str, labels: dict[str, str]) -> dict[str, dict[str, str]]:
    """What every key of the open data means, by dimension (the codes of the CSVs, in words)."""
    names = _names(lang)
    dims = {d for table in transparency.TABLES.values() for d in table}
    query = select(StatMonthly.dimension, StatMonthly.key).where(StatMonthly.dimension.in_(dims)).distinct()
    keys: dict[str, dict[str, str]] = {}
    for dim, key in sorted(db.session.execute(query)):
        keys.setdefault(dim, {})[key] = _label(dim, key, names, labels)
    return keys


def _count_section(ident: str, spec: tuple, rows: dict, names: dict, labels: dict, rtl: bool) -> Section:
    """A breakdown of counts with its bar chart."""
    dim, title, desc, head = spec
    section = Section(ident, title, desc, head)
    for key, row in rows.get(dim, {}).items():
        section.rows.append((_label(dim, key, names, labels), row.shown))
    section.chart = charts.bar_chart(ident, title, desc, section.rows, rtl) if section.rows else None
    return section


def _value_section(ident: str, spec: tuple, rows: dict, names: dict, labels: dict) -> Section:
    """Medians or averages, listed only when based on at least k items (as in the open data: a row saying "too
    few" would tell that an agency had some closed tips, or an event some answers, that month)."""
    dim, title, desc, head = spec
    section = Section(ident, title, desc, head)
    for key, row in sorted(rows.get(dim, {}).items()):
        if row.value_shown:
            section.rows.append((_label(dim, key, names, labels), format_decimal(row.value, "0.0")))  # 3,7 in es
    return section


def figures(period: str, lang: str, specs: dict, labels: dict[str, str], rtl: bool = False) -> dict:
    """Everything the page shows for one published month: sections, monthly totals chart and the area map."""
    rows = transparency.month(period)
    names = _names(lang)
    heads = specs["heads"]
    counts = [_count_section(f"fig-{s[0]}", (*s, heads[s[0]]), rows, names, labels, rtl) for s in specs["counts"]]
    values = [_value_section(f"fig-{s[0]}", (*s, heads[s[0]]), rows, names, labels) for s in specs["values"]]
    months = [(format_month(month), shown) for month, shown in transparency.monthly_totals()]  # "septiembre 2026"
    title, desc = specs["months"]
    chart = charts.bar_chart("fig-months", title, desc, months, rtl)
    monthly = Section("fig-months", title, desc, specs["heads"]["months"], months, chart)
    areas = [
        {"code": a.code, "name": names["area"][a.code], "geometry": a.geometry, "shown": rows["area"][a.code].shown}
        for a in db.session.scalars(select(Area).order_by(Area.code))
        if a.code in rows.get("area", {})
    ]
    title, desc = specs["map"]
    area_map = charts.area_map("fig-map", title, desc, areas) if areas else None
    return {"period": period, "monthly": monthly, "counts": counts, "stats": values, "map": area_map}
