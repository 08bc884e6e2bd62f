"""Flask extensions, created unbound here and initialised in create_app."""

from celery import Celery
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every model."""


def _client_address() -> str:
    """Client address for rate limiting: kept in memory by the limiter, never stored or logged."""
    from flask import request

    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login = LoginManager()
limiter = Limiter(key_func=_client_address, default_limits=[])
talisman = Talisman()

celery = Celery("tipline")
