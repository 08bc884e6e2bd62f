"""Triage exactly once: the same pending tips triaged by two workers at once keep one result each and are moved to
the oversight body once; the sweep leaves alone what the broker already holds."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests.helpers import submit_tip
from tipline import create_app, tasks
from tipline.config import TestConfig
from tipline.extensions import db
from tipline.models import AuditEntry, Tip, TriageRecord
from tipline.models.types import utcnow
from tipline.services import triage

COMPLAINT = "A sheriff's deputy stopped my cousin on Ranch Road 9 and asked for cash to let him go. Case %d."
ORDINARY = "Case %d: a grey pickup unloads crates at the quarry gate near the river every night at dawn."
TIPS = 8  # of each kind
COLUMNS = "tip_id, model_version, language, spam, actionability, urgency, category_code, topics, factors, created_at"
SECOND_ROWS = f"INSERT INTO triage_results ({COLUMNS}, credibility) SELECT {COLUMNS}, 0.123 FROM triage_results"  # noqa: S608


def _config() -> dict:
    """The test settings as a dict."""
    return {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}


@pytest.fixture
def worker_app(app, tmp_path):
    """The app two worker threads share: on SQLite a second app on a file (in-memory SQLite is one connection),
    on PostgreSQL the session app, whose pool gives each thread its own connection."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        yield app
        return
    tasks.celery.finalize(auto=True)  # bind every task to the session app before a second app exists
    other = create_app({**_config(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'workers.sqlite'}"})
    tasks.init_app(app)
    with other.app_context():
        from flask_migrate import upgrade

        from tipline.services import deployment

        upgrade(revision="heads")
        deployment.load(deployment.read(deployment.DEMO_FILE))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _drain_queue(app) -> list[int]:
    """Take every message off the app's Celery queue (the in-memory broker): the tip ids of the triage tasks."""
    tip_ids = []
    with tasks.celery.connection_for_read() as conn:
        queue = conn.SimpleQueue(app.config["CELERY_QUEUE"], no_ack=True)
        try:
            while True:
                message = queue.get(block=False)
                if message.headers.get("task") == tasks.triage_tip.name:
                    tip_ids.append(message.payload[0][0])
        except queue.Empty:
            pass
        finally:
            queue.close()
    return tip_ids


@pytest.fixture
def broker(app, monkeypatch):
    """A broker that holds tasks instead of running them inline: Celery's in-memory transport."""
    monkeypatch.setitem(tasks.celery.conf, "task_always_eager", False)
    _drain_queue(app)
    yield
    _drain_queue(app)


def _submit_pending(app, texts: list[str]) -> list[int]:
    """Tips sent through the form while a broker holds their triage tasks: stored, pending, not triaged yet."""
    client = app.test_client()
    for body in texts:
        submit_tip(client, text=body, category="suspicious_vehicle")
    with app.app_context():
        ids = db.session.scalars(select(Tip.id).order_by(Tip.id)).all()
        assert set(db.session.scalars(select(Tip.triage_state))) == {"pending"}
    return list(ids)


def _triage_all(app, tip_ids: list[int], barrier: threading.Barrier, states: list, errors: list) -> None:
    """One worker: triage every tip in turn, as its queue delivers them."""
    with app.app_context():
        barrier.wait()
        try:
            states.extend(triage.triage_tip(tip_id) for tip_id in tip_ids)
        except Exception as exc:
            errors.append(exc)
        finally:
            db.session.remove()


def test_the_same_tips_triaged_twice_at_once_keep_one_result_and_move_to_oversight_once(app, worker_app, broker):
    texts = [COMPLAINT % i for i in range(TIPS)] + [ORDINARY % i for i in range(TIPS)]
    tip_ids = _submit_pending(worker_app, texts)
    with worker_app.app_context():
        assert triage.model() is not None  # loaded once here, not by both workers at a time
    barrier, states, errors = threading.Barrier(2), [], []
    workers = [
        threading.Thread(target=_triage_all, args=(worker_app, tip_ids, barrier, states, errors)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
    assert errors == []
    assert states == ["done"] * (2 * len(tip_ids))
    with worker_app.app_context():
        results = dict(
            db.session.execute(select(TriageRecord.tip_id, func.count()).group_by(TriageRecord.tip_id)).all()
        )
        moves = dict(
            db.session.execute(
                select(AuditEntry.tip_public_id, func.count())
                .where(AuditEntry.action == "tip.to_oversight")
                .group_by(AuditEntry.tip_public_id)
            ).all()
        )
        complaints = db.session.scalars(select(Tip.public_id).where(Tip.id.in_(tip_ids[:TIPS]))).all()
        queues = dict(db.session.execute(select(Tip.public_id, Tip.queue_state)).all())
    assert results == dict.fromkeys(tip_ids, 1)
    assert moves == dict.fromkeys(complaints, 1)  # triage took each complaint for one, and said so once
    assert {queues[c] for c in complaints} == {"oversight"}


def test_a_tips_triage_result_is_stored_once_by_constraint(app, client):
    submit_tip(client, text=ORDINARY % 1)
    with app.app_context():
        record = db.session.scalar(select(TriageRecord))
        copy = {c.name: getattr(record, c.name) for c in TriageRecord.__table__.columns if c.name != "id"}
        db.session.add(TriageRecord(**copy))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_sweep_run_twice_leaves_alone_the_tips_the_broker_already_holds(app, broker):
    tip_ids = _submit_pending(app, [ORDINARY % i for i in range(3)])
    runner = app.test_cli_runner()
    first, second = (runner.invoke(args=["triage", "sweep"]) for _ in range(2))
    assert first.exit_code == second.exit_code == 0
    assert "queued 0 of 0 pending tips; 3 queued less than 3600 s ago are left to the worker" in first.output
    assert sorted(_drain_queue(app)) == tip_ids  # each tip's task once: the one queued when it was sent


def test_a_pending_tip_whose_task_was_lost_is_queued_once_by_two_sweeps(app, broker):
    tip_ids = _submit_pending(app, [ORDINARY % i for i in range(3)])
    _drain_queue(app)  # the broker lost them (restarted without its data) more than a visibility timeout ago
    with app.app_context():
        for tip in db.session.scalars(select(Tip)):
            tip.triage_queued_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    runner = app.test_cli_runner()
    first, second = (runner.invoke(args=["triage", "sweep"]) for _ in range(2))
    assert "queued 3 of 3 pending tips" in first.output
    assert "queued 0 of 0 pending tips; 3 queued less than 3600 s ago are left to the worker" in second.output
    assert sorted(_drain_queue(app)) == tip_ids


def test_the_upgrade_keeps_one_stored_result_per_tip_the_one_officers_were_shown(app, client):
    from flask_migrate import downgrade, upgrade

    for i in range(2):
        submit_tip(client, text=ORDINARY % i)
    with app.app_context():
        db.session.remove()
        downgrade(revision="0022_agency_about")  # before this release two deliveries could store two rows
        db.session.remove()
        db.session.execute(text(SECOND_ROWS))
        db.session.commit()
        rows = db.session.execute(text("SELECT tip_id, MAX(id) FROM triage_results GROUP BY tip_id")).all()
        assert db.session.execute(text("SELECT count(*) FROM triage_results")).scalar_one() == 4
        db.session.remove()
        upgrade(revision="heads")
        db.session.remove()
        kept = db.session.execute(select(TriageRecord.tip_id, TriageRecord.id)).all()
        assert sorted(kept) == sorted(rows)
        assert {tip.triage.credibility for tip in db.session.scalars(select(Tip))} == {0.123}
