"""Real-browser fixtures: the site served on 127.0.0.1 by a live server, driven by Debian's chromium."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


def pytest_collection_modifyitems(items):
    """Every test here is a real-browser test; they need Debian's chromium (CI installs it)."""
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason="Debian chromium is not installed (apt-get install chromium)"))


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """pytest-playwright launches Debian's chromium instead of a downloaded browser."""
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """A separate application on a file database (threads share it), schema from the migrations."""
    from flask_migrate import upgrade

    from tipline import create_app
    from tipline.config import TestConfig
    from tipline.services import deployment

    folder = tmp_path_factory.mktemp("live")
    os.environ["TIPLINE_INSTANCE"] = str(folder)
    # Always a SQLite file of its own: the PostgreSQL database belongs to the session's `app` fixture.
    live_config = type("LiveConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite'}"})
    app = create_app(live_config)
    app.config["ATTACHMENT_DIR"] = str(folder / "attachments")
    with app.app_context():
        upgrade(revision="heads")
        deployment.load(deployment.read(deployment.DEMO_FILE))
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """The site served on 127.0.0.1 on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def requests_seen(page):
    """Every URL the browser asked for during the test."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen
