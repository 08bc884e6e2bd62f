"""Learning from officers: retrain the category model on confirmed labels, promote only if not worse, roll back."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from tipline.extensions import db
from tipline.models import ModelVersion, Tip
from tipline.services import audit

log = logging.getLogger(__name__)


def _store() -> Path:
    """Folder of the saved category models."""
    return Path(current_app.config.get("CATEGORY_MODEL_DIR") or Path(current_app.instance_path) / "category_models")


def confirmed_labels() -> tuple[list[str], list[str], list[str]]:
    """Texts, officer-confirmed categories and languages of tips whose content is still held."""
    rows = db.session.execute(
        select(Tip.text, Tip.category_code, Tip.language).where(
            Tip.category_confirmed.is_(True), Tip.purged_at.is_(None), Tip.category_code.is_not(None)
        )
    ).all()
    return [r.text for r in rows], [r.category_code for r in rows], [r.language for r in rows]


def active_version() -> ModelVersion | None:
    """The promoted model in use, if any (otherwise the deployment's keyword patterns decide)."""
    return db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))


def load_active():
    """The category model in use, loaded with its trusted types, or None (also when its file is missing or
    damaged: triage then categorises with the deployment's keyword patterns, and says so in the log)."""
    version = active_version()
    if version is None:
        return None
    from ml.artefacts import load_category_model

    try:
        return load_category_model(Path(version.path))
    except (FileNotFoundError, ValueError) as exc:  # ArtefactError is a ValueError
        log.warning("category model %s unusable, using the keyword patterns: %s", version.version, exc)
        return None


def _current_categoriser(model):
    """What a candidate must not be worse than: the model in use, else the keyword patterns."""
    return load_active() or model.keywords


def retrain(model) -> ModelVersion:
    """Train a candidate on confirmed labels, evaluate on held-out confirmed labels, record it, promote if not worse."""
    from ml.artefacts import save_category_model
    from ml.categories import train_category_model

    texts, labels, langs = confirmed_labels()
    result = train_category_model(texts, labels, langs, _current_categoriser(model))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    version = ModelVersion(
        version=f"categories-{stamp}",
        examples=len(texts),
        candidate_score=result.candidate_score,
        current_score=result.current_score,
        promoted=result.promoted,
        reason=result.reason,
    )
    if result.promoted:
        path = _store() / version.version
        save_category_model(path, result.model, {"version": version.version, "examples": len(texts)})
        version.path = str(path)
        db.session.execute(update(ModelVersion).values(active=False))
        version.active = True
    db.session.add(version)
    audit.record(
        "system",
        "model.retrain",
        version=version.version,
        promoted=result.promoted,
        candidate=round(result.candidate_score, 4),
        current=round(result.current_score, 4),
    )
    db.session.commit()
    return version


def rollback(to: str | None = None) -> ModelVersion | None:
    """Use an earlier promoted version (the one before the active one by default), or the keywords (None)."""
    promoted = db.session.scalars(
        select(ModelVersion).where(ModelVersion.promoted.is_(True)).order_by(ModelVersion.id)
    ).all()
    current = active_version()
    if to is not None:
        target = next((v for v in promoted if v.version == to), None)
        if target is None:
            raise LookupError(f"no promoted model version '{to}'")
    else:
        earlier = [v for v in promoted if current is not None and v.id < current.id]
        target = earlier[-1] if earlier else None
    db.session.execute(update(ModelVersion).values(active=False))
    if target is not None:
        target.active = True
    audit.record("system", "model.rollback", to=target.version if target else "keywords")
    db.session.commit()
    return target


def versions() -> list[ModelVersion]:
    """Every retraining attempt, oldest first."""
    return list(db.session.scalars(select(ModelVersion).order_by(ModelVersion.id)))
