"""Celery entry point: `celery -A tipline.worker:celery worker` (set CELERY_BROKER_URL or REDIS_URL)."""

from pathlib import Path

from celery.beat import PersistentScheduler
from celery.signals import worker_ready

from tipline import create_app, tasks


class ScheduleFile(PersistentScheduler):
    """Beat's schedule file (`-s FILE`): a folder that does not exist is one line, not a long traceback."""

    def setup_schedule(self) -> None:
        """Refuse a schedule file whose folder is missing, then open it as Celery does."""
        folder = Path(self.schedule_filename).parent
        if not folder.is_dir():
            raise SystemExit(f"beat: the schedule's folder {folder} does not exist: create it, or give -s another file")
        super().setup_schedule()


app = create_app()
celery = app.extensions["celery"]
celery.conf.beat_scheduler = "tipline.worker:ScheduleFile"


@worker_ready.connect
def sweep_at_start(**_) -> None:
    """Queue the triage sweep when a worker starts: a tip whose task was lost (broker down at submission, queued
    in a web worker that died) is triaged now, not at beat's next sweep, nor never when beat does not run."""
    with app.app_context():
        tasks.dispatch(tasks.sweep_triage)
