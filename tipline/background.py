"""A `tipline serve` worker's background thread: what a resident must not wait for runs after the response.

Triage is handed to this thread instead of being queued inside the request. With a broker the thread publishes
the task (a frozen broker holds the thread, never a resident); without one it triages the tip itself, with the
model it loaded when the worker started. The queue is bounded: a tip that does not fit, whose task fails, or
that dies with its worker stays pending for the sweep, which (without a broker) this thread runs at start and
then every TRIAGE_SWEEP_SECONDS, in one worker at a time.
"""

from __future__ import annotations

import fcntl
import logging
import queue
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask

from tipline.models.types import utcnow
from tipline.services import triage

log = logging.getLogger(__name__)


class Background:
    """One daemon thread and a bounded queue of (function, args) in a web worker process."""

    def __init__(self, app: Flask) -> None:
        """Size the queue from the app's settings; nothing runs before start()."""
        self.app = app
        self.jobs: queue.Queue = queue.Queue(maxsize=app.config["BACKGROUND_QUEUE_SIZE"])
        self.sweep_seconds = app.config["TRIAGE_SWEEP_SECONDS"]
        self.runs_tasks = not app.config.get("CELERY_BROKER_URL")  # no broker: the tasks run on this thread
        self.lock_file = None

    def start(self) -> None:
        """Route this process's triage through the thread and start it (in the worker, after gunicorn's fork)."""
        self.app.extensions["tipline_background"] = self
        threading.Thread(target=self._run, name="tipline-background", daemon=True).start()

    def submit(self, function, *args) -> bool:
        """Queue work (e.g. triage.publish) for after the response; False when the queue is full (the sweep will
        take the tip)."""
        try:
            self.jobs.put_nowait((function, args))
        except queue.Full:
            log.warning("background queue full: %s left to the sweep", function.__name__)
            return False
        return True

    def _run(self) -> None:
        """Load the model and sweep (without a broker), then run queued tasks, sweeping again when due."""
        started = utcnow()
        if self.runs_tasks:
            self._guarded(triage.model)  # the worker's start pays for the model, not the first tip
            if self._sweeper():  # tips left pending before this start (a killed worker's queue)
                self._guarded(triage.sweep_pending, before=started)
        next_sweep = time.monotonic() + self.sweep_seconds
        while True:
            try:
                function, args = self.jobs.get(timeout=max(0.0, next_sweep - time.monotonic()))
                self._guarded(function, *args)
            except queue.Empty:
                pass
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + self.sweep_seconds
                if self.runs_tasks and self._sweeper():  # tips older than a sweep period are in no live queue
                    self._guarded(triage.sweep_pending, before=utcnow() - timedelta(seconds=self.sweep_seconds))

    def _guarded(self, function, *args, **kwargs) -> None:
        """Run one piece of work in an app context; a failure is logged and the thread goes on."""
        try:
            with self.app.app_context():
                function(*args, **kwargs)
        except Exception:
            log.exception("background work failed; its tip is left to the sweep")

    def _sweeper(self) -> bool:
        """True in the one worker that holds the instance folder's sweep lock (released when that worker ends)."""
        if self.lock_file is None:
            handle = (Path(self.app.instance_path) / "triage-sweep.lock").open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            self.lock_file = handle
        return True
