"""Crash durability under load: `tipline serve` is SIGKILLed three times while residents submit tips.

What the test throws at the system, and what it must answer:

- 1,000 tips from 6 concurrent browser-like clients through the real form (GET /tip for the CSRF token and
  cookie, POST multipart/form-data; every tenth with a JPEG photo), plus 60 signed SMS deliveries from 60
  numbers, against gunicorn on 127.0.0.1 (a SQLite file, or a fresh PostgreSQL database created for the run
  when TEST_DATABASE_URL is set).
- SIGKILL of the whole process group (master and workers) at three random moments, then a restart; clients
  retry on connection errors, as a browser user or the SMS gateway would: a browser sends the same form again
  (its one-time id too), so a tip stored just before a crash is answered on the resend.
- It must answer: no 5xx ever; each web tip is stored exactly once, and the receipt code a client was shown
  (first time, or on the resend of a form whose answer the crash cut off) opens its own tip on /follow-up;
  every tip in the database has its receipt row, every attachment row its file (nothing half-written); each
  SMS delivery, however often retried, made exactly one tip and replays the same reply; the server's logs hold
  no client address, user agent, phone number, receipt or tip text.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO

import pytest
import requests
from cryptography.fernet import Fernet, MultiFernet
from PIL import Image
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

from tests.load.harness import (
    FORWARDED_FOR,
    RECEIPT_RE,
    RETRYABLE,
    SMS_RECEIPT_RE,
    USER_AGENT,
    Database,
    Server,
    browser,
    open_follow_up,
    post_tip,
    tip_form,
)

pytestmark = [pytest.mark.load, pytest.mark.slow]

WEB_TIPS = 1000
CLIENTS = 6
PHOTO_EVERY = 10
SMS_DELIVERIES = 60
KILLS = 3
DEADLINE_SECONDS = 240  # a safety net: the run takes about two minutes


@dataclass
class Ledger:
    """What the clients saw: receipts shown, SMS replies, retries and any unexpected answer."""

    receipts: dict[str, str] = field(default_factory=dict)  # marker -> receipt shown
    photos: set[str] = field(default_factory=set)  # markers sent with a photo
    sms_replies: dict[str, str] = field(default_factory=dict)  # MessageSid -> first reply
    sms_params: dict[str, dict] = field(default_factory=dict)
    retries: int = 0
    resent: int = 0  # tip forms sent again after a cut-off answer
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def done(self) -> int:
        """Tips whose receipt was shown."""
        return len(self.receipts)


def _photo() -> bytes:
    """A small JPEG."""
    out = BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


def _retry(ledger: Ledger, deadline: float, attempt):
    """Run attempt() until it answers, retrying connection errors (server down) with a short back-off."""
    for n in itertools.count():
        if time.monotonic() > deadline:
            raise TimeoutError("load test deadline passed")
        try:
            return attempt()
        except RETRYABLE:
            with ledger.lock:
                ledger.retries += 1
            time.sleep(min(0.1 * 2**n, 1.0))


def _send(server: Server, session, form: dict, body: str, photo: bytes | None, sent: list) -> requests.Response:
    """Send the tip form (again: the same one-time id), noting each attempt."""
    sent.append(1)
    return post_tip(session, server.base, form, body, photo)


def _web_client(server: Server, ledger: Ledger, jobs: list[int], run: str, deadline: float) -> None:
    """One browser submitting its share of the tips."""
    session, photo = browser(), _photo()
    for i in jobs:
        marker = f"LOADTIP-{run}-{i:04d}"
        body = f"{marker}: a grey van without plates waits by the pumping station every night around 2 am."
        with_photo = i % PHOTO_EVERY == 0
        form, sent = _retry(ledger, deadline, lambda: tip_form(session, server.base)), []
        response = _retry(  # a lost answer: the browser sends the same form again
            ledger, deadline, lambda f=form, b=body, p=with_photo, n=sent: _send(server, session, f, b, p and photo, n)
        )
        match = RECEIPT_RE.search(response.text)
        with ledger.lock:
            if response.status_code != 200 or not match:
                ledger.errors.append(f"tip {i}: HTTP {response.status_code}, {'a' if match else 'no'} code shown")
                continue
            ledger.receipts[marker] = match.group(1)
            ledger.resent += len(sent) > 1
            if with_photo:
                ledger.photos.add(marker)


def _deliver(server: Server, params: dict) -> requests.Response:
    """Post one signed delivery as the gateway does."""
    url = server.base + "/sms/twilio"
    signature = RequestValidator(server.keys["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)


def _sms_client(server: Server, ledger: Ledger, jobs: list[int], run: str, deadline: float) -> None:
    """The gateway delivering texts from distinct numbers, retrying until it gets an answer."""
    for j in jobs:
        params = {
            "MessageSid": f"SM{run}{j:026d}"[:34],
            "AccountSid": "AC00000000000000000000000000000000",
            "From": f"+1520555{j:04d}",
            "To": "+15005550006",
            "Body": f"LOADSMS-{run}-{j:04d} two trucks unload boxes at the old customs shed after midnight",
            "NumMedia": "0",
        }
        response = _retry(ledger, deadline, lambda p=params: _deliver(server, p))
        with ledger.lock:
            ledger.sms_params[params["MessageSid"]] = params
            if response.status_code != 200:
                ledger.errors.append(f"sms {j}: HTTP {response.status_code}")
                continue
            ledger.sms_replies[params["MessageSid"]] = response.text
        time.sleep(0.3)  # spread the texts over the whole run


def _killer(server: Server, ledger: Ledger, rng: random.Random, deadline: float) -> list[int]:
    """SIGKILL the server at three random points of the run, restarting it each time."""
    thresholds = sorted(rng.sample(range(WEB_TIPS // 10, WEB_TIPS * 8 // 10), KILLS))
    for threshold in thresholds:
        while ledger.done() < threshold and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.2))  # land inside a request, not between two
        server.kill()
        server.start()
    return thresholds


def _verify_receipts(server: Server, ledger: Ledger, items: list[tuple[str, str]]) -> list[str]:
    """Open every shown receipt on /follow-up; return the markers that did not open their own tip."""
    session, missing = browser(), []
    for marker, receipt in items:
        page = open_follow_up(session, server.base, receipt)
        if page.status_code != 200 or marker not in page.text:
            missing.append(f"{marker}: HTTP {page.status_code}")
    return missing


def _db_checks(server: Server) -> dict:
    """Count what the database holds and find anything half-written."""
    fernet = MultiFernet([Fernet(server.keys["DATA_ENCRYPTION_KEYS"])])
    engine = create_engine(server.database.url)
    with engine.connect() as conn:
        tips = conn.execute(text("SELECT id, channel, text FROM tips")).all()
        no_receipt = conn.execute(
            text("SELECT t.id FROM tips t LEFT JOIN receipts r ON r.tip_id = t.id WHERE r.id IS NULL")
        ).all()
        attachments = conn.execute(text("SELECT tip_id, storage_key FROM attachments")).all()
        inbound = conn.execute(text("SELECT message_sid, tip_id, answered_at FROM inbound_messages")).all()
    engine.dispose()
    clear = {row.id: fernet.decrypt(bytes(row.text)).decode() for row in tips}
    stored = {p.name for p in server.attachments.glob("*")} if server.attachments.exists() else set()
    return {
        "tips": tips,
        "text": clear,
        "no_receipt": no_receipt,
        "files_missing": [a.storage_key for a in attachments if a.storage_key not in stored],
        "with_attachment": {a.tip_id for a in attachments},
        "orphan_files": stored - {a.storage_key for a in attachments},
        "inbound": inbound,
    }


def _assert_logs_private(server: Server, ledger: Ledger) -> None:
    """The server's stderr (gunicorn's JSON and access logs across every start) leaks nothing personal."""
    log = server.stderr_path.read_text(errors="replace")
    assert "gunicorn.access" in log and "/tip" in log, "the access log was not captured"
    forbidden = [FORWARDED_FOR, USER_AGENT, "LOADTIP-", "LOADSMS-", "+1520555", "520555"]
    forbidden += [r.replace(" ", "") for r in list(ledger.receipts.values())[:50]]
    assert [f for f in forbidden if f in log] == []


def test_no_tip_is_lost_or_half_written_when_the_server_is_killed_three_times(tmp_path):
    """1,000 web tips and 60 texts across three SIGKILLs: every shown receipt opens its tip, nothing is half-written."""
    rng = random.Random()
    run = f"{rng.randrange(16**6):06x}"
    database = Database.create(tmp_path)
    server = Server(tmp_path, database)
    started = time.monotonic()
    deadline = started + DEADLINE_SECONDS
    ledger = Ledger()
    try:
        server.prepare()
        server.start()
        with ThreadPoolExecutor(CLIENTS + 3) as pool:
            web = [pool.submit(_web_client, server, ledger, list(range(c, WEB_TIPS, CLIENTS)), run, deadline)
                   for c in range(CLIENTS)]  # fmt: skip
            sms = [pool.submit(_sms_client, server, ledger, list(range(c, SMS_DELIVERIES, 2)), run, deadline)
                   for c in range(2)]  # fmt: skip
            killer = pool.submit(_killer, server, ledger, rng, deadline)
            thresholds = killer.result()
            for future in web + sms:
                future.result()
        assert ledger.errors == []
        assert server.starts == KILLS + 1

        # The gateway retries every delivery once more after the crashes: the same reply, nothing new.
        for sid, params in ledger.sms_params.items():
            assert _deliver(server, params).text == ledger.sms_replies[sid], sid

        shown = list(ledger.receipts.items())
        sms_receipts = []
        for sid, reply in ledger.sms_replies.items():
            match = SMS_RECEIPT_RE.search(reply)
            assert match, f"delivery {sid} was answered without its receipt: {reply!r}"
            sms_receipts.append((ledger.sms_params[sid]["Body"].split(" ")[0], match.group(1)))
        with ThreadPoolExecutor(CLIENTS) as pool:
            chunks = [(shown + sms_receipts)[c::CLIENTS] for c in range(CLIENTS)]
            results = pool.map(lambda chunk: _verify_receipts(server, ledger, chunk), chunks)
            missing = [marker for result in results for marker in result]
        assert missing == [], missing[:10]
        server.kill()

        found = _db_checks(server)
        markers = {t.split(":")[0].split(" ")[0]: tip_id for tip_id, t in found["text"].items()}
        web_tips = [t for t in found["tips"] if t.channel == "web"]
        sms_tips = [t for t in found["tips"] if t.channel == "sms"]
        assert len(ledger.receipts) == WEB_TIPS
        assert found["no_receipt"] == [], "tips without their receipt row"
        assert found["files_missing"] == [], "attachment rows without their file"
        assert len(web_tips) == WEB_TIPS  # a form resent after a cut-off answer got its code, not a second tip
        assert all(markers[m] in found["with_attachment"] for m in ledger.photos), "a photo went missing"
        assert len(sms_tips) == SMS_DELIVERIES, "each delivery makes exactly one tip"
        assert sorted(r.message_sid for r in found["inbound"]) == sorted(ledger.sms_params)
        assert all(r.tip_id is not None and r.answered_at is not None for r in found["inbound"])
        _assert_logs_private(server, ledger)
        elapsed = time.monotonic() - started
        print(
            f"\nload: {len(ledger.receipts)} web tips + {len(ledger.sms_replies)} texts, {KILLS} SIGKILLs after "
            f"{thresholds} receipts, {ledger.retries} retried requests, {len(shown) + len(sms_receipts)} receipts "
            f"verified, {len(web_tips)} web tips stored, {ledger.resent} forms sent again, "
            f"{len(found['orphan_files'])} orphan files, {elapsed:.0f} s ({make_db_name(database)})"
        )
    finally:
        server.kill()
        database.drop()


def make_db_name(database: Database) -> str:
    """postgresql or sqlite, for the summary line."""
    return database.url.split(":", 1)[0]
