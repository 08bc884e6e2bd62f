"""Learning from officers: `tipline ml retrain` trains on confirmed categories, evaluates on held-out confirmed
labels, promotes only if not worse than what is in use, records every version, and can roll back.

Thrown at it: too few confirmed labels (refused, nothing changes), then enough labels (promoted, used by
triage), then a rollback (back to the keyword patterns).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from tipline.extensions import db
from tipline.models import ModelVersion, Tip
from tipline.services import intake, triage

BOATS = "Two men unload heavy boxes from a small boat at the river bank near mile marker {i} before sunrise."
PILLS = "A woman sells pills and small bags of powder from a car behind the laundromat on street {i} at noon."


def _confirmed(app, template: str, category: str, count: int) -> None:
    with app.app_context():
        for i in range(count):
            tip, _code = intake.submit_tip(intake.Submission(text=template.format(i=i), ui_language="en"))
            db.session.execute(
                update(Tip).where(Tip.id == tip.id).values(category_code=category, category_confirmed=True)
            )
        db.session.commit()


def _ml(app, *args):
    return app.test_cli_runner().invoke(args=["ml", *args])


def test_too_few_confirmed_labels_are_refused(app):
    _confirmed(app, BOATS, "smuggling", 3)
    result = _ml(app, "retrain")
    assert result.exit_code == 0, result.output
    assert "not promoted (not enough confirmed labels per category)" in result.output
    with app.app_context():
        assert db.session.scalar(select(ModelVersion.active)) is False


def test_enough_labels_promote_a_model_that_triage_uses_and_rollback_returns_to_keywords(app):
    _confirmed(app, BOATS, "smuggling", 24)
    _confirmed(app, PILLS, "drugs", 24)
    result = _ml(app, "retrain")
    assert "promoted and in use" in result.output, result.output
    with app.app_context():
        triage.reload_model()
        scored = triage.model().score(["Men unload boxes from a boat at the river bank at dawn."])[0]
        assert scored.category == "smuggling"
    listing = _ml(app, "versions").output
    assert listing.startswith("* categories-")
    assert "promoted" in listing
    assert "in use: the deployment keyword patterns" in _ml(app, "rollback").output
    with app.app_context():
        assert db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True))) is None
        triage.reload_model()


def test_a_damaged_category_model_falls_back_to_the_keyword_patterns(app):
    _confirmed(app, BOATS, "smuggling", 24)
    _confirmed(app, PILLS, "drugs", 24)
    assert "promoted and in use" in _ml(app, "retrain").output
    with app.app_context():
        version = db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))
        for path in Path(version.path).iterdir():
            path.write_bytes(b"damaged")
        triage.reload_model()
        scored = triage.model().score(["Men unload boxes from a boat at the river bank at dawn."])[0]
        assert scored.spam is not None  # the triage model itself still scores tips
    result = _ml(app, "retrain")  # compared with the keyword patterns, not a traceback
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
