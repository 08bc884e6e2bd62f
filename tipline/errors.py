"""Error pages in the visitor's language; never a bare 500 page with a stack trace."""

from __future__ import annotations

import contextlib
import logging
import re

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from tipline.extensions import db

log = logging.getLogger(__name__)

# The connection-level errors of a database that is down, restarting or out of reach.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 120
# What a driver's message may name of the server: a quoted host or socket, an address, a URL, a password.
_SERVER_DETAILS = re.compile(r'"[^"]*"|\b\w+://\S+|\b\d{1,3}(?:\.\d{1,3}){3}\b|\[[0-9a-fA-F:.]+\]|password=\S+')

MESSAGES = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("You are not allowed to see this page."),
    404: _l("This page does not exist."),
    405: _l("This page cannot be used that way."),
    413: _l(
        "What you sent is too large, so nothing was sent. Attachments may be at most 10 MB each and 31 MB "
        "together. Go back with your browser's Back button: what you typed is usually still in the form; choose "
        "smaller files or leave them out."
    ),
    429: _l("Too many attempts. Please wait a few minutes and try again."),
    500: _l("Something went wrong on our side. Nothing you already sent is lost; please try again later."),
}
# Werkzeug answers 413 for three limits; the page says which one the visitor met (see _too_large).
TEXT_TOO_LONG = _l(
    "A text in the form is far too long, so nothing was sent. Go back with your browser's Back button: what you "
    "typed is usually still in the form; shorten the text and send it again."
)
TOO_MANY_FIELDS = _l(
    "The form sent had far too many fields, so nothing was sent. Go back with your browser's Back button and "
    "send it again; if this happens again, open the form anew."
)


def _render(error: HTTPException):
    """Render the friendly page for an HTTP error (unless the code that raised it gave its own answer, as a rate
    limit that hands the form back does)."""
    if error.response is not None:
        return error.response
    code = error.code or 500
    message = _too_large() if code == 413 else MESSAGES.get(code, error.description)
    # An officer keeps the officers' menu, except on a server error (loading the officer may be what failed).
    officer = code < 500 and request.path.startswith("/officer/") and current_user.is_authenticated
    return render_template("error.html", code=code, message=message, officer=officer), code


def _too_large():
    """Which limit a 413 met, judged from the request: Werkzeug raises the same error for each.

    A body over MAX_CONTENT_LENGTH (or of unknown length) was too large as a whole: the attachments. A body within
    MAX_FORM_MEMORY_SIZE cannot hold a field over it, so it had more than MAX_FORM_PARTS parts. Otherwise one text
    field was over MAX_FORM_MEMORY_SIZE (a browser's form never sends a thousand fields).
    """
    length, config = request.content_length, current_app.config
    if length is None or (config["MAX_CONTENT_LENGTH"] is not None and length > config["MAX_CONTENT_LENGTH"]):
        return MESSAGES[413]
    if config["MAX_FORM_MEMORY_SIZE"] is None or length <= config["MAX_FORM_MEMORY_SIZE"]:
        return TOO_MANY_FIELDS
    return TEXT_TOO_LONG


DATABASE_DOWN_MESSAGES = {
    "resident": _l(
        "The tip line cannot reach its database just now, so this page cannot be shown. Please try again in a few"
        " minutes."
    ),
    "officer": _l(
        "The tip line cannot reach its database just now, so this page cannot be shown. Please try again in a few"
        " minutes; if you were saving a change, check that it is there once the page opens again."
    ),
}


def note_database_down(error: SQLAlchemyError) -> None:
    """Deal with a lost database before answering: end the failed transaction, log one line that says so, and let
    this request's page render without loading the logged-in user (that would ask the database again)."""
    g.database_down = True
    with contextlib.suppress(SQLAlchemyError):  # the connection may be gone: nothing left to roll back
        db.session.rollback()
    cause = getattr(error, "orig", None) or error
    detail = (str(cause).strip().splitlines() or [""])[0]
    kind = f"{type(cause).__module__}.{type(cause).__name__}"
    log.error(
        "database unreachable: %s (%s): %s", type(error).__name__, kind, _SERVER_DETAILS.sub("[withheld]", detail)
    )


def unavailable(page: str | Response) -> Response:
    """A page answering while the database is down: 503, to try again after a few minutes, never cached."""
    response = make_response(page)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def database_down_page(error: SQLAlchemyError) -> Response:
    """The site's own 503 page (the residents' forms come back filled in instead: see their blueprint)."""
    note_database_down(error)
    staff = request.path.startswith("/officer/")
    message = DATABASE_DOWN_MESSAGES["officer" if staff else "resident"]
    return unavailable(render_template("error.html", code=503, message=message, officer=False, back_to_queue=staff))


def _render_server_error(error: HTTPException):
    """A 500 caused by a lost database (raised where no handler of ours ran) is the outage page, not a 500."""
    if isinstance(getattr(error, "original_exception", None), DATABASE_DOWN):
        return database_down_page(error.original_exception)
    return _render(error)


def _close_session(_error: BaseException | None) -> None:
    """Close the request's database session, ignoring a connection the server has dropped since the last query: every
    view commits what it keeps before answering, so the answer stands (Flask-SQLAlchemy's own close, which runs next,
    would raise from the request and turn it into a bare 500)."""
    with contextlib.suppress(*DATABASE_DOWN):
        db.session.close()


def init_app(app: Flask) -> None:
    """Register the handlers (and the session close that runs before Flask-SQLAlchemy's)."""
    app.teardown_appcontext(_close_session)
    app.register_error_handler(HTTPException, _render)
    app.register_error_handler(500, _render_server_error)
    for error in DATABASE_DOWN:
        app.register_error_handler(error, database_down_page)
