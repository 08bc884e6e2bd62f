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
    from tipline.services.conversations import contacts

    numbers = contacts.forget_addresses_for_closed()
    replies = contacts.purge_stored_replies()
    click.echo(f"erased {numbers} numbers, {replies} stored replies")
