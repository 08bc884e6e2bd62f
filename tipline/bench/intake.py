"""`tipline bench intake`: POST /tip throughput of the real app ÷ the bare baseline, both under gunicorn."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TEXT = "Benchmark tip: a white van without plates waits behind the pump station every night around 2 am."


@dataclass
class Run:
    """One server's figures: requests, seconds, throughput and server CPU per request."""

    name: str
    requests: int
    seconds: float
    cpu_seconds: float

    @property
    def rps(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per request (all gunicorn processes)."""
        return 1000 * self.cpu_seconds / self.requests


def _free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pgid: int) -> float:
    """User+system CPU of every process in a process group, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: process group
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _start(args: list[str], env: dict, base: str) -> subprocess.Popen:
    """Start a server in its own process group and wait until it answers."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        try:
            httpx.get(base + "/", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(f"server {' '.join(args)} did not start")


def _client_loop(base: str, count: int, with_csrf: bool, errors: list) -> None:
    """One client: (GET the form once for its CSRF token), then POST `count` tips."""
    with httpx.Client(base_url=base, timeout=60) as client:
        data = {"text": TEXT}
        if with_csrf:
            data["csrf_token"] = CSRF_RE.search(client.get("/tip").text).group(1)
        for _ in range(count):
            if with_csrf:  # as a browser that loaded the form: a one-time submission id per tip (a lookup each)
                data["submission"] = secrets.token_urlsafe(16)
            response = client.post("/tip", data=data)
            if response.status_code != 200:
                errors.append(response.status_code)


def _load(name: str, proc: subprocess.Popen, base: str, requests: int, clients: int, with_csrf: bool) -> Run:
    """Run the bounded load; measure wall time and the server group's CPU time."""
    _client_loop(base, 3, with_csrf, [])  # warm every code path once
    errors: list = []
    per_client = requests // clients
    threads = [
        threading.Thread(target=_client_loop, args=(base, per_client, with_csrf, errors)) for _ in range(clients)
    ]
    cpu0, t0 = _cpu_seconds(proc.pid), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds(proc.pid) - cpu0
    if errors:
        raise RuntimeError(f"{name}: {len(errors)} failed requests ({sorted(set(errors))})")
    return Run(name, per_client * clients, seconds, cpu)


def run(requests: int, clients: int, workers: int, broker: str | None, echo) -> float:
    """Measure the baseline and the app in the same run; returns the throughput ratio."""
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:  # its key files go with it
        return _run(Path(tmp), requests, clients, workers, broker, echo)


def _run(folder: Path, requests: int, clients: int, workers: int, broker: str | None, echo) -> float:
    env = dict(
        os.environ,
        TIPLINE_INSTANCE=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'tipline.sqlite'}",
        BASELINE_DATABASE_URL=f"sqlite:///{folder / 'baseline.sqlite'}",
        PYTHONUNBUFFERED="1",
        TIP_RATE_LIMIT="100000 per hour",  # every client of the bench shares 127.0.0.1
    )
    if broker:
        env.update(CELERY_BROKER_URL=broker, CELERY_QUEUE=f"bench-{os.getpid()}")
    else:
        env.pop("CELERY_BROKER_URL", None)
        env.pop("REDIS_URL", None)
    tipline = [sys.executable, "-m", "tipline.cli"]
    subprocess.run([*tipline, "db", "upgrade", "heads"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*tipline, "deployment", "load", str(Path(__file__).parents[1] / "demo" / "deployment.yaml")],
        env=env,
        check=True,
        capture_output=True,
    )
    results = []
    for name, args, csrf in (
        ("baseline", [sys.executable, "-m", "gunicorn", "-w", str(workers), "tipline.bench.baseline:app"], False),
        ("tipline", [*tipline, "serve", "--workers", str(workers), "--no-access-log"], True),
    ):
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        bind = ["-b", f"127.0.0.1:{port}"] if name == "baseline" else ["--port", str(port)]
        proc = _start(args + bind, env, base)
        try:
            results.append(_load(name, proc, base, requests, clients, csrf))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
    if broker and broker.startswith("redis"):
        import redis

        redis.Redis.from_url(broker).delete(env["CELERY_QUEUE"])  # no worker ran: drop the queued triage tasks
    for r in results:
        echo(
            f"{r.name:<9} {r.requests} POST /tip in {r.seconds:.2f} s: {r.rps:.1f} tips/s, "
            f"server CPU {r.cpu_ms:.1f} ms per tip"
        )
    return results[1].rps / results[0].rps
