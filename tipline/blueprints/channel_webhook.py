"""The webhook every conversation channel mounts: verify the provider's signature → parse → one service call →
answer with the provider's markup; delivery status callbacks beside it. Rate-limited per keyed address."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, g, request
from limits import parse
from werkzeug.exceptions import TooManyRequests

from tipline import channels
from tipline.channels import Adapter, InboundForeign, InboundInvalid
from tipline.extensions import csrf, limiter
from tipline.services.conversations import contacts, inbound, outbound, texts

log = logging.getLogger(__name__)
LOG_EVERY = parse("1 per minute")  # refused requests: one log line per reason and minute, whatever the flood


def blueprint(channel: str, import_name: str) -> Blueprint:
    """A blueprint with the channel's inbound and status webhooks at its adapter's `webhook_path`."""
    bp = Blueprint(channel, import_name)
    path = channels.REGISTRY[channel].webhook_path
    inbound_view, status_view = _views(channel)
    bp.add_url_rule(path, "inbound", inbound_view, methods=["POST"])
    bp.add_url_rule(path + "/status", "status", status_view, methods=["POST"])
    bp.register_error_handler(TooManyRequests, _limited)
    return bp


def _adapter() -> Adapter:
    """The adapter of the channel this request came in on (the blueprint's name)."""
    return channels.get(request.blueprint)


def _public_url() -> str:
    """The URL the provider called, as the public sees it (PUBLIC_BASE_URL + path), for the signature."""
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path
    return url + ("?" + request.query_string.decode("latin-1") if request.query_string else "")


def _signed() -> bool:
    """True when the request carries the provider's valid signature (checked once per request)."""
    if "webhook_signed" not in g:
        adapter = _adapter()
        g.webhook_signed = adapter.verify(_public_url(), request.form, request.headers.get(adapter.signature_header))
    return g.webhook_signed


def _refuse(status: int, reason: str) -> None:
    """Abort with status, logging the reason (never the address or the text) at most once a minute (every time when
    rate limiting is switched off: the limiter then has no storage to count in)."""
    if not limiter.enabled or limiter.limiter.hit(LOG_EVERY, "webhook-refused-log", request.path, reason):
        log.warning("webhook %s: %s, refused with %s (further ones this minute unlogged)", request.path, reason, status)
    abort(status)


def _require_signature() -> None:
    """403 for a missing or wrong signature."""
    if not _signed():
        _refuse(403, "missing or invalid signature")


def _markup(text: str | None, status: int = 200) -> Response:
    """The provider's reply document carrying text (or nothing)."""
    body, mimetype = _adapter().reply_markup(text)
    return Response(body, status=status, mimetype=mimetype)


def _sender() -> str:
    """The sender's address as the adapter normalises it (rate limit and notice only; never stored)."""
    return _adapter().normalise_address(request.form.get("From") or "")


def _address_key() -> str:
    """Rate-limit key: the channel and the keyed hash of the sender's address (the address itself is never kept)."""
    return request.blueprint + ":" + contacts.address_hash(_sender())


def _rate_limit() -> str:
    """The configured per-address limit."""
    return current_app.config["SMS_RATE_LIMIT"]


def _throttled(request_limit) -> Response:
    """Over the limit: one polite answer per window, then empty answers."""
    limit = request_limit.limit
    first = limiter.limiter.hit(type(limit)(1, limit.multiples), "webhook-throttle-notice", _address_key())
    if not first:
        return _markup(None)
    return _markup(texts.render("throttled", contacts.contact_language(request.blueprint, _sender())))


def _parse(parse_form):
    """The adapter's reading of the form, or 400 (403 for another account's request)."""
    try:
        return parse_form(request.form)
    except InboundInvalid as exc:
        _refuse(403 if isinstance(exc, InboundForeign) else 400, str(exc))


def _views(channel: str):
    """The inbound and status views of one channel, named after it (the limiter counts per view name)."""

    def receive():
        """An inbound message: verify → parse → handle once → the provider's markup."""
        _require_signature()
        return _markup(inbound.handle_inbound(_parse(_adapter().parse_inbound)))

    def status():
        """A delivery status callback for a message we sent."""
        _require_signature()
        outbound.record_status(channel, _parse(_adapter().parse_status))
        return Response(status=204)

    receive.__name__, status.__name__ = f"{channel}_inbound", f"{channel}_status"
    limited = limiter.limit(_rate_limit, key_func=_address_key, exempt_when=lambda: not _signed(), on_breach=_throttled)
    return csrf.exempt(limited(receive)), csrf.exempt(status)


def _limited(error: TooManyRequests):
    """Answer over-limit messages with the markup built on breach (200, so the provider does not retry)."""
    return error.get_response()
