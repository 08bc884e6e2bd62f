"""What the officers' pages show: form choices, queue pages, the tip detail context, maps and exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tipline.blueprints.officer import forms
from tipline.extensions import db
from tipline.i18n import LANGUAGE_NAMES, current_language, deployment_zone
from tipline.models import ForwardAttempt, Tip, User
from tipline.services import audit, casework, catalog, maps, queue, routing, triage, uploads
from tipline.services.conversations import contacts, outbound

COMPLAINTS_STAY = _l("Complaints go to the oversight body only; they cannot be routed or shared elsewhere.")
CHOOSE_AGENCY = _l("Choose a valid agency.")
NO_AGENCY_YET = ("", _l("Choose an agency"))  # first option of an agency select: nothing is sent by a slip
HISTORY_ACTIONS = {  # the tip page's history in words; the audit log keeps the codes
    "tip.verify": _l("Verification saved"),
    "tip.route": _l("Routing confirmed"),
    "tip.assign": _l("Assigned"),
    "tip.category": _l("Category set"),
    "tip.reply": _l("Replied to the sender"),
    "tip.close": _l("Closed"),
    "tip.share": _l("Shared with an agency"),
    "tip.forward": _l("Forwarding to an agency's own system requested"),
    "tip.forwarded": _l("Delivered to the agency's own system"),
    "tip.forward_withdrawn": _l("Not sent: the agency no longer holds the tip"),
    "tip.to_oversight": _l("Moved to the oversight body"),
    "tip.release": _l("Not a complaint: handed to the liaison desk"),
    "tip.reveal": _l("Personal data revealed"),
    "attachment.view": _l("Attachment opened"),
    "tip.purge": _l("Content erased (retention period over)"),
    # the audit log's other entries: accounts, logins and the system's own work
    "login": _l("Logged in"),
    "login.failed": _l("Login failed"),
    "login.locked": _l("Login refused: account locked"),
    "user.add": _l("Account added"),
    "user.disable": _l("Account disabled"),
    "user.enable": _l("Account enabled"),
    "user.password": _l("Password changed"),
    "user.password_failed": _l("Password change refused"),
    "user.reset_2fa": _l("Second factor reset"),
    "user.reset_access": _l("Password and second factor reset"),
    "event.create": _l("Outreach event created"),
    "feedback.convert": _l("Feedback turned into a tip"),
    "model.retrain": _l("Category model retrained"),
    "retention.purge": _l("Retention: content of closed tips erased"),
    "model.rollback": _l("Category model rolled back"),
    "sla.remind": _l("Reminder: response overdue"),
    "audit.view": _l("Audit log viewed"),
    "audit.export": _l("Audit log exported"),
}
HOLDING_ROLES = {  # how an agency holds a tip, as the tip page names it
    "liaison": _l("liaison desk"),
    "oversight": _l("oversight"),
    "lead": _l("lead"),
    "support": _l("supporting"),
    "shared": _l("for information"),
}
ROUTING_FLAGS = {  # what a person must look at in a routing proposal (tipline.services.routing)
    "oversight": _l("complaint: oversight body"),
    "no_location": _l("no location"),
    "outside": _l("outside every area"),
    "near_boundary": _l("near a boundary"),
    "jurisdiction_question": _l("supervisor decides"),
}
VIEWS = [("intake", _l("Intake desk")), ("agency", _l("Routed to my agency")), ("all", _l("Everything I can see"))]


def fill_filter_choices(form: forms.QueueFilterForm) -> None:
    """Choices of the queue filters."""
    lang = current_language()
    anything = [("", _l("Any"))]
    form.view.choices = VIEWS
    form.status.choices = anything + catalog.status_choices(lang)
    form.category.choices = anything + catalog.category_choices(lang)
    form.language.choices = anything + list(LANGUAGE_NAMES.items()) + [("und", _l("Unknown"))]


def _day_start(value: date | None) -> datetime | None:
    """Midnight of a day in the deployment's zone, in UTC."""
    return datetime.combine(value, time(), deployment_zone()).astimezone(UTC) if value else None


def audit_filters(form: forms.AuditFilterForm) -> audit.Filters | None:
    """The log's filters as the service takes them (whole days in the deployment's zone); None when one is bad."""
    form.action.choices = [("", _l("Any"))] + list(HISTORY_ACTIONS.items())
    if not form.validate():
        return None
    until = form.until.data + timedelta(days=1) if form.until.data else None
    return audit.Filters(
        tip=form.tip.data or None,
        actor=form.person.data or None,
        action=form.action.data or None,
        since=_day_start(form.since.data),
        until=_day_start(until),
    )


def _filters(form: forms.QueueFilterForm) -> queue.Filters:
    """The queue's filters as the form read them."""
    return queue.Filters(
        view=form.view.data or "intake",
        status=form.status.data or None,
        category=form.category.data or None,
        language=form.language.data or None,
        min_credibility=form.min_credibility.data,
        since=datetime.combine(form.since.data, time(), UTC) if form.since.data else None,
        until=datetime.combine(form.until.data, time(), UTC) if form.until.data else None,
        include_closed=bool(form.include_closed.data),
        sort=form.sort.data or "priority",
    )


def queue_page(user: User, form: forms.QueueFilterForm) -> tuple[list[Tip], str | None, int]:
    """One page of the queue, the cursor of the next page and how many tips match."""
    f = _filters(form)
    tips = queue.page(user, f, form.after.data, size=queue.PAGE_SIZE + 1)
    more = len(tips) > queue.PAGE_SIZE
    tips = tips[: queue.PAGE_SIZE]
    return tips, (f"{tips[-1].priority_key!r}_{tips[-1].id}" if more else None), queue.count(user, f)


def fill_action_choices(form, tip: Tip, user: User) -> None:
    """Choices of an action form, for this tip and user."""
    lang = current_language()
    if isinstance(form, forms.RouteForm):
        agencies = catalog.agency_choices(exclude_kinds=("oversight",))
        unset = [] if (tip.routing.get("proposal") or {}).get("lead") else [NO_AGENCY_YET]
        form.lead.choices, form.supporting.choices = unset + agencies, agencies
    elif isinstance(form, forms.AssignForm):
        form.assignee.choices = [("", _l("Nobody"))] + catalog.officers_of(user.agency_code)
    elif isinstance(form, forms.CategoryForm):  # an uncategorised tip shows triage's suggestion, else no category
        unset = [] if tip.category_code or tip.suggested_category else [("", _l("Choose a category"))]
        form.category.choices = unset + catalog.category_choices(lang)
    elif isinstance(form, forms.ReplyForm):
        form.template.choices = [("", _l("None")), (tip.status_code, tip.status.name(lang))]  # the status it is in
    elif isinstance(form, forms.ShareForm):  # a complaint stays with the oversight body: nobody to share it with
        only = ("oversight",) if routing.oversight_only(tip) else None
        choices = [c for c in catalog.agency_choices(only_kinds=only) if c[0] != user.agency_code]
        form.agency.choices = [NO_AGENCY_YET, *choices] if choices else []
        form.agency.invalid_choice_message = COMPLAINTS_STAY if only else CHOOSE_AGENCY


def _action_forms(tip: Tip, user: User, failed) -> dict:
    """Every action form, prefilled (the one that failed keeps what the officer typed)."""
    proposal = (tip.routing or {}).get("proposal") or {}
    built = {
        "verify_form": forms.VerifyForm(formdata=None),
        "route_form": forms.RouteForm(formdata=None, lead=proposal.get("lead"), supporting=proposal.get("supporting")),
        "assign_form": forms.AssignForm(
            formdata=None, assignee=tip.assigned_user.username if tip.assigned_user else ""
        ),
        "category_form": forms.CategoryForm(formdata=None, category=tip.category_code or tip.suggested_category),
        "reply_form": forms.ReplyForm(formdata=None),
        "share_form": forms.ShareForm(formdata=None),
        "close_form": forms.CloseForm(formdata=None),
        "release_form": forms.ReleaseForm(formdata=None),
        "invite_back_form": forms.InviteBackForm(formdata=None),
        "reveal_form": forms.RevealForm(formdata=None),
    }
    for name, form in built.items():
        if failed is not None and type(failed) is type(form):
            built[name] = form = failed
        fill_action_choices(form, tip, user)
    return built


def _reasons(tip: Tip) -> list[dict]:
    """Triage factors with their reason sentence in the officer's language."""
    out = []
    for factor in triage.reasons(tip.triage):
        try:
            template = factor["template"]  # an English template from ml/, translated through the catalog
            params = dict(factor.get("params", {}))
            if "kinds" in params:  # the detail kinds (ml.credibility.KIND_NAMES), each translated
                params["kinds"] = gettext(", ").join(gettext(kind) for kind in str(params["kinds"]).split(", "))
            sentence = gettext(template) % params
        except (KeyError, TypeError, ValueError):
            sentence = factor.get("template", "")
        out.append({"name": factor["name"], "contribution": factor.get("contribution", 0.0), "text": sentence})
    return out


def _similar(tip: Tip, user: User) -> list[tuple[Tip, float]]:
    """Recent tips the officer's agency holds that resemble this one (corroboration or duplicates)."""
    return triage.similar_tips(tip, queue.visible_to(user))[:5]


def _triage_complaint(tip: Tip) -> str | None:
    """Triage's complaint category when it differs from the category set (an empty one shows the suggestion)."""
    found = tip.triage_category
    if tip.category_code is None or found == tip.category_code or not routing.is_oversight_category(found):
        return None
    return dict(catalog.category_choices(current_language())).get(found, found)


def detail_context(tip: Tip, user: User, revealed: bool = False, failed=None) -> dict:
    """Everything the tip page shows."""
    attempts = db.session.scalars(
        select(ForwardAttempt).where(ForwardAttempt.tip_id == tip.id).order_by(ForwardAttempt.id)
    )
    return {
        "tip": tip,
        "text": tip.text if revealed else triage.mask(tip.text, tip.language),
        "place": tip.place if revealed else (triage.mask(tip.place, tip.language) if tip.place else None),
        "revealed": revealed,
        "messages": [
            (m, m.body if revealed or m.author_role != "sender" else triage.mask(m.body, tip.language))
            for m in tip.messages
        ],
        "reasons": _reasons(tip),
        "similar": _similar(tip, user),
        "overdue": queue.is_overdue(tip),
        "attempts": list(attempts),
        "history": audit.entries(tip.public_id, limit=50, exclude=("tip.view",)),  # casework, not page views
        "sender": contacts.sender_label_for_tip(tip.id),
        "reply_block": outbound.reply_block(tip),
        "template_text": outbound.template_text(tip),
        "undelivered": outbound.undelivered(tip),
        "agency_names": dict(catalog.agency_choices()),
        "category_names": dict(catalog.category_choices(current_language())),
        "area_names": catalog.area_names(current_language()),
        "triage_complaint": _triage_complaint(tip),
        "actions": casework.allowed_actions(tip, user),
        **_action_forms(tip, user, failed),
    }


def map_svg(tip: Tip) -> str:
    """The jurisdictions with the tip's point: its coordinates, else the gazetteer place routing found in it."""
    lat, lon, source = routing.locate(tip.lat, tip.lon, tip.place, tip.text)
    point = (lat, lon) if lat is not None else None
    guess = gettext("A place named in the tip, not the sender's coordinates") if source == "gazetteer" else ""
    return maps.area_map(
        catalog.areas(), point=point, title=gettext("Jurisdictions and the tip's location"), approximate=guess
    )


def attachment(tip: Tip, attachment_id: int, user: User) -> tuple[bytes, str] | None:
    """Decrypted content of one of the tip's attachments (audited)."""
    found = next((a for a in tip.attachments if a.id == attachment_id), None)
    if found is None:
        return None
    audit.record(user.username, "attachment.view", tip.public_id, attachment=attachment_id)
    db.session.commit()
    return uploads.load(found.storage_key), found.content_type


def csv_lines(rows):
    """Stream dict rows as CSV lines."""
    buffer = io.StringIO()
    writer = None
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=list(row))
            writer.writeheader()
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
