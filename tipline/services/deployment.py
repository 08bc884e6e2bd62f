"""Deployment configuration: read, validate and load (idempotently) the file that describes a deployment."""

from __future__ import annotations

from pathlib import Path

import yaml

from tipline.extensions import db
from tipline.models import Agency, Area, Category, Status

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "deployment.yaml"
SUPPORTED_VERSIONS = {1}


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


def validate(data: dict, where: str = "deployment") -> None:
    """Check the file's version, required sections and cross references."""
    if not isinstance(data, dict):
        raise DeploymentError(f"{where}: the file must contain a mapping")
    if data.get("version") not in SUPPORTED_VERSIONS:
        raise DeploymentError(f"{where}: 'version' must be one of {sorted(SUPPORTED_VERSIONS)}")
    for section in ("categories", "statuses", "agencies"):
        _require(data, section, where, list)
    for i, cat in enumerate(data["categories"]):
        _require(cat, "code", f"{where}.categories[{i}]", str)
        _require(cat, "names", f"{where}.categories[{i}]", dict)
    statuses = data["statuses"]
    for i, st in enumerate(statuses):
        _require(st, "code", f"{where}.statuses[{i}]", str)
        _require(st, "names", f"{where}.statuses[{i}]", dict)
    if sum(1 for st in statuses if st.get("initial")) != 1:
        raise DeploymentError(f"{where}.statuses: exactly one status must be marked 'initial: true'")
    codes = set()
    for i, ag in enumerate(data["agencies"]):
        codes.add(_require(ag, "code", f"{where}.agencies[{i}]", str))
        _require(ag, "name", f"{where}.agencies[{i}]", str)
    for i, area in enumerate(data.get("areas", [])):
        here = f"{where}.areas[{i}]"
        _require(area, "code", here, str)
        if _require(area, "agency", here, str) not in codes:
            raise DeploymentError(f"{here}: agency '{area['agency']}' is not defined in 'agencies'")
        _require(area, "geometry", here, dict)


def load(data: dict) -> dict[str, int]:
    """Upsert the deployment into the database (running it twice changes nothing); returns counts."""
    for pos, cat in enumerate(data["categories"]):
        db.session.merge(
            Category(code=cat["code"], names=cat["names"], patterns=cat.get("patterns", {}), position=pos, active=True)
        )
    for pos, st in enumerate(data["statuses"]):
        db.session.merge(
            Status(
                code=st["code"],
                names=st["names"],
                replies=st.get("replies", {}),
                is_initial=bool(st.get("initial")),
                is_closed=bool(st.get("closed")),
                position=pos,
            )
        )
    for ag in data["agencies"]:
        db.session.merge(Agency(code=ag["code"], name=ag["name"], kind=ag.get("kind", "police")))
    for area in data.get("areas", []):
        db.session.merge(
            Area(
                code=area["code"],
                name=area.get("name", area["code"]),
                agency_code=area["agency"],
                geometry=area["geometry"],
            )
        )
    db.session.commit()
    return {k: len(data.get(k, [])) for k in ("categories", "statuses", "agencies", "areas")}
