"""Resident pages: home, submit a tip, receipt, follow-up."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from tipline.blueprints.public import events, routes  # noqa: E402,F401
