"""Inbound messages on any channel: each handled exactly once per (channel, provider id), keywords first, then
intake; addresses looked up by keyed hash only."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tipline.channels import InboundMessage, MediaRef
from tipline.extensions import db
from tipline.models import Contact, Inbound, Tip
from tipline.models.types import utcnow
from tipline.services import intake, receipts, triage
from tipline.services.conversations import outbound, texts
from tipline.services.conversations.contacts import address_hash, release_address

ALLOWED_MEDIA = {"image/jpeg", "image/png", "image/webp", "application/pdf"}
REPLAY_WAIT_SECONDS = 5.0


def handle_inbound(message: InboundMessage) -> str | None:
    """Handle one inbound message and return the reply text (None: answer nothing); a retried id replays."""
    found, reply = _stored_reply(message.channel, message.message_sid)
    if found:
        return reply
    contact = _contact_for(message.channel, message.sender)
    try:
        _hold(contact)
        reply = _process(contact, message)
    except IntegrityError:  # the same message id was stored by a concurrent delivery
        db.session.rollback()
        return _stored_reply(message.channel, message.message_sid, wait=REPLAY_WAIT_SECONDS)[1]
    outbound.send_held(contact)  # a channel's window is open again: replies held meanwhile go out
    return reply


def _hold(contact: Contact) -> None:
    """Take the phone's row (a no-op update) until this text is committed, then read it afresh: the parts of a long
    text arriving together wait for one another, so the first makes the tip and the others join it."""
    db.session.execute(update(Contact).where(Contact.id == contact.id).values(last_seen=Contact.last_seen))
    db.session.refresh(contact)


def _stored_reply(channel: str, message_sid: str, wait: float = REPLAY_WAIT_SECONDS) -> tuple[bool, str | None]:
    """(found, reply) for a stored id, waiting briefly while a concurrent delivery finishes its reply."""
    deadline = time.monotonic() + wait
    query = select(Inbound.answered_at, Inbound.reply).where(
        Inbound.channel == channel, Inbound.message_sid == message_sid
    )
    while True:
        row = db.session.execute(query).first()
        db.session.rollback()  # end the read so the next look sees the other delivery's commit
        if row is None:
            return False, None
        if row.answered_at is not None or time.monotonic() >= deadline:
            return True, row.reply
        time.sleep(0.05)


def _contact_for(channel: str, address: str) -> Contact:
    """The contact for an address, created (and committed) on first contact; safe against concurrent creation."""
    digest = address_hash(address)
    query = select(Contact).where(Contact.channel == channel, Contact.address_hash == digest)
    contact = db.session.scalar(query)
    if contact is None:
        db.session.add(Contact(channel=channel, address_hash=digest, address=address, last_seen=utcnow()))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
        contact = db.session.scalar(query)
    elif contact.address is None and not contact.opted_out:
        contact.address = address  # held again for a new conversation
    return contact


def _process(contact: Contact, message: InboundMessage) -> str | None:
    """Keywords override everything; otherwise the text joins the open conversation or starts a tip."""
    inbound = Inbound(channel=message.channel, message_sid=message.message_sid, contact=contact, action="pending")
    db.session.add(inbound)
    keyword = texts.match_keyword(message.body)
    if keyword is None and not message.body.strip() and not _allowed_media(message.media):
        if message.media:  # only attachments of a refused type: nothing to make a tip of
            reply = texts.render("media_refused", contact.language or "en")
            return _finish(inbound, contact, "help", None if contact.opted_out else reply)
        keyword = texts.Keyword("help", None)  # an empty text is a request for help
    if keyword is None and (feedback := texts.match_event(message.body)):
        return _event_feedback(inbound, contact, *feedback)
    if keyword is None:
        return _message(inbound, contact, message)
    return _keyword(inbound, contact, keyword, message.sender)


def _event_feedback(
    inbound: Inbound, contact: Contact, code: str, rating: str | None, comment: str, word_language: str | None
):
    """`EVENT 4821 5 comment`: feedback on an outreach event, once per address per event; answered in the language
    chosen, else of the comment, else of the word used for EVENT (EVÈNMAN: Creole)."""
    from tipline.services import events

    language = _reply_language(comment, contact, fallback=word_language)
    contact.language = language
    try:
        events.submit_feedback(
            code, {"overall": rating}, comment or None, contact.channel, sender_hash=contact.address_hash
        )
        reply = texts.render("event_thanks", language)
    except events.FeedbackError as exc:
        db.session.rollback()
        db.session.add(inbound)
        with force_locale(language):
            reply = str(events.FEEDBACK_ERRORS[exc.args[0]])
    return _finish(inbound, contact, "event_feedback", None if contact.opted_out else reply)


_KEYWORD_TEXTS = {"help": "help", "new": "new_ready", "language": "language", "stop": "stopped", "start": "started"}


def _keyword(inbound: Inbound, contact: Contact, keyword: texts.Keyword, address: str) -> str | None:
    """STOP, START, HELP, NEW or a language choice; STOP confirms once, then silence until START."""
    was_out = contact.opted_out
    if keyword.language in current_app.config["LANGUAGES"]:  # a language the site does not offer is not taken
        contact.language = keyword.language
        contact.language_chosen = contact.language_chosen or keyword.action == "language"  # KREYOL, ESPAÑOL…
    if keyword.action == "stop":
        contact.opted_out, contact.address = True, None
    elif keyword.action == "start":
        contact.opted_out, contact.address = False, address
    elif keyword.action == "new":
        contact.tip_id = None
    silent = was_out if keyword.action != "start" else False
    reply = None if silent else texts.render(_KEYWORD_TEXTS[keyword.action], contact.language or "en")
    return _finish(inbound, contact, keyword.action, reply)


def _record(inbound: Inbound, contact: Contact, action: str, reply: str | None) -> None:
    """Note the outcome and the reply to replay (committed with everything else by the caller)."""
    inbound.action, inbound.reply, inbound.answered_at = action, reply, utcnow()
    contact.last_seen = inbound.answered_at


def _finish(inbound: Inbound, contact: Contact, action: str, reply: str | None) -> str | None:
    """Store the outcome and the reply to replay, in the same commit as everything else.

    The reply goes back in the webhook's answer: a text that leaves no conversation open (HELP, START, EVENT
    feedback from a new address) leaves no address stored either.
    """
    _record(inbound, contact, action, reply)
    release_address(contact)  # its query autoflushes what _record added
    db.session.commit()
    return reply


def _message(inbound: Inbound, contact: Contact, message: InboundMessage) -> str | None:
    """A text for a tip: appended to the open conversation, or a new tip through intake."""
    text = texts.split_new_prefix(message.body)
    tip = None if text is not None else _open_tip(contact)
    text = message.body.strip() if text is None else text
    if (by_code := _tip_by_receipt(text)) is not None:  # the code is never stored with the message
        tip, text = by_code
        if tip.status.is_closed:
            reply = texts.render("receipt_closed", _reply_language(text, contact))
            return _finish(inbound, contact, "closed", None if contact.opted_out else reply)
        contact.tip_id = tip.id  # from this phone too, for the conversation window
    language = _reply_language(text, contact)
    contact.language = language
    if tip is not None:
        inbound.tip_id, inbound.action = tip.id, "append"
        reply = texts.render("appended" if text or message.media else "receipt_open", language)
        if text:
            intake.add_sender_message(tip, text, language)  # commits the inbound row with the message
    else:
        return _new_tip(inbound, contact, message, text, language)
    refused = _queue_media(tip, contact, message.media, language)
    if refused:
        reply = reply + "\n" + texts.render("media_refused", language)
    return _finish(inbound, contact, inbound.action, None if contact.opted_out else reply)


def _new_tip(inbound: Inbound, contact: Contact, message: InboundMessage, text: str, language: str) -> str | None:
    """A new tip through intake; the tip, its receipt and the answer to replay are committed together."""
    refused = _refused_media(message.media)

    def record_answer(tip: Tip, code: str) -> None:
        inbound.tip_id, contact.tip_id = tip.id, tip.id
        url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/follow-up"
        reply = texts.render("received", language, code=receipts.format_code(code), url=url)
        if refused:
            reply = reply + "\n" + texts.render("media_refused", language)
        _record(inbound, contact, "new_tip", None if contact.opted_out else reply)

    tip, _code = intake.submit_tip(
        intake.Submission(text=text, ui_language=language, channel=contact.channel), record_answer
    )
    _queue_media(tip, contact, message.media, language)
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
    found = texts.split_receipt(text)
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
