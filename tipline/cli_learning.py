"""`tipline ml retrain|rollback|versions`: the category model learned from officers' confirmed labels."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("retrain")
@with_appcontext
def retrain() -> None:
    """Train on officer-confirmed categories; promote only if the held-out score does not drop."""
    from tipline.services import learning, triage

    model = triage.model()
    if model is None:
        raise click.ClickException("no triage model is available (see TRIAGE_MODEL_DIR)")
    version = learning.retrain(model)
    verdict = "promoted and in use" if version.promoted else "not promoted"
    click.echo(
        f"{version.version}: {version.examples} confirmed labels, held-out macro-F1 {version.candidate_score:.3f} "
        f"vs current {version.current_score:.3f}: {verdict} ({version.reason})"
    )


@click.command("rollback")
@click.option("--to", "to", default=None, help="A promoted version; default: the one before the active one.")
@with_appcontext
def rollback(to: str | None) -> None:
    """Go back to an earlier promoted category model, or to the keyword patterns."""
    from tipline.services import learning

    try:
        target = learning.rollback(to)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"in use: {target.version if target else 'the deployment keyword patterns'}")


@click.command("versions")
@with_appcontext
def versions() -> None:
    """List every retraining attempt."""
    from tipline.services import learning

    for v in learning.versions():
        mark = "*" if v.active else " "
        click.echo(
            f"{mark} {v.version} {v.created_at:%Y-%m-%d %H:%M} labels {v.examples} "
            f"candidate {v.candidate_score:.3f} current {v.current_score:.3f} "
            f"{'promoted' if v.promoted else 'refused'}: {v.reason}"
        )


COMMANDS = {"retrain": retrain, "rollback": rollback, "versions": versions}
