"""Intake while the services around it fail: `tipline serve` (3 workers) with the limiter's storage and the broker
on a Redis of the test's own, which it kills or freezes (SIGSTOP) under a bounded loopback load; and without a
broker, where triage runs in the web workers.

What it must answer: every POST /tip shows a receipt (or the form back with the text), never a 5xx; every
receipt shown opens its tip on /follow-up; no tip is stored twice or without its receipt being shown; a
resident never waits for the broker (a request during a freeze ends well within the issue's 5 s) or for triage
(the receipt page comes back before the tip's triage row exists).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, text

from tests.load.harness import RECEIPT_RE, Database, Redis, Server, browser, open_follow_up, post_tip, tip_form

pytestmark = [pytest.mark.load, pytest.mark.slow]

CLIENTS = 4
FREEZE_BOUND_SECONDS = 5  # the bound for a request while the broker is frozen (queuing is bounded to 1 s)


@dataclass
class Ledger:
    """What the clients saw: per POST the phase it was sent in, its status, how long it took and the receipt."""

    phase: str = "before"
    answers: list[tuple[str, int, float, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def in_phase(self, phase: str) -> list[tuple[str, int, float, str | None]]:
        """The answers to POSTs sent in one phase."""
        return [a for a in self.answers if a[0] == phase]


def _client(server: Server, ledger: Ledger, n: int) -> None:
    """One browser submitting tips until told to stop."""
    session = browser()
    for i in range(10_000):
        if ledger.stop.is_set():
            return
        phase, started = ledger.phase, time.monotonic()
        body = f"FAULTTIP-{n}-{i:04d}: a grey van without plates waits by the pumping station every night."
        response = post_tip(session, server.base, tip_form(session, server.base), body, None)
        match = RECEIPT_RE.search(response.text)
        form_back = response.status_code == 429 and body in response.text
        with ledger.lock:
            receipt = match.group(1) if match else ("form back" if form_back else None)
            ledger.answers.append((phase, response.status_code, time.monotonic() - started, receipt))


def _load(server: Server, ledger: Ledger, phases: list[tuple[str, float, object]]) -> None:
    """Run the clients through phases (name, seconds, what to do when it begins)."""
    with ThreadPoolExecutor(CLIENTS) as pool:
        clients = [pool.submit(_client, server, ledger, n) for n in range(CLIENTS)]
        for name, seconds, action in phases:
            if action is not None:
                action()
            ledger.phase = name
            time.sleep(seconds)
        ledger.stop.set()
        for future in clients:
            future.result()


def _stored(server: Server) -> dict:
    """Tips stored, tips without a receipt row, and triage rows per tip."""
    engine = create_engine(server.database.url)
    with engine.connect() as conn:
        tips = conn.execute(text("SELECT id, triage_state FROM tips ORDER BY id")).all()
        no_receipt = conn.execute(
            text("SELECT t.id FROM tips t LEFT JOIN receipts r ON r.tip_id = t.id WHERE r.id IS NULL")
        ).all()
        results = conn.execute(text("SELECT tip_id, count(*) FROM triage_results GROUP BY tip_id")).all()
    engine.dispose()
    return {"tips": dict(tips), "no_receipt": no_receipt, "results": dict(results)}


def _assert_every_receipt_shown_and_opens(server: Server, ledger: Ledger) -> None:
    """No 5xx, a receipt on every answer, each one opens its own tip, and the database holds exactly those tips."""
    assert [a for a in ledger.answers if a[1] >= 500] == []
    assert [a for a in ledger.answers if a[3] is None] == []
    receipts = [a[3] for a in ledger.answers if a[3] != "form back"]
    assert len(set(receipts)) == len(receipts)
    session = browser()
    unopened = [r for r in receipts if open_follow_up(session, server.base, r).status_code != 200]
    assert unopened == []
    stored = _stored(server)
    assert len(stored["tips"]) == len(receipts), "a tip was stored whose receipt was not shown"
    assert stored["no_receipt"] == []


@pytest.fixture
def redis(tmp_path):
    """The test's own Redis."""
    server = Redis(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def database(tmp_path):
    """A throw-away database (SQLite, or PostgreSQL next to TEST_DATABASE_URL)."""
    db = Database.create(tmp_path)
    yield db
    db.drop()


def _serve_on(redis: Redis, tmp_path, database: Database) -> Server:
    """`tipline serve` with three workers, the broker and the limiter's storage on the test's Redis."""
    extra = {
        "WEB_CONCURRENCY": "3",
        "CELERY_BROKER_URL": redis.url(0),
        "RATELIMIT_STORAGE_URI": redis.url(1),
        "CELERY_QUEUE": "faults",
    }
    server = Server(tmp_path, database, extra=extra)
    server.prepare()
    server.start()
    return server


def test_a_redis_outage_never_stops_intake(redis, tmp_path, database):
    """Redis (limiter storage and broker) killed mid-load, then back: every tip is accepted and shows its receipt."""
    server = _serve_on(redis, tmp_path, database)
    ledger = Ledger()
    try:
        _load(server, ledger, [("before", 3, None), ("outage", 6, redis.kill), ("back", 4, redis.start)])
        assert len(ledger.in_phase("outage")) >= CLIENTS  # residents were served while Redis was down
        _assert_every_receipt_shown_and_opens(server, ledger)
        log = server.stderr_path.read_text()
        assert log.count("falling back to in-memory storage") <= 3  # once per worker, not once per request
    finally:
        server.kill()


def test_a_frozen_broker_never_holds_a_resident(redis, tmp_path, database):
    """Redis frozen (SIGSTOP) mid-load for 8 s: every tip shows its receipt, none waits for the broker."""
    server = _serve_on(redis, tmp_path, database)
    ledger = Ledger()
    try:
        _load(server, ledger, [("before", 3, None), ("frozen", 8, redis.freeze), ("thawed", 3, redis.thaw)])
        frozen = ledger.in_phase("frozen")
        assert len(frozen) >= 2 * CLIENTS  # every client was answered more than once during the freeze
        assert max(seconds for _phase, _status, seconds, _receipt in frozen) < FREEZE_BOUND_SECONDS
        _assert_every_receipt_shown_and_opens(server, ledger)
    finally:
        redis.thaw()
        server.kill()


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_without_a_broker_a_tip_shows_its_receipt_before_triage_runs(tmp_path, database):
    """No broker: the first tip after each start is answered before it is triaged, and every tip is triaged once
    (also the one whose worker was killed before it got to it)."""
    extra = {"WEB_CONCURRENCY": "2", "TRIAGE_ENABLED": "1", "CELERY_BROKER_URL": "", "REDIS_URL": ""}
    server = Server(tmp_path, database, extra=extra)
    server.prepare()
    session = browser()
    try:
        for start in range(2):
            server.start()
            text_ = f"FIRSTTIP-{start}: a man sells pills at the bus stop."
            response = post_tip(session, server.base, tip_form(session, server.base), text_, None)
            stored = _stored(server)
            assert RECEIPT_RE.search(response.text), response.status_code
            newest = max(stored["tips"])
            assert stored["tips"][newest] == "pending" and newest not in stored["results"]
            server.kill()  # before triage: the in-process queue dies with the worker
        server.start()
        assert _wait_for(lambda: set(_stored(server)["tips"].values()) == {"done"}, 120), _stored(server)
        assert list(_stored(server)["results"].values()) == [1, 1]
    finally:
        server.kill()
