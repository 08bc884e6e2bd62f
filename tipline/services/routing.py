"""Routing: a point (or a gazetteer place) and a category → lead and supporting agencies, with the rule why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from tipline.extensions import db
from tipline.models import MouRule, Tip
from tipline.services import catalog, geo


@dataclass
class Decision:
    """A proposed routing decision; `flags` name anything a person must look at."""

    lead: str | None
    supporting: list[str] = field(default_factory=list)
    rule: str | None = None
    rule_description: str = ""
    areas: list[str] = field(default_factory=list)
    flags: list[str] = field(
        default_factory=list
    )  # oversight, no_location, outside, near_boundary, jurisdiction_question
    location_source: str = "none"  # coordinates | gazetteer | none
    candidates: list[str] = field(default_factory=list)  # agencies to choose from on a jurisdiction question

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def agency_of_kind(kind: str) -> str | None:
    """Code of the (first) agency of a kind, e.g. the liaison desk or the oversight body."""
    return catalog.agency_of_kind(kind)


def is_oversight_category(category: str | None) -> bool:
    """Complaints about an officer or agency go to the oversight body only."""
    return bool(category) and category in catalog.oversight_categories()


def oversight_only(tip: Tip) -> bool:
    """Whether only the oversight body may hold the tip: it holds it now, its category is a complaint, or triage took
    it for a complaint (whatever the sender chose) and the oversight body has not handed it back."""
    suspected = is_oversight_category(tip.triage_category) and tip.oversight_cleared_at is None
    return tip.queue_state == "oversight" or is_oversight_category(tip.category_code) or suspected


def propose(tip: Tip) -> Decision:
    """Where a verified tip should go: the oversight body when only it may hold the tip, else by place and category
    (the officer's, else triage's suggestion)."""
    if oversight_only(tip):
        return _to_oversight()
    return decide(tip.lat, tip.lon, tip.category_code or tip.suggested_category, tip.place, tip.text)


def _to_oversight() -> Decision:
    """The decision for a complaint: the oversight body, nobody else."""
    return Decision(lead=agency_of_kind("oversight"), flags=["oversight"], rule="oversight")


def locate(lat, lon, place_text, text) -> tuple[float | None, float | None, str]:
    """The point to route on: coordinates first, then a gazetteer place named in the place field or the text."""
    if lat is not None and lon is not None:
        return lat, lon, "coordinates"
    found = geo.geography().find_place(place_text) or geo.geography().find_place(text)
    if found:
        return found[0], found[1], "gazetteer"
    return None, None, "none"


def _matching_rule(areas: list[str], category: str | None, on: date) -> MouRule | None:
    """The highest-priority, most specific valid rule for these areas and category."""
    rules = db.session.scalars(select(MouRule)).all()

    def applies(r: MouRule) -> bool:
        in_scope = (r.area_code is None or r.area_code in areas) and (r.category_code in (None, category))
        valid = (r.valid_from is None or r.valid_from <= on) and (r.valid_to is None or on <= r.valid_to)
        return in_scope and valid and (r.area_code is not None or bool(areas))

    ranked = sorted(
        (r for r in rules if applies(r)),
        key=lambda r: (-r.priority, -(r.area_code is not None) - (r.category_code is not None), r.code),
    )
    return ranked[0] if ranked else None


def decide(
    lat: float | None = None,
    lon: float | None = None,
    category: str | None = None,
    place_text: str | None = None,
    text: str | None = None,
    on: date | None = None,
) -> Decision:
    """Propose where a verified item goes, and why."""
    if is_oversight_category(category):
        return _to_oversight()
    lat, lon, source = locate(lat, lon, place_text, text)
    if lat is None:
        return Decision(lead=None, flags=["no_location"], location_source=source)
    hits = geo.geography().containing(lat, lon)
    decision = Decision(lead=None, areas=[h.code for h in hits], location_source=source)
    if not hits:
        decision.flags.append("outside")
        return decision
    if any(h.boundary_m <= current_app.config["ROUTING_BOUNDARY_METERS"] for h in hits):
        decision.flags.append("near_boundary")
    rule = _matching_rule(decision.areas, category, on or date.today())
    agencies = sorted({h.agency for h in hits})
    if rule is not None:
        decision.lead, decision.rule, decision.rule_description = rule.lead_agency, rule.code, rule.description
        decision.supporting = [a for a in rule.supporting if a != rule.lead_agency]
    elif len(agencies) == 1:
        decision.lead = agencies[0]
    else:
        decision.flags.append("jurisdiction_question")
        decision.candidates = agencies
    return decision
