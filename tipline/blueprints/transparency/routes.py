"""Transparency views: one published month, the open data files and their description."""

from __future__ import annotations

import csv
import io
import re

from flask import Response, abort, current_app, jsonify, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from tipline.blueprints.transparency import bp
from tipline.blueprints.transparency.labels import resolved
from tipline.i18n import LANGUAGE_NAMES, RTL, current_language
from tipline.services import opendata, transparency, transparency_page

PERIOD_RE = re.compile(transparency.PERIOD_PATTERN)


def _not_published():
    """A 404 page in the visitor's language for a month that is not (yet) published."""
    message = _("Figures for this month are not published. We publish complete months once they are old enough.")
    return render_template("error.html", code=404, message=message), 404


@bp.get("/")
def index():
    """The latest published month, or an explanation when nothing is published yet."""
    periods = transparency.published_periods()
    if not periods:
        return render_template("transparency/empty.html")
    return redirect(url_for("transparency.month", period=periods[-1]))


@bp.get("/<period>")
def month(period: str):
    """All the figures of one published month."""
    if not PERIOD_RE.fullmatch(period) or period not in transparency.published_periods():
        return _not_published()
    lang = current_language()
    specs, labels = resolved(LANGUAGE_NAMES)
    page = transparency_page.figures(period, lang, specs, labels, rtl=lang in RTL)
    periods = transparency.published_periods()
    k = transparency.min_count()
    licence = current_app.config["TRANSPARENCY_LICENSE"]
    return render_template(
        "transparency/month.html",
        page=page,
        periods=periods,
        k=k,
        tables=transparency.TABLES,
        licence=licence,
        licence_url=opendata.LICENCES.get(licence),
        revised=transparency.revisions().get(period, []),
    )


@bp.get("/data.json")
def data_json():
    """Every open-data table as JSON."""
    return jsonify(opendata.everything())


@bp.get("/datapackage.json")
def datapackage():
    """The Frictionless Data Package describing the CSV files, with what each key means (in English)."""
    with force_locale("en"):
        _specs, labels = resolved(LANGUAGE_NAMES)
        keys = transparency_page.key_names("en", labels)
    return jsonify(opendata.datapackage(current_app.config["TRANSPARENCY_LICENSE"], keys))


@bp.get("/<table>.csv")
def table_csv(table: str):
    """One open-data table as CSV."""
    if table not in transparency.TABLES:
        abort(404)
    rows = transparency.table_rows(table)
    fields = opendata.field_names(table)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f"inline; filename={table}.csv"}
    )
