"""Error pages in the visitor's language; never a bare 500 page with a stack trace."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

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


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, _render)
