"""Geography: validated GeoJSON areas in an STRtree of prepared geometries, and the gazetteer."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from flask import current_app
from shapely import STRtree, prepare
from shapely.geometry import Point, shape
from shapely.validation import explain_validity
from sqlalchemy import select

from tipline.extensions import db
from tipline.models import Area, Place

METERS_PER_DEGREE = 111_320.0


def geometry_problem(geometry: dict) -> str | None:
    """Why a GeoJSON geometry is unusable as a jurisdiction (None when it is fine)."""
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return "must be a GeoJSON Polygon or MultiPolygon"
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        return f"invalid GeoJSON ({exc})"
    if geom.is_empty:
        return "the polygon is empty"
    if not geom.is_valid:
        return f"invalid polygon: {explain_validity(geom)}"
    return None


def _fold(text: str) -> str:
    """Lower-case, accent-free text for gazetteer matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass
class AreaHit:
    """An area containing a point, and how far the point is from its boundary."""

    code: str
    agency: str
    boundary_m: float


class Geography:
    """Areas indexed once per process; queries never scan every polygon."""

    def __init__(self, areas: list[Area], places: list[Place]) -> None:
        """Index the areas and compile the gazetteer."""
        self.codes = [a.code for a in areas]
        self.agencies = [a.agency_code for a in areas]
        self.geoms = [shape(a.geometry) for a in areas]
        for geom in self.geoms:
            prepare(geom)
        self.tree = STRtree(self.geoms)
        self.places = sorted(
            ((_fold(name), p.lat, p.lon, p.code) for p in places for name in p.names), key=lambda t: -len(t[0])
        )
        self._place_re = (
            re.compile(r"\b(" + "|".join(re.escape(n) for n, *_ in self.places) + r")\b") if self.places else None
        )

    def containing(self, lat: float, lon: float) -> list[AreaHit]:
        """Areas that contain the point, with the distance to each one's boundary in metres."""
        point = Point(lon, lat)
        hits = []
        for i in self.tree.query(point):  # bounding-box candidates only
            geom = self.geoms[i]
            if not geom.intersects(point):  # prepared geometry: fast exact test
                continue
            degrees = geom.boundary.distance(point)
            metres = degrees * METERS_PER_DEGREE * max(math.cos(math.radians(lat)), 0.1)
            hits.append(AreaHit(self.codes[i], self.agencies[i], metres))
        return sorted(hits, key=lambda h: h.code)

    def find_place(self, text: str | None) -> tuple[float, float, str] | None:
        """The first gazetteer place named in a text, as (lat, lon, code)."""
        if not text or self._place_re is None:
            return None
        match = self._place_re.search(_fold(text))
        if not match:
            return None
        for name, lat, lon, code in self.places:
            if name == match.group(1):
                return lat, lon, code
        return None


def geography() -> Geography:
    """The process's geography index, built on first use after each deployment load."""
    ext = current_app.extensions
    if ext.get("tipline_geo") is None:
        areas = db.session.scalars(select(Area).order_by(Area.code)).all()
        places = db.session.scalars(select(Place).order_by(Place.code)).all()
        ext["tipline_geo"] = Geography(list(areas), list(places))
    return ext["tipline_geo"]


def invalidate() -> None:
    """Forget the index after the deployment changed."""
    current_app.extensions["tipline_geo"] = None


def smallest_area(lat: float, lon: float) -> str | None:
    """Code of the smallest area holding the point (the coarse location kept after purging)."""
    hits = geography().containing(lat, lon)
    if not hits:
        return None
    index = {code: i for i, code in enumerate(geography().codes)}
    return min(hits, key=lambda h: geography().geoms[index[h.code]].area).code
