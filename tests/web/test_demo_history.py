"""The demo's year of example history: the transparency page shows charts, a map and open data at once."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from tipline.demo import history
from tipline.extensions import db
from tipline.models import Event, Tip
from tipline.services import transparency

pytestmark = pytest.mark.slow  # the figures of 13 months are protected one month at a time


def test_demo_history_fills_the_transparency_page_with_marked_example_tips(app):
    with app.app_context():
        made = history.seed_history(random.Random(7))
        transparency.refresh()
        languages = set(db.session.scalars(select(Tip.language).distinct()))
        channels = set(db.session.scalars(select(Tip.channel).distinct()))
        assert made > 12 * 20 and languages == {"en", "es", "fr", "ar", "ht"} and channels == {"web", "sms"}
        assert all(tip.text.startswith("[Example] ") for tip in db.session.scalars(select(Tip)))
        assert db.session.scalar(select(func.count(Event.id))) == 12
        assert history.seed_history() == 0  # once
    client = app.test_client()
    page = client.get("/transparency/", follow_redirects=True).get_data(as_text=True)
    assert "No figures are published yet" not in page
    assert page.count("<svg") >= 5 and "City of Rio Verde" in page  # charts and the area map
    csv = client.get("/transparency/tips_by_month.csv").get_data(as_text=True).splitlines()
    assert len(csv) - 1 >= 11  # a year of months, less those not yet old enough to publish
