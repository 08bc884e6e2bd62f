"""`tipline transparency` commands: rebuild the public aggregates."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def transparency() -> None:
    """Public statistics."""


@transparency.command("refresh")
@click.option("--period", "periods", multiple=True, help="YYYY-MM month to rebuild (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Rebuild every month from the first tip.")
@click.option(
    "--republish",
    is_flag=True,
    help="Rebuild months already published too (a correction: the month's page and data.json say when).",
)
@with_appcontext
def refresh(periods: tuple[str, ...], everything: bool, republish: bool) -> None:
    """Rebuild the monthly aggregates (the months changed since the last refresh by default); a month already
    published keeps its figures unless --republish."""
    from tipline.services import transparency as service

    chosen = list(periods) or (service.changed_periods(None) if everything else None)
    done = service.refresh(chosen, republish=republish)
    click.echo("refreshed " + (", ".join(done) if done else "nothing"))
