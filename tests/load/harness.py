"""Load-test harness: a `tipline serve` (gunicorn) subprocess on 127.0.0.1 that can be SIGKILLed and restarted, and
a PostgreSQL cluster of the test's own that can be stopped and started."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.helpers import free_port
from tipline import ROOT

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECEIPT_RE = re.compile(r'id="receipt-code">([0-9 ]+)<')
SMS_RECEIPT_RE = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")
# What a browser behind a proxy would carry: none of it may reach a log or the database.
USER_AGENT = "LoadProbeBrowser/9.9 (X11; Distinctive-UA-7f3a)"
FORWARDED_FOR = "198.51.100.23"
RETRYABLE = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.Timeout)
TIPLINE = [sys.executable, "-m", "tipline.cli"]  # this checkout's code, whatever `tipline` on the PATH runs
PG_USER = "tiplinepg"  # initdb refuses to run as root: a test's own cluster belongs to this system user


@dataclass
class Database:
    """A throw-away database: a SQLite file, or a fresh PostgreSQL database created next to TEST_DATABASE_URL's."""

    url: str
    admin_url: str | None = None

    @classmethod
    def create(cls, folder: Path) -> Database:
        """Create the database (never the shared `test` database of the other tests)."""
        base = os.environ.get("TEST_DATABASE_URL", "")
        if not base.startswith("postgresql"):
            return cls(f"sqlite:///{folder / 'load.sqlite'}")
        admin = make_url(base)
        name = f"tipline_load_{os.getpid()}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return cls(admin.set(database=name).render_as_string(hide_password=False), base)

    def drop(self) -> None:
        """Drop the PostgreSQL database again (the SQLite file goes with the temp folder)."""
        if not self.admin_url:
            return
        name = make_url(self.url).database
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()


@dataclass
class Cluster:
    """A PostgreSQL cluster of the test's own: initdb in a fresh folder, served on a free loopback port (no Unix
    socket elsewhere than its folder), run by PG_USER when the tests run as root; stop() and start() at will."""

    folder: Path
    port: int = field(default_factory=free_port)

    @staticmethod
    def available() -> bool:
        """Whether initdb and pg_ctl are installed."""
        return bool(shutil.which("initdb") and shutil.which("pg_ctl"))

    @classmethod
    def create(cls) -> Cluster:
        """initdb, start, and create the database `tipline` (trust authentication, loopback only)."""
        cluster = cls(Path(tempfile.mkdtemp(prefix="tipline-pg-")))  # pytest's temp folders are closed to PG_USER
        owner = cluster._owner()
        if owner:
            os.chown(cluster.folder, owner["user"], owner["group"])
        cluster._run("initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        cluster.start()
        engine = create_engine(cluster.url.replace("/tipline", "/postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CREATE DATABASE tipline"))
        engine.dispose()
        return cluster

    @property
    def data(self) -> Path:
        """The data directory."""
        return self.folder / "data"

    @property
    def url(self) -> str:
        """The database's SQLAlchemy URL."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/tipline"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every session at once (open transactions roll back), as an outage does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        """Stop the server if it runs, and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, *args: str, check: bool = True) -> None:
        subprocess.run(args, check=check, capture_output=True, cwd=self.folder, **self._owner())

    @staticmethod
    def _owner() -> dict:
        """Run as PG_USER (created if missing) when we are root; as ourselves otherwise."""
        if os.geteuid() != 0:
            return {}
        try:
            entry = pwd.getpwnam(PG_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER], check=True
            )
            entry = pwd.getpwnam(PG_USER)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


@dataclass
class Server:
    """`tipline serve` in its own process group, with the environment a deployment would give it."""

    folder: Path
    database: Database
    port: int = field(default_factory=free_port)
    keys: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None
    starts: int = 0
    extra: dict = field(default_factory=dict)  # settings of one test (a broker, the limiter's storage, triage on)

    def __post_init__(self) -> None:
        """Generate the deployment's keys (explicit, so the test can read the stored ciphertext)."""
        self.keys = {
            "SECRET_KEY": Fernet.generate_key().decode(),
            "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "RECEIPT_INDEX_KEY": Fernet.generate_key().decode(),
            "SMS_NUMBER_KEY": Fernet.generate_key().decode(),
            "TWILIO_AUTH_TOKEN": "load-test-twilio-token",
        }

    @property
    def base(self) -> str:
        """The site's address (also its PUBLIC_BASE_URL, which the SMS signature covers)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def stderr_path(self) -> Path:
        """Every start's stderr (gunicorn's JSON logs and access log), appended."""
        return self.folder / "server.stderr"

    @property
    def attachments(self) -> Path:
        """The attachment store."""
        return self.folder / "attachments"

    def env(self) -> dict:
        """The server's environment: temp instance, the database, low argon2 cost, no triage."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_DATABASE", "PYTEST"))}
        return (
            env
            | self.keys
            | {
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
                "TIPLINE_ENV": "development",
                "TIPLINE_INSTANCE": str(self.folder),
                "DATABASE_URL": self.database.url,
                "PUBLIC_BASE_URL": self.base,
                "ARGON2_MEMORY_KIB": "1024",
                "ARGON2_TIME_COST": "1",
                "TRIAGE_ENABLED": "0",
                "SMS_RATE_LIMIT": "1000 per hour",
                "TIP_RATE_LIMIT": "100000 per hour",
                "TWILIO_API_BASE": "http://127.0.0.1:9",
            }
            | self.extra
        )

    def prepare(self) -> None:
        """`tipline db upgrade heads` and `tipline deployment load` in the server's environment."""
        deployment = str(ROOT / "tipline" / "demo" / "deployment.yaml")
        for args in (["db", "upgrade", "heads"], ["deployment", "load", deployment]):
            subprocess.run([*TIPLINE, *args], env=self.env(), cwd=self.folder, check=True, capture_output=True)

    def start(self, timeout: float = 90) -> None:
        """Start gunicorn in a new session and wait until it serves the tip form."""
        with self.stderr_path.open("ab") as err:
            self.process = subprocess.Popen(
                [*TIPLINE, "serve", "--port", str(self.port)],
                env=self.env(),
                cwd=self.folder,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.stderr_path.read_text()[-3000:]
            try:
                if requests.get(self.base + "/tip", timeout=5).status_code == 200:
                    return
            except RETRYABLE:
                pass
            time.sleep(0.2)
        raise AssertionError("tipline serve did not start in time")

    def kill(self) -> None:
        """SIGKILL the whole process group (master and workers), as a power cut would."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.process = None


def browser() -> requests.Session:
    """A resident's browser behind a proxy: a cookie jar, a distinctive agent and a forwarded address."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED_FOR})
    return session


def token(session: requests.Session, url: str) -> str:
    """Load a form page and return its CSRF token."""
    page = session.get(url, timeout=30)
    page.raise_for_status()
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


SUBMISSION_RE = re.compile(r'name="submission" type="hidden" value="([^"]+)"')


def tip_form(session: requests.Session, base: str) -> dict:
    """Load the tip form as a browser does: its CSRF token and its one-time id, which a resend carries again."""
    page = session.get(base + "/tip", timeout=30)
    page.raise_for_status()
    return {"csrf_token": CSRF_RE.search(page.text).group(1), "submission": SUBMISSION_RE.search(page.text).group(1)}


def post_tip(session: requests.Session, base: str, form: dict, text_: str, photo: bytes | None) -> requests.Response:
    """Send the tip form as a browser does: multipart/form-data with the (possibly empty) file input."""
    upload = ("photo.jpg", photo, "image/jpeg") if photo else ("", b"", "application/octet-stream")
    fields = {
        "csrf_token": (None, form["csrf_token"]),
        "submission": (None, form["submission"]),
        "text": (None, text_),
        "category": (None, ""),
        "place": (None, ""),
        "lat": (None, ""),
        "lon": (None, ""),
        "when": (None, ""),
        "attachments": upload,
    }
    return session.post(base + "/tip", files=fields, timeout=60)


def open_follow_up(session: requests.Session, base: str, receipt: str) -> requests.Response:
    """Type a receipt code on the follow-up page."""
    csrf = token(session, base + "/follow-up")
    return session.post(base + "/follow-up", data={"receipt": receipt, "csrf_token": csrf}, timeout=60)


@dataclass
class Redis:
    """A throw-away `redis-server` on a free loopback port, which a test may kill or freeze (never the shared one)."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        """Its address, for one logical database."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Start it without persistence and wait until it answers."""
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, cwd=self.folder, stdout=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        """SIGKILL it (an outage), if it runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)

    def freeze(self) -> None:
        """SIGSTOP it: connections are accepted by the kernel but nothing answers."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT it."""
        self.process.send_signal(signal.SIGCONT)
