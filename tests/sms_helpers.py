"""Helpers that act as a channel's provider would (Twilio for SMS and for WhatsApp): signed webhook posts, and a
local stand-in for its REST API.

The channel of post_sms, post_status and address is CHANNEL unless given: the `each_channel` fixture sets it, so a
conversation test runs once over every registered channel."""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from twilio.request_validator import RequestValidator

from tipline.config import TestConfig

NUMBER = "+15205550123"
OTHER_NUMBER = "+15205550199"
ACCOUNT_SID = TestConfig.TWILIO_ACCOUNT_SID  # the webhook refuses another account's deliveries
MESSAGE_RE = re.compile(r"<Message>(.*?)</Message>", re.DOTALL)
CHANNEL = "sms"
PATHS = {"sms": "/sms/twilio", "whatsapp": "/whatsapp/twilio"}  # where Twilio posts each channel's webhooks
LINE = "+15005550006"


def address(number: str, channel: str | None = None) -> str:
    """A phone number as the channel's provider writes it (`whatsapp:+1…` on WhatsApp)."""
    return ("whatsapp:" if (channel or CHANNEL) == "whatsapp" else "") + number


def webhook_path(channel: str | None = None) -> str:
    """The inbound webhook's path of a channel."""
    return PATHS[channel or CHANNEL]


def new_sid() -> str:
    """A fresh Twilio message id (SM and 32 lowercase hex digits, the only shape the webhook takes)."""
    return "SM" + secrets.token_hex(16)


def sign(app, path: str, params: dict, url: str | None = None) -> str:
    """X-Twilio-Signature for params posted to the public URL (or another URL), by the library's own signing."""
    url = url or app.config["PUBLIC_BASE_URL"].rstrip("/") + path
    return RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)


def sms_params(
    body: str = "", sender: str = NUMBER, sid: str | None = None, channel: str | None = None, **extra
) -> dict:
    """The form fields Twilio posts for one inbound message (every field a real delivery always has)."""
    params = {
        "MessageSid": sid or new_sid(),
        "AccountSid": ACCOUNT_SID,
        "From": address(sender, channel),
        "To": address(LINE, channel),
        "Body": body,
        "NumMedia": "0",
    }
    return params | extra


def post_sms(client, app, body: str = "", channel: str | None = None, **kwargs):
    """Post a correctly signed inbound message to the channel's webhook."""
    params = sms_params(body, channel=channel, **kwargs)
    path = webhook_path(channel)
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign(app, path, params)})


def reply_text(response) -> str | None:
    """The text of the TwiML answer, or None when it answers nothing."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    match = MESSAGE_RE.search(response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def post_status(client, app, provider_sid: str, status: str, signed: bool = True, channel: str | None = None):
    """Post a delivery status callback as the provider would."""
    params = {"MessageSid": provider_sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
    path = webhook_path(channel) + "/status"
    headers = {"X-Twilio-Signature": sign(app, path, params)} if signed else {}
    return client.post(path, data=params, headers=headers)


@dataclass
class FakeGateway:
    """What the local gateway server saw and will answer."""

    url: str = ""
    sent: list[dict] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    media_auth: list[str] = field(default_factory=list)
    fail_sends: int = 0


def _handler(state: FakeGateway):
    """A request handler bound to state."""

    class Handler(BaseHTTPRequestHandler):
        """Serves /media/<name> and the Messages endpoint."""

        def log_message(self, *args) -> None:
            """Quiet."""

        def _reply(self, code: int, body: bytes, ctype: str = "application/json") -> None:
            """Write a response."""
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            """Media download with basic auth."""
            state.media_auth.append(self.headers.get("Authorization", ""))
            data, ctype = state.media.get(self.path.rsplit("/", 1)[-1], (b"", ""))
            self._reply(200 if ctype else 404, data, ctype or "text/plain")

        def do_POST(self) -> None:
            """Create a message, failing the first fail_sends times."""
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if state.fail_sends > 0:
                state.fail_sends -= 1
                self._reply(500, b'{"code": 20500, "message": "Internal error", "status": 500}')
                return
            sid = "SM" + secrets.token_hex(16)
            state.sent.append(form | {"sid": sid, "auth": self.headers.get("Authorization", "")})
            self._reply(201, json.dumps({"sid": sid, "status": "queued", "to": form.get("To")}).encode())

    return Handler


def start_gateway() -> tuple[FakeGateway, ThreadingHTTPServer]:
    """Start the stand-in gateway on 127.0.0.1 in a thread."""
    state = FakeGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server


def basic_auth(user: str, password: str) -> str:
    """The Authorization header value for basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
