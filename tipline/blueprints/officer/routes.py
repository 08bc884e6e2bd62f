"""Queues, tip detail and the actions officers take; every view checks role and agency."""

from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tipline.auth import roles_required, staff_required
from tipline.blueprints.officer import bp, forms
from tipline.blueprints.officer import presenters as officer_views
from tipline.extensions import db
from tipline.i18n import current_language
from tipline.services import audit, casework, catalog, forwarding, queue
from tipline.services.conversations import outbound

ACTION_ERRORS = {
    "outcome": _l("Choose an outcome."),
    "duplicate_of": _l("Give the id of the original tip (one your agency can see)."),
    "not_routable": _l("Only a verified tip waiting at the liaison desk can be routed."),
    "agency": officer_views.CHOOSE_AGENCY,
    "oversight_by_category": officer_views.COMPLAINTS_STAY,
    "reason": _l("Give a reason."),
    "supervisor": _l(
        "No agreement names an agency for this place and category: a supervisor decides where this tip goes."
    ),
    "assignee": _l("Choose an officer of your agency."),
    "category": _l("Choose a category."),
    "template": _l("A standard reply tells the sender the tip's current status: choose that one, or none."),
    "empty": _l("Write a message or choose a standard reply."),
    "closed": _l("This tip is closed: the sender can no longer receive replies."),
    "not_releasable": _l(
        "Only a tip the oversight body holds, with a category that is not a complaint, can be handed to the"
        " liaison desk."
    ),
    "holder": _l("Your agency has this tip for information: the liaison desk or the lead agency acts on it."),
    "no_template": _l("No template message can be sent now: the sender wrote recently, or none is set up."),
}
WINDOW_OVER = _l(
    "Reply saved, but not sent yet: the sender last wrote too long ago for this channel to carry it. It goes out"
    " when they write again; the template message below invites them to. They can also read it on the follow-up"
    " page with their receipt code."
)
TEMPLATE_SENT = _l("Template message sent: your reply goes out as soon as the sender answers it.")
NOT_TEXTED = _l(
    "Reply saved, but not sent by SMS: the sender stopped texts or the number was erased. They can read it on the"
    " follow-up page with their receipt code."
)
FORWARD_NOTICE = _l("Shared. Sending it to the agency's own system: the result is under Forwarding attempts.")
FORWARD_DELIVERED = _l("Shared and delivered to the agency's own system.")
FORWARD_FAILED = _l("Shared here, but not delivered to the agency's own system: see Forwarding attempts.")
FORWARD_UNSIGNED = _l(
    "Shared here, but not sent to the agency's own system: no signing key is set for this agency; an administrator"
    " must set it."
)
SHARED_ONLY = _l("Shared. This agency has no system of its own to send it to: its officers read it here.")


@bp.context_processor
def _officer_names() -> dict:
    """Readable names the officers' templates show instead of internal codes."""
    return {
        "routing_flags": officer_views.ROUTING_FLAGS,
        "holding_roles": officer_views.HOLDING_ROLES,
        "history_actions": officer_views.HISTORY_ACTIONS,
    }


@bp.get("/")
@staff_required
def index():
    """Start at the queue."""
    return redirect(url_for("officer.queue"))


@bp.get("/queue", endpoint="queue")
@staff_required
def queue_page():
    """The agency's queue, highest priority first, with filters and keyset pagination."""
    form = forms.QueueFilterForm(request.args)
    if "view" not in request.args:  # the desks start at intake; an agency at what was routed to it
        form.view.data = "intake" if current_user.agency.kind in ("liaison", "oversight") else "agency"
    officer_views.fill_filter_choices(form)
    # The filters the links keep (never _anchor… nor the cursor, which each link sets itself).
    args = {k: v for k, v in request.args.to_dict().items() if (k in form._fields and k != "after") or k == "lang"}
    first_url = url_for("officer.queue", **args) if "after" in request.args else None  # keyset pages go forward
    if not form.validate():
        return render_template(
            "officer/queue.html", form=form, tips=[], next_url=None, first_url=first_url, overdue=queue.is_overdue
        ), 400
    tips, next_after, total = officer_views.queue_page(current_user, form)
    next_url = url_for("officer.queue", **args, after=next_after) if next_after else None
    names = dict(catalog.category_choices(current_language()))  # of the categories triage suggests
    return render_template(
        "officer/queue.html",
        form=form,
        tips=tips,
        total=total,
        next_url=next_url,
        first_url=first_url,
        overdue=queue.is_overdue,
        category_names=names,
    )


def _tip_or_404(public_id: str):
    """A tip the officer's agency holds; anything else is 404, never 403."""
    tip = queue.get_for(current_user, public_id)
    if tip is None:
        abort(404)
    return tip


@bp.get("/tips/<public_id>")
@staff_required
def tip_detail(public_id: str):
    """The tip with personal data masked, triage reasons, similar tips, map, attachments and conversation."""
    tip = _tip_or_404(public_id)
    casework.record_view(tip, current_user)
    return render_template("officer/tip.html", **officer_views.detail_context(tip, current_user, revealed=False))


@bp.post("/tips/<public_id>/reveal")
@staff_required
def reveal(public_id: str):
    """Show the unmasked text (audited)."""
    tip = _tip_or_404(public_id)
    if not forms.RevealForm().validate_on_submit():
        abort(400)
    casework.record_view(tip, current_user, revealed=True)
    return render_template("officer/tip.html", **officer_views.detail_context(tip, current_user, revealed=True))


def _act(public_id: str, form_cls, action, done=None):
    """Run one action from a posted form, then go back to the tip (idempotent repeats change nothing); `done(tip,
    form)` may give a more precise notice than "Done." when the action had an effect (with "error" when it fell
    short: a notice, or a (notice, category) pair)."""
    tip = _tip_or_404(public_id)
    form = form_cls()
    officer_views.fill_action_choices(form, tip, current_user)
    if not form.validate_on_submit():
        flash(_l("The form was incomplete or expired; nothing was changed."), "error")
        return render_template("officer/tip.html", **officer_views.detail_context(tip, current_user, failed=form)), 400
    try:
        changed = action(tip, form)
    except casework.ActionError as exc:
        key = exc.args[0]
        if key in form._fields:  # the message goes where the mistake is; the top of the page points to it
            form[key].errors = [*form[key].errors, ACTION_ERRORS[key]]
            flash(_l("Nothing was changed: please correct the marked field below."), "error")
        else:
            flash(ACTION_ERRORS[key], "error")
        return render_template("officer/tip.html", **officer_views.detail_context(tip, current_user, failed=form)), 400
    if changed is False:
        flash(_l("Already done: nothing changed."), "success")
    else:
        notice = (done and done(tip, form)) or _l("Done.")
        flash(*(notice if isinstance(notice, tuple) else (notice, "success")))
    if queue.get_for(current_user, public_id) is None:  # e.g. moved to the oversight body
        return redirect(url_for("officer.queue"))
    return redirect(url_for("officer.tip_detail", public_id=public_id))


@bp.post("/tips/<public_id>/verify")
@staff_required
def verify(public_id: str):
    """Verified / unfounded / duplicate / needs more information."""
    return _act(
        public_id,
        forms.VerifyForm,
        lambda tip, f: casework.verify(tip, current_user, f.outcome.data, f.duplicate_of.data, f.note.data or ""),
    )


@bp.post("/tips/<public_id>/route")
@staff_required
def route(public_id: str):
    """Confirm or override the routing proposal."""
    return _act(
        public_id,
        forms.RouteForm,
        lambda tip, f: casework.confirm_routing(
            tip, current_user, f.lead.data, f.supporting.data or [], f.reason.data or ""
        ),
    )


@bp.post("/tips/<public_id>/assign")
@staff_required
def assign(public_id: str):
    """Assign to an officer of the agency."""
    return _act(public_id, forms.AssignForm, lambda tip, f: casework.assign(tip, current_user, f.assignee.data))


@bp.post("/tips/<public_id>/category")
@staff_required
def category(public_id: str):
    """Set the category (a training label)."""
    return _act(public_id, forms.CategoryForm, lambda tip, f: casework.set_category(tip, current_user, f.category.data))


@bp.post("/tips/<public_id>/reply")
@staff_required
def reply(public_id: str):
    """Answer the sender anonymously."""
    return _act(
        public_id,
        forms.ReplyForm,
        lambda tip, f: casework.reply(tip, current_user, f.body.data or "", f.template.data or None),
        done=lambda tip, f: _reply_notice(outbound.reply_block(tip)),
    )


def _reply_notice(block: str | None):
    """What the officer is told when a reply does not reach the sender now (None: it goes)."""
    return {"unreachable": NOT_TEXTED, "window": WINDOW_OVER}.get(block)


@bp.post("/tips/<public_id>/invite-back")
@staff_required
def invite_back(public_id: str):
    """Send the channel's approved template to a sender whose reply window is over."""
    return _act(
        public_id, forms.InviteBackForm, lambda tip, f: casework.invite_back(tip, current_user), done=_template_sent
    )


def _template_sent(tip, form):
    """The notice after the template went out."""
    return TEMPLATE_SENT


@bp.post("/tips/<public_id>/share")
@staff_required
def share(public_id: str):
    """Share with, or forward to, another agency."""
    return _act(
        public_id,
        forms.ShareForm,
        lambda tip, f: casework.share(tip, current_user, f.agency.data, f.reason.data, forward=f.forward.data),
        done=lambda tip, f: _forward_notice(tip, f.agency.data) if f.forward.data else None,
    )


def _forward_notice(tip, agency: str):
    """What became of a forward: delivered, failed or refused at once (inline delivery), else still on its way."""
    if not forwarding.has_system(agency):
        return SHARED_ONLY
    attempt = forwarding.latest_attempt(tip.id, agency)
    if attempt is None:
        return FORWARD_NOTICE
    if attempt.ok:
        return FORWARD_DELIVERED
    return (FORWARD_UNSIGNED if attempt.unsigned else FORWARD_FAILED), "error"


@bp.post("/tips/<public_id>/release")
@staff_required
def release(public_id: str):
    """Not a complaint: from the oversight body to the liaison desk."""
    return _act(public_id, forms.ReleaseForm, lambda tip, f: casework.release(tip, current_user, f.reason.data))


@bp.post("/tips/<public_id>/close")
@staff_required
def close(public_id: str):
    """Close the tip."""
    return _act(public_id, forms.CloseForm, lambda tip, f: casework.close(tip, current_user, f.note.data or ""))


@bp.get("/tips/<public_id>/map.svg")
@staff_required
def tip_map(public_id: str):
    """Static map of the areas and the tip's point, drawn from the GeoJSON (no tile server)."""
    tip = _tip_or_404(public_id)
    return Response(officer_views.map_svg(tip), mimetype="image/svg+xml")


@bp.get("/tips/<public_id>/attachments/<int:attachment_id>")
@staff_required
def attachment(public_id: str, attachment_id: int):
    """A decrypted attachment of a visible tip (audited): photos are shown, documents downloaded (a PDF opened in
    the browser's viewer would run what a reader runs; its cleaning removed every action, this is the second wall)."""
    tip = _tip_or_404(public_id)
    found = officer_views.attachment(tip, attachment_id, current_user)
    if found is None:
        abort(404)
    content, ctype = found
    name = f"tip-{tip.public_id}-{attachment_id}.{ctype.split('/')[-1]}"
    disposition = "inline" if ctype.startswith("image/") else f"attachment; filename={name}"
    return Response(content, mimetype=ctype, headers={"Content-Disposition": disposition})


def _audit_scope():
    """The part of the audit log the current user may read (all of it for the oversight body)."""
    return audit.scope_for(current_user, queue.visible_to(current_user))


AUDIT_PAGE = 200


@bp.get("/audit")
@roles_required("oversight", "admin")
def audit_log():
    """The audit log, newest first, with the chain's verification; filters by action, person, tip and day."""
    scope, form = _audit_scope(), forms.AuditFilterForm(request.args)
    filters = officer_views.audit_filters(form)
    audit.record(current_user.username, "audit.view", of_agency=current_user.agency_code)  # it shows notes
    db.session.commit()
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10**6 else 1  # not "²"
    anchors = audit.written_anchors()
    # Views of this page are listed in the CSV only: each view adds one, which would shift the pages' offsets.
    entries = (
        audit.entries(
            limit=AUDIT_PAGE + 1, scope=scope, exclude=("audit.view",), offset=(page - 1) * AUDIT_PAGE, filters=filters
        )
        if filters
        else []  # a bad filter: its message, and no rows rather than every row
    )
    kept = {name: value for name, value in request.args.items() if name in form._fields and value} if filters else {}
    # Scoped readers see neither the chain's length nor entry numbers: their gaps would count hidden activity.
    body = render_template(
        "officer/audit.html",
        form=form,
        entries=entries[:AUDIT_PAGE],
        check=audit.verify(anchors=anchors.heads, since=anchors.last),  # the anchor walked entries up to it
        anchors=anchors,
        kept=kept,
        whole=scope is None,
        note_authors=audit.note_authors(current_user),
        page=page,
        more=len(entries) > AUDIT_PAGE,
    )
    return body, 200 if filters else 400


@bp.get("/audit.csv")
@roles_required("oversight", "admin")
def audit_export():
    """The whole audit log as CSV (for independent verification)."""
    audit.record(current_user.username, "audit.export", of_agency=current_user.agency_code)
    db.session.commit()
    return Response(
        "".join(officer_views.csv_lines(audit.export_rows(_audit_scope(), audit.note_authors(current_user)))),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit_log.csv"},
    )


@bp.get("/forwarding-schema.json")
def forwarding_schema():
    """The published JSON Schema of forwarded tips (for agencies' systems)."""
    return jsonify(forwarding.SCHEMA)
