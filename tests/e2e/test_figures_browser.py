"""Figures a person can read. Bar labels of any length stay inside the chart (wrapped, in both directions);
the maps' area names, drawn by the browser, do not overlap each other or the tip's marker, and stay inside
the map, for the officer's tip map and the transparency map of the demo deployment's nested areas (a city inside a
county crossed by a highway corridor)."""

from __future__ import annotations

import pytest

BOXES = """() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {labels: [...document.querySelectorAll('svg text')].map(t => [t.textContent, ...box(t)]),
          svg: box(document.querySelector('svg')),
          marker: [...document.querySelectorAll('circle')].map(box)};
}"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _drawn(page, svg: str):
    page.set_content(f"<!doctype html><html><body style='margin:0;width:640px'>{svg}</body></html>")
    return page.evaluate(BOXES)


@pytest.fixture
def demo_areas(live_app):
    from tipline.services import catalog

    with live_app.test_request_context():
        return catalog.areas()


def _assert_legible(drawn, names):
    labels = drawn["labels"]
    assert sorted(text.split(":")[0] for text, *_ in labels) == sorted(names)
    for i, (text, *box) in enumerate(labels):
        assert drawn["svg"][0] <= box[0] and box[2] <= drawn["svg"][2] + 0.5, f"{text} leaves the map"
        for other, *box2 in labels[i + 1 :]:
            assert not _overlap(box, box2), f"{text!r} overlaps {other!r}"
        for marker in drawn["marker"]:
            assert not _overlap(box, marker), f"{text!r} hides the tip's marker"


def test_the_officers_map_keeps_every_area_name_legible_beside_the_tip(page, demo_areas):
    from tipline.services import maps

    city = next(geometry for code, _name, geometry in demo_areas if code == "rv-city")
    lon, lat = city["coordinates"][0][0]  # a corner of the city, where the county and the corridor meet it
    drawn = _drawn(page, maps.area_map(demo_areas, point=(lat, lon), title="map"))
    _assert_legible(drawn, [name for _code, name, _geometry in demo_areas])
    assert len(drawn["marker"]) == 1


def test_the_transparency_map_names_each_area_with_its_published_count(page, demo_areas):
    from tipline.services import charts

    shown = ["12", "<5", "37", "8"]
    areas = [
        {"code": code, "name": name, "geometry": geometry, "shown": count}
        for (code, name, geometry), count in zip(demo_areas, shown, strict=True)
    ]
    drawn = _drawn(page, str(charts.area_map("fig-map", "map", "areas", areas)))
    _assert_legible(drawn, [name for _code, name, _geometry in demo_areas])
    assert {text for text, *_ in drawn["labels"]} == {f"{a['name']}: {a['shown']}" for a in areas}


LABELS = """() => [...document.querySelectorAll('svg text title')].map(t => {
  const r = t.parentElement.getBoundingClientRect();
  return [t.textContent, [...t.parentElement.querySelectorAll('tspan')].map(s => s.textContent),
          [r.left, r.top, r.right, r.bottom]];
})"""


@pytest.mark.parametrize("rtl", [False, True])
def test_long_bar_labels_wrap_inside_the_chart(page, rtl):
    from tipline.services import charts

    long = "Town hall on border safety and smuggling (2241) — How useful was it for the neighbourhood?"
    items = [(long, "12"), ("Smuggling", "<5"), ("Plainte contre un agent ou une agence", "37")]
    svg = _drawn(page, str(charts.bar_chart("fig", "chart", "bars", items, rtl=rtl)))["svg"]
    labels = page.evaluate(LABELS)
    assert [full for full, _lines, _box in labels] == [label for label, _shown in items]  # whole, on hover
    assert [len(lines) for _full, lines, _box in labels] == [3, 1, 3]  # a column drawn for a phone's width
    assert labels[0][1][-1].endswith("…")
    assert all(svg[0] <= box[0] and box[2] <= svg[2] + 0.5 for _full, _lines, box in labels), labels
    assert all(a[2][3] <= b[2][1] for a, b in zip(labels, labels[1:], strict=False))  # no label over the next
