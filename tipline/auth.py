"""Officer sessions (Flask-Login) and the role checks every officer and admin view declares."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tipline.extensions import db, login

STAFF_ROLES = ("officer", "supervisor", "oversight", "admin")


@login.user_loader
def _load_user(session_id: str):
    """Load the user of a session id "<id>:<version>"; a bumped version ends old sessions. None while the database
    is down (set by errors.database_down), so that the outage page renders without asking it again."""
    from tipline.models import User

    if g.get("database_down"):
        return None
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def roles_required(*roles: str):
    """Allow a view to logged-in users with one of these roles; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # read by the permission-matrix test
        return wrapped

    return decorator


staff_required = roles_required(*STAFF_ROLES)


def init_app(app: Flask) -> None:
    """Bind Flask-Login: unauthenticated staff pages redirect to the login page."""
    login.init_app(app)
    login.login_view = "officer.login"
    login.login_message = _l("Please log in to see this page.")
    login.session_protection = "strong"
