"""Hypothesis strategies for hostile input, and the invariants every fuzzed answer must keep."""

from __future__ import annotations

import io
import os
import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import func, select

from tests.helpers import follow_up
from tipline.extensions import db, limiter
from tipline.models import Attachment, Message, Tip

RECEIPT_RE = re.compile(r'id="receipt-code">([0-9 ]+)<')
SMS_RECEIPT_RE = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text a resident (or an attacker) could type: any Unicode, control characters, right-to-left marks, huge values.
ODD = ["\x00", "\u202e", "\ufeff", "\ufffd", "%00", "%ZZ", "%C3%28", "&", "=", "\r\n", "'; DROP TABLE tips; --"]
TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=10, max_size=400),
    st.sampled_from(ODD),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "é", "ب", "🚚", " ", "\u200f"]), st.integers(4990, 9000)),
)
NUMBERISH = st.one_of(
    TEXT,
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e309", "-0", "0x1F", "90.0000001", "", " "]),
)
# Bytes that are not valid UTF-8, and percent-escapes that decode to such bytes.
BAD_BYTES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf0\x28\x8c\x28", b"%FF%FE", b"%ZZ", b"%"]),
)


def receipt_opens_its_tip(client, response) -> bool:
    """If an answer shows a receipt code, that code opens a tip on /follow-up (nothing accepted and lost)."""
    match = RECEIPT_RE.search(response.get_data(as_text=True))
    if not match:
        return False
    opened = follow_up(client, match.group(1))
    assert opened.status_code == 200, "a receipt was shown but it opens nothing"
    assert 'id="tip-status"' in opened.get_data(as_text=True)
    return True


def counts(app) -> tuple[int, int, int]:
    """Tips, messages and attachments stored."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count(m.id))) for m in (Tip, Message, Attachment))


def reset_limits(app) -> None:
    """Forget rate-limit counters so every example reaches the view (429 is not what is being fuzzed)."""
    with app.app_context():
        limiter.reset()


def jpeg() -> bytes:
    """A small valid JPEG."""
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (20, 90, 200)).save(out, format="JPEG")
    return out.getvalue()


def png() -> bytes:
    """A small valid PNG."""
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 255, 128)).save(out, format="PNG")
    return out.getvalue()


def pdf() -> bytes:
    """A one-page PDF."""
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


VALID_FILES = {"jpeg": jpeg(), "png": png(), "pdf": pdf()}


@st.composite
def damaged_file(draw) -> bytes:
    """A valid JPEG, PNG or PDF truncated, with bytes flipped, or random bytes behind its magic number."""
    data = VALID_FILES[draw(st.sampled_from(sorted(VALID_FILES)))]
    how = draw(st.sampled_from(["truncate", "flip", "header", "random"]))
    if how == "truncate":
        return data[: draw(st.integers(1, len(data) - 1))]
    if how == "flip":
        pos = draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8))
        out = bytearray(data)
        for p in pos:
            out[p] ^= draw(st.integers(1, 255))
        return bytes(out)
    if how == "header":
        return data[: draw(st.integers(2, 16))] + draw(st.binary(max_size=200))
    return draw(st.binary(min_size=1, max_size=400))
