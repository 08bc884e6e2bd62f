"""Intake: the only way a tip is born, and the only way a sender adds to it."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tipline.extensions import db
from tipline.models import Attachment, Message, Tip
from tipline.models.types import utcnow
from tipline.services import casework, catalog, receipts, triage, uploads


@dataclass
class Submission:
    """What a resident sent, as plain values (from the web form, an SMS or the CLI)."""

    text: str
    ui_language: str
    channel: str = "web"
    category: str | None = None
    place: str | None = None
    lat: float | None = None
    lon: float | None = None
    occurred_at: datetime | None = None
    files: list[bytes] = field(default_factory=list)
    submission: str | None = None  # the web form's one-time id (see submission_key)


class DuplicateSubmission(Exception):
    """The same web form was sent again, and its tip's code cannot be made again from it (the tip was stored
    before codes came from the form, or under another RECEIPT_INDEX_KEY): nothing new was stored."""


def submission_key(submission: str | None, content: str) -> str | None:
    """The stored form of a one-time submission id: SHA-256 of the id and the text, so that the same form sent
    again is one tip while the same form edited (Back, add a detail, Send) is a new one; None without an id."""
    return hashlib.sha256(f"{submission}\0{content}".encode()).hexdigest() if submission else None


def _stored(model, key: str | None):
    """The tip or message a submission key made, or None."""
    return None if key is None else db.session.scalar(select(model).where(model.submission_key == key))


def _code_again(tip: Tip, sub: Submission) -> str:
    """The receipt code of a tip whose form was sent again: the one the form yields, if it opens this tip."""
    code = receipts.form_code(sub.submission, sub.text)
    if receipts.find_tip(code) is not tip:  # a code that would not open the tip is never shown
        raise DuplicateSubmission
    return code


def _store_files(tip: Tip, cleaned: list[uploads.CleanFile]) -> list[str]:
    """Store cleaned uploads for a tip; returns the storage keys written (to undo on failure)."""
    keys = []
    for item in cleaned:
        key = uploads.save(item.content)
        keys.append(key)
        tip.attachments.append(Attachment(storage_key=key, content_type=item.content_type, size=len(item.content)))
    return keys


def submit_tip(sub: Submission, on_receipt: Callable[[Tip, str], None] | None = None) -> tuple[Tip, str]:
    """Accept a tip: store it encrypted with its receipt, commit once, then hand it to triage.

    Returns the tip and the clear receipt code, which is never stored: a web form's code comes from the form
    (receipts.form_code), so the same form sent again returns the tip it made and the same code; other channels
    get a random one. `on_receipt(tip, code)` runs inside the same transaction (a channel records the answer it
    will give, so both land together). Raises uploads.UploadRejected before anything is stored if a file is not
    acceptable, and DuplicateSubmission when the form was accepted before and its code cannot be made again.
    """
    cleaned = uploads.clean_all(sub.files)  # first: refused before any other work, and before anything is written
    key = submission_key(sub.submission, sub.text)  # a resend fails on its unique index: no lookup before
    tip = Tip(
        public_id=secrets.token_hex(5).upper(),
        channel=sub.channel,
        language=triage.detect_language(sub.text),
        ui_language=sub.ui_language,
        text=sub.text,
        place=sub.place or None,
        lat=sub.lat,
        lon=sub.lon,
        occurred_at=sub.occurred_at,
        category_code=sub.category or None,
        status_code=catalog.initial_status().code,
        triage_state="pending",
        submission_key=key,
    )
    keys = _store_files(tip, cleaned)
    try:
        casework.place_new_tip(tip)  # before the tip joins the session: no autoflush, one INSERT per row
        triage.note_queued(tip)  # its triage is queued right after the commit
        db.session.add(tip)
        code = receipts.issue(tip, receipts.form_code(sub.submission, sub.text) if sub.submission else None)
        db.session.flush()
        tip_id = tip.id
        if on_receipt is not None:
            on_receipt(tip, code)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        for stored in keys:
            (uploads.store_dir() / stored).unlink(missing_ok=True)
        original = _stored(Tip, key) if isinstance(exc, IntegrityError) else None
        if original is None:
            raise
        return original, _code_again(original, sub)  # the same form, sent again: its tip is already queued
    triage.enqueue(tip_id)
    return tip, code


def add_sender_message(tip: Tip, body: str, ui_language: str, submission: str | None = None) -> bool:
    """Append the sender's follow-up message (more information or an answer) to a tip's conversation; False when
    this form was sent before (nothing is added twice)."""
    key = submission_key(submission, body)  # a resend fails on its unique index: no lookup before
    language = triage.detect_language(body) or ui_language
    tip.sender_wrote_at = utcnow()
    triage.count_answer(tip)  # reads the conversation so far: before the new message is added (and flushed)
    db.session.add(Message(tip=tip, author_role="sender", language=language, body=body, submission_key=key))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if _stored(Message, key) is not None:  # the same form, sent again
            return False
        raise
    return True


class ReceiptError(LookupError):
    """A receipt code that is malformed ('malformed') or matches no tip ('unknown')."""


def open_by_receipt(raw_code: str) -> Tip:
    """The tip a typed receipt code opens; raises ReceiptError('malformed' | 'unknown')."""
    code = receipts.normalise(raw_code)
    if code is None:
        raise ReceiptError("malformed")
    tip = receipts.find_tip(code)
    if tip is None:
        raise ReceiptError("unknown")
    return tip
