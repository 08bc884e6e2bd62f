"""A real browser loads the transparency page and requests nothing from any other host."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture
def server(tmp_path):
    """The app on a temporary SQLite file, served on 127.0.0.1 in a thread, with one published month."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from tipline import create_app
    from tipline.config import TestConfig
    from tipline.extensions import db
    from tipline.models import Tip
    from tipline.services import aggregates, deployment, transparency

    app = create_app(TestConfig)
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'e2e.sqlite'}", TRIAGE_ENABLED=False)
    old = datetime.now(UTC).replace(day=1, hour=12) - timedelta(days=100)
    with app.app_context():
        db.engine.dispose()
        upgrade(revision="heads")
        deployment.load(deployment.read(deployment.DEMO_FILE))
        for i in range(9):
            db.session.add(Tip(public_id=f"E{i:08d}", channel="web" if i else "sms", language="en", ui_language="en",
                               text="x" * 20, status_code="received", created_at=old))  # fmt: skip
        db.session.commit()
        transparency.refresh([aggregates.period_of(old)])
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}", aggregates.period_of(old)
    srv.shutdown()


def test_transparency_page_loads_no_resource_from_another_host(server):
    from playwright.sync_api import sync_playwright

    base, period = server
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        response = page.goto(f"{base}/transparency/{period}?lang=ar")
        assert response.status == 200
        assert page.locator("svg title").count() >= 1
        assert page.locator("html").get_attribute("dir") == "rtl"
        browser.close()
    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(base).netloc}
