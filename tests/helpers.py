"""Helpers that act as a resident's browser would: load the form, keep its CSRF token, post."""

from __future__ import annotations

import re

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECEIPT_RE = re.compile(r'id="receipt-code">([0-9 ]+)<')
STATUS_RE = re.compile(r'id="tip-status">([^<]+)<')


def csrf_token(client, url: str) -> str:
    """Load a page as a browser would and return the form's CSRF token."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def submit_tip(client, lang: str = "en", **fields) -> str:
    """Send a tip through the real form and return the receipt code shown to the sender."""
    data = {"text": "A white van without plates waits at the old bridge every night around 2 am."} | fields
    data["csrf_token"] = csrf_token(client, f"/tip?lang={lang}")
    response = client.post(f"/tip?lang={lang}", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    return RECEIPT_RE.search(response.get_data(as_text=True)).group(1)


def follow_up(client, receipt: str, lang: str = "en"):
    """Open a tip on the follow-up page with its receipt code."""
    token = csrf_token(client, f"/follow-up?lang={lang}")
    return client.post(f"/follow-up?lang={lang}", data={"receipt": receipt, "csrf_token": token})
