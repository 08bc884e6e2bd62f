"""The officers' workspace: a queue that says how many tips it holds, shows urgency and sorts on request; an audit
log with readable fields and filters that refuse bad values with a message, never an error page."""

from __future__ import annotations

import re

import pytest

from tests.helpers import login, make_officer, submit_tip

TEXTS = [
    "A white van without plates waits at the old bridge every night around 2 am, first.",
    "Two men carry boxes from a boat to a truck near the river landing at night, second.",
    "A grey car circles the school at closing time and films the children, third.",
]


@pytest.fixture
def desk(app, client):
    officer = make_officer(app, "desk.queue", "admin", "liaison")
    for text in TEXTS:
        submit_tip(client, text=text)
    assert login(client, officer).status_code == 302
    return officer


def _ids(page: str) -> list[str]:
    return re.findall(r'href="/officer/tips/(\w+)"', page)


def test_queue_counts_its_tips_and_shows_urgency(client, desk):
    page = client.get("/officer/queue").get_data(as_text=True)
    assert re.search(r'id="queue-count"[^>]*>[^<]*\b3\b', page), "the queue says how many tips match"
    assert ">Urgency</th>" in page


def test_queue_sorts_newest_or_oldest_first_on_request(client, desk):
    newest = _ids(client.get("/officer/queue", query_string={"sort": "newest"}).get_data(as_text=True))
    oldest = _ids(client.get("/officer/queue", query_string={"sort": "oldest"}).get_data(as_text=True))
    assert len(newest) == 3 and newest == oldest[::-1]


def test_queue_refuses_an_unknown_sort_with_a_message(client, desk):
    response = client.get("/officer/queue", query_string={"sort": "<script>"})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)


def _rows(page: str) -> str:
    return page.split("<tbody>")[1].split("</tbody>")[0]


def test_audit_log_filters_by_action_person_tip_and_date(app, client, desk):
    from tests.helpers import post_action, tip_by_text

    tip_id = tip_by_text(app, "first.")
    post_action(client, tip_id, "verify", outcome="verified", note="checked")
    rows = _rows(client.get("/officer/audit", query_string={"action": "tip.verify"}).get_data(as_text=True))
    assert rows.count("<tr") == 1 and "Verification saved" in rows
    rows = _rows(client.get("/officer/audit", query_string={"person": "desk.queue", "tip": tip_id}).get_data(True))
    assert "Verification saved" in rows and "Logged in" not in rows
    rows = _rows(client.get("/officer/audit", query_string={"until": "2000-01-01"}).get_data(as_text=True))
    assert "<tr" not in rows


def test_audit_log_shows_details_as_labelled_fields(app, client, desk):
    from tests.helpers import post_action, tip_by_text

    post_action(client, tip_by_text(app, "second."), "verify", outcome="verified")
    rows = _rows(client.get("/officer/audit", query_string={"action": "tip.verify"}).get_data(as_text=True))
    assert re.search(r"<dt>outcome</dt>\s*<dd[^>]*>verified</dd>", rows), rows
    assert "{&#34;" not in rows and '{"' not in rows  # no raw JSON


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2026-13-45"},
        {"action": "drop table"},
        {"tip": "../../x"},
        {"since": "2026-02-02", "until": "2026-01-01"},
    ],
)
def test_audit_log_refuses_a_bad_filter_with_a_message_not_an_error_page(client, desk, query):
    response = client.get("/officer/audit", query_string=query)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
