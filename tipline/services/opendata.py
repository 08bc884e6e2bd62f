"""Open data: the published tables as JSON and CSV, described by a Frictionless Data Package."""

from __future__ import annotations

from tipline.services import transparency

SUPPRESSION = (
    "Counts from 1 to {k_minus} are published as '<{k}' (a zero is published as 0); counts withheld so that no "
    "total or difference reveals a small count are shown as 'x' (any count). Medians and averages "
    "are published only when based on at least {k} items. Only complete months older than {delay} days are "
    "published. No free text, no exact timestamps, no location finer than an area."
)


def field_names(table: str) -> list[str]:
    """Columns of a table's CSV."""
    last = "count" if table in transparency.COUNT_TABLES else "value"
    return ["period", "dimension", "key", last]


def _schema(table: str, k: int) -> dict:
    """Table Schema of one CSV."""
    counts = table in transparency.COUNT_TABLES
    last = (
        {"name": "count", "type": "integer", "description": "Number of items; '<k' or 'x' when withheld."}
        if counts
        else {"name": "value", "type": "number", "description": "Median hours or average rating (1 to 5)."}
    )
    return {
        "fields": [
            {"name": "period", "type": "yearmonth", "description": "Month (UTC) the items were received in."},
            {"name": "dimension", "type": "string", "description": "What the table breaks down."},
            {"name": "key", "type": "string", "description": "The row of the breakdown (in words: x_keys)."},
            last,
        ],
        "missingValues": ["", f"<{k}", "x"],
        "primaryKey": ["period", "dimension", "key"],
    }


LICENCES = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/",
    "ODC-By-1.0": "https://opendatacommons.org/licenses/by/1-0/",
    "OGL-UK-3.0": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}


def datapackage(licence: str, keys: dict[str, dict[str, str]] | None = None) -> dict:
    """The data package descriptor; resource paths are relative to it, as Frictionless requires. keys: what each
    key of each dimension means (x_keys)."""
    from flask import current_app

    k, delay = transparency.min_count(), current_app.config["TRANSPARENCY_DELAY_DAYS"]
    rule = SUPPRESSION.format(k=k, k_minus=k - 1, delay=delay)
    return {
        "profile": "tabular-data-package",
        "name": "tipline-transparency",
        "title": "Community tip line: public figures",
        "description": rule,
        "licenses": [
            {"name": licence, "title": licence} | ({"path": LICENCES[licence]} if licence in LICENCES else {})
        ],
        "x_suppression": {"min_count": k, "delay_days": delay, "rule": rule},
        "x_keys": keys or {},
        "resources": [
            {
                "name": table.replace("_", "-"),
                "path": f"{table}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "schema": _schema(table, k),
            }
            for table in transparency.TABLES
        ],
    }


NUMBERS = {"count": int, "value": float}


def _typed(row: dict) -> dict:
    """A row with its published count or value as a JSON number; withheld ones stay '<k', 'x' or '' (the CSVs'
    missingValues)."""
    out = dict(row)
    for name, kind in NUMBERS.items():
        value = out.get(name)
        if isinstance(value, str) and value not in ("", "x") and not value.startswith("<"):
            out[name] = kind(value)
    return out


def everything() -> dict:
    """Every table, keyed by name, with the suppression rule."""
    periods = transparency.published_periods()
    revised = transparency.revisions()
    return {
        "min_count": transparency.min_count(),
        "periods": periods,
        "revisions": {p: [t.isoformat(timespec="minutes") for t in revised[p]] for p in periods if p in revised},
        "tables": {table: [_typed(r) for r in transparency.table_rows(table)] for table in transparency.TABLES},
    }
