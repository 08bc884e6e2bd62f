"""Liaison officers, agency officers and oversight: login, queues, tip detail and actions, audit log."""

from flask import Blueprint

bp = Blueprint("officer", __name__, url_prefix="/officer")

from tipline.blueprints.officer import account_routes, auth_routes, routes  # noqa: E402,F401
