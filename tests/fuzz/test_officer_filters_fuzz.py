"""Fuzzing every query parameter of the officers' GET pages that take filters, with hypothesis.

What each test throws at the system, and what it must answer:

- test_queue_filters_never_fail: the queue as a liaison supervisor, an agency officer and the oversight body,
  with random view, status, category, language, credibility, dates (the last day of the calendar, year 1, 30
  February), closed flag, keyset cursor (huge and negative ids, NaN, 1e308) and lang → 200, or 400 with the
  queue page and a message (400 without it for a NUL character); never a 500.
- test_audit_filters_never_fail: the audit log as the oversight body, with random tip ids, page numbers
  (huge, negative, "²", NaN) and lang → 200 (400 for a NUL character); never a 500.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.strategies import FUZZ, NUMBERISH, TEXT
from tests.helpers import login, make_officer, submit_tip

DATES = st.one_of(
    NUMBERISH,
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.sampled_from(["9999-12-31", "0001-01-01", "2024-02-30", "2999-12-31", "1900-01-01"]),
)
CURSORS = st.one_of(
    TEXT,
    st.tuples(NUMBERISH, st.integers(-(10**30), 10**30)).map(lambda t: f"{t[0]}_{t[1]}"),
    st.sampled_from(["1e308_99999999999999999999", "nan_1", "inf_1", "-inf_-1", "0.5_9223372036854775808", "_"]),
)
LANG = st.one_of(TEXT, st.sampled_from(["es", "ar", "ht", "fr", "xx"]))
QUEUE_FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "view": st.one_of(TEXT, st.sampled_from(["intake", "mine", "overdue", "routed", "agency"])),
        "status": TEXT,
        "category": TEXT,
        "language": TEXT,
        "min_credibility": NUMBERISH,
        "since": DATES,
        "until": DATES,
        "include_closed": TEXT,
        "after": CURSORS,
        "lang": LANG,
    },
)
OFFICERS = [
    ("fuzz.desk", "supervisor", "liaison"),
    ("fuzz.rvpd", "officer", "rvpd"),
    ("fuzz.ov", "oversight", "oversight"),
]


def _has_nul(params: dict) -> bool:
    """True when a value holds a NUL character, which every page refuses with 400."""
    return any("\x00" in value for value in params.values())


def _officer_client(app, username: str, role: str, agency: str):
    """A logged-in client of this role, with two tips in the database to list."""
    client = app.test_client()
    for i in range(2):
        submit_tip(client, text=f"Two men unload boxes from a boat near the pump station at dawn ({i}).")
    assert login(client, make_officer(app, username, role, agency)).status_code == 302
    return client


@pytest.fixture(params=OFFICERS, ids=[o[0] for o in OFFICERS])
def queue_client(app, request):
    """A liaison supervisor, an agency's officer or the oversight body's reviewer."""
    return _officer_client(app, *request.param)


@FUZZ
@given(filters=QUEUE_FILTERS)
@example(filters={"until": "9999-12-31"})
@example(filters={"after": "1e308_99999999999999999999"})
def test_queue_filters_never_fail(queue_client, filters):
    response = queue_client.get("/officer/queue", query_string=filters)
    assert response.status_code in (200, 400), (filters, response.status_code)
    if not _has_nul(filters):  # a NUL character is refused before any page (400)
        assert 'class="filters"' in response.get_data(as_text=True)  # the queue, with what was wrong marked on it


@pytest.fixture
def oversight_client(app):
    """The oversight body's reviewer, who reads the whole audit log."""
    return _officer_client(app, "fuzz.audit", "oversight", "oversight")


@FUZZ
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "tip": st.one_of(TEXT, st.from_regex(r"[A-Z0-9]{4,12}", fullmatch=True)),
            "page": st.one_of(NUMBERISH, st.sampled_from(["²", "0", "-1", str(10**30), "999999"])),
            "lang": LANG,
        },
    )
)
def test_audit_filters_never_fail(oversight_client, params):
    response = oversight_client.get("/officer/audit", query_string=params)
    assert response.status_code in (200, 400), (params, response.status_code)
    if response.status_code == 400 and not _has_nul(params):  # a filter refused: the log's page says which
        assert 'class="filters"' in response.get_data(as_text=True)
