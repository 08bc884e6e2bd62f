"""Outreach events: creation, the public calendar, feedback (web and SMS) and turning hidden tips into tips."""

from __future__ import annotations

import secrets
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tipline.extensions import db
from tipline.models import Event, Feedback
from tipline.models.types import utcnow
from tipline.services import audit, intake, triage
from tipline.services.aggregates import QUESTIONS

FEEDBACK_DAYS = 30
QUESTION_LABELS = {  # the feedback questions as the public pages and the organisers' summary name them
    "overall": _l("Overall rating of the event"),
    "heard": _l("Did you feel heard?"),
    "would_report": _l("Would you report to us?"),
}
FEEDBACK_ERRORS = {
    "unknown": _l("No event has this code. Please check the code printed in the room."),
    "closed": _l("Feedback for this event is closed. Thank you for your interest."),
    "not_started": _l("Feedback for this event opens when the event starts. Please come back then."),
    "rating": _l("Each answer must be a number from 1 to 5."),
    "duplicate": _l("We already have your feedback for this event. Thank you."),
    "empty": _l("Please answer at least one question or write a comment."),
}


class FeedbackError(ValueError):
    """Feedback refused: 'unknown' event, 'not_started' or 'closed' event, 'rating' out of range, 'duplicate' or
    'empty'."""


@dataclass
class EventDraft:
    """What an officer typed to create an event, as plain values."""

    titles: dict[str, str]
    descriptions: dict[str, str]
    starts_local: datetime  # naive, in `timezone`
    timezone: str
    place: str
    organisers: list[str]
    languages: list[str] = field(default_factory=list)


def _new_code() -> str:
    """A free 4-digit code."""
    while True:
        code = str(secrets.randbelow(9000) + 1000)
        if db.session.scalar(select(Event.id).where(Event.code == code)) is None:
            return code


def create_event(draft: EventDraft, created_by_id: int | None = None, actor: str = "system") -> Event:
    """Store a new event with a fresh short code and its audit entry; commit once."""
    starts_at = draft.starts_local.replace(tzinfo=ZoneInfo(draft.timezone))
    event = Event(
        code=_new_code(),
        titles={k: v for k, v in draft.titles.items() if v},
        descriptions={k: v for k, v in draft.descriptions.items() if v},
        starts_at=starts_at,
        timezone=draft.timezone,
        place=draft.place,
        organisers=list(draft.organisers),
        languages=list(draft.languages),
        feedback_until=starts_at + timedelta(days=FEEDBACK_DAYS),
        created_by_id=created_by_id,
    )
    db.session.add(event)
    audit.record(actor, "event.create", event=event.code, starts_at=starts_at.isoformat(), organisers=event.organisers)
    db.session.commit()
    return event


def find(code: str) -> Event | None:
    """The event with this short code."""
    return db.session.scalar(select(Event).where(Event.code == (code or "").strip()))


def listing(now: datetime | None = None) -> tuple[list[Event], list[Event]]:
    """Upcoming events (soonest first) and past events (latest first)."""
    now = now or utcnow()
    upcoming = db.session.scalars(select(Event).where(Event.starts_at >= now).order_by(Event.starts_at)).all()
    past = db.session.scalars(select(Event).where(Event.starts_at < now).order_by(Event.starts_at.desc())).all()
    return list(upcoming), list(past)


def feedback_refusal(event: Event, now: datetime | None = None) -> str | None:
    """None while feedback is open (from the event's start until it is closed or its deadline passes), else why:
    'not_started' or 'closed'."""
    now = now or utcnow()
    if event.starts_at is not None and now < event.starts_at:
        return "not_started"
    if event.closed or (event.feedback_until is not None and now > event.feedback_until):
        return "closed"
    return None


def accepts_feedback(event: Event, now: datetime | None = None) -> bool:
    """Feedback is open from the event's start until it is closed or its deadline has passed."""
    return feedback_refusal(event, now) is None


RATINGS = {"1", "2", "3", "4", "5"}


def _clean_ratings(ratings: dict) -> dict[str, int]:
    """Keep answered questions; refuse anything outside 1–5 or an unknown question."""
    clean = {}
    for question, value in (ratings or {}).items():
        if value in (None, ""):
            continue
        if question not in QUESTIONS or str(value).strip() not in RATINGS:
            raise FeedbackError("rating")
        clean[question] = int(str(value).strip())
    return clean


def submit_feedback(
    code: str, ratings: dict, text: str | None, channel: str, sender_hash: str | None = None
) -> Feedback:
    """Record feedback about an event; one per SMS sender per event. Raises FeedbackError."""
    event = find(code)
    if event is None:
        raise FeedbackError("unknown")
    refusal = feedback_refusal(event)
    if refusal:
        raise FeedbackError(refusal)
    clean, text = _clean_ratings(ratings), (text or "").strip() or None
    if not clean and not text:
        raise FeedbackError("empty")
    if sender_hash and db.session.scalar(
        select(Feedback.id).where(Feedback.event_id == event.id, Feedback.sender_hash == sender_hash)
    ):
        raise FeedbackError("duplicate")
    language = triage.detect_language(text) if text else "und"
    spam = triage.spam_score(text) if text else None
    feedback = Feedback(
        event_id=event.id,
        ratings=clean,
        text=text,
        channel=channel,
        sender_hash=sender_hash,
        language=language,
        spam=spam,
    )
    db.session.add(feedback)
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same sender, twice at the same moment
        db.session.rollback()
        raise FeedbackError("duplicate") from exc
    return feedback


def can_manage(user, event: Event) -> bool:
    """Admins and staff of an organising agency see exact figures and the feedback text."""
    return user.role == "admin" or user.agency_code in (event.organisers or [])


def summary(event: Event) -> dict:
    """Exact figures for the organisers: count, answers and average per question, text feedback."""
    items = list(event.feedback)
    per_question = {}
    for question in QUESTIONS:
        values = [fb.ratings[question] for fb in items if question in (fb.ratings or {})]
        per_question[question] = (len(values), round(statistics.fmean(values), 2) if values else None)
    texts = sorted((fb for fb in items if fb.text), key=lambda fb: fb.id)
    return {"count": len(items), "questions": per_question, "texts": texts}


def convert_to_tip(feedback_id: int, actor: str = "system") -> Feedback:
    """Turn a tip hidden in feedback into a tip through intake, mark the feedback converted, audit it."""
    feedback = db.session.get(Feedback, feedback_id)
    if feedback is None or not feedback.text:
        raise FeedbackError("unknown")
    if feedback.converted_tip_id is None:
        language = feedback.language if feedback.language != "und" else "en"
        sub = intake.Submission(text=feedback.text, ui_language=language, channel=feedback.channel)
        tip, _receipt = intake.submit_tip(sub)  # the sender is anonymous: nobody to give a receipt to
        feedback.converted_tip_id = tip.id
        audit.record(actor, "feedback.convert", tip.public_id, feedback=feedback.id, event_id=feedback.event_id)
        db.session.commit()
    return feedback
