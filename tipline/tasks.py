"""Background tasks on Celery; with no broker configured they run inline (eager) in the caller."""

from __future__ import annotations

import logging

from celery.result import EagerResult
from celery.schedules import crontab
from flask import Flask, current_app, has_app_context

from tipline.channels.base import GatewayError
from tipline.extensions import celery, db

log = logging.getLogger(__name__)


BEAT_SCHEDULE = {
    "sweep-pending-triage": {"task": "tipline.sweep_triage", "schedule": 300.0},
    "sla-reminders": {"task": "tipline.sla_remind", "schedule": crontab(minute=0)},
    "retention": {"task": "tipline.retention", "schedule": crontab(hour=3, minute=30)},
    "transparency-refresh": {"task": "tipline.refresh_transparency", "schedule": crontab(minute=15)},
    "audit-anchor": {"task": "tipline.audit_anchor", "schedule": 900.0},
}


def init_app(app: Flask) -> None:
    """Configure Celery from the app's settings and run every task inside an app context."""
    broker = app.config.get("CELERY_BROKER_URL")
    timeout = app.config["SERVICE_TIMEOUT_SECONDS"]
    celery.conf.update(
        broker_url=broker or "memory://localhost/",  # a host, or kombu warns "No hostname was supplied"
        result_backend=None,
        task_always_eager=not broker,
        task_eager_propagates=False,  # inline retries run in place; failures are reported by dispatch
        task_acks_late=True,  # a task killed mid-way is delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=10000,  # a fresh child now and then: spaCy's vocabulary grows with every new word
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=timeout,
        broker_transport_options={
            "visibility_timeout": app.config["CELERY_VISIBILITY_TIMEOUT"],
            "unacked_restore_interval": app.config["CELERY_RESTORE_SECONDS"],  # sweep for lost deliveries
            "unacked_restore_throttle": 1,
            "socket_timeout": timeout,  # a frozen broker fails a publish instead of holding it for ever
            "socket_connect_timeout": timeout,
        },
        # one more try on a fresh connection (a broker restarted since the last publish), then the sweep's turn
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1},
        task_default_retry_delay=10,
        task_default_queue=app.config["CELERY_QUEUE"],
        beat_schedule=BEAT_SCHEDULE,
    )

    class AppTask(celery.Task):
        """A task that runs with the Flask app's context."""

        def __call__(self, *args, **kwargs):
            if has_app_context():  # inline: already inside the caller's app
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    celery.Task = AppTask
    app.extensions["celery"] = celery


def dispatch(task, *args) -> bool:
    """Send a task to the worker (or run it inline); never let a broker or task failure break the caller.

    Returns False when the task could not be queued or failed inline; the caller's record stays pending
    and the periodic sweep picks it up again.
    """
    try:
        result = task.delay(*args)
    except Exception:  # broker down: keep what was accepted, the sweep retries later
        log.exception("task %s could not be queued; it will be retried by the sweep", task.name)
        return False
    if isinstance(result, EagerResult) and result.failed():
        log.error("task %s failed inline: %r; it will be retried by the sweep", task.name, result.result)
        return False
    return True


def runs_inline() -> bool:
    """True without a broker: dispatch runs the task in the caller, and nothing is left waiting in a queue."""
    return bool(celery.conf.task_always_eager)


def after_response(function, *args) -> bool:
    """Hand work (a function returning True once it queued or did its task) to this web worker's background thread
    under `tipline serve`, so the resident waits neither for the broker nor, without one, for the task itself;
    elsewhere (CLI, worker, tests) run it now. False when it could not be handed over or failed."""
    background = current_app.extensions.get("tipline_background")
    return background.submit(function, *args) if background is not None else function(*args)


@celery.task(name="tipline.triage_tip", bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def triage_tip(self, tip_id: int) -> str:
    """Triage one tip."""
    from tipline.services import triage

    return triage.triage_tip(tip_id)


@celery.task(name="tipline.forward_tip", bind=True, max_retries=6)
def forward_tip(self, tip_id: int, agency: str, from_agency: str = "liaison") -> None:
    """Deliver a tip to an agency's system, retrying with exponential back-off; every attempt is recorded."""
    from flask import current_app

    from tipline.services import forwarding

    try:
        forwarding.deliver(tip_id, agency, attempt=self.request.retries + 1, from_agency=from_agency)
    except forwarding.ForwardFailed as exc:
        delay = current_app.config["FORWARD_RETRY_BASE_SECONDS"] * 2**self.request.retries
        raise self.retry(exc=exc, countdown=delay) from exc


@celery.task(
    name="tipline.send_sms",
    autoretry_for=(GatewayError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_sms(outbound_id: int) -> str:
    """Send one outbound message on its channel (the name predates WhatsApp), retried with backoff; suppressed after
    STOP."""
    from tipline.services.conversations import outbound

    return outbound.send_outbound(outbound_id)


@celery.task(
    name="tipline.fetch_sms_media",
    autoretry_for=(GatewayError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def fetch_sms_media(tip_id: int, contact_id: int, urls: list[str], language: str) -> int:
    """Download a message's attachments with its channel's credentials and attach them to the tip."""
    from tipline.services.conversations import outbound

    return outbound.attach_media(tip_id, contact_id, urls, language)


@celery.task(name="tipline.refresh_transparency")
def refresh_transparency(periods: list[str] | None = None) -> list[str]:
    """Rebuild the transparency aggregates for the given months, or for every month changed since last time."""
    from tipline.services import transparency

    return transparency.refresh(periods)


@celery.task(name="tipline.sweep_triage")
def sweep_triage() -> int:
    """Queue triage again for tips still pending (broker was down, retries exhausted)."""
    from tipline.services import triage

    queued = triage.sweep_pending().queued
    db.session.commit()  # when the broker took them: the sweep leaves them alone for a while
    return queued


@celery.task(name="tipline.sla_remind")
def sla_remind() -> int:
    """Record the overdue digest per agency."""
    from tipline.services import sla

    return sum(len(lines) for lines in sla.remind().values())


@celery.task(name="tipline.retention")
def retention() -> dict:
    """Apply the deployment's retention periods."""
    from tipline.services import retention as service

    return service.run(dry_run=False).as_dict()


@celery.task(name="tipline.audit_anchor")
def audit_anchor() -> bool:
    """Append the audit chain's head to the anchor file, after verifying it against the heads written before."""
    from tipline.services import audit

    return audit.anchor().ok
