"""The README's demo command: `tipline demo` prepares a fresh instance and serves the site on 127.0.0.1.

Thrown at it: a brand-new instance folder (no keys, no database), then the same command a second time (the
deployment, officers and example tips are loaded once, not twice).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.helpers import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _run_demo(env: dict, port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tipline.cli", "demo", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def _wait(base: str, proc: subprocess.Popen, log: Path) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise AssertionError(log.read_text()[-3000:])
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the demo did not answer: " + log.read_text()[-3000:])


def test_demo_serves_the_site_and_its_printed_officers_can_log_in(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
    env.update(TIPLINE_INSTANCE=str(tmp_path), PYTHONUNBUFFERED="1")
    for attempt in (1, 2):
        port, log = free_port(), tmp_path / f"demo-{attempt}.log"
        proc = _run_demo(env, port, log)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base, proc, log)
            output = log.read_text()
            assert f"Resident site:  {base}/" in output
            assert "Enviar información" in httpx.get(base + "/?lang=es", timeout=10).text  # catalogs were built
            event = re.search(r'href="/events/(\d+)"', httpx.get(base + "/events", timeout=10).text).group(1)
            ics = httpx.get(f"{base}/events/{event}.ics", timeout=10).text
            assert f"URL:{base}/events/{event}" in ics  # calendar files point at the address the demo serves
            secret = re.search(r"liaison\.garcia\s+officer\s+password (\S+)\s+TOTP secret (\S+)", output)
            with httpx.Client(base_url=base, timeout=30) as client:
                token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/officer/login").text)
                step = int(time.time()) // 30 + attempt - 1  # an authenticator code logs in once
                code = pyotp.TOTP(secret.group(2)).generate_otp(step)
                data = {"username": "liaison.garcia", "password": secret.group(1),
                        "code": code, "csrf_token": token.group(1)}  # fmt: skip
                assert client.post("/officer/login", data=data).status_code == 302
                queue = client.get("/officer/queue").text
                assert len(re.findall(r'href="/officer/tips/(\w+)"', queue)) == 4  # the example tips, once
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
