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
@with_appcontext
def refresh(periods: tuple[str, ...], everything: bool) -> None:
    """Rebuild the monthly aggregates (the months changed since the last refresh by default)."""
    from tipline.services import transparency as service

    chosen = list(periods) or (service.changed_periods(None) if everything else None)
    done = service.refresh(chosen)
    click.echo("refreshed " + (", ".join(done) if done else "nothing"))
