"""Translatable titles and key labels of the transparency figures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from tipline.services.events import QUESTION_LABELS

COUNT_SPECS = (
    ("channel", _l("Tips received by channel"), _l("Number of tips received this month, by web and by text message.")),
    (
        "language",
        _l("Tips received by language"),
        _l("Number of tips received this month, by the language they were written in."),
    ),
    ("category", _l("Tips received by kind"), _l("Number of tips received this month, by kind of tip.")),
    (
        "verification",
        _l("Outcomes of verification"),
        _l("What the liaison officers concluded about the tips received this month."),
    ),
    (
        "handling",
        _l("Where tips went"),
        _l("Tips kept by the coordination desk, routed to an agency, or sent to the oversight body."),
    ),
    ("state", _l("Open and closed tips"), _l("Tips received this month that are still open or already closed.")),
    ("agency", _l("Tips by lead agency"), _l("Tips received this month, by the agency leading the response.")),
    (
        "area",
        _l("Tips by area"),
        _l("Tips received this month, by area; tips without a location are counted as unknown."),
    ),
    (
        "complaint_outcome",
        _l("Complaints about officers or agencies"),
        _l("Misconduct complaints received by the oversight body this month, and their outcomes."),
    ),
    (
        "event_feedback",
        _l("Feedback per outreach event"),
        _l("Number of feedback forms received for each outreach event held this month."),
    ),
)
VALUE_SPECS = (
    (
        "first_response",
        _l("Median time to first response (hours)"),
        _l("Median hours between a tip and the first response, by lead agency."),
    ),
    (
        "closure",
        _l("Median time to closure (hours)"),
        _l("Median hours between a tip and its closure, by lead agency."),
    ),
    (
        "feedback_avg",
        _l("Average feedback ratings (1 to 5)"),
        _l("Average answer to each feedback question at the outreach events held this month."),
    ),
)
MONTHS = (_l("Tips received by month"), _l("Number of tips received in each published month."))
MAP = (
    _l("Map of tips by area"),
    _l("The areas of the participating agencies, shaded by the number of tips received this month."),
)

KEY_LABELS = {
    "web": _l("Web"),
    "sms": _l("Text message"),
    "und": _l("Undetermined"),
    "none": _l("None or not yet decided"),
    "unknown": _l("Unknown location"),
    "verified": _l("Verified"),
    "unfounded": _l("Could not be confirmed"),
    "duplicate": _l("Already reported"),
    "needs_info": _l("Waiting for more information"),
    "pending": _l("Not yet reviewed"),
    "liaison": _l("Coordination desk"),
    "routed": _l("Routed to an agency"),
    "oversight": _l("Oversight body"),
    "open": lazy_pgettext("state of a tip", "Open"),
    "closed": _l("Closed"),
    **QUESTION_LABELS,
}


# The first column's heading of each table (what its rows are).
COLUMN_HEADS = {
    "months": _l("Month"),
    "channel": _l("Channel"),
    "language": _l("Language"),
    "category": _l("Category"),
    "verification": _l("Outcome"),
    "handling": _l("Handled by"),
    "state": _l("Status"),
    "agency": _l("Lead agency"),
    "area": _l("Area"),
    "complaint_outcome": _l("Outcome"),
    "event_feedback": _l("Event"),
    "first_response": _l("Lead agency"),
    "closure": _l("Lead agency"),
    "feedback_avg": _l("Question"),
}


def resolved(lang_names: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """Specs and labels as plain strings in the current language (language codes named in that language)."""
    specs = {
        "counts": [(d, str(t), str(x)) for d, t, x in COUNT_SPECS],
        "values": [(d, str(t), str(x)) for d, t, x in VALUE_SPECS],
        "heads": {d: str(h) for d, h in COLUMN_HEADS.items()},
        "months": tuple(str(s) for s in MONTHS),
        "map": tuple(str(s) for s in MAP),
    }
    return specs, {k: str(v) for k, v in KEY_LABELS.items()} | lang_names
