"""Liaison officers, agency officers and oversight: login, queues, tip detail and actions, audit log."""

from flask import Blueprint

bp = Blueprint("officer", __name__, url_prefix="/officer")


@bp.after_request
def _never_cached(response):
    """Officers' pages hold decrypted tips and personal data: no browser or proxy keeps a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


from tipline.blueprints.officer import account_routes, auth_routes, routes  # noqa: E402,F401
