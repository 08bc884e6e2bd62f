"""SMS conversations: each inbound text handled exactly once, keywords first, then intake; numbers by HMAC only."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tipline.channels.sms import InboundSms, MediaRef
from tipline.extensions import db
from tipline.models import Contact, Inbound, Outbound, Status, Tip
from tipline.models.types import utcnow
from tipline.services import intake, receipts, signals, sms_texts, triage
from tipline.services.crypto import keyed_hash

ALLOWED_MEDIA = {"image/jpeg", "image/png", "image/webp", "application/pdf"}
REPLAY_WAIT_SECONDS = 5.0
_NUMBER_NOISE = re.compile(r"[\s\-\.\(\)]")


def normalise_number(raw: str) -> str:
    """A phone number without spaces, dashes, dots or brackets (E.164 as gateways send it)."""
    return _NUMBER_NOISE.sub("", raw or "")


def address_hash(raw: str) -> str:
    """Keyed HMAC of a phone number: the only way a number is looked up."""
    return keyed_hash("SMS_NUMBER_KEY", normalise_number(raw))


def sender_label(digest: str) -> str:
    """What officers see instead of a number: "Sender 7F3A" (first four hex digits of the HMAC)."""
    return str(_l("Sender %(code)s")) % {"code": digest[:4].upper()}


def sender_label_for_tip(tip_id: int) -> str | None:
    """The sender label of an SMS tip, or None when the tip did not come by SMS."""
    digest = db.session.scalar(
        select(Contact.address_hash).join(Inbound, Inbound.contact_id == Contact.id)
        .where(Inbound.tip_id == tip_id).limit(1)
    )  # fmt: skip
    return sender_label(digest) if digest else None


def contact_language(raw_number: str) -> str:
    """The language of a number's conversation, English when unknown (for the rate-limit notice)."""
    language = db.session.scalar(select(Contact.language).where(Contact.address_hash == address_hash(raw_number)))
    return language or "en"


def handle_inbound(sms: InboundSms) -> str | None:
    """Handle one inbound text and return the reply text (None: answer nothing); a retried id replays."""
    found, reply = _stored_reply(sms.message_sid)
    if found:
        return reply
    contact = _contact_for(sms.sender)
    try:
        _hold(contact)
        return _process(contact, sms)
    except IntegrityError:  # the same MessageSid was stored by a concurrent delivery
        db.session.rollback()
        return _stored_reply(sms.message_sid, wait=REPLAY_WAIT_SECONDS)[1]


def _hold(contact: Contact) -> None:
    """Take the phone's row (a no-op update) until this text is committed, then read it afresh: the parts of a long
    text arriving together wait for one another, so the first makes the tip and the others join it."""
    db.session.execute(update(Contact).where(Contact.id == contact.id).values(last_seen=Contact.last_seen))
    db.session.refresh(contact)


def _stored_reply(message_sid: str, wait: float = REPLAY_WAIT_SECONDS) -> tuple[bool, str | None]:
    """(found, reply) for a stored id, waiting briefly while a concurrent delivery finishes its reply."""
    deadline = time.monotonic() + wait
    query = select(Inbound.answered_at, Inbound.reply).where(Inbound.message_sid == message_sid)
    while True:
        row = db.session.execute(query).first()
        db.session.rollback()  # end the read so the next look sees the other delivery's commit
        if row is None:
            return False, None
        if row.answered_at is not None or time.monotonic() >= deadline:
            return True, row.reply
        time.sleep(0.05)


def _contact_for(raw_number: str) -> Contact:
    """The contact for a number, created (and committed) on first contact; safe against concurrent creation."""
    digest = address_hash(raw_number)
    query = select(Contact).where(Contact.address_hash == digest)
    contact = db.session.scalar(query)
    if contact is None:
        db.session.add(
            Contact(channel="sms", address_hash=digest, address=normalise_number(raw_number), last_seen=utcnow())
        )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
        contact = db.session.scalar(query)
    elif contact.address is None and not contact.opted_out:
        contact.address = normalise_number(raw_number)  # held again for a new conversation
    return contact


def _process(contact: Contact, sms: InboundSms) -> str | None:
    """Keywords override everything; otherwise the text joins the open conversation or starts a tip."""
    inbound = Inbound(channel="sms", message_sid=sms.message_sid, contact=contact, action="pending")
    db.session.add(inbound)
    keyword = sms_texts.match_keyword(sms.body)
    if keyword is None and not sms.body.strip() and not _allowed_media(sms.media):
        if sms.media:  # only attachments of a refused type: nothing to make a tip of
            reply = sms_texts.render("media_refused", contact.language or "en")
            return _finish(inbound, contact, "help", None if contact.opted_out else reply)
        keyword = sms_texts.Keyword("help", None)  # an empty text is a request for help
    if keyword is None and (feedback := sms_texts.match_event(sms.body)):
        return _event_feedback(inbound, contact, *feedback)
    if keyword is None:
        return _message(inbound, contact, sms)
    return _keyword(inbound, contact, keyword, sms.sender)


def _event_feedback(
    inbound: Inbound, contact: Contact, code: str, rating: str | None, comment: str, word_language: str | None
):
    """`EVENT 4821 5 comment`: feedback on an outreach event, once per number per event; answered in the language
    chosen, else of the comment, else of the word used for EVENT (EVÈNMAN: Creole)."""
    from tipline.services import events

    language = _reply_language(comment, contact, fallback=word_language)
    contact.language = language
    try:
        events.submit_feedback(code, {"overall": rating}, comment or None, "sms", sender_hash=contact.address_hash)
        reply = sms_texts.render("event_thanks", language)
    except events.FeedbackError as exc:
        db.session.rollback()
        db.session.add(inbound)
        with force_locale(language):
            reply = str(events.FEEDBACK_ERRORS[exc.args[0]])
    return _finish(inbound, contact, "event_feedback", None if contact.opted_out else reply)


_KEYWORD_TEXTS = {"help": "help", "new": "new_ready", "language": "language", "stop": "stopped", "start": "started"}


def _keyword(inbound: Inbound, contact: Contact, keyword: sms_texts.Keyword, raw: str) -> str | None:
    """STOP, START, HELP, NEW or a language choice; STOP confirms once, then silence until START."""
    was_out = contact.opted_out
    if keyword.language in current_app.config["LANGUAGES"]:  # a language the site does not offer is not taken
        contact.language = keyword.language
        contact.language_chosen = contact.language_chosen or keyword.action == "language"  # KREYOL, ESPAÑOL…
    if keyword.action == "stop":
        contact.opted_out, contact.address = True, None
    elif keyword.action == "start":
        contact.opted_out, contact.address = False, normalise_number(raw)
    elif keyword.action == "new":
        contact.tip_id = None
    silent = was_out if keyword.action != "start" else False
    reply = None if silent else sms_texts.render(_KEYWORD_TEXTS[keyword.action], contact.language or "en")
    return _finish(inbound, contact, keyword.action, reply)


def _record(inbound: Inbound, contact: Contact, action: str, reply: str | None) -> None:
    """Note the outcome and the reply to replay (committed with everything else by the caller)."""
    inbound.action, inbound.reply, inbound.answered_at = action, reply, utcnow()
    contact.last_seen = inbound.answered_at


def _finish(inbound: Inbound, contact: Contact, action: str, reply: str | None) -> str | None:
    """Store the outcome and the reply to replay, in the same commit as everything else.

    The reply goes back in the webhook's answer: a text that leaves no conversation open (HELP, START, EVENT
    feedback from a new number) leaves no number stored either.
    """
    _record(inbound, contact, action, reply)
    release_number(contact)  # its query autoflushes what _record added
    db.session.commit()
    return reply


def _message(inbound: Inbound, contact: Contact, sms: InboundSms) -> str | None:
    """A text for a tip: appended to the open conversation, or a new tip through intake."""
    text = sms_texts.split_new_prefix(sms.body)
    tip = None if text is not None else _open_tip(contact)
    text = sms.body.strip() if text is None else text
    if (by_code := _tip_by_receipt(text)) is not None:  # the code is never stored with the message
        tip, text = by_code
        if tip.status.is_closed:
            reply = sms_texts.render("receipt_closed", _reply_language(text, contact))
            return _finish(inbound, contact, "closed", None if contact.opted_out else reply)
        contact.tip_id = tip.id  # from this phone too, for the conversation window
    language = _reply_language(text, contact)
    contact.language = language
    if tip is not None:
        inbound.tip_id, inbound.action = tip.id, "append"
        reply = sms_texts.render("appended" if text or sms.media else "receipt_open", language)
        if text:
            intake.add_sender_message(tip, text, language)  # commits the inbound row with the message
    else:
        return _new_tip(inbound, contact, sms, text, language)
    refused = _queue_media(tip, contact, sms.media, language)
    if refused:
        reply = reply + "\n" + sms_texts.render("media_refused", language)
    return _finish(inbound, contact, inbound.action, None if contact.opted_out else reply)


def _new_tip(inbound: Inbound, contact: Contact, sms: InboundSms, text: str, language: str) -> str | None:
    """A new tip through intake; the tip, its receipt and the answer to replay are committed together."""
    refused = _refused_media(sms.media)

    def record_answer(tip: Tip, code: str) -> None:
        inbound.tip_id, contact.tip_id = tip.id, tip.id
        url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/follow-up"
        reply = sms_texts.render("received", language, code=receipts.format_code(code), url=url)
        if refused:
            reply = reply + "\n" + sms_texts.render("media_refused", language)
        _record(inbound, contact, "new_tip", None if contact.opted_out else reply)

    tip, _code = intake.submit_tip(intake.Submission(text=text, ui_language=language, channel="sms"), record_answer)
    _queue_media(tip, contact, sms.media, language)
    return inbound.reply


def _open_tip(contact: Contact) -> Tip | None:
    """The contact's current tip if the conversation is still open (within the window, tip not closed)."""
    if contact.tip_id is None:
        return None
    window = timedelta(hours=current_app.config["SMS_CONVERSATION_HOURS"])
    tip = db.session.get(Tip, contact.tip_id)
    if tip is None or tip.status.is_closed or utcnow() - contact.last_seen > window:
        return None
    return tip


def _tip_by_receipt(text: str) -> tuple[Tip, str] | None:
    """(tip, the message after the code) when a text starts with the receipt code of a tip, else None."""
    found = sms_texts.split_receipt(text)
    if found is None:
        return None
    try:
        return intake.open_by_receipt(found[0]), found[1]
    except intake.ReceiptError:  # sixteen digits that open nothing: an ordinary text
        return None


def _reply_language(text: str, contact: Contact, fallback: str | None = None) -> str:
    """The language the sender chose by keyword, else the one detected in the text, else fallback (what the text's
    keyword implies), else the conversation's last language, else English."""
    if contact.language_chosen and contact.language:
        return contact.language
    detected = triage.detect_language(text) if text else None
    if detected in current_app.config["LANGUAGES"]:
        return detected
    return fallback or contact.language or "en"


def _queue_media(tip: Tip, contact: Contact, media: list[MediaRef], language: str) -> bool:
    """Hand allowed attachments to the worker; True when some were refused by their declared type."""
    from tipline import tasks

    allowed = _allowed_media(media)
    if allowed:
        tasks.dispatch(tasks.fetch_sms_media, tip.id, contact.id, allowed, language)
    return _refused_media(media)


def _allowed_media(media: list[MediaRef]) -> list[str]:
    """URLs of the attachments of an allowed declared type, up to the per-tip limit."""
    return [m.url for m in media if m.content_type in ALLOWED_MEDIA][: current_app.config["MAX_ATTACHMENTS"]]


def _refused_media(media: list[MediaRef]) -> bool:
    """True when some attachments are refused by their declared type (or over the limit)."""
    return len(_allowed_media(media)) < len(media)


def forget_numbers_for_closed() -> int:
    """Erase the stored numbers no open SMS tip and no waiting reply needs; returns how many were erased."""
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


OWED_FOR = timedelta(hours=6)  # longer than the send task's retries with back-off (about an hour)


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
            Outbound.created_at > utcnow() - OWED_FOR,  # a lost task cannot hold a number for ever
        )
        .exists()
    )
    return open_tip | owed


def release_number(contact: Contact) -> None:
    """Erase the contact's number once no open tip and no unsent reply needs it (the keyed hash stays)."""
    if contact.address is not None and not db.session.scalar(select(_needed()).where(Contact.id == contact.id)):
        contact.address = None


def _forget_number_on_close(tip: Tip) -> None:
    """When a tip closes (or is purged), erase the numbers that no other open tip or unsent reply still needs."""
    held = select(Inbound.contact_id).where(Inbound.tip_id == tip.id)
    for contact in db.session.scalars(select(Contact).where(Contact.id.in_(held), ~_needed(tip.id))):
        contact.address = None


signals.tip_closed.connect(_forget_number_on_close)
