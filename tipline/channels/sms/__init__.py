"""SMS gateway adapters behind one small interface (Twilio-compatible first)."""

from __future__ import annotations

from flask import current_app

from tipline.channels.sms.base import (
    Gateway,
    GatewayError,
    InboundForeign,
    InboundInvalid,
    InboundSms,
    MediaRef,
    StatusReport,
)

__all__ = [
    "Gateway",
    "GatewayError",
    "InboundForeign",
    "InboundInvalid",
    "InboundSms",
    "MediaRef",
    "StatusReport",
    "gateway",
]


def gateway() -> Gateway:
    """The configured gateway for the current app (Twilio-compatible)."""
    from tipline.channels.sms.twilio import TwilioGateway

    cfg = current_app.config
    return TwilioGateway(
        account_sid=cfg["TWILIO_ACCOUNT_SID"] or "",
        auth_token=cfg["TWILIO_AUTH_TOKEN"] or "",
        from_number=cfg["TWILIO_FROM_NUMBER"] or "",
        api_base=cfg["TWILIO_API_BASE"],
        max_media_bytes=cfg["MAX_ATTACHMENT_BYTES"],
    )
