"""Conversation channels: one adapter per channel (parse and verify a webhook, send, delivery status, media),
found by name in one registry. A new channel is an adapter, a webhook blueprint and one line in REGISTRY."""

from __future__ import annotations

from flask import current_app

from tipline.channels.base import (
    Adapter,
    GatewayError,
    InboundForeign,
    InboundInvalid,
    InboundMessage,
    MediaRef,
    StatusReport,
)
from tipline.channels.sms import TwilioGateway
from tipline.channels.whatsapp import TwilioWhatsApp

__all__ = [
    "REGISTRY",
    "Adapter",
    "GatewayError",
    "InboundForeign",
    "InboundInvalid",
    "InboundMessage",
    "MediaRef",
    "StatusReport",
    "get",
    "names",
]

REGISTRY: dict[str, type[Adapter]] = {
    "sms": TwilioGateway,
    "whatsapp": TwilioWhatsApp,
}


def get(name: str) -> Adapter | None:
    """The adapter of a channel for the current app; None for a channel without conversations (the web form)."""
    adapter = REGISTRY.get(name)
    return adapter.from_config(current_app.config) if adapter else None


def names() -> list[str]:
    """The registered conversation channels."""
    return list(REGISTRY)
