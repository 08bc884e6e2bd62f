"""Casework commands: `tipline users …`, `tipline route`, `tipline audit verify`, `tipline sla remind`."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from tipline.extensions import db


def _print_credentials(creds) -> None:
    """Show the one-time credentials of a user."""
    click.echo(f"username:       {creds.username}")
    click.echo(f"password:       {creds.password or '(unchanged)'}")
    click.echo(f"TOTP secret:    {creds.totp_secret}")
    click.echo(f"TOTP URI:       {creds.provisioning_uri()}")
    click.echo("recovery codes: " + " ".join(creds.recovery_codes))


@click.group()
def users() -> None:
    """Officer and administrator accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["officer", "supervisor", "oversight", "admin"]))
@click.option("--agency", required=True, help="Agency code from the deployment file.")
@click.option("--name", "display_name", default="", help="Name shown to colleagues.")
@with_appcontext
def users_add(username: str, role: str, agency: str, display_name: str) -> None:
    """Create an account; prints its password, TOTP secret and recovery codes once."""
    from tipline.services import users as service

    try:
        _print_credentials(service.add(username, role, agency, display_name, actor=service.cli_actor()))
    except service.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@users.command("disable")
@click.argument("username")
@with_appcontext
def users_disable(username: str) -> None:
    """Disable an account and end its sessions."""
    _account_change("disable", username)
    click.echo(f"disabled {username}")


@users.command("enable")
@click.argument("username")
@with_appcontext
def users_enable(username: str) -> None:
    """Let a disabled account log in again."""
    _account_change("enable", username)
    click.echo(f"enabled {username}")


@users.command("reset-2fa")
@click.argument("username")
@click.option("--new-password", is_flag=True, help="Also issue a new password (the officer forgot it).")
@with_appcontext
def users_reset_2fa(username: str, new_password: bool) -> None:
    """Issue a new TOTP secret and recovery codes (and a password with --new-password)."""
    _print_credentials(_account_change("reset_second_factor", username, new_password=new_password))


def _account_change(name: str, username: str, **options):
    """Run a users-service change; its refusal becomes the command's error message."""
    from tipline.services import users as service

    try:
        return getattr(service, name)(username, actor=service.cli_actor(), **options)
    except service.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("route")
@click.option("--lat", type=float)
@click.option("--lon", type=float)
@click.option("--place", default=None, help="A place name to look up in the gazetteer.")
@click.option("--category", default=None)
@with_appcontext
def route(lat: float | None, lon: float | None, place: str | None, category: str | None) -> None:
    """Print the routing decision and the rule that made it, as JSON."""
    from tipline.services import routing

    if (lat is None) != (lon is None):
        raise click.UsageError("give both --lat and --lon, or neither")
    click.echo(json.dumps(routing.decide(lat, lon, category, place_text=place).as_dict(), ensure_ascii=False))


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


def _anchor(_ctx, _param, values: tuple[str, ...]) -> dict[int, str]:
    """Parse N:HASH anchors (the output of `tipline audit head`)."""
    try:
        return {int(n): digest for n, digest in (value.split(":", 1) for value in values)}
    except ValueError as exc:
        raise click.BadParameter("use N:HASH, as `tipline audit head` prints it") from exc


@audit.command("verify")
@click.option("--anchor", "anchors", multiple=True, callback=_anchor, help="N:HASH written down by `audit head`.")
@with_appcontext
def audit_verify(anchors: dict[int, str]) -> None:
    """Print `ok N`, or name the first broken entry and exit 1; checks the anchor file's heads too."""
    from tipline.services import audit as service

    written = service.written_anchors()
    result = service.verify(anchors={**written.heads, **anchors})
    if result.ok:
        anchored = max([written.last, *anchors])
        click.echo(f"ok {result.count}" + (f" (anchored up to entry {anchored})" if anchored else ""))
        return
    where = f"entry {result.broken_id}" if result.broken_id else "the end"
    click.echo(f"broken at {where}: {result.reason} ({result.count} entries verified before it)")
    raise SystemExit(1)


@audit.command("anchor")
@with_appcontext
def audit_anchor() -> None:
    """Verify the chain and append its head to AUDIT_ANCHOR_FILE and the log (the worker does it every 15
    minutes); exit 1 if the chain is broken."""
    from tipline.services import audit as service

    result = service.anchor()
    if not result.ok:
        where = f"entry {result.broken_id}" if result.broken_id else "the end"
        raise click.ClickException(f"refusing to anchor: the chain is broken at {where}: {result.reason}")
    click.echo(f"{result.count}:{result.head} -> {service.anchor_file()}")


@audit.command("head")
@with_appcontext
def audit_head() -> None:
    """Print N:HASH of the last entry: keep it outside the database (the oversight body's records) and pass it to
    `audit verify --anchor` later to detect entries removed from the end or a re-hashed chain."""
    from tipline.services import audit as service

    result = service.verify()
    if not result.ok:
        raise click.ClickException(f"the chain is broken at entry {result.broken_id}: {result.reason}")
    click.echo(f"{result.count}:{result.head}")


@click.group()
def sla() -> None:
    """Service-level reminders."""


@sla.command("remind")
@with_appcontext
def sla_remind() -> None:
    """Print the overdue digest per agency for supervisors (and record it in the audit log)."""
    from tipline.services import sla as service

    digest = service.remind()
    if not digest:
        click.echo("nothing overdue")
    for agency, lines in digest.items():
        click.echo(f"{agency}: {len(lines)} overdue")
        for line in lines:
            click.echo(f"  {line}")


@click.group()
def keys() -> None:
    """Encryption keys."""


@keys.command("rotate")
@click.option("--batch", default=500, show_default=True, help="Rows re-encrypted per commit.")
@with_appcontext
def keys_rotate(batch: int) -> None:
    """Re-encrypt all data under the first DATA_ENCRYPTION_KEYS key; safe to interrupt and run again."""
    from tipline.services import keys as service

    progress = service.rotate(batch)
    click.echo(f"rotated {progress.rotated}, already current {progress.current}")


@click.group()
def retention() -> None:
    """Forget what the deployment's retention periods say to forget."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only report what would be purged.")
@with_appcontext
def retention_run(dry_run: bool) -> None:
    """Purge content and attachments of closed tips past their retention period (audited)."""
    from tipline.services import retention as service

    report = service.run(dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    detail = ", ".join(f"{k} {v}" for k, v in sorted(report.by_status.items())) or "nothing due"
    click.echo(f"{verb} {report.tips} tips ({detail}); {report.attachments} attachments, {report.messages} messages")


@click.group()
def triage() -> None:
    """Triage of tips by the ml/ model."""


@triage.command("sweep")
@with_appcontext
def triage_sweep() -> None:
    """Queue triage again for tips left pending (broker was down, a worker died, no model could be loaded)."""
    from tipline.services import triage as service

    queued, found, held = service.sweep_pending()
    db.session.commit()  # when the broker took them: later sweeps leave them alone for a visibility timeout
    line = f"queued {queued} of {found} pending tips"
    if held:
        window = current_app.config["CELERY_VISIBILITY_TIMEOUT"]
        line += f"; {held} queued less than {window} s ago are left to the worker"
    click.echo(line)
    if queued < found:
        raise click.ClickException("some tips could not be queued: is the broker (CELERY_BROKER_URL) reachable?")


@click.group()
def bench() -> None:
    """Benchmarks: figures and ratios measured in one run (not tests)."""


@bench.command("intake")
@click.option("--requests", "count", default=400, show_default=True, help="POSTs per server (bounded).")
@click.option("--clients", default=4, show_default=True, help="Concurrent loopback clients.")
@click.option("--workers", default=2, show_default=True, help="gunicorn workers for both servers.")
@click.option("--broker", default=None, help="Celery broker for the app's triage (default: none, triage inline).")
def bench_intake(count: int, clients: int, workers: int, broker: str | None) -> None:
    """POST /tip throughput of the app ÷ a bare Flask+SQLAlchemy app doing one argon2id hash and one INSERT."""
    from tipline.bench import intake

    ratio = intake.run(count, clients, workers, broker, click.echo)
    click.echo(f"intake_ratio {ratio:.3f}")


@bench.command("scale")
@click.option("--tips", "n", default=1_000_000, show_default=True, help="Tips loaded for the second measurement.")
@click.option("--repeat", default=30, show_default=True, help="Requests timed per page.")
@click.option("--database-url", default=None, help="Default: a fresh SQLite file.")
def bench_scale(n: int, repeat: int, database_url: str | None) -> None:
    """Officer queue and public statistics p50 at 10,000 tips and at N, and their growth."""
    from tipline.bench import scale

    queue_ms, stats_ms, growth = scale.run(n, repeat, database_url, click.echo)
    click.echo(f"queue_p50_ms {queue_ms:.1f} stats_p50_ms {stats_ms:.1f} growth {growth:.2f}")


COMMANDS = (users, route, audit, sla, keys, retention, triage, bench)


@bench.command("rss")
@with_appcontext
def bench_rss() -> None:
    """Resident memory of a web worker with the triage model loaded (target ≤ 400 MB)."""
    from tipline.bench import memory

    _before, after = memory.run(click.echo)
    click.echo(f"worker_rss_mb {after:.0f}")
