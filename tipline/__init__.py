"""Community tip line: the Flask application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from tipline.config import CONFIGS, Config, ConfigError

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | dict | str | None = None) -> Flask:
    """Build the application: load config, init extensions, register blueprints, CLI and error pages."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=_instance_path(),
    )
    _load_config(app, config)
    _register_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_cli(app)
    _quiet_request_logs()
    _trust_proxy(app)
    return app


def _trust_proxy(app: Flask) -> None:
    """Behind PROXY_HOPS reverse proxies, take the scheme and the address (for rate limits) from them.

    Only X-Forwarded-Proto and X-Forwarded-For, the two headers the README's proxy sets: a client's
    X-Forwarded-Host or -Port would otherwise pass through and name the host of redirects.
    """
    hops = app.config["PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def _instance_path() -> str:
    """Instance folder: TIPLINE_INSTANCE or ./instance in the working directory."""
    import os

    return os.environ.get("TIPLINE_INSTANCE") or str(Path.cwd() / "instance")


def _load_config(app: Flask, config) -> None:
    """Apply the environment's Config class, then any overrides given as a dict."""
    import os

    overrides = config if isinstance(config, dict) else {}
    if not isinstance(config, type):
        name = config if isinstance(config, str) else os.environ.get("TIPLINE_ENV", "development")
        if name not in CONFIGS:
            raise ConfigError(f"TIPLINE_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
        config = CONFIGS[name]
    app.config.from_object(config)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI") and not app.config["REQUIRE_KEYS"]:  # production: refused
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "tipline.sqlite")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")


def _register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    from tipline import i18n, security
    from tipline.extensions import csrf, db, limiter, migrate
    from tipline.services import crypto

    crypto.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    security.keep_form_bodies(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    from tipline import auth, tasks

    auth.init_app(app)
    security.init_app(app)
    tasks.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """Mount the blueprints."""
    from tipline.blueprints.officer import bp as officer_bp
    from tipline.blueprints.public import bp as public_bp
    from tipline.blueprints.sms import bp as sms_bp
    from tipline.blueprints.whatsapp import bp as whatsapp_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(whatsapp_bp)
    app.register_blueprint(officer_bp)
    from tipline.blueprints.officer_events import bp as officer_events_bp
    from tipline.blueprints.transparency import bp as transparency_bp

    app.register_blueprint(officer_events_bp)
    app.register_blueprint(transparency_bp)


def _register_errors(app: Flask) -> None:
    """Friendly error pages in the visitor's language."""
    from tipline import errors

    errors.init_app(app)


def _register_cli(app: Flask) -> None:
    """Attach the `tipline` command groups."""
    from tipline import cli

    cli.init_app(app)


def _quiet_request_logs() -> None:
    """The development server's access log prints client addresses: we never log them."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
