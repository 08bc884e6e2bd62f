"""A real browser loads a published transparency month, right-to-left in Arabic, with figures that respect the
small-count rule, and requests nothing from any other host.

Thrown at it: a month of nine tips, one of them by SMS (a count of 1 that must show as "<5", and its
complement hidden so the total does not reveal it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest


@pytest.fixture
def published_month(live_app):
    """Nine old tips in one month, aggregated as the background task would; returns the month."""
    from tipline.extensions import db
    from tipline.models import Tip
    from tipline.services import aggregates, transparency

    old = datetime.now(UTC).replace(day=1, hour=12) - timedelta(days=100)
    with live_app.app_context():
        for i in range(9):
            db.session.add(
                Tip(public_id=f"E{i:08d}", channel="web" if i else "sms", language="en", ui_language="en",
                    text="x" * 20, status_code="received", created_at=old)
            )  # fmt: skip
        db.session.commit()
        transparency.refresh([aggregates.period_of(old)])
    return aggregates.period_of(old)


def test_transparency_page_shows_suppressed_figures_and_loads_nothing_from_another_host(
    page, live_server, published_month, requests_seen
):
    response = page.goto(f"{live_server}/transparency/{published_month}?lang=ar")
    assert response.status == 200
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("svg title").count() >= 1
    assert page.locator("table").count() >= 1
    assert "<5" in page.inner_text("main")
    hosts = {urlsplit(url).netloc for url in requests_seen if not url.startswith("data:")}
    assert hosts == {urlsplit(live_server).netloc}
