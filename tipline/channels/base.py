"""The channel adapter interface: parse and verify inbound webhooks, build the reply, send, delivery status, media.

Imports nothing from the app (the worker's task definitions need GatewayError before the app exists).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


class InboundInvalid(ValueError):
    """A webhook request that lacks a field a real delivery always has, or holds a malformed one."""


class InboundForeign(InboundInvalid):
    """A webhook request made for another provider account than this site's."""


class GatewayError(RuntimeError):
    """The provider's API failed; the message says what, never with an address or a text."""


@dataclass(frozen=True)
class MediaRef:
    """An attachment the provider holds for an inbound message."""

    url: str
    content_type: str


@dataclass(frozen=True)
class InboundMessage:
    """One inbound message as plain values; sender is the normalised address replies go to."""

    channel: str
    message_sid: str
    sender: str
    to: str
    body: str
    media: list[MediaRef] = field(default_factory=list)


@dataclass(frozen=True)
class StatusReport:
    """A delivery status callback for a message we sent."""

    provider_sid: str
    status: str
    error_code: str | None = None


_ADDRESS_NOISE = re.compile(r"[\s\-\.\(\)]")


class Adapter(ABC):
    """One conversation channel through one provider; the services never see provider details.

    `name` is the channel's name in the registry (and in Tip.channel), `webhook_path` where its webhook is mounted
    (the status callback is `webhook_path + "/status"`), `signature_header` the header carrying the provider's
    signature, `reply_window` how long after the sender's last message a free-form reply may be sent (None: any
    time; after it only the deployment's approved template, when `template_text` is set).
    """

    name: str = "channel"
    label: str = "Channel"  # the product's name as officers know it (SMS, WhatsApp), not translated
    webhook_path: str = "/channel"
    signature_header: str = "X-Signature"
    reply_window: timedelta | None = None
    template_text: str | None = None

    @classmethod
    @abstractmethod
    def from_config(cls, config: Mapping[str, Any]) -> Adapter:
        """The adapter with a deployment's settings (nothing is contacted yet)."""

    def normalise_address(self, raw: str) -> str:
        """An address without spaces, dashes, dots or brackets (E.164 as providers send it)."""
        return _ADDRESS_NOISE.sub("", raw or "")

    @abstractmethod
    def parse_inbound(self, form: Mapping[str, str]) -> InboundMessage:
        """Read an inbound webhook's fields; raises InboundInvalid (InboundForeign) for a request that is no delivery
        (for this account)."""

    @abstractmethod
    def parse_status(self, form: Mapping[str, str]) -> StatusReport:
        """Read a delivery status callback; raises InboundInvalid (InboundForeign) as parse_inbound does."""

    @abstractmethod
    def verify(self, url: str, params: Mapping[str, str], signature: str | None) -> bool:
        """True when the request was signed by the provider for this public URL and these fields."""

    @abstractmethod
    def reply_markup(self, text: str | None) -> tuple[str, str]:
        """The webhook answer (body, mimetype) carrying text, or answering nothing when text is None."""

    @abstractmethod
    def send(self, to: str, body: str, status_callback: str | None = None, template: bool = False) -> tuple[str, str]:
        """Send a message (or the approved template) through the provider's API; returns (provider id, status);
        raises GatewayError."""

    @abstractmethod
    def fetch_media(self, url: str) -> bytes:
        """Download an inbound attachment with the provider's credentials; raises GatewayError."""
