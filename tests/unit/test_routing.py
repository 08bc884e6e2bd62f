"""The routing matrix on the demo deployment: inside, overlap with and without an agreement, near a boundary,
outside every area, no location, a gazetteer place, and complaints that go to oversight whatever the location.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from tipline.services import routing


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def test_smuggling_in_the_border_zone_goes_to_federal_liaison_with_the_sheriff(ctx):
    d = routing.decide(31.65, -106.40, "smuggling")
    assert (d.lead, d.supporting, d.rule) == ("fedliaison", ["rvso"], "border-smuggling")
    assert d.areas == ["border-zone", "rv-county"]
    assert d.flags == []


def test_suspicious_vehicle_on_the_highway_goes_to_state_patrol(ctx):
    d = routing.decide(31.77, -106.30, "suspicious_vehicle")
    assert (d.lead, d.rule) == ("statepatrol", "highway-vehicles")


def test_overlap_without_agreement_is_a_jurisdiction_question(ctx):
    d = routing.decide(31.77, -106.30, "drugs")
    assert d.lead is None
    assert "jurisdiction_question" in d.flags
    assert d.candidates == ["rvso", "statepatrol"]


def test_point_near_a_boundary_is_marked_for_confirmation(ctx):
    d = routing.decide(31.7405, -106.45, "drugs")
    assert "near_boundary" in d.flags
    assert d.lead == "rvpd"


def test_point_well_inside_one_area_is_not_marked(ctx):
    d = routing.decide(31.95, -106.65, "drugs")
    assert (d.lead, d.flags) == ("rvso", [])


def test_outside_every_area_stays_with_the_liaison_desk(ctx):
    d = routing.decide(40.0, -100.0, "drugs")
    assert d.lead is None
    assert d.flags == ["outside"]


def test_no_location_stays_with_the_liaison_desk(ctx):
    d = routing.decide(None, None, "smuggling", place_text="somewhere in town")
    assert (d.lead, d.flags, d.location_source) == (None, ["no_location"], "none")


def test_gazetteer_place_in_spanish_is_routed_on_its_point(ctx):
    d = routing.decide(None, None, "smuggling", place_text="cerca del Puente Viejo")
    assert (d.location_source, d.lead) == ("gazetteer", "fedliaison")


@pytest.mark.parametrize(("lat", "lon"), [(31.65, -106.40), (31.78, -106.45), (None, None), (40.0, -100.0)])
def test_complaints_go_to_oversight_only_wherever_they_happen(ctx, lat, lon):
    d = routing.decide(lat, lon, "misconduct")
    assert (d.lead, d.supporting, d.flags) == ("oversight", [], ["oversight"])


def test_an_agreement_not_yet_in_force_is_ignored(ctx):
    d = routing.decide(31.65, -106.40, "smuggling", on=date(2024, 12, 31))
    assert d.rule is None
    assert "jurisdiction_question" in d.flags


def test_route_command_prints_the_decision_as_json(app):
    result = app.test_cli_runner().invoke(
        args=["route", "--lat", "31.65", "--lon", "-106.40", "--category", "smuggling"]
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert decision["lead"] == "fedliaison"
    assert decision["rule"] == "border-smuggling"
    assert "Border Enforcement MOU" in decision["rule_description"]


def test_route_command_rejects_half_a_point(app):
    result = app.test_cli_runner().invoke(args=["route", "--lat", "31.65"])
    assert result.exit_code != 0
    assert "both --lat and --lon" in result.output
