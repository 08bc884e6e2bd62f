"""The demo's triage: the model loaded before the first request, and a sweep of untriaged tips while it serves."""

from __future__ import annotations

import threading
import time

import click
from flask import Flask

from tipline.extensions import db
from tipline.services import triage

SWEEP_SECONDS = 60  # the demo has no beat: it looks for untriaged tips this often


def load_model() -> None:
    """Load the triage model before the first tip or request, saying so."""
    click.echo("Loading the triage model (up to a minute on a slow machine)...")
    started = time.monotonic()
    loaded = triage.model() is not None
    state = "ready" if loaded else "unavailable: tips wait untriaged (see the log)"
    click.echo(f"Triage model {state} after {time.monotonic() - started:.0f} s")


def sweep_once() -> None:
    """Triage every tip still waiting (sent while no model could be loaded, or whose triage failed)."""
    swept = triage.sweep_pending()
    db.session.commit()
    if swept.found:
        click.echo(f"Triaged {swept.queued} of {swept.found} waiting tips")


def start_sweeping(app: Flask, every: float = SWEEP_SECONDS) -> threading.Thread:
    """Sweep untriaged tips every `every` seconds in a background thread while the demo serves."""

    def sweep() -> None:
        while not stop.wait(every):
            with app.app_context():
                try:
                    triage.sweep_pending()
                    db.session.commit()
                finally:
                    db.session.remove()

    stop = threading.Event()
    thread = threading.Thread(target=sweep, name="demo-triage-sweep", daemon=True)
    thread.start()
    return thread
