"""Event calendars (iCalendar) and QR codes (segno), generated on our own site."""

from __future__ import annotations

import io

import segno
from icalendar import Calendar
from icalendar import Event as IcsEvent

from tipline.models import Event
from tipline.models.types import utcnow

DURATION_HOURS = 2


def ics(events: list[Event], lang: str, base_url: str) -> bytes:
    """An iCalendar file with the events, titles in lang (English when not translated)."""
    from datetime import timedelta

    cal = Calendar()
    cal.add("prodid", "-//Community tip line//events//EN")
    cal.add("version", "2.0")
    for event in events:
        item = IcsEvent()
        item.add("uid", f"event-{event.code}@tipline")
        item.add("dtstamp", utcnow())
        item.add("dtstart", event.starts_at)
        item.add("dtend", event.starts_at + timedelta(hours=DURATION_HOURS))
        item.add("summary", event.title(lang))
        item.add("description", event.description(lang))
        item.add("location", event.place)
        item.add("url", f"{base_url}/events/{event.code}")
        cal.add_component(item)
    return cal.to_ical()


def qr_svg(url: str) -> bytes:
    """An SVG QR code for a URL."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=True, svgns=True)
    return out.getvalue()
