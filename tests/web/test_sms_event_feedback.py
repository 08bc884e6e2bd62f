"""Feedback on an outreach event by SMS: `EVENT 4821 5 comment` (or EVENTO/ÉVÉNEMENT/EVÈNMAN/فعالية).

Thrown at it: an unknown code, a rating out of range, the same number twice (one feedback per number per event),
a text that merely mentions an event (a normal tip). Each gets a clear reply in the sender's language.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import open_event
from tests.sms_helpers import post_sms, reply_text
from tipline.extensions import db
from tipline.models import Feedback, Tip

pytestmark = pytest.mark.usefixtures("each_channel")  # every test once per registered channel


@pytest.fixture
def event_code(app):
    return open_event(app, organisers=("rvpd",), titles={"en": "Meet your police", "es": "Conozca a su policía"})


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_sms_feedback_is_recorded_once_per_number(app, client, event_code, each_channel):
    first = post_sms(client, app, f"EVENTO {event_code} 5 Nos escucharon con respeto, gracias")
    assert reply_text(first) == "Gracias"
    with app.app_context():
        feedback = db.session.scalar(select(Feedback))
        assert (feedback.ratings, feedback.channel, feedback.language) == ({"overall": 5}, each_channel, "es")
    again = post_sms(client, app, f"EVENT {event_code} 1")  # the universal word: in the sender's language
    assert reply_text(again) == "Ya recibimos su opinión sobre este evento. Gracias."
    assert _count(app, Feedback) == 1
    assert _count(app, Tip) == 0


def test_unknown_code_and_out_of_range_rating_get_clear_answers(app, client, event_code):
    assert "No event has this code" in reply_text(post_sms(client, app, "EVENT 0000 4"))
    assert "number from 1 to 5" in reply_text(post_sms(client, app, f"EVENT {event_code} 9 great"))
    assert _count(app, Feedback) == 0


def test_a_text_that_mentions_an_event_is_a_normal_tip(app, client, event_code):
    post_sms(client, app, "At the event yesterday a man was selling pills in the parking lot")
    assert _count(app, Tip) == 1
    assert _count(app, Feedback) == 0


def test_feedback_is_answered_in_the_language_of_the_word_used(app, client, event_code):
    assert reply_text(post_sms(client, app, f"EVÈNMAN {event_code} 5 te bon anpil")) == "Mèsi"
    again = reply_text(post_sms(client, app, f"evènman {event_code} 4"))
    assert "already" not in again and again == reply_text(post_sms(client, app, f"EVENT {event_code} 3"))
    assert reply_text(post_sms(client, app, f"فعالية {event_code} 4", sender="+15205550999")) == "شكرًا لك"
