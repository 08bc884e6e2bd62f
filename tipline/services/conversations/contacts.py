"""Contacts: found by (channel, keyed hash of the address); the address is kept encrypted only while needed."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from tipline.extensions import db
from tipline.models import Contact, Inbound, Outbound, Status, Tip
from tipline.models.types import utcnow
from tipline.services import signals
from tipline.services.crypto import keyed_hash

OWED_FOR = timedelta(hours=6)  # longer than the send task's retries with back-off (about an hour)


def address_hash(address: str) -> str:
    """Keyed HMAC of a normalised address: the only way an address is looked up."""
    return keyed_hash("SMS_NUMBER_KEY", address)


def sender_label(digest: str) -> str:
    """What officers see instead of an address: "Sender 7F3A" (first four hex digits of the HMAC)."""
    return str(_l("Sender %(code)s")) % {"code": digest[:4].upper()}


def contact_of_tip(tip_id: int) -> Contact | None:
    """The contact whose messages made or last joined a tip (None for a tip from the web form)."""
    return db.session.scalar(
        select(Contact).join(Inbound, Inbound.contact_id == Contact.id)
        .where(Inbound.tip_id == tip_id).order_by(Inbound.id.desc()).limit(1)
    )  # fmt: skip


def sender_label_for_tip(tip_id: int) -> str | None:
    """The sender label of a tip that came through a conversation, None otherwise."""
    contact = contact_of_tip(tip_id)
    return sender_label(contact.address_hash) if contact else None


def contact_language(channel: str, address: str) -> str:
    """The language of an address's conversation, English when unknown (for the rate-limit notice)."""
    query = select(Contact.language).where(Contact.channel == channel, Contact.address_hash == address_hash(address))
    return db.session.scalar(query) or "en"


def forget_addresses_for_closed() -> int:
    """Erase the stored addresses no open tip and no waiting reply needs; returns how many were erased."""
    ids = db.session.scalars(select(Contact.id).where(Contact.address.is_not(None), ~_needed())).all()
    if ids:
        db.session.execute(update(Contact).where(Contact.id.in_(ids)).values(address=None))
    db.session.commit()
    return len(ids)


def purge_stored_replies() -> int:
    """Drop stored replies (they may hold a receipt code) older than SMS_REPLY_RETENTION_HOURS."""
    cutoff = utcnow() - timedelta(hours=current_app.config["SMS_REPLY_RETENTION_HOURS"])
    result = db.session.execute(
        update(Inbound).where(Inbound.reply.is_not(None), Inbound.created_at < cutoff).values(reply=None)
    )
    db.session.commit()
    return result.rowcount or 0


def _needed(closing_tip_id: int | None = None):
    """SQL: the contact still has an open tip (other than one closing now) or a reply waiting to be sent."""
    open_tip = (
        select(Inbound.id)
        .join(Tip, Tip.id == Inbound.tip_id)
        .join(Status, Status.code == Tip.status_code)
        .where(Inbound.contact_id == Contact.id, Tip.id != (closing_tip_id or -1), Status.is_closed.is_(False))
        .exists()
    )
    owed = (
        select(Outbound.id)
        .where(
            Outbound.contact_id == Contact.id,
            Outbound.provider_sid.is_(None),
            Outbound.status.in_(("pending", "error")),
            Outbound.created_at > utcnow() - OWED_FOR,  # a lost task cannot hold an address for ever
        )
        .exists()
    )
    return open_tip | owed


def release_address(contact: Contact) -> None:
    """Erase the contact's address once no open tip and no unsent reply needs it (the keyed hash stays)."""
    if contact.address is not None and not db.session.scalar(select(_needed()).where(Contact.id == contact.id)):
        contact.address = None


def _forget_address_on_close(tip: Tip) -> None:
    """When a tip closes (or is purged), erase the addresses that no other open tip or unsent reply still needs."""
    held = select(Inbound.contact_id).where(Inbound.tip_id == tip.id)
    for contact in db.session.scalars(select(Contact).where(Contact.id.in_(held), ~_needed(tip.id))):
        contact.address = None


signals.tip_closed.connect(_forget_address_on_close)
