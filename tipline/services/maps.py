"""Static SVG maps drawn from the jurisdictions' GeoJSON: no tile server, no request to another host."""

from __future__ import annotations

from xml.sax.saxutils import escape

from shapely.geometry import shape

PALETTE = ("#cfe3f5", "#f7e1b5", "#d9ecd0", "#ead5ef", "#f5d0d0", "#e0e0e0")


def _project(bounds: tuple[float, float, float, float], width: int, height: int):
    """Equirectangular projection of lon/lat into the SVG box (north up)."""
    minx, miny, maxx, maxy = bounds
    sx = width / max(maxx - minx, 1e-9)
    sy = height / max(maxy - miny, 1e-9)
    scale = min(sx, sy)
    return lambda lon, lat: ((lon - minx) * scale, (maxy - lat) * scale)


def _path(geom, proj) -> str:
    """SVG path data of a (multi)polygon."""
    polys = getattr(geom, "geoms", [geom])
    parts = []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            pts = [proj(x, y) for x, y in ring.coords]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + " Z")
    return " ".join(parts)


def place_labels(anchors: list[tuple[str, float, float]], width: int, height: int, avoid: list | None = None):
    """Greedy placement of 11 px labels: each at its anchor, else on the nearest free line above or below it,
    inside the box and off the `avoid` boxes (a character's width is estimated at 6.2 px)."""
    placed: list[tuple[float, float, float, float]] = list(avoid or [])
    for text, x, y in anchors:
        half = min(3.1 * len(text) + 2, width / 2)
        x = min(max(x, half), width - half)
        for dy in (0, -14, 14, -28, 28, -42, 42, -56, 56):
            box = (x - half, y + dy - 11, x + half, y + dy + 3)
            free = all(box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in placed)
            if free and box[1] >= 0 and box[3] <= height:
                break
        else:
            dy = 0  # no free line: overlap rather than hide an area's name
            box = (x - half, y - 11, x + half, y + 3)
        placed.append(box)
        yield text, x, y + dy


def area_map(
    areas: list[tuple[str, str, dict]],
    point: tuple[float, float] | None = None,
    title: str = "",
    labels: dict[str, str] | None = None,
    width: int = 480,
    height: int = 320,
    approximate: str = "",
) -> str:
    """An SVG map of (code, name, geometry) areas, optionally a point (lat, lon) and a label per area; a point
    that is only a named place's, not the sender's coordinates, is drawn hollow with `approximate` as its title."""
    shapes = [(code, name, shape(geom)) for code, name, geom in areas]
    if not shapes:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img"></svg>'
    xs = [b for _, _, g in shapes for b in (g.bounds[0], g.bounds[2])]
    ys = [b for _, _, g in shapes for b in (g.bounds[1], g.bounds[3])]
    proj = _project((min(xs), min(ys), max(xs), max(ys)), width, height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    anchors = []
    for i, (code, name, geom) in enumerate(sorted(shapes, key=lambda s: -s[2].area)):
        label = (labels or {}).get(code, "")
        out.append(
            f'<path d="{_path(geom, proj)}" fill="{PALETTE[i % len(PALETTE)]}" fill-opacity="0.75" '
            f'stroke="#333" stroke-width="1"><title>{escape(name)} {escape(label)}</title></path>'
        )
        anchors.append((name + (" · " + label if label else ""), *proj(*geom.representative_point().coords[0])))
    # Labels after every area (no fill covers one), smallest area first, each moved off the others.
    px, py = proj(point[1], point[0]) if point is not None else (0.0, 0.0)
    marker = [] if point is None else [(px - 10, py - 10, px + 10, py + 10)]
    for text, x, y in place_labels(anchors[::-1], width, height, avoid=marker):
        out.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="middle" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke">{escape(text)}</text>'
        )
    if point is not None:
        if approximate:
            out.append(
                f'<circle class="tip-point approximate" cx="{px:.1f}" cy="{py:.1f}" r="9" fill="none" '
                f'stroke="#a4001d" stroke-width="3" stroke-dasharray="4 3">'
                f"<title>{escape(approximate)}</title></circle>"
            )
        else:
            out.append(
                f'<circle class="tip-point" cx="{px:.1f}" cy="{py:.1f}" r="6" fill="#a4001d" '
                'stroke="#fff" stroke-width="2"/>'
            )
    out.append("</svg>")
    return "".join(out)
