"""Background work on a real Celery worker against the local Redis (127.0.0.1:6379).

Thrown at it: a tip submitted on the web while a worker runs (triaged by the worker, not the web process); the
broker down at submission (the tip is still accepted, shown a receipt, and triaged later by the sweep); a worker
killed with SIGKILL while it holds tasks (they are delivered again after the visibility timeout and every tip
ends with exactly one triage result); sweeps while tasks wait in the broker (they queue nothing twice).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import redis as redis_client
import sqlalchemy as sa

from tests.helpers import free_port
from tests.load.harness import Redis
from tipline.config import TestConfig

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"  # a database of your own: TEST_REDIS_URL


def _redis_up() -> bool:
    url = urlsplit(REDIS)
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((url.hostname or "127.0.0.1", url.port or 6379)) == 0


@pytest.fixture
def deployment_env(tmp_path):
    """Environment of a deployment on a SQLite file, migrated and loaded, with a private Celery queue."""
    env = dict(os.environ)
    env.update(
        TIPLINE_INSTANCE=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'tipline.sqlite'}",
        SECRET_KEY="worker-test-secret",
        DATA_ENCRYPTION_KEYS=TestConfig.DATA_ENCRYPTION_KEYS,
        RECEIPT_INDEX_KEY="worker-test-index",
        SMS_NUMBER_KEY="worker-test-sms",
        ARGON2_MEMORY_KIB="1024",
        ARGON2_TIME_COST="1",
        CELERY_QUEUE=f"test-{uuid.uuid4().hex[:8]}",
        CELERY_VISIBILITY_TIMEOUT="4",
        CELERY_RESTORE_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    env.pop("TEST_DATABASE_URL", None)
    tipline = [sys.executable, "-m", "tipline.cli"]
    subprocess.run([*tipline, "db", "upgrade", "heads"], env=env, check=True, capture_output=True, cwd=ROOT)
    demo = str(ROOT / "tipline" / "demo" / "deployment.yaml")
    subprocess.run([*tipline, "deployment", "load", demo], env=env, check=True, capture_output=True, cwd=ROOT)
    return env


class Processes:
    """Subprocesses started by a test, killed at the end."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict, log: Path) -> subprocess.Popen:
        proc = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


@pytest.fixture
def procs():
    p = Processes()
    yield p
    p.stop_all()


def _serve(procs, env, tmp_path) -> str:
    port = free_port()
    procs.start(
        [sys.executable, "-m", "tipline.cli", "serve", "--port", str(port), "--workers", "1"],
        env,
        tmp_path / f"serve-{port}.log",
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/", timeout=1)
            return base
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError((tmp_path / f"serve-{port}.log").read_text())


def _worker(procs, env, tmp_path, name: str) -> subprocess.Popen:
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tipline.worker:celery",
        "worker",
        "--pool=solo",
        "-Q",
        env["CELERY_QUEUE"],
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        "-n",
        f"{name}@%h",
    ]
    return procs.start(args, env, tmp_path / f"{name}.log")


def _submit(base: str, text: str) -> str:
    with httpx.Client(base_url=base, timeout=30) as client:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/tip").text).group(1)
        page = client.post("/tip", data={"text": text, "csrf_token": token}).text
        return re.search(r'id="receipt-code">([0-9 ]+)<', page).group(1)


def _states(env) -> dict[str, int]:
    engine = sa.create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT triage_state, count(*) FROM tips GROUP BY triage_state")).all()
        results = conn.execute(sa.text("SELECT count(*), count(DISTINCT tip_id) FROM triage_results")).one()
    engine.dispose()
    return dict(rows) | {"results": results[0], "distinct": results[1]}


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.skipif(not _redis_up(), reason=f"no Redis at {REDIS}")
def test_a_web_tip_is_triaged_by_the_worker(procs, deployment_env, tmp_path):
    env = deployment_env | {"CELERY_BROKER_URL": REDIS}
    base = _serve(procs, env, tmp_path)
    receipt = _submit(base, "A white van without plates waits behind the pump station every night at 2 am.")
    assert len(receipt.replace(" ", "")) == 16
    assert _states(env).get("pending") == 1  # the web process only queued it
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:  # gunicorn logs who sent a bad header
        raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x01b\r\n\r\n")
        raw.recv(1024)
    log = (tmp_path / f"serve-{port}.log").read_text()
    assert "Invalid request from ip=[withheld]" in log and "ip=127.0.0.1" not in log
    _worker(procs, env, tmp_path, "w1")
    assert _wait_for(lambda: _states(env).get("done") == 1, 60), (tmp_path / "w1.log").read_text()[-3000:]


def test_broker_down_at_submission_keeps_the_tip_and_the_sweep_triages_it_later(procs, deployment_env, tmp_path):
    env = deployment_env | {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}
    base = _serve(procs, env, tmp_path)
    receipt = _submit(base, "Somebody sells pills behind the bus terminal every afternoon at four.")
    assert len(receipt.replace(" ", "")) == 16
    assert _states(env) == {"pending": 1, "results": 0, "distinct": 0}
    inline = {k: v for k, v in env.items() if k not in ("CELERY_BROKER_URL",)}
    out = subprocess.run(
        [sys.executable, "-m", "tipline.cli", "triage", "sweep"],
        env=inline,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "queued 1 of 1 pending tips" in out.stdout
    assert _states(env) == {"done": 1, "results": 1, "distinct": 1}


@pytest.mark.skipif(not _redis_up(), reason=f"no Redis at {REDIS}")
def test_a_worker_killed_mid_task_leaves_exactly_one_result_per_tip(procs, deployment_env, tmp_path):
    env = deployment_env | {"CELERY_BROKER_URL": REDIS}
    base = _serve(procs, env, tmp_path)
    for i in range(12):
        _submit(base, f"Report {i}: a grey pickup unloads crates at the quarry gate near the river at dawn.")
    first = _worker(procs, env, tmp_path, "doomed")
    assert _wait_for(lambda: "received" in (tmp_path / "doomed.log").read_text(), 30)
    os.killpg(first.pid, signal.SIGKILL)  # the task it holds was not acknowledged
    first.wait(10)
    states = _states(env)
    assert states.get("pending", 0) > 0
    _worker(procs, env, tmp_path, "second")
    assert _wait_for(lambda: _states(env).get("done") == 12, 90), (tmp_path / "second.log").read_text()[-3000:]
    assert _states(env) == {"done": 12, "results": 12, "distinct": 12}


def test_a_tip_whose_task_was_lost_is_triaged_when_a_worker_starts(procs, deployment_env, tmp_path):
    """No beat: a tip left pending (its task never reached the broker) is triaged once a worker starts, not after
    CELERY_VISIBILITY_TIMEOUT or an operator's `tipline triage sweep`."""
    redis = Redis(tmp_path)
    redis.start()
    try:
        base = _serve(procs, deployment_env | {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}, tmp_path)
        _submit(base, "Somebody sells pills behind the bus terminal every afternoon at four.")
        env = deployment_env | {"CELERY_BROKER_URL": redis.url()}
        assert _wait_for(lambda: _states(env).get("pending") == 1, 30)  # queued after the response, and failed
        _worker(procs, env, tmp_path, "w1")
        assert _wait_for(lambda: _states(env).get("done") == 1, 120), (tmp_path / "w1.log").read_text()[-3000:]
        assert _states(env) == {"done": 1, "results": 1, "distinct": 1}
    finally:
        redis.kill()


def test_sweeps_leave_alone_the_tips_whose_tasks_wait_in_the_broker(procs, deployment_env, tmp_path):
    """No worker yet: five tips wait in the broker's queue; two sweeps (beat's, an operator's) and a starting
    worker's add nothing to it, and the worker then triages each tip once."""
    server = Redis(tmp_path)
    server.start()
    try:
        env = deployment_env | {"CELERY_BROKER_URL": server.url(), "CELERY_VISIBILITY_TIMEOUT": "3600"}
        waiting = redis_client.Redis.from_url(server.url())
        base = _serve(procs, env, tmp_path)
        for i in range(5):
            _submit(base, f"Report {i}: a grey pickup unloads crates at the quarry gate near the river at dawn.")
        assert _wait_for(lambda: waiting.llen(env["CELERY_QUEUE"]) == 5, 30)  # published after each response
        for _ in range(2):
            out = subprocess.run(
                [sys.executable, "-m", "tipline.cli", "triage", "sweep"],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            assert "queued 0 of 0 pending tips; 5 queued less than 3600 s ago are left to the worker" in out.stdout
        assert waiting.llen(env["CELERY_QUEUE"]) == 5
        _worker(procs, env, tmp_path, "w1")
        assert _wait_for(lambda: _states(env).get("done") == 5, 120), (tmp_path / "w1.log").read_text()[-3000:]
        assert _states(env) == {"done": 5, "results": 5, "distinct": 5}
        log = (tmp_path / "w1.log").read_text()
        assert re.search(r"Task tipline\.sweep_triage\[[^\]]+\] succeeded in \S+: 0\n", log)  # its own sweep: none
        assert len(re.findall(r"Task tipline\.triage_tip\[[^\]]+\] received", log)) == 5
    finally:
        server.kill()
