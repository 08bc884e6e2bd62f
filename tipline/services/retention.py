"""Retention: erase what the deployment says to forget, keep the anonymous facts public figures need."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select, update

from tipline.extensions import db
from tipline.models import Assignment, Attachment, AuditEntry, Message, Outbound, Receipt, Status, Tip, TriageRecord
from tipline.models.types import utcnow
from tipline.services import audit, geo, signals, uploads
from tipline.services.conversations import contacts

BATCH = 200
PURGED_TEXT = ""


@dataclass
class Report:
    """What a retention run did (or would do, in a dry run)."""

    dry_run: bool
    tips: int = 0
    attachments: int = 0
    messages: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def _due(limit: int, after: int = 0) -> list[Tip]:
    """Closed tips past their status's retention period and not yet purged (ids above after), in id order."""
    now = utcnow()
    rows = []
    for status in db.session.scalars(select(Status).where(Status.retention_days.is_not(None))):
        cutoff = now - timedelta(days=status.retention_days)
        rows += db.session.scalars(
            select(Tip)
            .where(Tip.status_code == status.code, Tip.closed_at < cutoff, Tip.purged_at.is_(None), Tip.id > after)
            .order_by(Tip.id)
            .limit(limit)
        ).all()
    return sorted(rows, key=lambda tip: tip.id)[:limit]


def _purge(tip: Tip, report: Report) -> None:
    """Erase a tip's content, files, conversation, receipt and officers' words; keep dates, channel, language,
    category, area."""
    if tip.area_code is None and tip.lat is not None:
        tip.area_code = geo.smallest_area(tip.lat, tip.lon)
    for attachment in tip.attachments:
        (uploads.store_dir() / attachment.storage_key).unlink(missing_ok=True)
    report.attachments += len(tip.attachments)
    report.messages += len(tip.messages)
    db.session.execute(delete(Attachment).where(Attachment.tip_id == tip.id))
    db.session.execute(delete(Message).where(Message.tip_id == tip.id))
    db.session.execute(delete(Receipt).where(Receipt.tip_id == tip.id))
    db.session.execute(delete(Outbound).where(Outbound.tip_id == tip.id))  # the texted copies of replies
    db.session.execute(update(Assignment).where(Assignment.tip_id == tip.id).values(reason=None))
    # officers' notes about it go too; the audit chain keeps their digests, and records the purge in the same
    # transaction, so that verification tells this erasure from notes removed behind its back
    db.session.execute(update(AuditEntry).where(AuditEntry.tip_public_id == tip.public_id).values(private=None))
    audit.record("system", "tip.purge", tip.public_id)
    for record in db.session.scalars(select(TriageRecord).where(TriageRecord.tip_id == tip.id)):
        record.factors = []
    tip.text, tip.place, tip.lat, tip.lon, tip.occurred_at = PURGED_TEXT, None, None, None, None
    tip.purged_at = utcnow()
    signals.tip_closed.send(tip)  # channels forget what they hold (e.g. the SMS number)


def run(dry_run: bool = False, batch: int = BATCH) -> Report:
    """Purge due tips in batches (each batch one commit, so an interrupted run resumes); audited."""
    report = Report(dry_run=dry_run)
    after = 0  # a dry run pages through every due tip; a real run's purged tips leave the query by themselves
    while True:
        due = _due(batch, after)
        if not due:
            break
        for tip in due:
            report.tips += 1
            report.by_status[tip.status_code] = report.by_status.get(tip.status_code, 0) + 1
            if dry_run:
                report.attachments += len(tip.attachments)
                report.messages += len(tip.messages)
            else:
                _purge(tip, report)
        if dry_run:
            after = due[-1].id
            db.session.rollback()
            continue
        db.session.commit()
    if not dry_run:
        contacts.forget_addresses_for_closed()
        contacts.purge_stored_replies()
    if not dry_run and report.tips:
        audit.record(
            "system",
            "retention.purge",
            tips=report.tips,
            attachments=report.attachments,
            messages=report.messages,
            by_status=report.by_status,
        )
        db.session.commit()
    return report
