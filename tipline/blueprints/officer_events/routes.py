"""Officers' event views: every view declares its roles; organisers see exact figures."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tipline.auth import roles_required
from tipline.blueprints.officer_events import bp
from tipline.blueprints.officer_events.forms import ConvertForm, EventForm
from tipline.models import Event
from tipline.services import catalog, events

CREATORS = ("officer", "supervisor", "admin")
READERS = ("officer", "supervisor", "oversight", "admin")


def _managed(code: str) -> Event:
    """An event the current user organises (admins: any), or 403/404."""
    event = events.find(code)
    if event is None:
        abort(404)
    if not events.can_manage(current_user, event):
        abort(403)
    return event


@bp.get("/")
@roles_required(*READERS)
def index():
    """Events, the ones of the officer's agency first."""
    upcoming, past = events.listing()
    mine = [e for e in upcoming + past if events.can_manage(current_user, e)]
    return render_template("officer_events/index.html", events=mine)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CREATORS)
def new():
    """Create an event."""
    form = EventForm()
    form.organisers.choices = catalog.agency_choices()
    if not form.is_submitted():
        form.organisers.data = [current_user.agency_code]
    if form.validate_on_submit():
        if current_user.agency_code not in form.organisers.data:
            # naming other agencies alone would publish them as organisers and open their feedback to this one
            form.organisers.errors = [_l("Your own agency must be among the organisers.")]
        else:
            draft = events.EventDraft(
                titles=form.texts("title"),
                descriptions=form.texts("description"),
                starts_local=form.starts.data,
                timezone=form.timezone.data,
                place=form.place.data,
                organisers=form.organisers.data,
                languages=form.languages.data or [],
            )
            event = events.create_event(draft, created_by_id=current_user.id, actor=current_user.username)
            return redirect(url_for("officer_events.summary", code=event.code))
    return render_template("officer_events/new.html", form=form), 400 if form.errors else 200


@bp.get("/<code>")
@roles_required(*READERS)
def summary(code: str):
    """Exact feedback figures and texts for the organisers."""
    event = _managed(code)
    return render_template(
        "officer_events/summary.html",
        event=event,
        summary=events.summary(event),
        form=ConvertForm(),
        questions=events.QUESTION_LABELS,
    )


@bp.post("/<code>/feedback/<int:feedback_id>/convert")
@roles_required(*CREATORS)
def convert(code: str, feedback_id: int):
    """Turn a tip hidden in a feedback text into a tip."""
    event = _managed(code)
    if not ConvertForm().validate_on_submit() or not any(f.id == feedback_id for f in event.feedback):
        abort(400)
    events.convert_to_tip(feedback_id, actor=current_user.username)
    return redirect(url_for("officer_events.summary", code=code))
