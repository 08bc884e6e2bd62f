"""A tip sent while the triage model is still loading waits for it instead of being marked "unavailable"."""

from __future__ import annotations

import threading

from tipline.extensions import db
from tipline.models import Tip
from tipline.services import intake, triage


def test_a_model_that_is_loading_is_never_reported_as_missing(app):
    with app.app_context():
        triage.reload_model()
    loaded: list[object] = []

    def load() -> None:
        with app.app_context():
            loaded.append(triage.model())

    first = threading.Thread(target=load)
    first.start()
    while "tipline_triage" not in app.extensions and first.is_alive():
        first.join(0.01)  # until the loader has published something (before: None at once; now: the model)
    with app.app_context():
        seen = triage.model()  # a request arriving during the load
    first.join()
    assert seen is not None and seen is loaded[0]


def test_demo_start_loads_the_model_and_triages_a_tip_left_untriaged(app):
    with app.app_context():
        tip = intake.submit_tip(
            intake.Submission(text="A boat unloads boxes at the old pier at night", ui_language="en")
        )[0]
        tip.triage_state = "unavailable"  # sent while an earlier process had no model
        db.session.commit()
        tip_id = tip.id
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Loading the triage model" in result.output and "Triage model ready" in result.output
    with app.app_context():
        assert db.session.get(Tip, tip_id).triage_state == "done"
