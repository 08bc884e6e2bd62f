"""Fuzzing every resident and officer form with hypothesis through the Flask test client.

There is no JSON API with an OpenAPI description here (only HTML forms and a Twilio-style webhook), so
schemathesis does not apply; hypothesis drives the forms directly, with a valid CSRF token so that input
reaches the validators and services rather than being stopped at the token check.

What each test throws at the system, and what it must answer:

- test_tip_form_any_field_values: random Unicode, control and bidi characters, 5,000–9,000-character values,
  NaN/inf/huge numbers as coordinates, junk dates, repeated fields and a file where text belongs → 200 with a
  receipt or 400 with the form; never a 500; exactly one tip stored iff a receipt was shown, and it opens it.
- test_tip_form_raw_bodies: bodies of invalid UTF-8, percent-encoded garbage, truncated or boundary-less
  multipart, JSON with numbers, lists and objects where text belongs, and the wrong Content-Type → 200 or 400,
  never a 500, no tip without a receipt.
- test_uploads_random_and_damaged_files: one to three files of random bytes or JPEG/PNG/PDF truncated, with bytes
  flipped or junk behind a real header → 200 (all attachments stored) or 400 (nothing stored); never a 500.
- test_follow_up_any_receipt: random receipt codes → 400 (malformed) or 404 (unknown), never a 500.
- test_follow_up_message_any_body: random message bodies with a real receipt → 200 and one message stored, or 400
  and nothing stored.
- test_feedback_form_any_values: random ratings (wrong types, out of range) and comments → 200 or 400.
- test_officer_login_any_values: random usernames, passwords and codes → 400 or 401, never a session.
"""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.strategies import (
    BAD_BYTES,
    FUZZ,
    NUMBERISH,
    TEXT,
    counts,
    damaged_file,
    receipt_opens_its_tip,
    reset_limits,
)
from tests.helpers import csrf_token, open_event, submit_tip

GOOD_TEXT = "A white van without plates waits at the old bridge every night around 2 am."
FIELD_VALUE = st.one_of(TEXT, NUMBERISH, st.lists(TEXT, min_size=2, max_size=3))


def _check_tip_answer(app, client, response, before) -> None:
    """200 with a receipt that opens its tip (and exactly one more tip), or 400 and nothing stored."""
    assert response.status_code in (200, 400), response.status_code
    shown = receipt_opens_its_tip(client, response)
    assert shown == (response.status_code == 200)
    assert counts(app)[0] == before[0] + (1 if shown else 0)


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "text": FIELD_VALUE,
            "category": st.one_of(FIELD_VALUE, st.sampled_from(["", "drugs", "misconduct", "other"])),
            "place": FIELD_VALUE,
            "lat": NUMBERISH,
            "lon": NUMBERISH,
            "when": st.one_of(NUMBERISH, st.sampled_from(["2024-02-30T25:61", "0001-01-01T00:00", "9999-12-31T23:59"])),
            "attachments": st.one_of(TEXT, st.builds(lambda: (io.BytesIO(b"x"), ""))),
            "text_as_file": st.booleans(),
        },
    )
)
def test_tip_form_any_field_values(app, client, fields):
    token = csrf_token(client, "/tip")
    if fields.pop("text_as_file", False):
        fields["text"] = (io.BytesIO(GOOD_TEXT.encode()), "text.txt")
    before = counts(app)
    response = client.post("/tip", data={"csrf_token": token, **fields}, content_type="multipart/form-data")
    _check_tip_answer(app, client, response, before)


JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=XyZ",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "text/plain",
    "application/json",
]


@FUZZ
@given(
    garbage=BAD_BYTES,
    content_type=st.sampled_from(CONTENT_TYPES),
    shape=st.sampled_from(["form", "multipart", "json"]),
    value=JSON_VALUE,
)
def test_tip_form_raw_bodies(app, client, garbage, content_type, shape, value):
    token = csrf_token(client, "/tip").encode()
    if shape == "json":  # wrong types where text belongs: numbers, lists, objects
        body = json.dumps({"csrf_token": token.decode(), "text": value, "place": value}).encode()
    elif shape == "form":
        body = b"csrf_token=" + token + b"&text=" + GOOD_TEXT.encode() + garbage + b"&place=" + garbage
    else:
        part = b'--XyZ\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        body = part % (b"csrf_token", token) + part % (b"text", GOOD_TEXT.encode() + garbage)
        body = body[: len(body) - len(garbage) // 2]  # truncated: no closing boundary
    before = counts(app)
    response = client.post("/tip", data=body, content_type=content_type)
    _check_tip_answer(app, client, response, before)


@FUZZ
@given(files=st.lists(damaged_file(), min_size=1, max_size=3), names=st.sampled_from(["a.jpg", "b.png", "c.pdf", ""]))
def test_uploads_random_and_damaged_files(app, client, files, names):
    token = csrf_token(client, "/tip")
    uploads = [(io.BytesIO(data), names or "file", "application/octet-stream") for data in files]
    before = counts(app)
    response = client.post(
        "/tip",
        data={"csrf_token": token, "text": GOOD_TEXT, "attachments": uploads},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 400)
    shown = receipt_opens_its_tip(client, response)
    tips, _messages, attachments = counts(app)
    if shown:
        assert (tips, attachments) == (before[0] + 1, before[2] + len(files))
    else:
        assert "Attachments must be" in response.get_data(as_text=True)
        assert (tips, attachments) == (before[0], before[2])


@FUZZ
@given(receipt=st.one_of(TEXT, NUMBERISH, st.from_regex(r"[0-9 \-\.]{14,22}", fullmatch=True)))
def test_follow_up_any_receipt(app, client, receipt):
    reset_limits(app)
    token = csrf_token(client, "/follow-up")
    response = client.post("/follow-up", data={"csrf_token": token, "receipt": receipt})
    assert response.status_code in (400, 404), response.status_code


@FUZZ
@given(body=st.one_of(FIELD_VALUE, BAD_BYTES.map(lambda b: b.decode("latin-1"))))
def test_follow_up_message_any_body(app, client, body):
    reset_limits(app)
    receipt = submit_tip(client)
    token = csrf_token(client, "/follow-up")
    before = counts(app)
    response = client.post("/follow-up/message", data={"csrf_token": token, "receipt": receipt, "body": body})
    assert response.status_code in (200, 400), response.status_code
    assert counts(app)[1] == before[1] + (1 if response.status_code == 200 else 0)


@FUZZ
@given(
    ratings=st.fixed_dictionaries(
        {}, optional={k: st.one_of(st.sampled_from("012345"), NUMBERISH) for k in ("overall", "heard", "would_report")}
    ),
    text=st.one_of(st.none(), FIELD_VALUE),
)
def test_feedback_form_any_values(app, client, ratings, text):

    code = open_event(app)
    token = csrf_token(client, f"/f/{code}")
    data = {"csrf_token": token, **ratings} | ({"text": text} if text is not None else {})
    response = client.post(f"/f/{code}", data=data)
    assert response.status_code in (200, 400), response.status_code


@FUZZ
@given(username=FIELD_VALUE, password=FIELD_VALUE, code=NUMBERISH)
def test_officer_login_any_values(app, client, username, password, code):
    reset_limits(app)
    token = csrf_token(client, "/officer/login")
    data = {"csrf_token": token, "username": username, "password": password, "code": code}
    response = client.post("/officer/login", data=data)
    assert response.status_code in (400, 401), response.status_code
    assert client.get("/officer/queue").status_code == 302
