"""Twilio-compatible SMS adapter: signed webhooks, TwiML answers, the Messages REST API and media downloads."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from tipline.channels.base import (
    Adapter,
    GatewayError,
    InboundForeign,
    InboundInvalid,
    InboundMessage,
    MediaRef,
    StatusReport,
)

# The HTTP client logs request lines at INFO; keep them out of the logs altogether (privacy).
_http_log = logging.getLogger("tipline.sms.twilio_http")
_http_log.setLevel(logging.WARNING)
TIMEOUT_SECONDS = 15
MAX_MEDIA = 10
# Twilio's message ids. The signature joins keys and values without separators, so only a strict shape keeps a
# replayed request from moving the next field into the id ("SM…" + "NumMedia0" signs like "SM…" and NumMedia=0).
MESSAGE_SID_RE = re.compile(r"(SM|MM)[0-9a-f]{32}")
NUM_MEDIA_RE = re.compile(r"[0-9]{1,2}")


class TwilioGateway(Adapter):
    """SMS through Twilio (also fits Twilio-compatible providers through TWILIO_API_BASE)."""

    name = "sms"
    label = "SMS"
    webhook_path = "/sms/twilio"
    signature_header = "X-Twilio-Signature"

    def __init__(
        self, account_sid: str, auth_token: str, from_number: str, api_base: str, max_media_bytes: int
    ) -> None:
        """Keep the credentials; nothing is contacted until a method is called."""
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.api_base = api_base.rstrip("/")
        self.max_media_bytes = max_media_bytes

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TwilioGateway:
        """The Twilio settings of a deployment."""
        return cls(
            account_sid=config["TWILIO_ACCOUNT_SID"] or "",
            auth_token=config["TWILIO_AUTH_TOKEN"] or "",
            from_number=config["TWILIO_FROM_NUMBER"] or "",
            api_base=config["TWILIO_API_BASE"],
            max_media_bytes=config["MAX_ATTACHMENT_BYTES"],
        )

    def parse_inbound(self, form: Mapping[str, str]) -> InboundMessage:
        """MessageSid, From, To, Body and MediaUrlN/MediaContentTypeN; unknown fields are ignored.

        Refuses what a real delivery never looks like: an id of another shape, no To or NumMedia, another account.
        """
        sid, sender = self._message_sid(form), (form.get("From") or "").strip()
        to, num_media = (form.get("To") or "").strip(), form.get("NumMedia") or ""
        if not sender or not to or not NUM_MEDIA_RE.fullmatch(num_media):
            raise InboundInvalid("From, To and NumMedia are required")
        self._check_addresses(sender, to)
        self._check_account(form)
        media = [
            MediaRef(url=form[f"MediaUrl{i}"], content_type=(form.get(f"MediaContentType{i}") or "").lower())
            for i in range(min(int(num_media), MAX_MEDIA))
            if form.get(f"MediaUrl{i}")
        ]
        return InboundMessage(self.name, sid, self.normalise_address(sender), to, form.get("Body") or "", media)

    def _check_addresses(self, sender: str, to: str) -> None:
        """SMS comes from and to phone numbers, never WhatsApp addresses (that is the WhatsApp webhook's)."""
        if sender.lower().startswith("whatsapp:") or to.lower().startswith("whatsapp:"):
            raise InboundInvalid("a WhatsApp message posted to the SMS webhook")

    def parse_status(self, form: Mapping[str, str]) -> StatusReport:
        """MessageSid, MessageStatus and ErrorCode of a status callback."""
        sid = self._message_sid({"MessageSid": form.get("MessageSid") or form.get("SmsSid") or ""})
        status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
        if not status:
            raise InboundInvalid("MessageStatus is required")
        self._check_account(form)
        return StatusReport(sid, status[:16], (form.get("ErrorCode") or None))

    @staticmethod
    def _message_sid(form: Mapping[str, str]) -> str:
        """The MessageSid when it has Twilio's exact shape (SM or MM and 32 lowercase hex digits)."""
        sid = form.get("MessageSid") or ""
        if not MESSAGE_SID_RE.fullmatch(sid):
            raise InboundInvalid("MessageSid is not a Twilio message id")
        return sid

    def _check_account(self, form: Mapping[str, str]) -> None:
        """AccountSid is present, and is this site's account when TWILIO_ACCOUNT_SID is set."""
        account = form.get("AccountSid") or ""
        if not account:
            raise InboundInvalid("AccountSid is required")
        if self.account_sid and account != self.account_sid:
            raise InboundForeign("AccountSid is another account's")

    def verify(self, url: str, params: Mapping[str, str], signature: str | None) -> bool:
        """Check X-Twilio-Signature with the library's validator and the auth token."""
        if not signature or not self.auth_token:
            return False
        return RequestValidator(self.auth_token).validate(url, params, signature)

    def reply_markup(self, text: str | None) -> tuple[str, str]:
        """TwiML with one message, or an empty response that sends nothing."""
        response = MessagingResponse()
        if text:
            response.message(text)
        return str(response), "application/xml"

    def _client(self):
        """A REST client pointed at the configured API base."""
        from twilio.rest import Client  # the REST client is only needed by the worker that sends

        http = TwilioHttpClient(timeout=TIMEOUT_SECONDS, logger=_http_log)
        client = Client(self.account_sid, self.auth_token, http_client=http)
        client.api.base_url = self.api_base
        return client

    def _message(self, to: str, body: str, template: bool) -> dict[str, str]:
        """The Message's fields: SMS has no templates, the body goes as it is."""
        return {"to": to, "from_": self.from_number, "body": body}

    def send(self, to: str, body: str, status_callback: str | None = None, template: bool = False) -> tuple[str, str]:
        """Create a Message through the REST API."""
        kwargs = self._message(to, body, template)
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self._client().messages.create(**kwargs)
        except TwilioRestException as exc:
            raise GatewayError(f"send refused: HTTP {exc.status}, code {exc.code}") from None
        except (TwilioException, requests.RequestException) as exc:
            raise GatewayError(f"send failed: {type(exc).__name__}") from None
        return message.sid, (message.status or "queued")

    def fetch_media(self, url: str) -> bytes:
        """Download media from the provider only (never another host), with basic auth and a size cap."""
        if not url.startswith(self.api_base + "/"):
            raise GatewayError("media URL outside the gateway's API")
        try:
            with requests.get(
                url, auth=(self.account_sid, self.auth_token), timeout=TIMEOUT_SECONDS, stream=True
            ) as response:
                if response.status_code != 200:
                    raise GatewayError(f"media download: HTTP {response.status_code}")
                return self._read_capped(response)
        except requests.RequestException as exc:
            raise GatewayError(f"media download failed: {type(exc).__name__}") from None

    def _read_capped(self, response: requests.Response) -> bytes:
        """Read a body, stopping one byte past the size limit so the caller can refuse it."""
        data = bytearray()
        for chunk in response.iter_content(64 * 1024):
            data.extend(chunk)
            if len(data) > self.max_media_bytes:
                break
        return bytes(data)
