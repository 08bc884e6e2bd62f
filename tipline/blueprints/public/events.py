"""Public event pages: list, calendar, event page, QR code and the feedback form."""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, session, url_for

from tipline.blueprints.public import bp
from tipline.blueprints.public.event_forms import EventCodeForm, FeedbackForm
from tipline.extensions import limiter
from tipline.i18n import current_language
from tipline.services import calendar, catalog, events, transparency

FEEDBACK_ERRORS = events.FEEDBACK_ERRORS


def _event_or_404(code: str):
    """The event with this code, or a 404 page."""
    event = events.find(code)
    if event is None:
        abort(404)
    return event


@bp.get("/events")
def event_list():
    """Upcoming and past outreach events."""
    upcoming, past = events.listing()
    return render_template("events/list.html", upcoming=upcoming, past=past, form=EventCodeForm(formdata=None))


@bp.get("/events.ics")
def event_calendar():
    """Every event as an iCalendar file."""
    body = calendar.ics(events.listing()[0] + events.listing()[1], current_language(), _base())
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": "inline; filename=events.ics"})


@bp.get("/events/<code>")
def event_page(code: str):
    """An event: when, where, who, languages spoken, public feedback figures."""
    event = _event_or_404(code)
    summary = transparency.event_summary(event.code)
    names = dict(catalog.agency_choices())
    organisers = [names.get(code, code) for code in event.organisers]
    return render_template(
        "events/event.html",
        event=event,
        summary=summary,
        organisers=organisers,
        refusal=_feedback_refusal(event),
        errors=FEEDBACK_ERRORS,
        questions=events.QUESTION_LABELS,
    )


@bp.get("/events/<code>.ics")
def event_ics(code: str):
    """One event as an iCalendar file."""
    event = _event_or_404(code)
    body = calendar.ics([event], current_language(), _base())
    headers = {"Content-Disposition": f"inline; filename={event.code}.ics"}  # the stored code, not the typed path
    return Response(body, mimetype="text/calendar", headers=headers)


@bp.get("/events/<code>/qr.svg")
def event_qr(code: str):
    """The QR code of the feedback form, to print for the room (drawn by us, no outside service)."""
    event = _event_or_404(code)
    svg = calendar.qr_svg(_base() + url_for("public.feedback", code=event.code))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


@bp.route("/feedback", methods=["GET", "POST"])
def feedback_code():
    """Type the short code printed in the room, then go to its form."""
    form = EventCodeForm()
    if form.validate_on_submit():
        return redirect(url_for("public.feedback", code=form.code.data))
    return render_template("events/code.html", form=form), 400 if form.errors else 200


def _feedback_refusal(event) -> str | None:
    """Why this browser cannot give feedback on the event now: the event's own reason, or 'duplicate' once this
    browser session has sent some (its cookie holds the codes; the server keeps nothing linking a browser to them)."""
    refusal = events.feedback_refusal(event)
    return refusal or ("duplicate" if event.code in session.get("feedback_sent", []) else None)


def _feedback_limit() -> str:
    return current_app.config["EVENT_FEEDBACK_RATE_LIMIT"]


@bp.route("/f/<code>", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, methods=["POST"])  # per keyed address and day: a room shares one Wi-Fi address
def feedback(code: str):
    """The feedback form of an event, reached by its short code; once per event per browser session."""
    form = FeedbackForm()
    event = events.find(code)
    refusal = "unknown" if event is None else _feedback_refusal(event)
    if refusal:
        retype = EventCodeForm(formdata=None) if event is None else None  # a mistyped code can be typed again
        page = render_template(
            "events/feedback.html", event=event, form=None, error=FEEDBACK_ERRORS[refusal], code_form=retype
        )
        return page, {"unknown": 404, "not_started": 409, "closed": 410, "duplicate": 409}[refusal]
    if form.validate_on_submit():
        try:
            events.submit_feedback(code, form.ratings(), form.text.data, "web")
        except events.FeedbackError as exc:
            form.form_errors.append(FEEDBACK_ERRORS[exc.args[0]])
        else:
            session["feedback_sent"] = [*session.get("feedback_sent", [])[-19:], event.code]
            return render_template("events/thanks.html", event=event)
    status = 400 if form.is_submitted() and (form.errors or form.form_errors) else 200
    return render_template("events/feedback.html", event=event, form=form), status


def feedback_not_received(message: str) -> str:
    """The feedback form as it was sent, with why it was not received, drawn without asking the database."""
    return render_template("events/feedback.html", event=None, form=FeedbackForm(), not_received=message)


def _base() -> str:
    """The public address of the site (QR codes and calendars point there, never elsewhere)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")
