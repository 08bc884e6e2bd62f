"""`tipline serve`: gunicorn with sensible workers and timeouts, JSON logs without IP, user agent or tip text."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import socket

from gunicorn.app.base import BaseApplication

# gunicorn names the client of a malformed request ("Invalid request from ip=203.0.113.7: ..."): never logged.
_CLIENT_ADDRESS = re.compile(r"\bip=\S*?(?=: |\s|$)")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (never request details, never a client address)."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise a record."""
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": _CLIENT_ADDRESS.sub("ip=[withheld]", record.getMessage()),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(entry, ensure_ascii=False)


# Access log: method, path without query string, status, duration. No %(h)s (address), no %(a)s (agent).
ACCESS_FORMAT = '{"method": "%(m)s", "path": "%(U)s", "status": %(s)s, "ms": %(M)s}'

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
    },
}


def default_workers() -> int:
    """WEB_CONCURRENCY, or one worker per core plus one (argon2 keeps each busy on the CPU)."""
    return int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))


class Server(BaseApplication):
    """Gunicorn running create_app() in each worker."""

    def __init__(self, options: dict) -> None:
        """Keep the options for load_config."""
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's settings."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """The WSGI application (built in the worker, after the fork), warmed up before it takes its first request,
        with its background thread (which, without a broker, loads the triage model while requests are served)."""
        from tipline import create_app
        from tipline.background import Background

        app = create_app()
        warm_up(app)
        Background(app).start()
        return app


def warm_up(app) -> None:
    """Pay the one-off costs (language model, templates, catalogs) at boot rather than in a resident's request."""
    from tipline.services import triage

    with app.app_context():
        triage.detect_language("warm up the language identifier")
    client = app.test_client()
    for lang in app.config["LANGUAGES"]:
        client.get(f"/tip?lang={lang}")
        client.get(f"/follow-up?lang={lang}")


class PortInUse(RuntimeError):
    """The address `tipline serve` should listen on cannot be taken (held by another process, or refused)."""


def check_port(host: str, port: int) -> None:
    """Raise PortInUse, in one line that says how to find the holder, unless host:port can be listened on.

    Gunicorn would log "Connection in use" five times and exit 1; after `kill -9` of a master alone, its
    orphaned workers still hold the port and keep serving, which that message does not tell.
    """
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        socket.create_server((host, port), family=family).close()  # SO_REUSEADDR, as gunicorn binds
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"port {port} on {host} is already in use (by an earlier `tipline serve` or its orphaned workers?): "
                f"see which process holds it with `ss -ltnp 'sport = :{port}'`, stop it, then start again"
            ) from None
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(host: str, port: int, workers: int, instance: str, access_log: bool = True) -> None:
    """Run gunicorn in the foreground; its control socket lives in the instance folder (one per instance)."""
    check_port(host, port)
    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "timeout": 30,
            "graceful_timeout": 20,
            "keepalive": 5,
            "max_requests": 5000,
            "max_requests_jitter": 500,
            "limit_request_line": 8190,
            "accesslog": "-" if access_log else None,
            "access_log_format": ACCESS_FORMAT,
            "logconfig_dict": LOGGING,
            "forwarded_allow_ips": "*" if os.environ.get("PROXY_HOPS") else "127.0.0.1",
            # gunicorn's default ($XDG_RUNTIME_DIR or ~/.gunicorn) is shared by every instance of one user: the
            # last one started takes it over, and `gunicornc` then steers another site than the one meant.
            "control_socket": os.path.join(instance, "gunicorn.ctl"),
        }
    ).run()
