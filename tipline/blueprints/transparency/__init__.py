"""Public statistics: monthly figures with charts, data tables and open data, all disclosure-controlled."""

from flask import Blueprint

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

from tipline.blueprints.transparency import routes  # noqa: E402,F401
