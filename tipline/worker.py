"""Celery entry point: `celery -A tipline.worker:celery worker` (set CELERY_BROKER_URL or REDIS_URL)."""

from celery.signals import worker_ready

from tipline import create_app, tasks

app = create_app()
celery = app.extensions["celery"]


@worker_ready.connect
def sweep_at_start(**_) -> None:
    """Queue the triage sweep when a worker starts: a tip whose task was lost (broker down at submission, queued
    in a web worker that died) is triaged now, not at beat's next sweep, nor never when beat does not run."""
    with app.app_context():
        tasks.dispatch(tasks.sweep_triage)
