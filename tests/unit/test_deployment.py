"""Deployment files are validated with clear errors: invalid GeoJSON, a self-intersecting polygon, an MOU rule
naming a missing agency, overlapping rules with equal priority, a missing initial status, a wrong version.
Loading twice changes nothing.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from sqlalchemy import func, select

from tipline.extensions import db
from tipline.models import MouRule
from tipline.services import deployment


@pytest.fixture(scope="module")
def demo() -> dict:
    return yaml.safe_load(deployment.DEMO_FILE.read_text(encoding="utf-8"))


def _error(data: dict) -> str:
    with pytest.raises(deployment.DeploymentError) as info:
        deployment.validate(data, "deployment.yaml")
    return str(info.value)


def test_demo_deployment_is_valid(demo):
    deployment.validate(copy.deepcopy(demo))


def test_invalid_geojson_is_refused(demo):
    data = copy.deepcopy(demo)
    data["areas"][0]["geometry"] = {"type": "Polygon", "coordinates": "not coordinates"}
    assert "deployment.yaml.areas[0].geometry: invalid GeoJSON" in _error(data)


def test_self_intersecting_polygon_is_refused(demo):
    data = copy.deepcopy(demo)
    bowtie = [[[-106.5, 31.7], [-106.4, 31.8], [-106.4, 31.7], [-106.5, 31.8], [-106.5, 31.7]]]
    data["areas"][1]["geometry"] = {"type": "Polygon", "coordinates": bowtie}
    message = _error(data)
    assert "areas[1].geometry: invalid polygon" in message
    assert "Self-intersection" in message


def test_rule_naming_a_missing_agency_is_refused(demo):
    data = copy.deepcopy(demo)
    data["mou_rules"][0]["supporting"] = ["border-patrol-typo"]
    assert "mou_rules[0]: agency 'border-patrol-typo' is not defined in 'agencies'" in _error(data)


def test_overlapping_rules_with_equal_priority_are_refused(demo):
    data = copy.deepcopy(demo)
    twin = copy.deepcopy(data["mou_rules"][0]) | {"code": "twin", "lead": "rvso", "valid_from": None}
    data["mou_rules"].append(twin)
    message = _error(data)
    assert "overlaps mou_rules[0] ('border-smuggling')" in message
    assert "higher 'priority'" in message


def test_rules_for_disjoint_periods_may_share_a_priority(demo):
    data = copy.deepcopy(demo)
    old = copy.deepcopy(data["mou_rules"][0]) | {"code": "old", "valid_from": None}
    old["valid_to"] = data["mou_rules"][0]["valid_from"].replace(year=2024)
    data["mou_rules"].append(old)
    deployment.validate(data)


def test_exactly_one_initial_status_is_required(demo):
    data = copy.deepcopy(demo)
    data["statuses"][0]["initial"] = False
    assert "exactly one status must be marked 'initial: true'" in _error(data)


def test_unknown_version_is_refused(demo):
    data = copy.deepcopy(demo) | {"version": 99}
    assert "'version' must be one of [1]" in _error(data)


def test_a_mistyped_or_misplaced_key_is_named_not_ignored(demo):
    typo = _error(copy.deepcopy(demo) | {"mou_rule": []})
    assert "unknown key(s) 'mou_rule'" in typo and "mou_rules" in typo
    assert "set by TIPLINE_LANGUAGES" in _error(copy.deepcopy(demo) | {"languages": ["en", "es"]})


def _set(data: dict, path: str, value) -> dict:
    """data with the value at a dotted path (list indexes as numbers) replaced."""
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node = data
    for key in parents:
        node = node[key]
    node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("mou_rules.0.valid_from", "2025-13-01", "valid_from: expected a date written YYYY-MM-DD"),
        ("mou_rules.0.priority", "high", "priority: expected a whole number"),
        ("mou_rules.0.supporting", "rvso", "supporting: expected a list of agency codes"),
        ("statuses.0.sla_hours", "soon", "sla_hours: expected a whole number of hours"),
        ("statuses.0.replies", None, "replies: expected a mapping"),
        ("categories.0.names.es", None, "names.es: expected a text"),
        ("categories.0.patterns.en", "smuggl*", "patterns.en: expected a list of texts"),
        ("gazetteer.0.lon", 500, "'lon' (-180 to 180)"),
        ("agencies.0.names", {"es": None}, "agencies[0].names.es: expected a text"),
        ("areas.0.names", "Ciudad", "areas[0].names: expected a mapping"),
        ("categories.0.names", {"en": "Smuggling", "sp": "Contrabando"}, "names: unknown language 'sp'; use one of en"),
        ("statuses.0.replies", {"pt": "Recebido"}, "replies: unknown language 'pt'"),
    ],
)
def test_wrong_types_and_ranges_are_refused_with_where_and_what(demo, path, value, message):
    assert message in _error(_set(copy.deepcopy(demo), path, value))


def test_loading_twice_changes_nothing(app, demo):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(MouRule))
        deployment.load(copy.deepcopy(demo))
        assert db.session.scalar(select(func.count()).select_from(MouRule)) == before == len(demo["mou_rules"])


def test_deployment_load_command_reports_errors_clearly(app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ncategories: []\nstatuses: []\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["deployment", "load", str(bad)])
    assert result.exit_code != 0
    assert "missing 'agencies'" in result.output


def test_entries_removed_from_the_file_stop_applying(app, client, demo):
    """An ended MOU stops routing, a dropped area stops matching, a dropped category leaves the tip form."""
    from tipline.services import routing

    smaller = copy.deepcopy(demo)
    smaller["mou_rules"] = [r for r in smaller["mou_rules"] if r["code"] != "border-smuggling"]
    smaller["areas"] = [a for a in smaller["areas"] if a["code"] != "hwy-10"]
    smaller["mou_rules"] = [r for r in smaller["mou_rules"] if r.get("area") != "hwy-10"]
    smaller["categories"] = [c for c in smaller["categories"] if c["code"] != "drugs"]
    try:
        with app.app_context():
            before = routing.decide(lat=31.65, lon=-106.45, category="smuggling")
            assert (before.lead, before.rule) == ("fedliaison", "border-smuggling")
            counts = deployment.load(smaller)
            assert counts["removed mou_rules"] == 2 and counts["removed areas"] == 1
            assert counts["retired categories"] == 1
            after = routing.decide(lat=31.65, lon=-106.45, category="smuggling")
            assert after.rule is None and "jurisdiction_question" in after.flags
            assert "hwy-10" not in routing.decide(lat=31.77, lon=-106.30).areas
        form = client.get("/tip").get_data(as_text=True)
        assert 'value="drugs"' not in form and 'value="smuggling"' in form
    finally:
        with app.app_context():
            deployment.load(copy.deepcopy(demo))
    with app.app_context():
        assert routing.decide(lat=31.65, lon=-106.45, category="smuggling").rule == "border-smuggling"
    assert 'value="drugs"' in client.get("/tip").get_data(as_text=True)
