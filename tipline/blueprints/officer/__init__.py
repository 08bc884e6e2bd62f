"""Liaison officers, agency officers and oversight: login, queues, tip detail and actions, audit log."""

from flask import Blueprint, request

bp = Blueprint("officer", __name__, url_prefix="/officer")


@bp.after_app_request
def _never_cached(response):
    """Everything under /officer/ (tips, events' exact figures, credentials, the login page that keeps typed work)
    holds decrypted or personal data: no browser or proxy keeps a copy."""
    if request.path.startswith(f"{bp.url_prefix}/"):
        response.headers["Cache-Control"] = "no-store"
    return response


from tipline.blueprints.officer import account_routes, auth_routes, routes  # noqa: E402,F401
