"""Flask extensions, created unbound here and initialised in create_app."""

from celery import Celery
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every model."""


def client_key() -> str:
    """Key of the client for rate limits and failed logins: a keyed hash of its address (an IPv6 /64) and today's
    date, never the address.

    The limiter's storage (memory, or Redis with several workers) so holds no IP address, and a key cannot be
    linked to the same visitor on another day; counters start afresh at midnight UTC.
    """
    import datetime as dt

    from flask import request

    from tipline.services.crypto import keyed_hash

    day = dt.datetime.now(dt.UTC).date().isoformat()
    return keyed_hash("SECRET_KEY", f"{day} {_network(request.remote_addr)}")[:32]


def _network(address: str | None) -> str:
    """The part of an address one subscriber holds: the whole IPv4 address, the /64 of an IPv6 one (a home or
    a phone gets a /64 and may use any address in it, so a limit on single IPv6 addresses would be no limit)."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        mapped = ip.ipv4_mapped  # "::ffff:192.0.2.1" is an IPv4 client
        return str(mapped) if mapped else str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@event.listens_for(Engine, "connect")
def _sqlite_wal(dbapi_connection, _record) -> None:
    """SQLite files in write-ahead-log mode: readers never wait for a writer (several web workers and the triage
    worker share one file), and a commit is one append and one fsync instead of a journal file's create, fsyncs
    and delete. Synchronous stays FULL, so a committed tip survives a power cut. No effect on other databases."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login = LoginManager()
limiter = Limiter(key_func=client_key, default_limits=[])

celery = Celery("tipline")
