"""Celery entry point: `celery -A tipline.worker:celery worker` (set CELERY_BROKER_URL or REDIS_URL)."""

from tipline import create_app

app = create_app()
celery = app.extensions["celery"]
