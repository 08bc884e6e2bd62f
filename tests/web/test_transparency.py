"""Transparency pages: five languages, small counts withheld everywhere, open data, unpublished months refused."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event

from tipline.extensions import db
from tipline.models import Tip
from tipline.services import aggregates, deployment, disclosure, transparency

OLD = datetime.now(UTC).replace(day=1, hour=12) - timedelta(days=100)
PERIOD = aggregates.period_of(OLD)


def _tips(app, spec: list[tuple[str, str | None, float | None]], area: str | None = None) -> None:
    """Store tips of an old month directly (channel, category, lat; all in one area) and rebuild the aggregates."""
    with app.app_context():
        for i, (channel, category, lat) in enumerate(spec):
            db.session.add(
                Tip(
                    public_id=f"T{i:08d}",
                    channel=channel,
                    language="en",
                    ui_language="en",
                    text="x" * 20,
                    category_code=category,
                    status_code="received",
                    created_at=OLD,
                    lat=lat,
                    lon=-106.45 if lat else None,
                    area_code=area,
                )
            )
        db.session.commit()
        transparency.refresh([PERIOD])


@pytest.fixture
def month(app):
    """An old month with 23 web tips and 3 SMS tips: the SMS cell must be withheld."""
    _tips(app, [("web", "smuggling", 31.78)] * 12 + [("web", "drugs", None)] * 11 + [("sms", "drugs", None)] * 3)
    return PERIOD


@pytest.mark.parametrize(
    ("lang", "word"),
    [
        ("en", "Transparency"),
        ("es", "Transparencia"),
        ("fr", "Transparence"),
        ("ar", "الشفافية"),
        ("ht", "Transparans"),
    ],
)
def test_transparency_page_in_every_language(client, month, lang, word):
    page = client.get(f"/transparency/{month}?lang={lang}").get_data(as_text=True)
    assert word in page
    assert "<svg" in page and "<title" in page and "<desc" in page and "<table" in page
    assert 'style="' not in page and "<script" not in page
    assert (' dir="rtl"' in page) == (lang == "ar")
    assert page.count("<svg") == page.count('direction="ltr"')  # anchors placed by the chart, not the page's dir


def test_agencies_and_areas_are_named_in_the_visitors_language(app, client, month):
    with app.app_context():  # as the file says (a migration test elsewhere may have dropped and re-added the column)
        deployment.load(deployment.read(deployment.DEMO_FILE))
    spanish = client.get(f"/transparency/{month}?lang=es").get_data(as_text=True)
    assert "Condado de Rio Verde (zona rural)" in spanish and "Rio Verde County (unincorporated)" not in spanish
    english = client.get(f"/transparency/{month}?lang=en").get_data(as_text=True)
    assert "Rio Verde County (unincorporated)" in english


def test_each_table_names_what_its_rows_are(client, month):
    page = client.get(f"/transparency/{month}?lang=en").get_data(as_text=True)
    heads = dict(re.findall(r'<h2 id="fig-(\w+)-h">.*?<thead><tr><th scope="col">([^<]+)</th>', page, re.S))
    assert heads["channel"] == "Channel" and heads["language"] == "Language" and heads["area"] == "Area"
    assert heads["closure"] == "Lead agency" and heads["months"] == "Month"


def test_small_counts_are_withheld_with_a_complementary_cell(client, month):
    rows = list(csv.DictReader(io.StringIO(client.get("/transparency/tips_by_channel.csv").get_data(as_text=True))))
    channel = {r["key"]: r["count"] for r in rows if r["period"] == month}
    assert channel["sms"] == "<5"
    assert channel["web"] in ("x", "<5")


def test_a_withheld_cell_cannot_be_recovered_from_any_published_table(client, month):
    data = client.get("/transparency/data.json").get_json()
    k = data["min_count"]
    published, states, equations = {}, {}, []
    for rows in data["tables"].values():
        for r in rows:
            if "count" in r and r["period"] == month:
                assert isinstance(r["count"], int) or r["count"] in ("x", f"<{k}")  # numbers as JSON numbers
                value, state = disclosure.parse_shown(str(r["count"]), k)
                states[(r["dimension"], r["key"])] = state
                if value is not None:
                    published[(r["dimension"], r["key"])] = value
    for dim in aggregates.PARTITIONS:
        equations.append((("total", "all"), [v for v in states if v[0] == dim]))
    for var, (lo, hi) in disclosure.bounds(published, states, equations, k).items():
        assert hi - lo >= 1, var
    assert all(not 0 < n < k for n in published.values())


def test_a_month_not_yet_published_gets_a_404_in_the_visitors_language(client, month):
    this_month = aggregates.period_of(datetime.now(UTC))
    response = client.get(f"/transparency/{this_month}?lang=fr")
    assert response.status_code == 404
    assert 'lang="fr"' in response.get_data(as_text=True)


def test_datapackage_describes_every_csv_and_the_suppression_rule(client, month):
    package = client.get("/transparency/datapackage.json").get_json()
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert "<5" in package["description"]
    for resource in package["resources"]:
        assert "/" not in resource["path"]  # relative to the descriptor, as Frictionless requires
        assert client.get(f"/transparency/{resource['path']}").status_code == 200
        assert "<5" in resource["schema"]["missingValues"]
    keys = package["x_keys"]  # every code of the CSVs, in words
    assert keys["category"]["drugs"] == "Drugs" and keys["handling"]["liaison"] == "Coordination desk"
    assert keys["language"]["und"] == "Undetermined" and keys["area"]["unknown"] == "Unknown location"
    page = client.get(f"/transparency/{month}").get_data(as_text=True)
    assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC-BY-4.0</a>' in page


def test_the_page_reads_the_aggregates_and_never_scans_the_tips(app, client, month):
    statements = []
    with app.app_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/transparency/{month}").status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert not any("FROM tips" in s for s in statements)


def test_tips_in_an_area_the_deployment_no_longer_lists_keep_small_counts_withheld(app, client):
    _tips(app, [("web", None, None)] * 12 + [("sms", None, None)] * 3, area="retired-area")
    rows = list(csv.DictReader(io.StringIO(client.get("/transparency/tips_by_channel.csv").get_data(as_text=True))))
    channel = {r["key"]: r["count"] for r in rows if r["period"] == PERIOD}
    assert channel["sms"] == "<5" and channel["web"] == "x"


def _feedback(app, answers: list[list[int]]) -> list[str]:
    """One old-month event per list of 'overall' ratings; rebuild the aggregates; returns the event codes."""
    from tests.web.test_events import _event
    from tipline.models import Feedback

    with app.app_context():
        events = [_event(when=OLD + timedelta(days=i)) for i in range(len(answers))]
        for event, ratings in zip(events, answers, strict=True):
            db.session.add_all(Feedback(event_id=event.id, channel="web", ratings={"overall": r}) for r in ratings)
        db.session.commit()
        transparency.refresh([PERIOD])
        return [event.code for event in events]


def _averages(client) -> dict:
    data = client.get("/transparency/data.json").get_json()
    return {(r["dimension"], r["key"]): r["value"] for r in data["tables"]["feedback_averages"]}


def test_the_months_feedback_average_never_gives_away_a_small_events_ratings(app, client):
    busy, _one, _two = _feedback(app, [[4] * 5, [1], [1, 2]])  # 8 answers: the small counts stay ambiguous
    averages = _averages(client)
    assert averages[("event_avg", f"{busy}:overall")] == 4.0
    assert averages[("feedback_avg", "overall")] == 4.0  # never 3.4, which would give the small events' away
    page = client.get(f"/transparency/{PERIOD}?lang=es").get_data(as_text=True)
    assert f'<tr><th scope="row">Conozca a su policía ({busy})</th>' in page  # the event by its title
    assert '<th scope="row">Calificación general del evento</th><td><bdi dir="ltr">4,0</bdi>' in page  # 4,0 in Spanish


def test_an_events_average_is_withheld_with_its_answer_count(app, client):
    """Six answers, five of them at one event: its count is withheld ('x', or 6 - 5 gives the other's 1 away), and
    so is its average, which would narrow that count (an average of 4.7 fits 6 or 7 answers, not 5 or 8)."""
    busy, _quiet = _feedback(app, [[5, 5, 5, 4, 4], [1]])
    data = client.get("/transparency/data.json").get_json()
    counts = {(r["dimension"], r["key"]): r["count"] for r in data["tables"]["events"]}
    assert counts[("event_feedback", busy)] == "x"
    assert _averages(client) == {}
    page = client.get(f"/transparency/{PERIOD}").get_data(as_text=True)
    assert "Too few to publish" in page and "4.6" not in page


def test_before_anything_is_published_the_open_data_can_still_be_found(app):
    from flask import render_template

    with app.test_request_context("/transparency/?lang=es"):
        page = render_template("transparency/empty.html")
    assert 'href="/transparency/data.json"' in page and 'href="/transparency/datapackage.json"' in page
    assert "Los archivos de datos abiertos ya existen" in page


def test_a_withheld_count_reads_left_to_right_on_arabic_pages(client, month):
    page = client.get(f"/transparency/{month}?lang=ar").get_data(as_text=True)
    assert '<td><bdi dir="ltr">&lt;5</bdi></td>' in page
    assert "«\u2066<5\u2069»" in page  # the notice explaining it: an isolate, or it reads «5>»


def test_the_published_month_is_named_in_the_visitors_language(client, month):
    from datetime import date

    from babel.dates import format_date

    from tipline.i18n import HT_MONTHS

    year, number = (int(part) for part in month.split("-"))
    for lang, name in (
        ("es", format_date(date(year, number, 1), "LLLL y", locale="es")),
        ("ht", f"{HT_MONTHS[number - 1]} {year}"),
    ):
        assert name.split()[0].isalpha() and name.endswith(str(year))  # a month's name, not "2026-11"
        page = client.get(f"/transparency/{month}?lang={lang}").get_data(as_text=True)
        assert f"<bdi>{name}</bdi></h1>" in page
        assert f'aria-current="page">{name}</a>' in page


def test_the_monthly_chart_and_table_name_the_months(client, month):
    from tipline.i18n import HT_MONTHS

    year, number = (int(part) for part in month.split("-"))
    page = client.get(f"/transparency/{month}?lang=ht").get_data(as_text=True)
    section = page.split('id="fig-months-h"')[1].split("</section>")[0]
    assert f"{HT_MONTHS[number - 1]} {year}" in section.split("<table")[1]  # the table's row
    assert f"{HT_MONTHS[number - 1]} {year}" in section.split("<svg")[1].split("</svg>")[0]  # the chart's label
    assert f">{month}<" not in section


def _published(client) -> dict[tuple[str, str], object]:
    """Every public figure of the test month, from the open data, by (dimension, key)."""
    data = client.get("/transparency/data.json").get_json()
    return {
        (r["dimension"], r["key"]): r.get("count", r.get("value"))
        for rows in data["tables"].values()
        for r in rows
        if r["period"] == PERIOD
    }


def test_a_month_of_two_tips_does_not_show_what_they_were_through_its_zeros(app, client):
    """Two SMS tips about trafficking: '<5' beside zeros would tell anyone who knows of one of them its channel,
    category and outcome. Zeros beside a withheld total are withheld too."""
    _tips(app, [("sms", "human_trafficking", None)] * 2)
    figures = _published(client)
    assert figures[("total", "all")] == "<5"
    for dim in ("channel", "category", "verification", "state", "language"):
        cells = {key: shown for (d, key), shown in figures.items() if d == dim}
        assert 0 not in cells.values(), (dim, cells)
        assert set(cells.values()) <= {"<5", "x"}


def test_a_published_month_keeps_its_figures_when_a_tip_of_it_changes(app, client):
    """An officer verifies and closes one tip of a published month: the hourly rebuild leaves the month as first
    published (a new version would differ by that one tip); an operator's --republish rebuilds it."""
    _tips(app, [("web", "drugs", None)] * 9)
    before = _published(client)
    with app.app_context():
        tip = db.session.scalars(db.select(Tip)).first()
        tip.verification, tip.status_code = "verified", "closed"
        db.session.commit()
        assert transparency.refresh() == []  # the changed month is published already: not rebuilt
    assert _published(client) == before
    assert 'id="revised"' not in client.get(f"/transparency/{PERIOD}").get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["transparency", "refresh", "--period", PERIOD, "--republish"])
    assert result.exit_code == 0, result.output
    assert _published(client)[("verification", "verified")] == "<5"
    page = client.get(f"/transparency/{PERIOD}").get_data(as_text=True)  # a correction is never silent
    assert "these figures replace the ones first published for this month" in page
    assert list(client.get("/transparency/data.json").get_json()["revisions"]) == [PERIOD]


def test_the_tips_that_are_not_complaints_cannot_be_told_apart_from_the_complaints(app, client):
    """Ten complaints with the oversight body and one resident's ordinary tip, found unfounded: total minus
    complaints is 1, so no outcome may be published for both all tips and complaints alone (their difference
    would be that resident's outcome)."""
    _tips(app, [("web", "misconduct", None)] * 11)
    with app.app_context():
        tips = db.session.scalars(db.select(Tip).order_by(Tip.id)).all()
        for i, tip in enumerate(tips[:10]):
            tip.queue_state, tip.verification = "oversight", "verified" if i < 5 else None
        tips[10].verification = "unfounded"
        db.session.commit()
        transparency.refresh([PERIOD], republish=True)
    figures = _published(client)
    assert figures[("total", "all")] - figures[("complaints", "all")] == 1
    known = {
        v: figures[("verification", v)] - figures[("complaint_outcome", v)]
        for v in aggregates.VERIFICATION
        if isinstance(figures[("verification", v)], int) and isinstance(figures[("complaint_outcome", v)], int)
    }
    assert 1 not in known.values()
    assert len(aggregates.VERIFICATION) - len(known) >= 2  # at least two outcomes it could be


def test_a_median_too_few_to_publish_is_not_listed(app, client):
    """An agency with one closed tip: the page lists no row for it, as the open data (a 'too few' row would say
    that the agency closed a tip that month)."""
    _tips(app, [("web", "drugs", None)] * 6)
    with app.app_context():
        tip = db.session.scalars(db.select(Tip)).first()
        tip.closed_at = tip.created_at + timedelta(hours=30)
        db.session.commit()
        transparency.refresh([PERIOD], republish=True)
    page = client.get(f"/transparency/{PERIOD}").get_data(as_text=True)
    closure = page[page.index('id="fig-closure-h"') :].split("</section>")[0]
    assert "Too few to publish" in closure
    assert "Coordination desk" not in closure and '<th scope="row">' not in closure.split("</thead>")[1]
    events = page[page.index('id="fig-event_feedback-h"') :].split("</section>")[0]  # none held: nothing withheld
    assert "No outreach event was held this month." in events and "Too few" not in events and "<svg" not in events


def test_every_month_lists_its_rows_in_the_same_order_whatever_it_holds(app, client):
    """Rows in the order tips were met would put a month's present keys before its zeros: the order itself would
    tell which withheld cells are zeros."""
    _tips(app, [("sms", "human_trafficking", None)] * 2)
    categories = [code for code, _ in deployment_categories(app)] + ["none"]
    rows = client.get("/transparency/data.json").get_json()["tables"]
    counts = [r for table in rows.values() for r in table if r["period"] == PERIOD]
    order = {dim: [r["key"] for r in counts if r["dimension"] == dim] for dim in ("channel", "category", "language")}
    assert order["channel"] == ["web", "sms"]
    assert order["category"] == categories
    assert order["language"][:2] == ["en", "es"]
    page = client.get(f"/transparency/{PERIOD}").get_data(as_text=True)
    section = page.split('aria-labelledby="fig-channel-h"')[1].split("</table>")[0]
    assert section.index(">Web<") < section.index(">Text message<")


def deployment_categories(app) -> list[tuple[str, str]]:
    from tipline.services import catalog

    with app.app_context():
        return catalog.category_choices("en")
