"""`tipline bench scale`: the officer queue and the public statistics at 10,000 tips and at N tips."""

from __future__ import annotations

import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

LANGS = ("en", "es", "fr", "ar", "ht")
CHANNELS = ("web", "sms")
CHUNK = 5000


def _synthetic_rows(start_id: int, count: int, categories: list[str], rng: random.Random):
    """Synthetic tips (benchmark data only, never training data), spread over the last 24 months."""
    from tipline.services import queue

    now = datetime.now(UTC)
    body = "synthetic benchmark tip"  # encrypted by the column type, like every tip
    tips, holders = [], []
    for i in range(start_id, start_id + count):
        created = now - timedelta(minutes=rng.randrange(60, 24 * 30 * 24 * 60))
        closed = created + timedelta(hours=rng.randrange(1, 400)) if rng.random() < 0.7 else None
        tips.append(
            {
                "id": i,
                "public_id": f"B{i:09d}",
                "channel": rng.choice(CHANNELS),
                "language": rng.choice(LANGS),
                "ui_language": "en",
                "text": body,
                "category_code": rng.choice(categories),
                "status_code": "closed" if closed else "received",
                "triage_state": "done",
                "queue_state": "liaison" if rng.random() < 0.3 else "routed",
                "priority_key": queue.priority_key(rng.random(), created),
                "routing": {},
                "category_confirmed": False,
                "created_at": created,
                "updated_at": created,
                "closed_at": closed,
                "first_response_at": created + timedelta(hours=rng.randrange(1, 72)) if closed else None,
            }
        )
        holders.append(
            {
                "tip_id": i,
                "agency_code": "liaison",
                "role": "liaison",
                "reason": None,  # as casework stores a holding given without a reason
                "active": True,
                "created_at": created,
                "priority_key": tips[-1]["priority_key"],
                "open": closed is None,
                "intake": tips[-1]["queue_state"] == "liaison",
            }
        )
    return tips, holders


def load(n: int, echo) -> float:
    """Bulk-insert synthetic tips up to n in total (core INSERTs in chunks, text still encrypted); returns seconds."""
    from tipline.extensions import db
    from tipline.models import Assignment, Category, Tip

    have = db.session.scalar(select(func.count(Tip.id))) or 0
    start = (db.session.scalar(select(func.max(Tip.id))) or 0) + 1
    categories = list(db.session.scalars(select(Category.code).where(~Category.oversight)))
    rng = random.Random(start)
    t0 = time.perf_counter()
    for offset in range(0, max(n - have, 0), CHUNK):
        count = min(CHUNK, n - have - offset)
        tips, holders = _synthetic_rows(start + offset, count, categories, rng)
        db.session.execute(insert(Tip.__table__), tips)
        db.session.execute(insert(Assignment.__table__), holders)
        db.session.commit()
        if (offset // CHUNK) % 20 == 19:
            echo(f"  loaded {have + offset + count:,} tips")
    return time.perf_counter() - t0


def _p50(client, url: str, repeat: int) -> float:
    """Median milliseconds of GET url (after one warm-up request)."""
    url = client.get(url).headers.get("Location", url)  # /transparency/ redirects to the latest month
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, url
    return statistics.median(times)


def _logged_in(app, creds):
    """A test client logged in through the real form (password and TOTP)."""
    import re

    import pyotp

    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/officer/login").text).group(1)
    data = {"username": creds.username, "password": creds.password, "code": pyotp.TOTP(creds.totp_secret).now()}
    response = client.post("/officer/login", data=data | {"csrf_token": token})
    assert response.status_code == 302, (response.status_code, response.text[-1500:])
    return client


def measure(app, client, repeat: int) -> tuple[float, float, float]:
    """Refresh the public aggregates, then time the liaison queue page and the transparency page."""
    from tipline.services import transparency

    with app.app_context():
        t0 = time.perf_counter()
        transparency.refresh(transparency.changed_periods(None))  # every month, as on a first run
        refresh_s = time.perf_counter() - t0
    return _p50(client, "/officer/queue", repeat), _p50(client, "/transparency/", repeat), refresh_s


def run(n: int, repeat: int, database_url: str | None, echo) -> tuple[float, float, float]:
    """Load 10,000 then n tips, measuring at both sizes; returns (queue p50, stats p50, growth) at n."""
    with tempfile.TemporaryDirectory(prefix="tipline-scale-") as tmp:  # its database and key files go with it
        return _run(Path(tmp), n, repeat, database_url, echo)


def _run(folder: Path, n: int, repeat: int, database_url: str | None, echo) -> tuple[float, float, float]:
    from flask_migrate import upgrade

    from tipline import create_app
    from tipline.services import deployment, users

    os.environ["TIPLINE_INSTANCE"] = str(folder)
    url = database_url or f"sqlite:///{folder / 'scale.sqlite'}"
    os.environ["DATABASE_URL"] = url
    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
        deployment.load(deployment.read(deployment.DEMO_FILE))
        creds = users.add("bench.desk", "officer", "liaison", password=secrets.token_urlsafe(12))
    client = _logged_in(app, creds)  # once (an authenticator code logs in once), outside any app context
    figures = {}
    for size in (10_000, n):
        echo(f"loading {size:,} synthetic tips into {url.split(':')[0]} …")
        with app.app_context():
            seconds = load(size, echo)
        queue_ms, stats_ms, refresh_s = measure(app, client, repeat)
        figures[size] = (queue_ms, stats_ms)
        echo(
            f"{size:>9,} tips: load {seconds:.1f} s, aggregates refresh {refresh_s:.1f} s, "
            f"queue p50 {queue_ms:.1f} ms, stats p50 {stats_ms:.1f} ms"
        )
    q0, s0 = figures[10_000]
    qn, sn = figures[n]
    return qn, sn, max(qn / q0, sn / s0)
