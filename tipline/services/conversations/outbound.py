"""Outbound messages on any channel: officers' replies and notices through the channel's API, delivery status,
inbound media. What differs by channel is asked of its adapter in the registry."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from tipline import channels
from tipline.channels import GatewayError, StatusReport
from tipline.extensions import db
from tipline.models import Attachment, Contact, Outbound, Tip
from tipline.models.types import utcnow
from tipline.services import uploads
from tipline.services.conversations import texts
from tipline.services.conversations.contacts import contact_of_tip, release_address

MAX_SEND_ATTEMPTS = 6  # the first try and five retries with backoff
# Later statuses never go back to earlier ones when callbacks arrive out of order.
_STATUS_RANK = {"pending": 0, "error": 0, "accepted": 1, "queued": 1, "sending": 2, "sent": 3}
_FINAL_RANK = 4  # delivered, undelivered, failed, read, …
NOT_DELIVERED = ("undelivered", "failed")  # what a provider reports of a message that never reached the phone


def _rank(status: str) -> int:
    """Order of a status in a message's life."""
    return _STATUS_RANK.get(status, _FINAL_RANK)


def _reachable(contact: Contact | None) -> bool:
    """An address is still held and its owner has not opted out."""
    return contact is not None and contact.address is not None and not contact.opted_out


def reply_block(tip: Tip) -> str | None:
    """Why an officer's reply does not reach the sender on the tip's channel now: "unreachable" (after STOP, or once
    the address is erased), "window" (the channel's reply window is over: only its approved template may go), or
    None (it goes, or the tip has no conversation channel)."""
    adapter = channels.get(tip.channel)
    if adapter is None:
        return None
    contact = contact_of_tip(tip.id)
    if not _reachable(contact):
        return "unreachable"
    return "window" if _window_over(adapter, contact) else None


def _window_over(adapter: channels.Adapter, contact: Contact) -> bool:
    """The sender last wrote longer ago than the channel lets a free-form message follow."""
    return adapter.reply_window is not None and utcnow() - contact.last_seen > adapter.reply_window


def queue_officer_reply(tip: Tip, body: str) -> Outbound | None:
    """Queue an officer's reply on the tip's channel when it has conversations and the sender can still be reached;
    after the channel's reply window it is held until the sender writes again."""
    block = reply_block(tip)
    if channels.get(tip.channel) is None or block == "unreachable":
        return None
    contact = contact_of_tip(tip.id)
    return _queue(contact, tip.id, texts.render("officer", contact.language or "en", message=body), held=bool(block))


def template_text(tip: Tip) -> str | None:
    """The channel's approved template, when only it may reach the sender now and the deployment has one."""
    adapter = channels.get(tip.channel)
    return adapter.template_text if reply_block(tip) == "window" else None


def queue_template(tip: Tip) -> Outbound | None:
    """Send the channel's approved template to invite the sender back (their answer releases the held replies);
    None when the window is open, the sender unreachable or the deployment has no template."""
    text = template_text(tip)
    return _queue(contact_of_tip(tip.id), tip.id, text, template=True) if text else None


def send_held(contact: Contact) -> int:
    """The sender wrote again: send the replies held while the channel's window was over."""
    held = db.session.scalars(select(Outbound).where(Outbound.contact_id == contact.id, Outbound.status == "held"))
    ids = [outbound.id for outbound in held]
    for outbound_id in ids:
        db.session.get(Outbound, outbound_id).status = "pending"
    db.session.commit()
    for outbound_id in ids:
        _dispatch(outbound_id)
    return len(ids)


def undelivered(tip: Tip) -> list[Outbound]:
    """The tip's messages to its sender that the provider could not deliver (the officer should know)."""
    query = select(Outbound).where(Outbound.tip_id == tip.id, Outbound.status.in_(NOT_DELIVERED))
    return list(db.session.scalars(query.order_by(Outbound.id)))


def _queue(contact: Contact, tip_id: int | None, text: str, template: bool = False, held: bool = False) -> Outbound:
    """Store an outbound message, commit, and hand it to the worker (a held one waits for the sender's next
    message)."""
    outbound = Outbound(
        channel=contact.channel, contact_id=contact.id, tip_id=tip_id, body=text, template=template, attempts=0
    )
    outbound.status = "held" if held else "pending"
    db.session.add(outbound)
    db.session.commit()
    if not held:
        _dispatch(outbound.id)
    return outbound


def _dispatch(outbound_id: int) -> None:
    """Hand one stored message to the worker."""
    from tipline import tasks

    tasks.dispatch(tasks.send_sms, outbound_id)


def send_outbound(outbound_id: int) -> str:
    """Send one stored message (suppressed after STOP or once the address is erased); raises GatewayError to
    retry."""
    outbound = db.session.get(Outbound, outbound_id)
    if outbound is None:
        return "missing"
    if outbound.provider_sid:  # already accepted by the provider: never send twice
        return outbound.status
    if not _reachable(outbound.contact):
        outbound.status = "suppressed"
        db.session.commit()
        return outbound.status
    outbound.attempts += 1
    adapter = channels.get(outbound.channel)
    callback = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + adapter.webhook_path + "/status"
    try:
        sid, status = adapter.send(outbound.contact.address, outbound.body, callback, template=outbound.template)
    except GatewayError:
        outbound.status = "failed" if outbound.attempts >= MAX_SEND_ATTEMPTS else "error"
        _release(outbound)
        raise
    outbound.provider_sid, outbound.status = sid, status[:16]
    _release(outbound)
    return outbound.status


def _release(outbound: Outbound) -> None:
    """Commit the attempt; an address kept only for this reply (its tip closed meanwhile) is erased once it is out."""
    release_address(outbound.contact)  # its query autoflushes the attempt
    db.session.commit()


def record_status(channel: str, report: StatusReport) -> bool:
    """Store a delivery status callback on its outbound message; False when the id is not ours."""
    query = select(Outbound).where(Outbound.channel == channel, Outbound.provider_sid == report.provider_sid)
    outbound = db.session.scalar(query)
    if outbound is None:
        return False
    if _rank(report.status) >= _rank(outbound.status):
        outbound.status = report.status
        outbound.error_code = (report.error_code or None) and str(report.error_code)[:16]
    db.session.commit()
    return True


def attach_media(tip_id: int, contact_id: int, urls: list[str], language: str) -> int:
    """Fetch a message's attachments, strip their metadata and attach them; tell the sender about refused ones.

    Everything is downloaded before anything is stored, so a retried task never attaches a file twice.
    """
    tip, contact = db.session.get(Tip, tip_id), db.session.get(Contact, contact_id)
    if tip is None or contact is None:
        return 0
    adapter = channels.get(contact.channel)
    downloads = [adapter.fetch_media(url) for url in urls]  # GatewayError -> the task retries
    cleaned, refused = [], 0
    for data in downloads:
        try:
            cleaned.append(uploads.clean(data))
        except uploads.UploadRejected:
            refused += 1
    for item in cleaned:
        key = uploads.save(item.content)
        tip.attachments.append(Attachment(storage_key=key, content_type=item.content_type, size=len(item.content)))
    db.session.commit()
    if refused and _reachable(contact):
        _queue(contact, tip_id, texts.render("media_refused", language))
    return len(cleaned)
