"""Outreach events: officers create them, residents find them, add them to a calendar and give feedback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests.helpers import csrf_token
from tipline.extensions import db
from tipline.models import Event, Feedback, Tip, User
from tipline.services import audit, events


def _user(role: str = "officer", agency: str = "rvpd", name: str = "officer1") -> User:
    user = User(
        username=name, display_name=name, password_hash=PasswordHasher().hash("pw-known"), role=role, agency_code=agency
    )
    db.session.add(user)
    db.session.commit()
    return user


def _login(client, user: User) -> None:
    """Log in by setting the session (strong session protection also needs the client's identifier)."""
    from flask_login.utils import _create_identifier

    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()
        s["_fresh"] = True
        s["_id"] = identifier


def _event(when: datetime | None = None, titles: dict | None = None, **extra) -> Event:
    draft = events.EventDraft(
        titles=titles or {"en": "Meet your police", "es": "Conozca a su policía"},
        descriptions={"en": "Questions and answers."},
        starts_local=(when or datetime.now(UTC) - timedelta(hours=2)).replace(tzinfo=None, second=0, microsecond=0),
        timezone="UTC",
        place="Community hall",
        organisers=["rvpd"],
        languages=["en", "es"],
    )
    event = events.create_event(draft)
    for key, value in extra.items():
        setattr(event, key, value)
    db.session.commit()
    return event


def test_officer_creates_an_event_and_residents_see_it_in_the_list(app, client):
    with app.app_context():
        _login(client, _user())
    token = csrf_token(client, "/officer/events/new")
    data = {
        "csrf_token": token,
        "title_en": "Coffee with a deputy",
        "title_ar": "قهوة مع ضابط",
        "starts": "2030-05-04T18:30",
        "timezone": "America/Denver",
        "place": "Library",
        "organisers": ["rvpd"],
        "languages": ["en", "ar"],
    }
    response = client.post("/officer/events/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert event.starts_at == datetime(2030, 5, 5, 0, 30, tzinfo=UTC)
        assert len(event.code) == 4 and event.code.isdigit()
        created = [e for e in audit.entries() if e.action == "event.create"]
        assert [(e.details["event"], e.actor != "system") for e in created] == [(event.code, True)]
    page = client.get("/events?lang=ar").get_data(as_text=True)
    assert "قهوة مع ضابط" in page, page[page.find("<main") :][:1500]

    # the time residents attend: the event's own zone, not the site's (UTC here: already 5 May)
    def page_of(url: str) -> str:
        text = client.get(url).get_data(as_text=True).replace("\u202f", " ")  # Babel's narrow space before PM
        return re.sub(r"</?bdi[^>]*>", "", text)  # the zone's name is isolated for right-to-left pages

    assert "May 4, 2030, 6:30 PM (America/Denver)" in page_of("/events?lang=en")
    assert "04/05/2030 18:30 (America/Denver)" in page_of("/events?lang=ht")
    page = page_of(f"/events/{event.code}?lang=en")
    assert "May 4, 2030, 6:30 PM (America/Denver)" in page
    assert '<dd id="organisers">Rio Verde Police Department</dd>' in page


def test_event_creation_is_refused_to_oversight_reviewers(app, client):
    with app.app_context():
        _login(client, _user(role="oversight", agency="oversight"))
    assert client.get("/officer/events/new").status_code == 403


def test_event_missing_in_visitors_language_falls_back_to_english_with_a_note(app, client):
    with app.app_context():
        code = _event(titles={"en": "Meet your police"}).code
    page = client.get(f"/events/{code}?lang=ht").get_data(as_text=True)
    assert "Meet your police" in page
    assert 'id="not-translated"' in page


def test_calendar_and_qr_code_are_served_by_our_site(app, client):
    with app.app_context():
        code = _event().code
    ics = client.get("/events.ics")
    assert ics.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in ics.data and b"Meet your police" in ics.data
    qr = client.get(f"/events/{code}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_web_feedback_is_recorded_and_organisers_see_exact_figures(app, client):
    with app.app_context():
        code = _event().code
        _login(client, _user())
    token = csrf_token(client, f"/f/{code}")
    response = client.post(
        f"/f/{code}", data={"csrf_token": token, "overall": "5", "heard": "4", "text": "Very useful evening."}
    )
    assert response.status_code == 200
    page = client.get(f"/officer/events/{code}").get_data(as_text=True)
    assert 'id="feedback-count">1<' in page
    assert "Very useful evening." in page


def test_feedback_summary_is_refused_to_other_agencies(app, client):
    with app.app_context():
        code = _event().code
        _login(client, _user(agency="rvso", name="deputy"))
    assert client.get(f"/officer/events/{code}").status_code == 403


def test_feedback_for_an_unknown_event_code_gets_a_clear_message(client):
    response = client.get("/f/0000?lang=es")
    assert response.status_code == 404
    assert "Ningún evento" in response.get_data(as_text=True)


def test_feedback_for_a_closed_event_is_refused(app, client):
    with app.app_context():
        code = _event(closed=True).code
        with pytest.raises(events.FeedbackError, match="closed"):
            events.submit_feedback(code, {"overall": 3}, None, "web")
    assert client.get(f"/f/{code}").status_code == 410


@pytest.mark.parametrize("value", [0, 6, "7", "abc", -1, "²", "٣", "9" * 5000])
def test_out_of_range_ratings_are_refused(app, value):
    with app.app_context():
        code = _event().code
        with pytest.raises(events.FeedbackError, match="rating"):
            events.submit_feedback(code, {"overall": value}, None, "web")


@pytest.mark.parametrize("value", ["9", "²", "9" * 5000])
def test_out_of_range_rating_on_the_web_form_shows_a_message(app, client, value):
    with app.app_context():
        code = _event().code
    token = csrf_token(client, f"/f/{code}")
    response = client.post(f"/f/{code}", data={"csrf_token": token, "overall": value})
    assert response.status_code == 400
    assert "from 1 to 5" in response.get_data(as_text=True)


def test_sms_feedback_is_accepted_once_per_sender(app):
    with app.app_context():
        code = _event().code
        events.submit_feedback(code, {"overall": 5}, "Great", "sms", sender_hash="h1")
        with pytest.raises(events.FeedbackError, match="duplicate"):
            events.submit_feedback(code, {"overall": 1}, None, "sms", sender_hash="h1")
        events.submit_feedback(code, {"overall": 2}, None, "sms", sender_hash="h2")
        assert db.session.query(Feedback).count() == 2


def test_tip_hidden_in_feedback_becomes_a_tip_through_intake(app, client):
    with app.app_context():
        code = _event().code
        feedback = events.submit_feedback(code, {}, "There is a stash house behind the old bakery on 5th.", "web")
        _login(client, _user())
        fid = feedback.id
    token = csrf_token(client, f"/officer/events/{code}")
    response = client.post(f"/officer/events/{code}/feedback/{fid}/convert", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        feedback = db.session.get(Feedback, fid)
        tip = db.session.get(Tip, feedback.converted_tip_id)
        assert tip.text.startswith("There is a stash house")
        assert tip.channel == "web"
        assert "feedback.convert" in [e.action for e in audit.entries(tip.public_id)]


def test_an_event_code_typed_in_arabic_indic_digits_opens_its_form(app, client):
    with app.app_context():
        code = _event().code
    arabic = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in code)
    token = csrf_token(client, "/events?lang=ar")
    response = client.post("/feedback?lang=ar", data={"code": arabic, "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith(f"/f/{code}")


def test_a_mistyped_event_code_can_be_typed_again_on_the_same_page(client):
    page = client.get("/f/0000?lang=ht").get_data(as_text=True)
    assert 'name="code"' in page and 'dir="ltr"' in page
    assert 'action="/feedback"' in page


def test_feedback_opens_when_the_event_starts(app, client):
    with app.app_context():
        code = _event(when=datetime.now(UTC) + timedelta(days=3)).code
    page = client.get(f"/events/{code}?lang=es").get_data(as_text=True)
    assert "La opinión sobre este evento se abre cuando empiece el evento." in page
    assert f'href="/f/{code}"' not in page  # no "Give feedback" button before it starts
    early = client.get(f"/f/{code}?lang=es")
    assert early.status_code == 409
    assert "La opinión sobre este evento se abre cuando empiece el evento." in early.get_data(as_text=True)
    with app.app_context(), pytest.raises(events.FeedbackError, match="not_started"):
        events.submit_feedback(code, {"overall": "5"}, None, "web")


def test_an_event_with_an_untranslated_description_says_so(app, client):
    with app.app_context():
        code = _event().code  # a Spanish title, an English description
    page = client.get(f"/events/{code}?lang=es").get_data(as_text=True)
    assert "Conozca a su policía" in page
    assert "Parte del texto de este evento no está disponible en su idioma" in page


def test_a_browser_gives_feedback_on_an_event_once_and_another_browser_still_can(app, client):
    with app.app_context():
        code = _event().code
    token = csrf_token(client, f"/f/{code}")
    assert client.post(f"/f/{code}", data={"csrf_token": token, "overall": "5"}).status_code == 200
    again = client.post(f"/f/{code}?lang=es", data={"csrf_token": token, "overall": "1"})
    assert again.status_code == 409
    assert "Ya recibimos su opinión sobre este evento. Gracias." in again.get_data(as_text=True)
    assert 'name="overall"' not in client.get(f"/f/{code}").get_data(as_text=True)  # no form to fill in again
    event_page = client.get(f"/events/{code}").get_data(as_text=True)
    assert "Ya recibimos su opinión sobre este evento." in event_page  # the language chosen above stays
    assert f'href="/f/{code}"' not in event_page
    other = app.test_client()
    assert (
        other.post(f"/f/{code}", data={"csrf_token": csrf_token(other, f"/f/{code}"), "overall": "2"}).status_code
        == 200
    )
    with app.app_context():
        assert sorted(f.ratings["overall"] for f in db.session.scalars(select(Feedback))) == [2, 5]


def test_web_feedback_from_one_address_is_limited_per_hour(app, monkeypatch):
    monkeypatch.setitem(app.config, "EVENT_FEEDBACK_RATE_LIMIT", "2 per hour")
    with app.app_context():
        code = _event().code
    statuses = []
    for _ in range(3):  # three browsers behind one address
        browser = app.test_client()
        token = csrf_token(browser, f"/f/{code}")
        statuses.append(browser.post(f"/f/{code}?lang=fr", data={"csrf_token": token, "overall": "5"}))
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert "Trop de tentatives" in statuses[-1].get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Feedback)).all()) == 2


def test_an_officer_cannot_name_only_other_agencies_as_organisers(app, client):
    with app.app_context():
        _login(client, _user())  # an officer of rvpd
    data = {
        "csrf_token": csrf_token(client, "/officer/events/new"),
        "title_en": "Meeting in another agency's name",
        "starts": "2030-05-04T18:30",
        "timezone": "UTC",
        "place": "Library",
        "organisers": ["rvso"],
    }
    refused = client.post("/officer/events/new?lang=es", data=data)
    assert refused.status_code == 400
    assert "Su propia agencia debe estar entre las organizadoras." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Event)).all() == []
    assert client.post("/officer/events/new", data={**data, "organisers": ["rvso", "rvpd"]}).status_code == 302


def test_a_calendar_file_is_named_by_the_stored_code(app, client):
    with app.app_context():
        code = _event().code
    response = client.get(f"/events/%20{code}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"inline; filename={code}.ics"
