"""Security headers (Flask-Talisman): strict CSP with no third-party source, no referrer, no framing."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask

from tipline.extensions import talisman

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


def init_app(app: Flask) -> None:
    """Apply the headers; HTTPS-only behaviour follows PUBLIC_BASE_URL."""
    app.wsgi_app = _ascii_query(app.wsgi_app)
    https = app.config["PUBLIC_BASE_URL"].startswith("https://")
    # Secure cookies follow this app's PUBLIC_BASE_URL, not only the value the Config class saw at import.
    app.config["SESSION_COOKIE_SECURE"] = https or app.config["SESSION_COOKIE_SECURE"]
    talisman.init_app(
        app,
        force_https=https and not app.testing,
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
