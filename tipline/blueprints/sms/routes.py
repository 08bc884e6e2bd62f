"""Webhook views for a Twilio-compatible gateway: inbound texts and delivery status callbacks."""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, g, request
from limits import parse
from werkzeug.exceptions import TooManyRequests

from tipline.blueprints.sms import bp
from tipline.channels.sms import InboundForeign, InboundInvalid, gateway
from tipline.extensions import csrf, limiter
from tipline.services import sms, sms_delivery, sms_texts

log = logging.getLogger(__name__)
LOG_EVERY = parse("1 per minute")  # refused requests: one log line per reason and minute, whatever the flood


def _public_url() -> str:
    """The URL the gateway called, as the public sees it (PUBLIC_BASE_URL + path), for the signature."""
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path
    return url + ("?" + request.query_string.decode("latin-1") if request.query_string else "")


def _signed() -> bool:
    """True when the request carries the gateway's valid signature (checked once per request)."""
    if "sms_signed" not in g:
        g.sms_signed = gateway().verify(_public_url(), request.form, request.headers.get("X-Twilio-Signature"))
    return g.sms_signed


def _refuse(status: int, reason: str) -> None:
    """Abort with status, logging the reason (never the number or the text) at most once a minute (every time when
    rate limiting is switched off: the limiter then has no storage to count in)."""
    if not limiter.enabled or limiter.limiter.hit(LOG_EVERY, "sms-refused-log", request.path, reason):
        log.warning(
            "sms webhook %s: %s, refused with %s (further ones this minute unlogged)", request.path, reason, status
        )
    abort(status)


def _require_signature() -> None:
    """403 for a missing or wrong signature."""
    if not _signed():
        _refuse(403, "missing or invalid signature")


def _markup(text: str | None, status: int = 200) -> Response:
    """The gateway's reply document carrying text (or nothing)."""
    body, mimetype = gateway().reply_markup(text)
    return Response(body, status=status, mimetype=mimetype)


def _number_key() -> str:
    """Rate-limit key: the keyed hash of the sender's number (the number itself is never kept)."""
    return "sms:" + sms.address_hash(request.form.get("From") or "")


def _rate_limit() -> str:
    """The configured per-number limit."""
    return current_app.config["SMS_RATE_LIMIT"]


def _throttled(request_limit) -> Response:
    """Over the limit: one polite answer per window, then empty answers."""
    limit = request_limit.limit
    first = limiter.limiter.hit(type(limit)(1, limit.multiples), "sms-throttle-notice", _number_key())
    if not first:
        return _markup(None)
    language = sms.contact_language(request.form.get("From") or "")
    return _markup(sms_texts.render("throttled", language))


@bp.post("/twilio")
@csrf.exempt
@limiter.limit(_rate_limit, key_func=_number_key, exempt_when=lambda: not _signed(), on_breach=_throttled)
def inbound():
    """An inbound text: verify → parse → handle once → TwiML."""
    _require_signature()
    try:
        message = gateway().parse_inbound(request.form)
    except InboundInvalid as exc:
        _refuse(403 if isinstance(exc, InboundForeign) else 400, str(exc))
    return _markup(sms.handle_inbound(message))


@bp.post("/twilio/status")
@csrf.exempt
def status():
    """A delivery status callback for a text we sent."""
    _require_signature()
    try:
        report = gateway().parse_status(request.form)
    except InboundInvalid as exc:
        _refuse(403 if isinstance(exc, InboundForeign) else 400, str(exc))
    sms_delivery.record_status(report)
    return Response(status=204)


@bp.errorhandler(TooManyRequests)
def _limited(error: TooManyRequests):
    """Answer over-limit texts with the markup built on breach (200, so the gateway does not retry)."""
    return error.get_response()
