"""Deployment configuration: read, validate and load (idempotently) the file that describes a deployment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import delete, update

from tipline.config import SUPPORTED_LANGUAGES
from tipline.extensions import db
from tipline.models import Agency, Area, Category, MouRule, Place, Status
from tipline.services import catalog, geo

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "deployment.yaml"
SUPPORTED_VERSIONS = {1}
SECTIONS = {"version", "name", "categories", "statuses", "agencies", "areas", "gazetteer", "mou_rules"}


class DeploymentError(ValueError):
    """The deployment file is invalid; the message says where and why."""


def read(path: str | Path) -> dict:
    """Parse a deployment file and validate its structure."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DeploymentError(f"{path}: cannot read deployment file: {exc}") from exc
    validate(data, str(path))
    return data


def _require(mapping: dict, key: str, where: str, kind: type) -> object:
    """Fetch a required key of a given type or raise a clear error."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise DeploymentError(f"{where}: missing '{key}'")
    if not isinstance(mapping[key], kind):
        raise DeploymentError(f"{where}.{key}: expected {kind.__name__}")
    return mapping[key]


def _optional(mapping: dict, key: str, where: str, kind: type | tuple, what: str) -> None:
    """An optional key, when present, has the right type (bool is not a number here)."""
    value = mapping.get(key)
    if value is not None and (not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool)):
        raise DeploymentError(f"{where}.{key}: expected {what}, not {value!r}")


def _texts(mapping: object, where: str, what: str, lists: bool = False) -> None:
    """A {language: text} mapping (or {language: [texts]}) with no empty entry."""
    if not isinstance(mapping, dict):
        raise DeploymentError(f"{where}: expected a mapping of language to {what}")
    for lang, value in mapping.items():
        if lang not in SUPPORTED_LANGUAGES:  # a misspelt code would be ignored without a word
            raise DeploymentError(f"{where}: unknown language {lang!r}; use one of {', '.join(SUPPORTED_LANGUAGES)}")
        values = value if lists and isinstance(value, list) else [value]
        if (lists and not isinstance(value, list)) or not all(isinstance(v, str) and v.strip() for v in values):
            kind = "a list of texts" if lists else "a text"
            raise DeploymentError(f"{where}.{lang}: expected {kind}, not {value!r}")


def _codes(items: list, section: str, where: str) -> set[str]:
    """Codes of a section's entries, which must be present, unique strings."""
    codes: set[str] = set()
    for i, item in enumerate(items):
        code = _require(item, "code", f"{where}.{section}[{i}]", str)
        if code in codes:
            raise DeploymentError(f"{where}.{section}[{i}]: duplicate code '{code}'")
        codes.add(code)
    return codes


def validate(data: dict, where: str = "deployment") -> None:
    """Check the file's version, sections, geometries, MOU rules and cross references."""
    if not isinstance(data, dict):
        raise DeploymentError(f"{where}: the file must contain a mapping")
    if data.get("version") not in SUPPORTED_VERSIONS:
        raise DeploymentError(f"{where}: 'version' must be one of {sorted(SUPPORTED_VERSIONS)}")
    unknown = sorted(set(data) - SECTIONS, key=str)
    if unknown:
        hint = " (the site's languages are set by TIPLINE_LANGUAGES)" if "languages" in unknown else ""
        raise DeploymentError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}{hint}; "
            f"the file may have {', '.join(sorted(SECTIONS))}"
        )
    for section in ("categories", "statuses", "agencies"):
        _require(data, section, where, list)
    categories = _codes(data["categories"], "categories", where)
    _codes(data["statuses"], "statuses", where)
    agencies = _codes(data["agencies"], "agencies", where)
    for section in ("categories", "statuses"):
        for i, item in enumerate(data[section]):
            here = f"{where}.{section}[{i}]"
            _texts(_require(item, "names", here, dict), f"{here}.names", "names")
            if "patterns" in item:
                _texts(item["patterns"], f"{here}.patterns", "patterns", lists=True)
            for key in ("replies", "complaint_replies"):
                if key in item:
                    _texts(item[key], f"{here}.{key}", "reply texts")
            for key in ("sla_hours", "retention_days"):
                _optional(item, key, here, int, "a whole number of hours" if key == "sla_hours" else "a number of days")
    if sum(1 for st in data["statuses"] if st.get("initial")) != 1:
        raise DeploymentError(f"{where}.statuses: exactly one status must be marked 'initial: true'")
    for i, ag in enumerate(data["agencies"]):
        _require(ag, "name", f"{where}.agencies[{i}]", str)
        for key in ("names", "about"):
            if key in ag:
                _texts(ag[key], f"{where}.agencies[{i}].{key}", key)
    kinds = {ag.get("kind") for ag in data["agencies"]}
    if data.get("mou_rules") and not {"liaison", "oversight"} <= kinds:
        raise DeploymentError(f"{where}.agencies: one agency of kind 'liaison' and one of kind 'oversight' are needed")
    areas = _validate_areas(data.get("areas", []), agencies, where)
    _validate_places(data.get("gazetteer", []), where)
    _validate_rules(data.get("mou_rules", []), agencies, areas, categories, where)


def _validate_areas(areas: list, agencies: set[str], where: str) -> set[str]:
    """Each area names a known agency and has a valid, non-self-intersecting polygon."""
    codes = _codes(areas, "areas", where)
    for i, area in enumerate(areas):
        here = f"{where}.areas[{i}]"
        if "names" in area:
            _texts(area["names"], f"{here}.names", "names")
        if _require(area, "agency", here, str) not in agencies:
            raise DeploymentError(f"{here}: agency '{area['agency']}' is not defined in 'agencies'")
        problem = geo.geometry_problem(_require(area, "geometry", here, dict))
        if problem:
            raise DeploymentError(f"{here}.geometry: {problem}")
    return codes


def _validate_places(places: list, where: str) -> None:
    """Gazetteer entries have names and a point."""
    _codes(places, "gazetteer", where)
    for i, place in enumerate(places):
        here = f"{where}.gazetteer[{i}]"
        _require(place, "names", here, list)
        lat, lon = place.get("lat"), place.get("lon")
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
        if not (numbers and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise DeploymentError(f"{here}: 'lat' (-90 to 90) and 'lon' (-180 to 180) must be numbers")


def _validate_rules(rules: list, agencies: set, areas: set, categories: set, where: str) -> None:
    """Rules name known agencies, areas and categories, and no two equal-priority rules overlap."""
    _codes(rules, "mou_rules", where)
    for i, rule in enumerate(rules):
        here = f"{where}.mou_rules[{i}]"
        _optional(rule, "supporting", here, list, "a list of agency codes, such as [rvso]")
        _optional(rule, "priority", here, int, "a whole number (higher wins)")
        for key in ("valid_from", "valid_to"):
            _optional(rule, key, here, date, "a date written YYYY-MM-DD (without quotes)")
        for agency in [_require(rule, "lead", here, str), *(rule.get("supporting") or [])]:
            if agency not in agencies:
                raise DeploymentError(f"{here}: agency '{agency}' is not defined in 'agencies'")
        if rule.get("area") is not None and rule["area"] not in areas:
            raise DeploymentError(f"{here}: area '{rule['area']}' is not defined in 'areas'")
        if rule.get("category") is not None and rule["category"] not in categories:
            raise DeploymentError(f"{here}: category '{rule['category']}' is not defined in 'categories'")
        for j, other in enumerate(rules[:i]):
            if _rules_collide(rule, other):
                raise DeploymentError(
                    f"{here}: overlaps mou_rules[{j}] ('{other['code']}') with the same area, category, "
                    "dates and priority; give one of them a higher 'priority'"
                )


def _rules_collide(a: dict, b: dict) -> bool:
    """Two rules apply to the same (area, category) over overlapping dates with equal priority."""
    same_scope = a.get("area") == b.get("area") and a.get("category") == b.get("category")
    same_priority = a.get("priority", 0) == b.get("priority", 0)
    start = max(a.get("valid_from") or date.min, b.get("valid_from") or date.min)
    end = min(a.get("valid_to") or date.max, b.get("valid_to") or date.max)
    return same_scope and same_priority and start <= end


def load(data: dict) -> dict[str, int]:
    """Make the database say what the file says (running it twice changes nothing); returns counts.

    Agreements, areas and gazetteer places missing from the file are deleted, so an ended MOU stops routing;
    categories missing from it are retired (tips keep them, new tips cannot choose them).
    """
    for pos, cat in enumerate(data["categories"]):
        db.session.merge(
            Category(
                code=cat["code"],
                names=cat["names"],
                patterns=cat.get("patterns", {}),
                position=pos,
                active=True,
                oversight=bool(cat.get("oversight")),
            )
        )
    for pos, st in enumerate(data["statuses"]):
        db.session.merge(_status(pos, st))
    for ag in data["agencies"]:
        db.session.merge(
            Agency(
                code=ag["code"],
                name=ag["name"],
                names=ag.get("names") or {},
                kind=ag.get("kind", "police"),
                forward_url=ag.get("forward_url"),
                forward_secret_env=ag.get("forward_secret_env"),
                about=ag.get("about") or {},
            )
        )
    db.session.flush()
    _load_geography(data)
    removed = _remove_missing(data)
    db.session.commit()
    geo.invalidate()
    catalog.invalidate()
    sections = ("categories", "statuses", "agencies", "areas", "gazetteer", "mou_rules")
    return {k: len(data.get(k, [])) for k in sections} | removed


def _remove_missing(data: dict) -> dict[str, int]:
    """Delete rules, areas and places, and retire categories, that the file no longer lists; returns counts."""
    removed = {}
    for model, section in ((MouRule, "mou_rules"), (Area, "areas"), (Place, "gazetteer")):
        keep = [item["code"] for item in data.get(section, [])]
        result = db.session.execute(delete(model).where(model.code.not_in(keep)))
        removed[f"removed {section}"] = result.rowcount
    keep = [cat["code"] for cat in data["categories"]]
    result = db.session.execute(
        update(Category).where(Category.code.not_in(keep), Category.active.is_(True)).values(active=False)
    )
    removed["retired categories"] = result.rowcount
    return {k: v for k, v in removed.items() if v}


def _status(pos: int, st: dict) -> Status:
    """A Status row from its file entry."""
    return Status(
        code=st["code"],
        names=st["names"],
        replies=st.get("replies", {}),
        complaint_replies=st.get("complaint_replies"),
        is_initial=bool(st.get("initial")),
        is_closed=bool(st.get("closed")),
        sla_hours=st.get("sla_hours"),
        retention_days=st.get("retention_days"),
        position=pos,
    )


def _load_geography(data: dict) -> None:
    """Areas, gazetteer and MOU rules."""
    for area in data.get("areas", []):
        db.session.merge(
            Area(
                code=area["code"],
                name=area.get("name", area["code"]),
                names=area.get("names") or {},
                agency_code=area["agency"],
                geometry=area["geometry"],
            )
        )
    for place in data.get("gazetteer", []):
        db.session.merge(Place(code=place["code"], names=place["names"], lat=place["lat"], lon=place["lon"]))
    db.session.flush()
    for rule in data.get("mou_rules", []):
        db.session.merge(
            MouRule(
                code=rule["code"],
                area_code=rule.get("area"),
                category_code=rule.get("category"),
                lead_agency=rule["lead"],
                supporting=list(rule.get("supporting", [])),
                priority=rule.get("priority", 0),
                valid_from=rule.get("valid_from"),
                valid_to=rule.get("valid_to"),
                description=rule.get("description", ""),
            )
        )
