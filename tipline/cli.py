"""The `tipline` command: a Flask CLI group with demo, deployment, translate, tips and ml commands."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, NoAppException, ScriptInfo, with_appcontext

from tipline import ROOT, create_app

TRANSLATIONS = ROOT / "translations"
DEMO_TIMEZONE = "America/Chicago"


def _pybabel(*args: str) -> None:
    """Run a pybabel sub-command in-process (its lines printed once, by its own handler)."""
    from babel.messages.frontend import CommandLineInterface

    logging.getLogger("babel").propagate = False  # after a migration, Alembic's root handler would print them again
    CommandLineInterface().run(["pybabel", *args])


@click.group()
def translate() -> None:
    """Extract, update and compile the message catalogs."""


def _extract(output: Path) -> None:
    """Extract the translatable strings of the code and templates into a .pot file."""
    _pybabel(
        "-q",
        "extract",
        "-F",
        str(TRANSLATIONS / "babel.cfg"),
        "-k",
        "_l",
        "-k",
        "N_",
        "-k",
        "lazy_pgettext:1c,2",
        "--no-location",
        "--sort-output",
        "-o",
        str(output),
        str(ROOT),
    )


@translate.command()
def extract() -> None:
    """Extract translatable strings into translations/messages.pot."""
    _extract(TRANSLATIONS / "messages.pot")


@translate.command()
def update() -> None:
    """Extract, then merge new strings into every language's catalog."""
    extract.callback()
    _pybabel("update", "--no-fuzzy-matching", "-i", str(TRANSLATIONS / "messages.pot"), "-d", str(TRANSLATIONS))


@translate.command("compile")
def compile_() -> None:
    """Compile the catalogs into .mo files (built at install/CI time, never committed)."""
    _pybabel("compile", "-d", str(TRANSLATIONS))


@translate.command()
def check() -> None:
    """Fail when a string of the code is missing from a catalog, or a catalog has an untranslated or fuzzy one."""
    import tempfile

    from babel.messages.pofile import read_po

    with tempfile.TemporaryDirectory() as tmp:
        _extract(Path(tmp) / "current.pot")
        with (Path(tmp) / "current.pot").open("rb") as fh:
            current = {msg.id for msg in read_po(fh) if msg.id}
    problems = []
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        lang = po.parent.parent.name
        known = {msg.id for msg in catalog if msg.id}
        problems += [f"{lang}: missing (run tipline translate update): {str(m)[:70]!r}" for m in current - known]
        for msg in catalog:
            if not msg.id:
                continue
            strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
            if msg.fuzzy or not all(strings):
                problems.append(f"{lang}: {'fuzzy' if msg.fuzzy else 'untranslated'}: {str(msg.id)[:70]!r}")
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} message(s) need a translator")
    click.echo("all catalogs complete")


@click.group()
def deployment() -> None:
    """Deployment configuration."""


@deployment.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def deployment_load(path: Path) -> None:
    """Validate a deployment file and make the database match it (idempotent; ended rules stop routing)."""
    from tipline.services import deployment as service

    try:
        counts = service.load(service.read(path))
    except service.DeploymentError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("loaded " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@click.group()
def tips() -> None:
    """Operators' commands on tips."""


@tips.command("count")
@with_appcontext
def tips_count() -> None:
    """Print the number of tips."""
    from tipline.services import stats

    click.echo(stats.tip_count())


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and deployment, then exit.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    """Create the database, load the example deployment and serve the site on 127.0.0.1 (never in production)."""
    if not current_app.config["DEMO_ALLOWED"]:
        raise click.ClickException(
            "Refusing to run the demo with TIPLINE_ENV=production: its officers' passwords and TOTP secrets are "
            "the same on every install (add officers with `tipline users add`)"
        )
    from flask_migrate import upgrade

    from tipline.services import deployment as service

    upgrade(revision="heads")
    from tipline.demo import history, seed
    from tipline.demo import triage as demo_triage

    if not list(TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")):  # .mo files are built, never committed
        compile_.callback()
    path = current_app.config.get("TIPLINE_DEPLOYMENT") or service.DEMO_FILE
    service.load(service.read(path))
    if "TIPLINE_TIMEZONE" not in os.environ:  # the example region's zone: dates on every page, events' times
        current_app.config["BABEL_DEFAULT_TIMEZONE"] = DEMO_TIMEZONE
    accounts = seed.seed_users()
    demo_triage.load_model()
    seed.seed_tips()
    seed.seed_events()
    started = time.monotonic()
    if made := history.seed_history():
        click.echo(f"Seeded a year of example history: {made} tips in {time.monotonic() - started:.0f} s")
    demo_triage.sweep_once()
    figures = history.publish_figures(current_app._get_current_object())
    if no_serve:
        figures.join()
    base = f"http://{host}:{port}"
    if "PUBLIC_BASE_URL" not in os.environ:  # calendar files and QR codes point at the address the demo serves
        current_app.config["PUBLIC_BASE_URL"] = base
    click.echo("Demo officers (demo only). Current code: python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"")
    for username, role, password, secret in accounts:
        click.echo(f"  {username:<20} {role:<11} password {password:<26} TOTP secret {secret}")
    click.echo(f"Database: {current_app.config['SQLALCHEMY_DATABASE_URI']}")
    click.echo(f"Deployment: {path}")
    click.echo(f"Resident site:  {base}/")
    click.echo(f"Send a tip:     {base}/tip")
    click.echo(f"Follow up:      {base}/follow-up")
    click.echo(f"Officers:       {base}/officer/login")
    if not no_serve:
        from werkzeug.serving import run_simple

        demo_triage.start_sweeping(current_app._get_current_object())
        # app.run() refuses to start under the flask CLI; the development server is fine for the demo.
        run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, default=None, help="Default: WEB_CONCURRENCY or cores + 1.")
@click.option("--no-access-log", is_flag=True)
@with_appcontext
def serve(host: str, port: int, workers: int | None, no_access_log: bool) -> None:
    """Serve the site with gunicorn (production); migrations must have been applied."""
    from tipline.server import PortInUse, default_workers
    from tipline.server import serve as run

    os.makedirs(current_app.instance_path, exist_ok=True)
    try:
        run(host, port, workers or default_workers(), current_app.instance_path, access_log=not no_access_log)
    except PortInUse as exc:
        raise click.ClickException(str(exc)) from None


class LazyGroup(click.Group):
    """A command group imported only when used (`tipline ml` pulls in scikit-learn and spaCy)."""

    def __init__(self, import_name: str, **kwargs) -> None:
        """Remember where the real group lives."""
        super().__init__(**kwargs)
        self.import_name = import_name

    def _real(self) -> click.Group:
        """Import the real group."""
        from werkzeug.utils import import_string

        return import_string(self.import_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Sub-commands of the real group, plus the ones added here."""
        return sorted({*self._real().list_commands(ctx), *self.commands})

    def get_command(self, ctx: click.Context, name: str):
        """A sub-command added here, else one of the real group."""
        return self.commands.get(name) or self._real().get_command(ctx, name)


def init_app(app: Flask) -> None:
    """Register the command groups on the app's CLI."""
    from tipline.cli_casework import COMMANDS
    from tipline.cli_events import transparency
    from tipline.cli_sms import sms

    for command in (translate, deployment, tips, demo, serve, transparency, sms, *COMMANDS):
        app.cli.add_command(command)
    from tipline.cli_learning import COMMANDS as LEARNING

    ml = LazyGroup("ml.cli:cli", name="ml", help="Triage models: train, evaluate, benchmark, predict, retrain.")
    for command in LEARNING.values():
        ml.add_command(command)
    app.cli.add_command(ml)


def _app_for_cli():
    """The application for a command; a setting that stops it is said in one line, not a traceback."""
    from tipline.config import ConfigError
    from tipline.services.crypto import KeyConfigError

    try:
        return create_app()
    except (ConfigError, KeyConfigError) as exc:
        raise NoAppException(str(exc)) from None


class TiplineGroup(FlaskGroup):
    """The `tipline` command: a database that cannot be reached is said in one line too."""

    def get_command(self, ctx: click.Context, name: str):
        """A command; when the app cannot be created its reason is the error, not "No such command"."""
        if click.Group.get_command(self, ctx, name) is None:  # the app's commands (db, demo, ...) need the app
            try:
                ctx.ensure_object(ScriptInfo).load_app()
            except NoAppException as exc:
                raise click.ClickException(exc.format_message()) from None
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        """Run the command; an unreachable or missing database becomes a short error."""
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except OperationalError as exc:
            first = str(exc.orig).strip().splitlines()[0]
            raise click.ClickException(f"cannot use the database: {first} (see README, 'Production')") from None


main = TiplineGroup(create_app=_app_for_cli, help="Community tip line: run `tipline demo` to start.")

if __name__ == "__main__":
    main()
