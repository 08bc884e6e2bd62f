"""Outbound SMS: officers' replies and notices through the gateway's API, delivery status, inbound media."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from tipline.channels.sms import GatewayError, StatusReport, gateway
from tipline.extensions import db
from tipline.models import Attachment, Contact, Inbound, Outbound, Tip
from tipline.services import sms_texts, uploads

MAX_SEND_ATTEMPTS = 6  # the first try and five retries with backoff
# Later statuses never go back to earlier ones when callbacks arrive out of order.
_STATUS_RANK = {"pending": 0, "error": 0, "accepted": 1, "queued": 1, "sending": 2, "sent": 3}
_FINAL_RANK = 4  # delivered, undelivered, failed, read, …


def _rank(status: str) -> int:
    """Order of a status in a message's life."""
    return _STATUS_RANK.get(status, _FINAL_RANK)


def _contact_of_tip(tip_id: int) -> Contact | None:
    """The contact whose texts made or joined a tip."""
    return db.session.scalar(
        select(Contact).join(Inbound, Inbound.contact_id == Contact.id)
        .where(Inbound.tip_id == tip_id).order_by(Inbound.id.desc()).limit(1)
    )  # fmt: skip


def _reachable(contact: Contact | None) -> bool:
    """A number is still held and its owner has not opted out."""
    return contact is not None and contact.address is not None and not contact.opted_out


def cannot_text(tip: Tip) -> bool:
    """An SMS tip whose sender no longer gets texts (after STOP, or once the number is erased): an officer's reply
    is only on the follow-up page."""
    return tip.channel == "sms" and not _reachable(_contact_of_tip(tip.id))


def queue_officer_reply(tip: Tip, body: str) -> Outbound | None:
    """Queue an officer's reply as a text when the tip came by SMS and the sender can still be reached."""
    if tip.channel != "sms":
        return None
    contact = _contact_of_tip(tip.id)
    if not _reachable(contact):
        return None
    text = sms_texts.render("officer", contact.language or "en", message=body)
    return _queue(contact, tip.id, text)


NOT_DELIVERED = ("undelivered", "failed")  # what the gateway reports of a text that never reached the phone


def undelivered(tip: Tip) -> list[Outbound]:
    """The tip's texts to its sender that the gateway could not deliver (the officer should know)."""
    query = select(Outbound).where(Outbound.tip_id == tip.id, Outbound.status.in_(NOT_DELIVERED))
    return list(db.session.scalars(query.order_by(Outbound.id)))


def _queue(contact: Contact, tip_id: int | None, text: str) -> Outbound:
    """Store an outbound text, commit, and hand it to the worker."""
    from tipline import tasks

    outbound = Outbound(
        channel=contact.channel, contact_id=contact.id, tip_id=tip_id, body=text, status="pending", attempts=0
    )
    db.session.add(outbound)
    db.session.commit()
    tasks.dispatch(tasks.send_sms, outbound.id)
    return outbound


def send_outbound(outbound_id: int) -> str:
    """Send one stored text (suppressed after STOP or once the number is erased); raises GatewayError to retry."""
    outbound = db.session.get(Outbound, outbound_id)
    if outbound is None:
        return "missing"
    if outbound.provider_sid:  # already accepted by the gateway: never send twice
        return outbound.status
    if not _reachable(outbound.contact):
        outbound.status = "suppressed"
        db.session.commit()
        return outbound.status
    outbound.attempts += 1
    callback = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/sms/twilio/status"
    try:
        sid, status = gateway().send(outbound.contact.address, outbound.body, callback)
    except GatewayError:
        outbound.status = "failed" if outbound.attempts >= MAX_SEND_ATTEMPTS else "error"
        _release(outbound)
        raise
    outbound.provider_sid, outbound.status = sid, status[:16]
    _release(outbound)
    return outbound.status


def _release(outbound: Outbound) -> None:
    """Commit the attempt; a number kept only for this reply (its tip closed meanwhile) is erased once it is out."""
    from tipline.services.sms import release_number

    release_number(outbound.contact)  # its query autoflushes the attempt
    db.session.commit()


def record_status(report: StatusReport) -> bool:
    """Store a delivery status callback on its outbound text; False when the id is not ours."""
    outbound = db.session.scalar(select(Outbound).where(Outbound.provider_sid == report.provider_sid))
    if outbound is None:
        return False
    if _rank(report.status) >= _rank(outbound.status):
        outbound.status = report.status
        outbound.error_code = (report.error_code or None) and str(report.error_code)[:16]
    db.session.commit()
    return True


def attach_media(tip_id: int, contact_id: int, urls: list[str], language: str) -> int:
    """Fetch MMS attachments, strip their metadata and attach them; tell the sender about refused ones.

    Everything is downloaded before anything is stored, so a retried task never attaches a file twice.
    """
    tip = db.session.get(Tip, tip_id)
    if tip is None:
        return 0
    client = gateway()
    downloads = [client.fetch_media(url) for url in urls]  # GatewayError -> the task retries
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
    contact = db.session.get(Contact, contact_id)
    if refused and _reachable(contact):
        _queue(contact, tip_id, sms_texts.render("media_refused", language))
    return len(cleaned)
