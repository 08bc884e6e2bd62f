"""A database outage under load: the test's own PostgreSQL cluster stops for five seconds while residents send tips.

What the test throws at the system, and what it must answer:

- A PostgreSQL cluster of the test's own (initdb on a free loopback port, run by a dedicated system user when the
  tests run as root) behind `tipline serve` (gunicorn, two workers) on 127.0.0.1; four browser-like clients send
  tips through the real form (GET /tip for the CSRF token and the form's one-time id, POST multipart/form-data).
- `pg_ctl stop -m fast` once a few receipts were shown (sessions in flight are cut), five seconds down, then
  `pg_ctl start`; a client whose tip is refused sends the form it got back, as a resident would, until accepted.
- It must answer: every 5xx is the site's own page, never gunicorn's or Werkzeug's; every refused tip comes back
  with the resident's text and says it was not received; every receipt shown opens its own tip afterwards; no tip
  is stored twice, and every stored tip was either shown its receipt or answered "already received" when sent
  again; the log names the outage without the server's address or a tip's text.
"""

from __future__ import annotations

import html
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import requests
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import create_engine, text

from tests.helpers import CSRF_RE, SUBMISSION_RE
from tests.load.harness import RECEIPT_RE, Cluster, Database, Server, browser, open_follow_up

pytestmark = [pytest.mark.load, pytest.mark.slow]

CLIENTS = 4
BEFORE, AFTER = 15, 15  # receipts shown before the outage, and after the restart, before the clients stop
OUTAGE_SECONDS = 5
LOAD_SECONDS = 30  # the bound of the load phase (set-up and checks come on top)


@dataclass
class Ledger:
    """What the clients saw."""

    receipts: dict[str, str] = field(default_factory=dict)  # marker -> receipt shown
    already: set[str] = field(default_factory=set)  # markers answered "already received" when sent again
    refused: int = 0  # 503 answers that handed the tip back
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, problem: str) -> None:
        """Record an answer the test does not accept."""
        with self.lock:
            self.problems.append(problem)


def _own_page(body: str) -> bool:
    """The site's own page (its header), not a server's bare error page."""
    return '<header class="site-header">' in body


def _send(session: requests.Session, server: Server, fields: dict) -> requests.Response:
    """Post the tip form as a browser does (multipart, the file input left empty)."""
    parts = {name: (None, value) for name, value in fields.items()}
    parts["attachments"] = ("", b"", "application/octet-stream")
    return session.post(server.base + "/tip", files=parts, timeout=30)


def _tip(session: requests.Session, server: Server, ledger: Ledger, marker: str, deadline: float) -> None:
    """One resident's tip: sent, and sent again from the page that comes back while it is refused."""
    body = f"{marker}: a trailer without lights parks behind the grain silo every night after 11 pm."
    page = session.get(server.base + "/tip", timeout=30).text
    fields = {"csrf_token": CSRF_RE.search(page).group(1), "submission": SUBMISSION_RE.search(page).group(1),
              "text": body, "category": "", "place": "Grain silo road", "lat": "", "lon": "", "when": ""}  # fmt: skip
    while time.monotonic() < deadline:
        response = _send(session, server, fields)
        answer = response.text
        if response.status_code == 200 and (receipt := RECEIPT_RE.search(answer)):
            with ledger.lock:
                ledger.receipts[marker] = receipt.group(1)
            return
        if response.status_code == 200 and 'id="already-received"' in answer:
            with ledger.lock:
                ledger.already.add(marker)
            return
        if response.status_code >= 500 and not _own_page(answer):
            ledger.note(f"{marker}: a bare {response.status_code} page")
            return
        if response.status_code != 503 or 'id="not-received"' not in answer:
            ledger.note(f"{marker}: HTTP {response.status_code}")
            return
        if html.escape(body, quote=False) not in answer or fields["submission"] not in answer:
            ledger.note(f"{marker}: refused without the text or the form's id")
            return
        with ledger.lock:
            ledger.refused += 1
        fields["csrf_token"] = CSRF_RE.search(answer).group(1)
        time.sleep(0.5)  # a resident reads the page, then sends again
    ledger.note(f"{marker}: still refused at the deadline")


def _client(server: Server, ledger: Ledger, name: str, stop: threading.Event, deadline: float) -> None:
    """A browser sending tips one after the other until told to stop."""
    session = browser()
    for n in range(10_000):
        if stop.is_set() or time.monotonic() > deadline:
            return
        try:
            _tip(session, server, ledger, f"DBDOWN-{name}-{n:04d}", deadline)
        except requests.RequestException as exc:  # gunicorn itself stays up: a dropped connection is a failure
            ledger.note(f"{name}-{n}: {type(exc).__name__}")
            return


def _outage(cluster: Cluster, ledger: Ledger, stop: threading.Event, deadline: float) -> float:
    """Stop PostgreSQL once BEFORE receipts were shown, start it again OUTAGE_SECONDS later, then let AFTER more
    receipts through and stop the clients; returns how long the database was down."""
    while len(ledger.receipts) < BEFORE and time.monotonic() < deadline:
        time.sleep(0.05)
    down = time.monotonic()
    cluster.stop("fast")
    time.sleep(OUTAGE_SECONDS)
    cluster.start()
    downtime = time.monotonic() - down
    after = len(ledger.receipts)
    while len(ledger.receipts) < after + AFTER and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    return downtime


def _stored(server: Server) -> dict[str, int]:
    """How many stored tips carry each marker."""
    fernet = MultiFernet([Fernet(server.keys["DATA_ENCRYPTION_KEYS"])])
    engine = create_engine(server.database.url)
    with engine.connect() as conn:
        texts = [fernet.decrypt(bytes(row.text)).decode() for row in conn.execute(text("SELECT text FROM tips"))]
    engine.dispose()
    counts: dict[str, int] = {}
    for body in texts:
        marker = body.split(":")[0]
        counts[marker] = counts.get(marker, 0) + 1
    return counts


@pytest.fixture
def cluster():
    """The test's own PostgreSQL cluster."""
    if not Cluster.available():
        pytest.skip("initdb and pg_ctl are not installed: this test stops and starts a PostgreSQL cluster of its own")
    cluster = Cluster.create()
    yield cluster
    cluster.destroy()


def test_a_database_outage_under_load_loses_no_text_and_stores_no_tip_twice(cluster, tmp_path, monkeypatch):
    """Five seconds without PostgreSQL while four residents send tips: refused tips come back with their text
    and are sent again, every receipt shown opens, no tip is stored twice, every 5xx is the site's own page."""
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    server = Server(tmp_path, Database(cluster.url))
    server.prepare()
    server.start()
    ledger, stop = Ledger(), threading.Event()
    started = time.monotonic()
    deadline = started + LOAD_SECONDS
    try:
        with ThreadPoolExecutor(CLIENTS + 1) as pool:
            clients = [pool.submit(_client, server, ledger, f"{random.randrange(16**4):04x}{c}", stop, deadline)
                       for c in range(CLIENTS)]  # fmt: skip
            downtime = pool.submit(_outage, cluster, ledger, stop, deadline).result()
            for future in clients:
                future.result()
        load_seconds = time.monotonic() - started
        assert ledger.problems == [], ledger.problems[:10]
        assert ledger.refused > 0, "the outage refused no tip: it did not happen under load"
        assert len(ledger.receipts) >= BEFORE + AFTER

        session = browser()
        unopened = [marker for marker, receipt in ledger.receipts.items()
                    if marker not in open_follow_up(session, server.base, receipt).text]  # fmt: skip
        assert unopened == []

        counts = _stored(server)
        assert {m: n for m, n in counts.items() if n > 1} == {}, "a tip was stored twice"
        assert set(counts) == set(ledger.receipts) | ledger.already, "a stored tip nobody was told about, or a lost one"

        log = server.stderr_path.read_text(errors="replace")
        outage_lines = [line for line in log.splitlines() if "database unreachable" in line]
        assert outage_lines, "the log does not say the database was unreachable"
        assert not [line for line in outage_lines if "127.0.0.1" in line or "sqlalche.me" in line]
        assert "DBDOWN-" not in log
        print(
            f"\ndatabase outage: {len(ledger.receipts)} receipts shown, {ledger.refused} refusals handed back, "
            f"{len(ledger.already)} answered 'already received' when sent again, down {downtime:.1f} s, "
            f"load {load_seconds:.1f} s"
        )
    finally:
        stop.set()
        server.kill()
