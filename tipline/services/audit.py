"""The audit log: append hash-chained entries, verify the chain, export it for oversight."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select, text

from tipline.extensions import db
from tipline.models import AuditEntry, Tip, User
from tipline.models.types import UNREADABLE, utcnow

GENESIS = "0" * 64
UNKEYED, KEYED = 1, 2  # an entry's version: SHA-256 links (before 0016), HMAC-SHA256 under AUDIT_CHAIN_KEY
log = logging.getLogger(__name__)


def _content_hash(entry: AuditEntry) -> str:
    """The link of an entry over the previous hash and its content, in a canonical JSON form: SHA-256 for version 1,
    HMAC-SHA256 under AUDIT_CHAIN_KEY (kept outside the database) for version 2."""
    content = {
        "prev": entry.prev_hash,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "tip": entry.tip_public_id,
        "details": entry.details,
    }
    if entry.agency_code is not None:  # entries written before the column existed keep their hash
        content["agency"] = entry.agency_code
    if entry.version == UNKEYED:
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=True).encode()).hexdigest()
    content["v"] = entry.version
    key = current_app.config["AUDIT_CHAIN_KEY"].encode()
    return hmac.new(key, json.dumps(content, sort_keys=True, ensure_ascii=True).encode(), hashlib.sha256).hexdigest()


def _lock_chain() -> None:
    """Serialise writers of the chain until the transaction ends, so two entries never share a predecessor."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7302025)"))
    else:  # SQLite: any write statement takes the database's single write lock
        db.session.execute(text("UPDATE audit_log SET id = id WHERE 0 = 1"))


def record(
    actor: str,
    action: str,
    tip_public_id: str | None = None,
    *,
    of_agency: str | None = None,
    notes: dict[str, str] | None = None,
    **details,
) -> AuditEntry:
    """Append an entry (in the caller's transaction; the caller commits once).

    of_agency names the agency an entry without a tip concerns, so that agency's admins (and only they, with the
    oversight body) read it. notes holds an officer's free text (a note, a reason): it may name people, so it is
    stored encrypted beside the entry and erased with the tip, while the chain covers its salted digest.
    """
    _lock_chain()
    private = None
    if notes and any(notes.values()):
        private = json.dumps({"salt": secrets.token_hex(16), **notes}, sort_keys=True, ensure_ascii=False)
        details = {**details, "notes_sha256": hashlib.sha256(private.encode()).hexdigest()}
    last = db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        at=utcnow().replace(microsecond=0),
        actor=actor,
        action=action,
        tip_public_id=tip_public_id,
        details=details,
        agency_code=of_agency,
        prev_hash=last or GENESIS,
        private=private,
        version=KEYED,
    )
    entry.hash = _content_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class Verification:
    """Result of checking the chain: ok, entries checked, the first broken entry's id, the last hash (head)."""

    ok: bool
    count: int
    broken_id: int | None = None
    reason: str = ""
    head: str = GENESIS


def verify(batch: int = 5000, anchors: dict[int, str] | None = None, since: int = 0) -> Verification:
    """Walk the chain in id order, recomputing every hash.

    anchors maps an entry's position (1 = the first entry) to the hash it had when a head was written down
    outside the database (`tipline audit head`): entries removed from the end, or a chain rewritten and
    re-hashed by someone with AUDIT_CHAIN_KEY, no longer match it. With `since`, an anchored position, only the
    entries after it are walked (the anchor's own check walked those before).
    """
    anchors = dict(anchors or {})
    prev, count, after, keyed = GENESIS, 0, 0, False
    purges = _Purges()
    if since:
        start = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(since - 1).limit(1)).first()
        if start is None:
            return Verification(False, 0, None, f"entries removed: a written-down head had {since} entries")
        if start.hash != anchors[since]:
            return Verification(False, since - 1, start.id, f"entry {since} differs from the written-down head")
        if _content_hash(start) != start.hash:  # its version decides whether unkeyed entries may follow
            return Verification(False, since - 1, start.id, "content changed after it was written")
        prev, count, after, keyed = start.hash, since, start.id, start.version == KEYED
        anchors = {n: digest for n, digest in anchors.items() if n > since}
    while True:
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            if problem := _problem(entry, prev, keyed, purges):
                return Verification(False, count, entry.id, problem)
            prev, count, after, keyed = entry.hash, count + 1, entry.id, keyed or entry.version == KEYED
            if count in anchors and anchors.pop(count) != entry.hash:
                return Verification(False, count - 1, entry.id, f"entry {count} differs from the written-down head")
        for entry in rows:  # memory stays flat on a long chain; the caller's objects stay in the session
            db.session.expunge(entry)
    if anchors:
        return Verification(False, count, None, f"entries removed: a written-down head had {max(anchors)} entries")
    return Verification(True, count, head=prev)


def _problem(entry: AuditEntry, prev: str, keyed: bool, purges: _Purges) -> str:
    """Why an entry does not hold in the chain after the hash prev ('' when it does); keyed: a version 2 entry came
    before it, so an unkeyed one here was written by someone without AUDIT_CHAIN_KEY."""
    if entry.prev_hash != prev:
        return "previous-hash link broken (entry removed or reordered)"
    if entry.version not in (UNKEYED, KEYED):
        return f"unknown version {entry.version}"
    if keyed and entry.version == UNKEYED:
        return "unkeyed entry after keyed ones (written without AUDIT_CHAIN_KEY)"
    if _content_hash(entry) != entry.hash:
        return "content changed after it was written"
    return _notes_problem(entry, purges)


def anchor_file() -> Path:
    """Where the chain's heads are appended, outside the database (AUDIT_ANCHOR_FILE)."""
    configured = current_app.config.get("AUDIT_ANCHOR_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-anchors.txt"


@dataclass
class Anchors:
    """The heads written to the anchor file: position -> hash, when the last was written, and the failure of the
    latest full check if it failed."""

    heads: dict[int, str]
    last_at: datetime | None = None
    failure: str = ""

    @property
    def last(self) -> int:
        """The position of the newest anchored entry (0: none)."""
        return max(self.heads, default=0)


def written_anchors() -> Anchors:
    """The anchor file's heads (lines 'N:HASH TIME') and failed checks (lines '! TIME REASON'), as `anchor`
    writes them."""
    path, anchors = anchor_file(), Anchors({})
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            head, _, rest = line.partition(" ")
            if head == "!":
                anchors.failure = rest
                continue
            position, _, digest = head.partition(":")
            anchors.heads[int(position)] = digest
            anchors.last_at, anchors.failure = datetime.fromisoformat(rest) if rest else anchors.last_at, ""
    return anchors


def _append(line: str) -> None:
    """Add a line to the anchor file."""
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def anchor() -> Verification:
    """Verify the whole chain against every head written so far; only when it holds and has grown, append its head
    to the anchor file and the log (the worker runs this every 15 minutes). A chain that does not verify, from its
    first entry through the previous head to its end, is never certified: a database user without AUDIT_CHAIN_KEY
    cannot re-link entries after the last head, and nobody can make the chain match heads kept where he cannot
    write."""
    known, now = written_anchors(), utcnow().replace(microsecond=0).isoformat()
    result = verify(anchors=known.heads)
    if not result.ok:
        failure = f"{f'entry {result.broken_id}' if result.broken_id else 'the end'}: {result.reason}"
        log.error("audit chain broken at %s", failure)
        if not known.failure.endswith(failure):  # written once, read by the audit page
            _append(f"! {now} {failure}")
    elif result.count > known.last:
        _append(f"{result.count}:{result.head} {now}")
        log.info("audit anchor %d:%s", result.count, result.head)
    return result


class _Purges:
    """Where the chain records that retention erased a tip: its `tip.purge` entries (read once, on first need)."""

    def __init__(self) -> None:
        self._last: dict[str, int] | None = None

    def explains(self, entry: AuditEntry) -> bool:
        """True when a later `tip.purge` entry of the entry's tip accounts for its erased notes. Only the chain
        counts: `tips.purged_at` is a column any database user can set."""
        if self._last is None:
            rows = db.session.execute(
                select(AuditEntry.tip_public_id, func.max(AuditEntry.id))
                .where(AuditEntry.action == "tip.purge")
                .group_by(AuditEntry.tip_public_id)
            ).all()
            self._last = dict(rows)
        return self._last.get(entry.tip_public_id, 0) > entry.id


def _notes_problem(entry: AuditEntry, purges: _Purges) -> str:
    """Why an entry's notes do not match the chain ('' when they do)."""
    if entry.private == UNREADABLE:
        return "notes unreadable (altered, or encrypted under a data key no longer configured)"
    if entry.private is not None:
        if hashlib.sha256(entry.private.encode()).hexdigest() != entry.details.get("notes_sha256"):
            return "notes changed after they were written"
    elif "notes_sha256" in entry.details and not purges.explains(entry):
        return "notes erased, but the chain records no purge of the tip"
    return ""


@dataclass
class Filters:
    """What an audit log reader narrowed the log to (all optional)."""

    tip: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def entries(
    tip_public_id: str | None = None,
    limit: int = 500,
    scope=None,
    exclude: tuple[str, ...] = (),
    offset: int = 0,
    filters: Filters | None = None,
) -> list[AuditEntry]:
    """Newest entries first (skipping offset), optionally for one tip, within a scope (an SQL condition, see
    scope_for), without some actions and narrowed by a reader's filters."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if exclude:
        query = query.where(AuditEntry.action.not_in(exclude))
    if scope is not None:
        query = query.where(scope)
    f = filters or Filters(tip=tip_public_id)
    if f.tip:
        query = query.where(AuditEntry.tip_public_id == f.tip)
    if f.actor:
        query = query.where(func.lower(AuditEntry.actor) == f.actor.lower())
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.since:
        query = query.where(AuditEntry.at >= f.since)
    if f.until:
        query = query.where(AuditEntry.at < f.until)
    return list(db.session.scalars(query))


DEPLOYMENT_WIDE = ("model.retrain", "model.rollback", "event.create")  # tip-less entries every admin reads


def _reviews_everything(user) -> bool:
    """The oversight body's reviewers read the whole log."""
    return user.role == "oversight" and user.agency.kind == "oversight"


def note_authors(user) -> set[str] | None:
    """Whose notes a reader may read: everyone's for the oversight body's reviewers (None), else the notes of the
    reader's own agency only (another agency's officer's note about a shared tip is that agency's record)."""
    if _reviews_everything(user):
        return None
    return set(db.session.scalars(select(User.username).where(User.agency_code == user.agency_code)))


def scope_for(user, visible_tips):
    """None (everything) for the oversight body's reviewers; for an agency's admin, the entries of the tips its
    agency holds (visible_tips: the queue's SQL condition), those without a tip that concern its agency, and the
    model changes, so a complaint's casework, its digests and the oversight staff's activity stay hidden."""
    if _reviews_everything(user):
        return None
    held = select(Tip.public_id).where(visible_tips)
    colleagues = select(User.username).where(User.agency_code == user.agency_code)
    older = AuditEntry.agency_code.is_(None) & AuditEntry.actor.in_(colleagues)  # written before the column
    own = AuditEntry.tip_public_id.is_(None) & (
        (AuditEntry.agency_code == user.agency_code) | older | AuditEntry.action.in_(DEPLOYMENT_WIDE)
    )
    return or_(own, AuditEntry.tip_public_id.in_(held))


def export_rows(scope=None, authors: set[str] | None = None):
    """Every entry in chain order within a scope, as dicts (the CSV export), with the notes of `authors` (None:
    all); the entry numbers, hashes and salted notes that let the whole chain be verified go only with the whole
    chain (their gaps would count hidden entries)."""
    after = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.id > after)
        if scope is not None:
            query = query.where(scope)
        rows = db.session.scalars(query.order_by(AuditEntry.id).limit(2000)).all()
        if not rows:
            return
        for e in rows:
            after = e.id
            row = {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "tip": e.tip_public_id or "",
                "details": json.dumps(e.details, sort_keys=True, ensure_ascii=False),
                "notes": json.dumps(e.notes, sort_keys=True, ensure_ascii=False)
                if e.private and (authors is None or e.actor in authors)
                else "",
            }
            if scope is None:  # the notes exactly as hashed (with their salt): sha256 of the cell is notes_sha256
                row |= {"notes": e.private or "", "agency": e.agency_code or "", "prev_hash": e.prev_hash}
                row["version"] = e.version  # 1: SHA-256 link; 2: HMAC-SHA256, checked only with AUDIT_CHAIN_KEY
                row = {"id": e.id, **row, "hash": e.hash}
            yield row
