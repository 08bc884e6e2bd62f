"""WhatsApp through Twilio: Twilio's webhooks, signature and Messages API, with `whatsapp:+…` addresses, the
24-hour customer-service window and a pre-approved template (a Content SID) for replies after it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from tipline.channels.base import InboundInvalid
from tipline.channels.sms.twilio import TwilioGateway

PREFIX = "whatsapp:"


class TwilioWhatsApp(TwilioGateway):
    """WhatsApp through the Twilio account SMS uses; off (every request refused) without a WhatsApp sender."""

    name = "whatsapp"
    label = "WhatsApp"
    webhook_path = "/whatsapp/twilio"
    reply_window = timedelta(hours=24)

    def __init__(self, *args, template_sid: str | None = None, template_text: str | None = None, **kwargs) -> None:
        """Twilio's settings, and the deployment's approved template (its Content SID and text) if it has one."""
        super().__init__(*args, **kwargs)
        self.template_sid = template_sid
        self.template_text = template_text if template_sid else None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TwilioWhatsApp:
        """The Twilio settings with the WhatsApp sender and template of a deployment."""
        return cls(
            account_sid=config["TWILIO_ACCOUNT_SID"] or "",
            auth_token=config["TWILIO_AUTH_TOKEN"] or "",
            from_number=config["WHATSAPP_FROM_NUMBER"] or "",
            api_base=config["TWILIO_API_BASE"],
            max_media_bytes=config["MAX_ATTACHMENT_BYTES"],
            template_sid=config["WHATSAPP_TEMPLATE_SID"] or None,
            template_text=config["WHATSAPP_TEMPLATE_TEXT"] or None,
        )

    def normalise_address(self, raw: str) -> str:
        """`whatsapp:` and the number without spaces, dashes, dots or brackets."""
        number = (raw or "").strip()
        if number.lower().startswith(PREFIX):
            number = number[len(PREFIX) :]
        return PREFIX + super().normalise_address(number)

    def _check_addresses(self, sender: str, to: str) -> None:
        """WhatsApp messages come from and to `whatsapp:` addresses."""
        if not sender.lower().startswith(PREFIX) or not to.lower().startswith(PREFIX):
            raise InboundInvalid("From and To must be whatsapp: addresses")

    def verify(self, url: str, params: Mapping[str, str], signature: str | None) -> bool:
        """Twilio's signature, and only when this deployment has a WhatsApp sender."""
        return bool(self.from_number) and super().verify(url, params, signature)

    def _message(self, to: str, body: str, template: bool) -> dict[str, str]:
        """A free-form message, or the approved template by its Content SID (the body is our record of it)."""
        fields = {"to": to, "from_": PREFIX + self.from_number}
        return fields | ({"content_sid": self.template_sid} if template else {"body": body})
