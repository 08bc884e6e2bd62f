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
