"""The gateway interface: parse and verify inbound webhooks, build the reply, send texts, fetch media."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field


class InboundInvalid(ValueError):
    """A webhook request that lacks a field a real delivery always has, or holds a malformed one."""


class InboundForeign(InboundInvalid):
    """A webhook request made for another provider account than this site's."""


class GatewayError(RuntimeError):
    """The gateway's API failed; the message says what, never with a phone number or a text."""


@dataclass(frozen=True)
class MediaRef:
    """An attachment the gateway holds for an inbound message."""

    url: str
    content_type: str


@dataclass(frozen=True)
class InboundSms:
    """One inbound text as plain values."""

    message_sid: str
    sender: str
    to: str
    body: str
    media: list[MediaRef] = field(default_factory=list)


@dataclass(frozen=True)
class StatusReport:
    """A delivery status callback for a text we sent."""

    provider_sid: str
    status: str
    error_code: str | None = None


class Gateway(ABC):
    """An SMS provider: one adapter per provider, the services never see provider details."""

    name: str = "gateway"

    @abstractmethod
    def parse_inbound(self, form: Mapping[str, str]) -> InboundSms:
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
    def send(self, to: str, body: str, status_callback: str | None = None) -> tuple[str, str]:
        """Send a text through the provider's API; returns (provider id, status); raises GatewayError."""

    @abstractmethod
    def fetch_media(self, url: str) -> bytes:
        """Download an inbound attachment with the provider's credentials; raises GatewayError."""
