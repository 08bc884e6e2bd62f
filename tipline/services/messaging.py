"""The anonymous conversation: officers' replies to a sender (delivery channels hook in here)."""

from __future__ import annotations

from tipline.extensions import db
from tipline.models import Message, Tip
from tipline.services.conversations import outbound


class ConversationClosed(ValueError):
    """The tip is closed: no more replies."""


def reply_to_sender(tip: Tip, body: str, language: str, author_id: int | None = None) -> Message:
    """Add an officer's reply to a tip's conversation; the sender reads it on the follow-up page."""
    if tip.status.is_closed:
        raise ConversationClosed(tip.public_id)
    message = Message(tip=tip, author_role="officer", author_id=author_id, language=language, body=body)
    db.session.add(message)
    tip.sender_wrote_at = None  # answered
    db.session.commit()
    outbound.queue_officer_reply(tip, body)  # on the tip's channel; suppressed after STOP or once the address is erased
    return message
