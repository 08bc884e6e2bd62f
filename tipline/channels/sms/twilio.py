"""Twilio-compatible gateway: signed webhooks, TwiML answers, the Messages REST API and media downloads."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from tipline.channels.sms.base import Gateway, GatewayError, InboundInvalid, InboundSms, MediaRef, StatusReport

# The HTTP client logs request lines at INFO; keep them out of the logs altogether (privacy).
_http_log = logging.getLogger("tipline.sms.twilio_http")
_http_log.setLevel(logging.WARNING)
TIMEOUT_SECONDS = 15
MAX_MEDIA = 10


class TwilioGateway(Gateway):
    """The Twilio adapter (also fits Twilio-compatible providers through TWILIO_API_BASE)."""

    name = "twilio"

    def __init__(
        self, account_sid: str, auth_token: str, from_number: str, api_base: str, max_media_bytes: int
    ) -> None:
        """Keep the credentials; nothing is contacted until a method is called."""
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.api_base = api_base.rstrip("/")
        self.max_media_bytes = max_media_bytes

    def parse_inbound(self, form: Mapping[str, str]) -> InboundSms:
        """MessageSid, From, To, Body and MediaUrlN/MediaContentTypeN; unknown fields are ignored."""
        sid, sender = (form.get("MessageSid") or "").strip(), (form.get("From") or "").strip()
        if not sid or not sender or len(sid) > 64:
            raise InboundInvalid("MessageSid and From are required")
        try:
            count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
        except ValueError:
            count = 0
        media = [
            MediaRef(url=form[f"MediaUrl{i}"], content_type=(form.get(f"MediaContentType{i}") or "").lower())
            for i in range(count)
            if form.get(f"MediaUrl{i}")
        ]
        return InboundSms(sid, sender, (form.get("To") or "").strip(), form.get("Body") or "", media)

    def parse_status(self, form: Mapping[str, str]) -> StatusReport:
        """MessageSid, MessageStatus and ErrorCode of a status callback."""
        sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
        status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
        if not sid or not status:
            raise InboundInvalid("MessageSid and MessageStatus are required")
        return StatusReport(sid, status[:16], (form.get("ErrorCode") or None))

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

    def send(self, to: str, body: str, status_callback: str | None = None) -> tuple[str, str]:
        """Create a Message through the REST API."""
        kwargs = {"to": to, "from_": self.from_number, "body": body}
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
