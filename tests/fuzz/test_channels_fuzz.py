"""Fuzzing the SMS webhook and every query parameter and path argument with hypothesis.

No JSON API with an OpenAPI description exists, so schemathesis does not apply; hypothesis builds the
gateway's form posts and the query strings directly.

What each test throws at the system, and what it must answer:

- test_unsigned_or_badly_signed_webhook_posts: random fields, bodies and signatures (none, junk, a signature of
  other fields) → 403 from both webhook URLs, never a 500, never a tip.
- test_signed_webhook_any_fields: correctly signed posts with random MessageSid, From, To, Body (huge, control and
  bidi characters), NumMedia, AccountSid and media URLs → 200 with TwiML for what a real delivery looks like,
  400 (403 for another account) otherwise, never a 500; a reply that carries a receipt opens its tip on /follow-up.
- test_signed_status_callback_any_fields: signed delivery reports with random ids and statuses → 204, 400 or 403.
- test_language_and_raw_query_strings: ?lang= random, and raw query strings of invalid UTF-8 and percent-escape
  garbage on the resident pages → 200 (or the transparency redirect), 400 for a NUL character, never a 500.
- test_path_arguments: random transparency periods and tables, event codes in URLs → 400 (NUL)/404/410 (or a
  page), never a 500.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.strategies import BAD_BYTES, FUZZ, NUMBERISH, SMS_RECEIPT_RE, TEXT, counts, reset_limits
from tests.helpers import follow_up
from tests.sms_helpers import ACCOUNT_SID, MESSAGE_RE, sign

PHONE = st.one_of(st.from_regex(r"\+?[0-9 ().\-]{1,20}", fullmatch=True), TEXT)
SID = st.one_of(st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True), TEXT, st.text(min_size=60, max_size=80))
MEDIA_URL = st.one_of(TEXT, st.sampled_from(["http://127.0.0.1:9/media/x", "file:///etc/passwd", "http://[::1"]))
SMS_FIELDS = st.fixed_dictionaries(
    {"MessageSid": SID, "From": PHONE},
    optional={
        "Body": st.one_of(TEXT, st.sampled_from(["STOP", "AYUDA", "NEW", "العربية", "start "])),
        "To": PHONE,
        "NumMedia": st.one_of(NUMBERISH, st.sampled_from(["0", "1", "10", "99"])),
        "MediaUrl0": MEDIA_URL,
        "MediaContentType0": st.one_of(TEXT, st.sampled_from(["image/jpeg", "application/pdf", "text/html"])),
        "AccountSid": st.one_of(TEXT, st.just(ACCOUNT_SID)),
    },
)


def _real_delivery(params: dict) -> bool:
    """What the webhook takes: Twilio's id shape, a sender, a recipient, a media count and this account."""
    return bool(
        re.fullmatch(r"(SM|MM)[0-9a-f]{32}", params["MessageSid"])
        and params["From"].strip()
        and params.get("To", "").strip()
        and re.fullmatch(r"[0-9]{1,2}", params.get("NumMedia", ""))
        and params.get("AccountSid") == ACCOUNT_SID
    )


def _clean(params: dict) -> dict:
    """Form values as a gateway can send them (no NUL: the signing library and HTTP both drop it)."""
    return {k: v.replace("\x00", "") for k, v in params.items()}


@FUZZ
@given(params=SMS_FIELDS, signature=st.one_of(st.none(), TEXT, st.just("other")))
def test_unsigned_or_badly_signed_webhook_posts(app, client, params, signature):
    params = _clean(params)
    before = counts(app)
    headers = {}
    if signature == "other":
        headers["X-Twilio-Signature"] = sign(app, "/sms/twilio", params | {"Body": "something else"})
    elif signature:
        header = signature.encode("utf-8", "replace").decode("latin-1")
        headers["X-Twilio-Signature"] = header.replace("\r", "").replace("\n", "") or "x"  # HTTP forbids newlines
    for url in ("/sms/twilio", "/sms/twilio/status"):
        assert client.post(url, data=params, headers=headers).status_code == 403
    assert counts(app) == before


@FUZZ
@given(params=SMS_FIELDS)
def test_signed_webhook_any_fields(app, client, params):
    reset_limits(app)
    params = _clean(params)
    before = counts(app)
    response = client.post("/sms/twilio", data=params, headers={"X-Twilio-Signature": sign(app, "/sms/twilio", params)})
    assert response.status_code in (200, 400, 403), response.status_code
    assert (response.status_code == 200) == _real_delivery(params), params
    if response.status_code != 200:
        assert counts(app)[0] == before[0]
        return
    assert response.mimetype == "application/xml"
    match = MESSAGE_RE.search(response.get_data(as_text=True))
    receipt = SMS_RECEIPT_RE.search(match.group(1)) if match else None
    if receipt:  # a new tip, or the stored reply replayed to a repeated MessageSid
        assert counts(app)[0] in (before[0], before[0] + 1)
        assert follow_up(client, receipt.group(1)).status_code == 200


@FUZZ
@given(params=st.fixed_dictionaries({}, optional={"MessageSid": SID, "MessageStatus": TEXT, "ErrorCode": NUMBERISH}))
def test_signed_status_callback_any_fields(app, client, params):
    params = _clean(params)
    headers = {"X-Twilio-Signature": sign(app, "/sms/twilio/status", params)}
    assert client.post("/sms/twilio/status", data=params, headers=headers).status_code in (204, 400, 403)


PAGES = ["/", "/tip", "/follow-up", "/feedback", "/events", "/events.ics", "/transparency/", "/officer/login"]


LANG = st.one_of(TEXT, st.sampled_from(["ar", "es-MX", "EN", "x" * 500]))


@FUZZ
@given(page=st.sampled_from(PAGES), lang=LANG, raw=BAD_BYTES)
def test_language_and_raw_query_strings(app, client, page, lang, raw):
    accept = lang.encode("utf-8")[:200].decode("latin-1").replace("\r", "").replace("\n", "")
    for query in (urlencode({"lang": lang}).encode(), b"lang=" + raw, raw, b"lang=%ff%fe&lang=es&" + raw):
        response = client.get(
            page,
            environ_overrides={"QUERY_STRING": query.decode("latin-1")},  # raw bytes, as a WSGI server passes them
            headers={"Accept-Language": accept},
        )
        assert response.status_code in (200, 302, 400), (page, query, response.status_code)


@FUZZ
@given(value=st.one_of(TEXT, st.from_regex(r"[0-9]{4}-[0-9]{2}", fullmatch=True)).filter(lambda v: v.strip("./")))
def test_path_arguments(app, client, value):
    segment = quote(value, safe="")
    for url in (
        f"/transparency/{segment}",
        f"/transparency/{segment}.csv",
        f"/events/{segment}",
        f"/events/{segment}.ics",
        f"/events/{segment}/qr.svg",
        f"/f/{segment}",
    ):
        response = client.get(url)
        if response.status_code == 308:  # an encoded "/" doubles a slash: werkzeug redirects to the merged path
            assert "//" not in response.location.split("://")[-1], url
            continue
        assert response.status_code in (200, 400, 404, 410), url
