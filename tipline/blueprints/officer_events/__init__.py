"""Officers' event pages: create outreach events, read exact feedback figures, turn hidden tips into tips."""

from flask import Blueprint

bp = Blueprint("officer_events", __name__, url_prefix="/officer/events")

from tipline.blueprints.officer_events import routes  # noqa: E402,F401
