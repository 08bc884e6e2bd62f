"""`tipline sms`: operators' commands for the SMS channel."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def sms() -> None:
    """The SMS channel."""


@sms.command("purge")
@with_appcontext
def purge() -> None:
    """Erase numbers with no open tip left and stored replies older than SMS_REPLY_RETENTION_HOURS."""
    from tipline.services import sms as service

    numbers = service.forget_numbers_for_closed()
    replies = service.purge_stored_replies()
    click.echo(f"erased {numbers} numbers, {replies} stored replies")
