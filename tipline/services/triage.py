"""Triage seam between intake and the ml/ library: language detection inline, scoring after commit."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ml.credibility import CORROBORATING, TEMPLATES, WEIGHTS
from tipline import tasks
from tipline.extensions import db
from tipline.models import Tip, TriageRecord
from tipline.models.types import utcnow

log = logging.getLogger(__name__)

INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # both have INSERT ... ON CONFLICT DO NOTHING


class Sweep(NamedTuple):
    """What one sweep did: tips queued, tips due (found), and tips left alone because the broker holds their task."""

    queued: int
    found: int
    held: int


_LOADING = threading.Lock()  # one load per process; a request arriving meanwhile waits for it


def _model():
    """The loaded triage model for this process, or None when no model is available."""
    ext = current_app.extensions
    if "tipline_triage" not in ext:
        with _LOADING:
            if "tipline_triage" not in ext:  # published only when loaded: a loading model is never "missing"
                ext["tipline_triage"] = _load_model()
    return ext["tipline_triage"]


def _load_model():
    """Load the triage model with the deployment's vocabulary, or None when it is disabled or unavailable."""
    if not current_app.config["TRIAGE_ENABLED"]:
        return None
    try:
        from ml.predict import Triage

        gazetteer, patterns = _deployment_vocabulary()
        model = Triage.load(
            current_app.config.get("TRIAGE_MODEL_DIR"),
            gazetteer=gazetteer,
            category_patterns=patterns,
            languages=current_app.config["LANGUAGES"],
        )
        from tipline.services import learning

        model.use_category_model(learning.load_active())
        return model
    except (ImportError, FileNotFoundError, ValueError) as exc:  # ArtefactError is a ValueError
        log.warning("triage model unavailable: %s", exc)
        return None


def _deployment_vocabulary() -> tuple[list[str], dict]:
    """Place names of the gazetteer and keyword patterns of the categories, for the model's rules."""
    from sqlalchemy import select

    from tipline.models import Category, Place

    names = [name for place in db.session.scalars(select(Place)) for name in place.names]
    patterns = {c.code: c.patterns for c in db.session.scalars(select(Category)) if c.patterns}
    return names, patterns


def detect_language(text: str) -> str:
    """Language of a text among the deployment's languages, or 'und'."""
    try:
        from ml.language import detect_language as detect
    except ImportError:
        return "und"
    return detect(text, languages=current_app.config["LANGUAGES"])


def note_queued(tip: Tip) -> None:
    """Before a new tip's commit: its triage is about to be handed to a broker, so the sweep leaves it alone."""
    if not tasks.runs_inline():
        tip.triage_queued_at = utcnow()


def enqueue(tip_id: int) -> bool:
    """Queue a committed tip's triage after the response (see tasks.after_response); False if it must wait for the
    sweep."""
    return tasks.after_response(publish, tip_id) or _leave_to_sweep(tip_id)


def publish(tip_id: int) -> bool:
    """Send one tip's triage to the worker (or run it, without a broker); one the broker refused is the sweep's."""
    return tasks.dispatch(tasks.triage_tip, tip_id) or _leave_to_sweep(tip_id)


def _leave_to_sweep(tip_id: int) -> bool:
    """No broker holds this pending tip's task after all: the next sweep takes it (commits); returns False."""
    if not tasks.runs_inline():
        db.session.execute(
            update(Tip).where(Tip.id == tip_id, Tip.triage_state == "pending").values(triage_queued_at=None)
        )
        db.session.commit()
    return False


def sweep_pending(limit: int = 500, before: datetime | None = None) -> Sweep:
    """Queue triage again for tips left pending (broker was down, worker died), and for tips met while no model
    could be loaded once one can, only those submitted before `before` if given (flushes; the caller commits).

    A pending tip handed to a broker less than CELERY_VISIBILITY_TIMEOUT ago is left alone: its task is still
    waiting in the queue, running, or (its worker lost) due to be delivered again by the broker itself.
    """
    states = ["pending", "unavailable"] if model() is not None else ["pending"]
    since = utcnow() - timedelta(seconds=current_app.config["CELERY_VISIBILITY_TIMEOUT"])
    held = [Tip.triage_state == "pending", Tip.triage_queued_at >= since]
    due = or_(Tip.triage_state != "pending", Tip.triage_queued_at.is_(None), Tip.triage_queued_at < since)
    query = select(Tip.id).where(Tip.triage_state.in_(states), due)
    if before is not None:
        query = query.where(Tip.created_at < before)
        held.append(Tip.created_at < before)
    ids = db.session.scalars(query.order_by(Tip.id).limit(limit)).all()
    queued = [tip_id for tip_id in ids if tasks.dispatch(tasks.triage_tip, tip_id)]
    if queued and not tasks.runs_inline():  # the broker holds them now (an unavailable tip is pending again)
        db.session.execute(
            update(Tip)
            .where(Tip.id.in_(queued), Tip.triage_state != "done")
            .values(triage_queued_at=utcnow(), triage_state="pending")
        )
    waiting = db.session.scalar(select(func.count()).select_from(Tip).where(*held))
    return Sweep(len(queued), len(ids), waiting)


def similar_tips(tip: Tip, *conditions, threshold: float = CORROBORATING, days: int = 30, limit: int = 200):
    """Other recent tips (matching extra SQL conditions) whose text resembles this one: [(tip, score)], best first."""
    from datetime import timedelta

    from sqlalchemy import select

    since = tip.created_at - timedelta(days=days)
    query = select(Tip).where(Tip.id != tip.id, Tip.created_at >= since, Tip.purged_at.is_(None), *conditions)
    rows = db.session.scalars(query.order_by(Tip.id.desc()).limit(limit)).all()
    by_id = {t.id: t for t in rows}
    return [(by_id[i], score) for i, score in similar(tip.text, [(t.id, t.text) for t in rows], threshold)]


def _corroboration(tip: Tip) -> float:
    """Highest similarity of a tip to the other tips of the last 30 days (the model's corroboration factor).

    Complaints and other tips never corroborate each other: the score and its reason sentence would tell the
    officers of an accused agency that a similar complaint exists.
    """
    complaint = Tip.queue_state == "oversight"
    found = similar_tips(tip, complaint if tip.queue_state == "oversight" else ~complaint, threshold=0.0)
    return found[0][1] if found else 0.0


def triage_tip(tip_id: int) -> str:
    """Score a tip and store the result with the model version, once: a second delivery of the same task, even
    one running at the same time, stores nothing and moves nothing; returns the tip's triage state."""
    # PostgreSQL: a second delivery of the same tip waits here for the first to commit, then reads "done"; SQLite
    # ignores the lock, and there the second delivery loses its insert below
    db.session.execute(select(Tip.id).where(Tip.id == tip_id).with_for_update())
    tip = db.session.get(Tip, tip_id, populate_existing=True)
    if tip is None:
        return "missing"
    if tip.triage_state == "done":  # a redelivered task: exactly one result per tip
        return tip.triage_state
    model = _model()
    if model is None:
        db.session.execute(
            update(Tip).where(Tip.id == tip_id, Tip.triage_state != "done").values(triage_state="unavailable")
        )
        db.session.commit()
        return "unavailable"
    result = model.score(
        [tip.text],
        attachments=[len(tip.attachments)],
        corroboration=[_corroboration(tip)],
        answered_followups=[sum(1 for m in tip.messages if m.author_role == "sender")],
    )[0]
    if not _store_once(tip_id, result):  # a concurrent delivery stored its result first, and did the rest
        db.session.rollback()
        # a tip whose stored result was never marked (its state set by hand, say) is triaged all the same
        db.session.execute(update(Tip).where(Tip.id == tip_id, Tip.triage_state != "done").values(triage_state="done"))
        db.session.commit()
        return "done"
    db.session.expire(tip)  # read again in this transaction: the queue the tip is in now, not when scoring began
    tip.triage_state = "done"
    from tipline.services import casework, queue

    score = queue.priority_score(
        result.actionability, result.credibility, result.urgency, result.spam, result.relevance
    )
    casework.after_triage(tip, score)
    db.session.commit()
    return tip.triage_state


def _record(tip_id: int, result) -> dict:
    """The columns of a tip's triage record."""
    return {
        "tip_id": tip_id,
        "model_version": result.model_version,
        "language": result.language,
        "spam": result.spam,
        "actionability": result.actionability,
        "credibility": result.credibility,
        "relevance": result.relevance,
        "urgency": result.urgency,
        "category_code": result.category,
        "topics": list(result.topics),
        "factors": [
            {"name": f.name, "contribution": f.contribution, "template": f.template, "params": f.params}
            for f in result.factors
        ],
    }


def store_result(tip: Tip, result) -> None:
    """Add a triage result to the session as the tip's record (the caller sets the state and commits; for tips no
    other process can be triaging, such as the demo's example history)."""
    db.session.add(TriageRecord(**_record(tip.id, result)))


def _store_once(tip_id: int, result) -> bool:
    """Insert a tip's triage result unless one is stored already; True if this one was."""
    insert = INSERT[db.session.get_bind().dialect.name]
    statement = insert(TriageRecord).values(**_record(tip_id, result))
    stored = statement.on_conflict_do_nothing(index_elements=["tip_id"]).returning(TriageRecord.id)
    return db.session.execute(stored).first() is not None


def count_answer(tip: Tip) -> None:
    """The sender wrote after an officer's message: the stored score's follow-up factor now counts (before commit)."""
    record = tip.triage
    factors = list(record.factors) if record is not None else []
    followup = next((f for f in factors if f["name"] == "followups"), None)
    asked = any(m.author_role == "officer" for m in tip.messages)
    if followup is None or followup["contribution"] > 0 or not asked:
        return
    weight = WEIGHTS["followups"]
    factors[factors.index(followup)] = {**followup, "contribution": weight, "template": TEMPLATES["followups"][0]}
    record.factors = factors  # a new list, so the JSON column is written
    record.credibility = round(min(1.0, record.credibility + weight), 4)
    from tipline.services import queue

    score = queue.priority_score(
        record.actionability, record.credibility, record.urgency, record.spam, record.relevance
    )
    tip.priority_key = queue.priority_key(score, tip.created_at)


def mask(text: str, language: str) -> str:
    """Text with phone numbers, e-mail addresses, plates and URLs masked (for any view but the tip itself)."""
    try:
        from ml.features import mask_personal_data
    except ImportError:
        return text
    return mask_personal_data(text, language if language != "und" else "en")


def similar(text: str, candidates: list[tuple[int, str]], threshold: float = CORROBORATING) -> list[tuple[int, float]]:
    """Candidates (id, text) whose text is similar to `text`, most similar first."""
    if not candidates:
        return []
    try:
        from ml.features import similarity_matrix
    except ImportError:
        return []
    scores = similarity_matrix([text], [t for _, t in candidates])[0]
    ranked = sorted(((cid, float(s)) for (cid, _), s in zip(candidates, scores, strict=True)), key=lambda p: -p[1])
    return [(cid, s) for cid, s in ranked if s >= threshold]


def reasons(record: TriageRecord | None) -> list[dict]:
    """The stored factors with their English templates and parameters (translated by the page)."""
    return list(record.factors) if record is not None else []


def spam_score(text: str) -> float | None:
    """The triage model's spam score for a short text (event feedback), or None when no model is loaded."""
    try:
        model = _model()
        return None if model is None else float(model.score([text], attachments=[0])[0].spam)
    except Exception:  # a scoring failure must never lose the feedback
        log.exception("spam scoring failed")
        return None


def model():
    """The loaded triage model (None when unavailable), for commands that retrain parts of it."""
    return _model()


def reload_model() -> None:
    """Forget the loaded model so the next use picks up a promoted or rolled-back category model."""
    current_app.extensions.pop("tipline_triage", None)
