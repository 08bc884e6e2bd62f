"""Security headers (Flask-Talisman): strict CSP with no third-party source, no referrer, no framing."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, abort, current_app, g, redirect, request
from flask_talisman import Talisman

CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

PERMISSIONS = {
    "geolocation": "()",
    "camera": "()",
    "microphone": "()",
    "interest-cohort": "()",
    "browsing-topics": "()",
}


def _ascii_query(wsgi_app):
    """Percent-encode raw non-ASCII bytes in the query string (as browsers do), so reading it never fails."""

    def middleware(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            environ["QUERY_STRING"] = quote(query.encode("latin-1"), safe="&=%+;/?:@,$!*'()~")
        return wsgi_app(environ, start_response)

    return middleware


def _refuse_nul() -> None:
    """400 for a NUL character in the path, query or form: no typed text holds one, and PostgreSQL refuses it."""
    fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in fields):
        abort(400)


def _redirect_to_https() -> Response | None:
    """A plain-HTTP request goes to its path and query at PUBLIC_BASE_URL, never to a host the request names."""
    if request.is_secure:
        return None
    query = request.query_string.decode("latin-1")  # ASCII already (_ascii_query)
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + quote(request.path) + ("?" + query if query else "")
    return redirect(url, code=302)


def _cache_form_body() -> None:
    """Keep a url-encoded body's bytes before anything parses the form (see forms._undecodable_request).

    Only bodies the form parser would read anyway (up to its memory limit); larger ones are refused by it.
    """
    size, limit = request.content_length, request.max_form_memory_size
    small = size is not None and (limit is None or size <= limit)
    if request.mimetype == "application/x-www-form-urlencoded" and small:
        g.form_body = request.get_data(cache=True)


def keep_form_bodies(app: Flask) -> None:
    """Register _cache_form_body; call before CSRFProtect, whose check reads the form first."""
    app.before_request(_cache_form_body)


def init_app(app: Flask) -> None:
    """Apply the headers; HTTPS-only behaviour follows PUBLIC_BASE_URL."""
    app.wsgi_app = _ascii_query(app.wsgi_app)
    app.before_request(_refuse_nul)
    https = app.config["PUBLIC_BASE_URL"].startswith("https://")
    # Secure cookies follow this app's PUBLIC_BASE_URL, not only the value the Config class saw at import.
    app.config["SESSION_COOKIE_SECURE"] = https or app.config["SESSION_COOKIE_SECURE"]
    if https and not app.testing:  # not Talisman's force_https: it redirects to whatever host the request names
        app.before_request(_redirect_to_https)
    # One Talisman per app: it keeps its options on itself, so a shared one would hand the last app's
    # (Secure cookies) to every app in the process.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,
        strict_transport_security=https,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="no-referrer",
        permissions_policy=PERMISSIONS,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
    )
