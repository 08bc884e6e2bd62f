"""Casework: where a new tip lands, and every action an officer takes on it (each audited, one commit)."""

from __future__ import annotations

from sqlalchemy import select

from tipline.extensions import db
from tipline.models import Agency, Assignment, Category, Message, Status, Tip, User
from tipline.models.types import utcnow
from tipline.services import audit, forwarding, geo, messaging, queue, routing, signals
from tipline.services.conversations import outbound

OUTCOME_STATUS = {
    "verified": "verified",
    "unfounded": "unfounded",
    "duplicate": "duplicate",
    "needs_info": "needs_info",
}


# How much a holding lets an agency do; sharing with (or forwarding to) an agency never takes a right away.
ROLE_RANK = {"shared": 0, "support": 1, "lead": 2, "liaison": 3, "oversight": 3}
DESK_ROLES = tuple(r for r, rank in ROLE_RANK.items() if rank >= 3)  # verify and route a tip waiting at a desk
CASE_ROLES = tuple(r for r, rank in ROLE_RANK.items() if rank >= 2)  # reply, categorise, assign, share, close


class ActionError(ValueError):
    """An action that cannot be taken; args[0] is a reason key for the officer."""


def holding_role(tip: Tip, user: User) -> str | None:
    """The role in which the user's agency holds the tip (liaison, lead, support, shared, oversight), if any."""
    return next((a.role for a in tip.assignments if a.active and a.agency_code == user.agency_code), None)


def _require(tip: Tip, user: User, roles: tuple[str, ...]) -> None:
    """Refuse an action to an agency that holds the tip in another role (for information, or in support)."""
    if holding_role(tip, user) not in roles:
        raise ActionError("holder")


def _assign(tip: Tip, agency: str, role: str, reason: str = "") -> None:
    """Give an agency (active) access to a tip; an agency already holding it keeps a stronger role."""
    current = next((a for a in tip.assignments if a.agency_code == agency), None)
    if current is None:
        tip.assignments.append(Assignment(agency_code=agency, role=role, reason=reason or None))
        return
    if not current.active or ROLE_RANK.get(role, 0) > ROLE_RANK.get(current.role, 0):
        current.role = role
    current.active, current.reason = True, reason or current.reason


def _to_oversight_only(tip: Tip, reason: str) -> None:
    """A complaint: only the oversight body holds it; every other agency loses access."""
    oversight = routing.agency_of_kind("oversight")
    for a in tip.assignments:
        if a.agency_code != oversight:
            a.active = False
    _assign(tip, oversight, "oversight", reason)
    tip.queue_state = "oversight"


def place_new_tip(tip: Tip) -> None:
    """Put a new tip in the liaison intake queue, or with the oversight body for a complaint (before commit)."""
    now = tip.created_at or utcnow()
    tip.created_at = now
    tip.priority_key = queue.priority_key(0.5, now)
    tip.sla_due_at = queue.sla_due(tip.status_code, now)
    if tip.lat is not None and tip.lon is not None:
        tip.area_code = geo.smallest_area(tip.lat, tip.lon)
    if routing.oversight_only(tip):
        _to_oversight_only(tip, "complaint category chosen by the sender")
    else:
        _assign(tip, routing.agency_of_kind("liaison"), "liaison")
        tip.queue_state = "liaison"
    # The acknowledgement on arrival is the status's reply text, shown in the sender's language on the receipt
    # and follow-up pages (and sent with the receipt by SMS): nothing more to store per tip.


def after_triage(tip: Tip, score: float) -> None:
    """Re-rank a triaged tip; one triage takes for a complaint goes to oversight only, whatever the sender chose
    (even if the desk routed it meanwhile)."""
    tip.priority_key = queue.priority_key(score, tip.created_at)
    if routing.oversight_only(tip) and tip.queue_state != "oversight":
        _to_oversight_only(tip, "complaint detected by triage")
        audit.record("system", "tip.to_oversight", tip.public_id, reason="triage suggested a complaint category")


def record_view(tip: Tip, user: User, revealed: bool = False) -> None:
    """Audit that an officer opened a tip (and whether personal data was revealed)."""
    audit.record(user.username, "tip.reveal" if revealed else "tip.view", tip.public_id)
    db.session.commit()


def _set_status(tip: Tip, code: str) -> bool:
    """Move a tip to a status: a closing status closes it, any other reopens it. True if it was reopened."""
    tip.status_code = code
    status = db.session.get(Status, code)
    closing = status is not None and status.is_closed
    if closing and tip.closed_at is None:
        tip.closed_at = utcnow()
        signals.tip_closed.send(tip)
    reopened = not closing and tip.closed_at is not None
    if reopened:  # e.g. an outcome of 'unfounded' corrected to 'verified': the tip is back in the open queues
        tip.closed_at = None
    return reopened


def _propose_routing(tip: Tip) -> None:
    """Work out where a verified tip at the liaison desk should go (the officer confirms or overrides it)."""
    tip.routing = {"proposal": routing.propose(tip).as_dict()}  # the proposal says which rule it used


def verify(tip: Tip, user: User, outcome: str, duplicate_of: str | None = None, note: str = "") -> bool:
    """Record the liaison officer's verification; a verified tip gets a routing proposal. False if nothing changed."""
    _require(tip, user, DESK_ROLES)
    if outcome not in OUTCOME_STATUS:
        raise ActionError("outcome")
    if tip.verification == outcome:
        return False
    original = None  # the box is read for a duplicate only: what else it holds is kept nowhere
    if outcome == "duplicate":
        original = queue.get_for(user, duplicate_of or "")
        if original is None or original.id == tip.id:
            raise ActionError("duplicate_of")
        tip.duplicate_of_id = original.id
    tip.verification = outcome
    reopened = _set_status(tip, OUTCOME_STATUS[outcome])
    if outcome == "verified" and tip.queue_state == "liaison":
        _propose_routing(tip)
    details = {"reopened": True} if reopened else {}
    audit.record(
        user.username,
        "tip.verify",
        tip.public_id,
        outcome=outcome,
        duplicate_of=original.public_id if original else None,
        notes={"note": note},
        **details,
    )
    db.session.commit()
    return True


def confirm_routing(tip: Tip, user: User, lead: str, supporting: list[str], reason: str = "") -> bool:
    """Send a verified tip to the chosen agencies; overriding the proposal needs a reason."""
    _require(tip, user, DESK_ROLES)
    if tip.verification != "verified" or tip.queue_state != "liaison":
        raise ActionError("not_routable")
    if routing.oversight_only(tip):  # a suspected complaint kept at the desk: an oversight reviewer clears it first
        raise ActionError("oversight_by_category")
    known = set(db.session.scalars(select(Agency.code)))
    supporting = sorted({a for a in supporting if a and a != lead})
    if lead not in known or not set(supporting) <= known:
        raise ActionError("agency")
    if routing.agency_of_kind("oversight") in [lead, *supporting]:
        raise ActionError("oversight_by_category")
    proposal = (tip.routing or {}).get("proposal", {})
    if "jurisdiction_question" in proposal.get("flags", []) and user.role not in ("supervisor", "admin"):
        raise ActionError("supervisor")
    overridden = lead != proposal.get("lead") or supporting != sorted(proposal.get("supporting", []))
    if overridden and not reason.strip():
        raise ActionError("reason")
    _assign(tip, lead, "lead", reason)
    for agency in supporting:
        _assign(tip, agency, "support", reason)
    tip.queue_state = "routed"
    tip.routing = {**(tip.routing or {}), "final": {"lead": lead, "supporting": supporting, "overridden": overridden}}
    _set_status(tip, "forwarded" if db.session.get(Status, "forwarded") else tip.status_code)
    audit.record(
        user.username,
        "tip.route",
        tip.public_id,
        lead=lead,
        supporting=supporting,
        overridden=overridden,
        rule=proposal.get("rule"),
        notes={"reason": reason},
    )
    db.session.commit()
    return True


def assign(tip: Tip, user: User, assignee: str | None) -> bool:
    """Assign the tip to an officer of the user's agency (or nobody)."""
    _require(tip, user, CASE_ROLES)
    target = None
    if assignee:
        target = db.session.scalar(select(User).where(User.username == assignee, User.agency_code == user.agency_code))
        if target is None:
            raise ActionError("assignee")
    if tip.assigned_user_id == (target.id if target else None):
        return False
    tip.assigned_user_id = target.id if target else None
    audit.record(user.username, "tip.assign", tip.public_id, assignee=assignee)
    db.session.commit()
    return True


def set_category(tip: Tip, user: User, category: str) -> bool:
    """Confirm or change the category (kept as a training label); a complaint goes to oversight only."""
    _require(tip, user, CASE_ROLES)
    if db.session.get(Category, category) is None:
        raise ActionError("category")
    if tip.category_code == category and tip.category_confirmed:
        return False
    tip.category_code, tip.category_confirmed = category, True
    if routing.is_oversight_category(category):
        _to_oversight_only(tip, f"recategorised as complaint by {user.username}")
    audit.record(user.username, "tip.category", tip.public_id, category=category)
    db.session.commit()
    return True


def can_release(tip: Tip, user: User) -> bool:
    """Whether the oversight body may hand this tip to the liaison desk: it holds it, and an officer has set a
    category that is not a complaint (triage sent it as a suspected complaint)."""
    return (
        tip.queue_state == "oversight"
        and holding_role(tip, user) == "oversight"
        and tip.category_confirmed
        and not routing.is_oversight_category(tip.category_code)
    )


def allowed_actions(tip: Tip, user: User) -> list[str]:
    """The actions this user may take on this tip now, the next step first (the tip page shows these, no others)."""
    holding = holding_role(tip, user)
    if holding not in CASE_ROLES:
        return []
    at_desk, is_open = holding in DESK_ROLES, tip.closed_at is None
    steps = {
        "route": at_desk and tip.queue_state == "liaison" and bool(tip.routing.get("proposal")),
        "verify": at_desk and tip.queue_state in ("liaison", "oversight"),
        "reply": is_open,
        "category": True,
        "assign": True,
        "share": is_open,
        "release": is_open and can_release(tip, user),
        "close": is_open,
    }
    return [name for name, allowed in steps.items() if allowed]


def release(tip: Tip, user: User, reason: str) -> bool:
    """Not a complaint: the oversight body hands the tip to the liaison desk and gives up its own access."""
    if not can_release(tip, user):
        raise ActionError("not_releasable")
    if not reason.strip():
        raise ActionError("reason")
    for a in tip.assignments:
        a.active = False
    _assign(tip, routing.agency_of_kind("liaison"), "liaison", reason)
    tip.queue_state, tip.oversight_cleared_at = "liaison", utcnow()
    if tip.verification == "verified":
        _propose_routing(tip)
    audit.record(user.username, "tip.release", tip.public_id, notes={"reason": reason})
    db.session.commit()
    return True


def reply(tip: Tip, user: User, body: str, status_template: str | None = None) -> Message:
    """Answer the sender (a status reply text in their language, plus free text)."""
    _require(tip, user, CASE_ROLES)
    parts = []
    if status_template:  # a standard reply tells the sender the status the tip is in, never another one
        status = db.session.get(Status, status_template)
        if status is None or status_template != tip.status_code:
            raise ActionError("template")
        parts.append(tip.status_reply(tip.ui_language))
    if body.strip():
        parts.append(body.strip())
    if not parts:
        raise ActionError("empty")
    if tip.first_response_at is None:
        tip.first_response_at = utcnow()
    audit.record(user.username, "tip.reply", tip.public_id, template=status_template, length=len(body))
    try:
        return messaging.reply_to_sender(tip, "\n\n".join(parts), tip.ui_language, author_id=user.id)
    except messaging.ConversationClosed as exc:
        db.session.rollback()
        raise ActionError("closed") from exc


def invite_back(tip: Tip, user: User) -> None:
    """Send the channel's approved template to a sender whose reply window is over (their answer releases the
    replies held meanwhile)."""
    _require(tip, user, CASE_ROLES)
    if tip.status.is_closed:
        raise ActionError("closed")
    audit.record(user.username, "tip.invite_back", tip.public_id)
    if outbound.queue_template(tip) is None:  # commits the audit entry with the message
        db.session.rollback()
        raise ActionError("no_template")


def share(tip: Tip, user: User, agency: str, reason: str, forward: bool = False) -> bool:
    """Share the tip with another agency (or forward it to that agency's own system), with a reason."""
    _require(tip, user, CASE_ROLES)
    target = db.session.get(Agency, agency)
    if target is None or agency == user.agency_code:
        raise ActionError("agency")
    if not reason.strip():
        raise ActionError("reason")
    if routing.oversight_only(tip) and target.kind != "oversight":
        raise ActionError("oversight_by_category")
    forward = forward and forwarding.has_system(agency)  # an agency without a system of its own is shared with only
    already = any(a.agency_code == agency and a.active for a in tip.assignments)
    if already and not forward:
        return False
    _assign(tip, agency, "shared", reason)
    action = "tip.forward" if forward else "tip.share"
    audit.record(user.username, action, tip.public_id, agency=agency, notes={"reason": reason})
    db.session.commit()
    if forward:
        forwarding.enqueue(tip.id, agency, user.agency_code)
    return True


def close(tip: Tip, user: User, note: str = "") -> bool:
    """Close the tip."""
    _require(tip, user, CASE_ROLES)
    if tip.closed_at is not None:
        return False
    _set_status(tip, "closed")
    audit.record(user.username, "tip.close", tip.public_id, notes={"note": note})
    db.session.commit()
    return True
