"""Server-rendered SVG charts: presentation attributes only (no style, no script), a <title> and <desc> each."""

from __future__ import annotations

import math
import textwrap

from markupsafe import Markup, escape
from shapely.geometry import shape

from tipline.services import maps

# Drawn for a phone's width (about 360 px): scaled to fit, the text stays near its 14 px on a 390 px screen.
WIDTH, ROW, LABEL, PAD = 360, 28, 130, 8
MAP_WIDTH, MAP_HEIGHT = 400, 340
INK, BAR, MUTED, LINE = "#1a1a1a", "#0b4f8a", "#6a6a6a", "#c8c8c8"


def _number(shown: str) -> int | None:
    """The value of a published count, None when withheld."""
    return int(shown) if shown.isdigit() else None


def _open(ident: str, title: str, desc: str, height: int, width: int = WIDTH) -> str:
    """The opening of an accessible SVG figure."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'direction="ltr" aria-labelledby="{ident}-title {ident}-desc" '
        'font-family="system-ui, sans-serif" font-size="14">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
    )


def _wrapped(label: str) -> list[str]:
    """A bar's label in lines that fit the label column (14 px text averages under 7.5 px a character); a label
    longer than three lines ends with an ellipsis (the table beside the chart has it whole)."""
    lines = textwrap.wrap(label, int((LABEL - 12) / 7.5)) or [""]
    return lines if len(lines) <= 3 else [*lines[:2], lines[2][:-1] + "…"]


def bar_chart(ident: str, title: str, desc: str, items: list[tuple[str, str]], rtl: bool = False) -> Markup:
    """Horizontal bars, one per (label, public count); withheld counts drawn as a dashed stub with their mark."""
    labels = [_wrapped(label) for label, _shown in items]
    rows = [max(ROW, 17 * len(lines) + 11) for lines in labels]
    height = PAD * 2 + (sum(rows) or ROW)
    top = max([_number(s) or 0 for _l, s in items] + [1])
    span = WIDTH - LABEL - 60
    parts = [_open(ident, title, desc, height)]
    y = PAD
    for (label, shown), lines, row in zip(items, labels, rows, strict=True):
        middle = y + row / 2
        value = _number(shown)
        length = 0 if value is None else max(span * value / top, 1 if value else 0)
        x_bar = LABEL if not rtl else WIDTH - LABEL - length
        x_label, anchor = (LABEL - 6, "end") if not rtl else (WIDTH - LABEL + 6, "start")
        x_value = x_bar + length + 4 if not rtl else x_bar - 4
        value_anchor = "start" if not rtl else "end"
        first = middle + 5 - 8.5 * (len(lines) - 1)
        spans = "".join(
            f'<tspan x="{x_label:.0f}" y="{first + 17 * i:.0f}">{escape(line)}</tspan>' for i, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="{anchor}" fill="{INK}"><title>{escape(label)}</title>{spans}</text>')
        if value is None:
            stub = LABEL if not rtl else WIDTH - LABEL - 12
            parts.append(
                f'<rect x="{stub}" y="{middle - 9:.0f}" width="12" height="18" fill="none" stroke="{MUTED}" '
                f'stroke-dasharray="3 2"/>'
            )
            x_value = stub + 16 if not rtl else stub - 4
        else:
            parts.append(f'<rect x="{x_bar:.1f}" y="{middle - 9:.0f}" width="{length:.1f}" height="18" fill="{BAR}"/>')
        parts.append(
            f'<text x="{x_value:.0f}" y="{middle + 5:.0f}" text-anchor="{value_anchor}" fill="{INK}">'
            f"{escape(shown)}</text>"
        )
        y += row
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part is escaped above


def _rings(geometry: dict) -> list[list[list[float]]]:
    """The outer rings of a Polygon or MultiPolygon."""
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry.get("type") == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def _projection(areas: list[dict], width: int, height: int):
    """An equirectangular projection fitting every area in the frame."""
    points = [pt for a in areas for ring in _rings(a["geometry"]) for pt in ring]
    lons, lats = [p[0] for p in points] or [0, 1], [p[1] for p in points] or [0, 1]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    w, h = max((max(lons) - min(lons)) * k, 1e-9), max(max(lats) - min(lats), 1e-9)
    scale = min((width - 2 * PAD) / w, (height - 2 * PAD) / h)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return PAD + (lon - min(lons)) * k * scale, PAD + (max(lats) - lat) * scale

    return project


def area_map(ident: str, title: str, desc: str, areas: list[dict]) -> Markup:
    """Areas ({code, name, geometry, shown}) drawn largest first, shaded by count, labelled with the public count."""
    width, height = MAP_WIDTH, MAP_HEIGHT
    project = _projection(areas, width, height)
    top = max([_number(a["shown"]) or 0 for a in areas] + [1])
    parts = [_open(ident, title, desc, height, width)]
    ordered = sorted(areas, key=lambda a: -_extent(a["geometry"]))
    for area in ordered:
        value = _number(area["shown"])
        opacity = 0.15 + 0.7 * (value or 0) / top
        for ring in _rings(area["geometry"]):
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (project(lon, lat) for lon, lat in ring))
            parts.append(
                f'<polygon points="{pts}" fill="{BAR}" fill-opacity="{opacity:.2f}" stroke="{INK}" stroke-width="1">'
                f"<title>{escape(area['name'])}: {escape(area['shown'])}</title></polygon>"
            )
    anchors = [
        (f"{area['name']}: {area['shown']}", *project(*shape(area["geometry"]).representative_point().coords[0]))
        for area in reversed(ordered)  # smallest first: a small area's label needs its place most
    ]
    for text, x, y in maps.place_labels(anchors, width, height):
        parts.append(
            f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="middle" font-size="11" fill="{INK}" stroke="#ffffff" '
            f'stroke-width="3" paint-order="stroke">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part is escaped above


def _extent(geometry: dict) -> float:
    """Bounding-box size of a geometry, to draw large areas under small ones."""
    pts = [pt for ring in _rings(geometry) for pt in ring] or [[0, 0]]
    return (max(p[0] for p in pts) - min(p[0] for p in pts)) * (max(p[1] for p in pts) - min(p[1] for p in pts))
