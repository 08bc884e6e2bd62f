"""The audit log is tamper-evident: changing, deleting or reordering an entry is detected and named.

Thrown at it: an edited detail, an edited actor, a deleted middle entry, a forged entry appended with a made-up
hash. `tipline audit verify` prints `ok N` and exits 0, or names the first broken entry and exits 1.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import delete, select, text, update

from tipline.extensions import db
from tipline.models import AuditEntry, Tip
from tipline.models.types import utcnow
from tipline.services import audit


@pytest.fixture
def chain(app):
    with app.app_context():
        ids = [audit.record("officer.a", "tip.view", f"T{i}", note=f"entry {i}").id for i in range(5)]
        db.session.commit()
        yield ids


def _verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output.strip()


def test_intact_chain_verifies(app, chain):
    assert _verify(app) == (0, "ok 5")


def test_each_entry_links_to_the_previous_one(app, chain):
    with app.app_context():
        entries = sorted(audit.entries(), key=lambda e: e.id)
        assert entries[0].prev_hash == audit.GENESIS
        assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))


def test_edited_details_are_detected_at_that_entry(app, chain):
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.id == chain[2]).values(details={"note": "innocent"}))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1
    assert output.startswith(f"broken at entry {chain[2]}: content changed")


def test_edited_actor_is_detected(app, chain):
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.id == chain[0]).values(actor="somebody.else"))
        db.session.commit()
    assert _verify(app)[1].startswith(f"broken at entry {chain[0]}")


def test_deleted_entry_breaks_the_link_of_the_next(app, chain):
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == chain[3]))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1
    assert f"broken at entry {chain[4]}: previous-hash link broken" in output


def test_forged_entry_with_a_made_up_hash_is_detected(app, chain):
    with app.app_context():
        last = audit.entries(limit=1)[0]
        forged = AuditEntry(at=last.at, actor="x", action="tip.view", details={}, prev_hash=last.hash, hash="f" * 64)
        db.session.add(forged)
        db.session.commit()
        forged_id = forged.id
    assert _verify(app) == (
        1,
        f"broken at entry {forged_id}: content changed after it was written (5 entries verified before it)",
    )


def test_a_written_down_head_detects_entries_removed_from_the_end(app, chain):
    head = app.test_cli_runner().invoke(args=["audit", "head"]).output.strip()
    assert head.startswith("5:")
    assert app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", head]).output.strip() == (
        "ok 5 (anchored up to entry 5)"
    )
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id >= chain[3]))
        db.session.commit()
    assert _verify(app) == (0, "ok 3")  # the links alone cannot tell
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", head])
    assert result.exit_code == 1 and "entries removed" in result.output


def _rewrite_and_rehash(app) -> None:
    """What a database user can do: the same number of entries, one detail changed, every hash recomputed."""
    with app.app_context():
        db.session.execute(delete(AuditEntry))
        db.session.commit()
        for i in range(5):
            audit.record("officer.a", "tip.view", f"T{i}", note="entry 2 was never here" if i == 2 else f"entry {i}")
        db.session.commit()


def test_a_written_down_head_detects_a_rewritten_and_rehashed_chain(app, chain):
    head = app.test_cli_runner().invoke(args=["audit", "head"]).output.strip()
    _rewrite_and_rehash(app)
    assert _verify(app)[0] == 0
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", head])
    assert result.exit_code == 1 and "differs from the written-down head" in result.output


@pytest.fixture
def anchor_file(app, tmp_path, monkeypatch):
    """The anchor file of this test (outside the database, as in production)."""
    path = tmp_path / "anchors.txt"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(path))
    return path


def _anchor(app):
    return app.test_cli_runner().invoke(args=["audit", "anchor"])


def test_anchoring_appends_the_head_once_per_growth_and_verify_reads_it(app, chain, anchor_file):
    result = _anchor(app)
    assert result.exit_code == 0 and result.output.startswith("5:")
    assert _anchor(app).exit_code == 0  # nothing new: no second line
    with app.app_context():
        audit.record("officer.a", "tip.view", "T9")
        db.session.commit()
    assert _anchor(app).output.startswith("6:")
    lines = anchor_file.read_text().splitlines()
    assert [line.split(":")[0] for line in lines] == ["5", "6"]
    assert _verify(app) == (0, "ok 6 (anchored up to entry 6)")


def test_an_anchored_chain_rewritten_and_rehashed_by_a_database_user_fails_verification(app, chain, anchor_file):
    assert _anchor(app).exit_code == 0
    _rewrite_and_rehash(app)
    code, output = _verify(app)  # no head typed in: the anchor file's are enough
    assert code == 1 and "differs from the written-down head" in output
    failed = _anchor(app)
    assert failed.exit_code == 1 and "broken" in failed.output
    assert _anchor(app).exit_code == 1
    head, failure = anchor_file.read_text().splitlines()  # a broken chain is never anchored; its failure once
    assert head.startswith("5:") and failure.startswith("! ") and "differs from the written-down head" in failure


def test_the_audit_page_checks_the_entries_after_the_anchor_and_shows_a_failed_full_check(app, chain, anchor_file):
    from tests.helpers import login, make_officer

    reader = app.test_client()
    login(reader, make_officer(app, "ia.tail", "oversight", "oversight"))
    assert _anchor(app).exit_code == 0
    with app.app_context():  # a detail changed in the anchored part, not re-hashed: the tail still links
        db.session.execute(update(AuditEntry).where(AuditEntry.id == chain[1]).values(details={"note": "innocent"}))
        db.session.commit()
    page = reader.get("/officer/audit").get_data(as_text=True)
    assert "The last full check of the chain failed" not in page  # not until the worker walks the chain again
    assert _anchor(app).exit_code == 1
    page = reader.get("/officer/audit").get_data(as_text=True)
    assert "The last full check of the chain failed" in page and f"entry {chain[1]}: content changed" in page


def test_entries_dropped_from_the_end_after_an_anchor_are_detected(app, chain, anchor_file):
    from tests.helpers import login, make_officer

    assert _anchor(app).exit_code == 0
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id >= chain[3]))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "entries removed: a written-down head had 5 entries" in output
    reader = app.test_client()
    login(reader, make_officer(app, "ia.anchor", "oversight", "oversight"))
    page = reader.get("/officer/audit").get_data(as_text=True)
    assert "Chain broken at entry" in page  # the login wrote more: the 5th entry is another one now
    assert "entry 5 differs from the written-down head" in page
    assert "Entries 1 to 5 were checked in full" in page


def test_erased_notes_of_a_tip_a_database_user_marked_purged_break_the_chain(app, client, anchor_file):
    """Erasing a live tip's notes and setting `tips.purged_at` (both outside the chain) does not pass for retention:
    only a chained `tip.purge` entry explains erased notes."""
    from tests.helpers import submit_tip, tip_by_text

    submit_tip(client, text="A boat lands at the sandbar below the pump station every night.")
    tip_id = tip_by_text(app, "sandbar")
    with app.app_context():
        noted = audit.record("officer.a", "tip.verify", tip_id, notes={"note": "Caller is the janitor"}).id
        db.session.commit()
    assert _anchor(app).exit_code == 0
    with app.app_context():
        db.session.execute(text("UPDATE audit_log SET private = NULL WHERE id = :id"), {"id": noted})
        db.session.execute(update(Tip).where(Tip.public_id == tip_id).values(purged_at=utcnow()))
        db.session.commit()
    code, output = _verify(app)
    assert code == 1
    assert output.startswith(f"broken at entry {noted}: notes erased, but the chain records no purge of the tip")


def _canonical(entry: AuditEntry, prev: str) -> bytes:
    """The content of an entry as the chain's published formula lays it out (what anyone can read in the code)."""
    content = {
        "prev": prev,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "tip": entry.tip_public_id,
        "details": entry.details,
    }
    if entry.agency_code is not None:
        content["agency"] = entry.agency_code
    return json.dumps(content, sort_keys=True, ensure_ascii=True).encode()


def _delete_and_rehash_with_hashlib(app, doomed: int, version: int | None = None) -> None:
    """What a database user without the application's keys can do: delete an entry after the last anchor and
    re-hash every later one with plain SHA-256, so each link holds again (with version=1, marking them as
    entries written before the chain was keyed)."""
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == doomed))
        prev = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.id < doomed).order_by(AuditEntry.id.desc()))
        for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.id > doomed).order_by(AuditEntry.id)):
            digest = hashlib.sha256(_canonical(entry, prev)).hexdigest()
            db.session.execute(
                text(
                    "UPDATE audit_log SET prev_hash = :prev, hash = :hash, version = COALESCE(:version, version)"
                    " WHERE id = :id"
                ),
                {"prev": prev, "hash": digest, "version": version, "id": entry.id},
            )
            prev = digest
        db.session.commit()


@pytest.fixture
def tail(app, chain, anchor_file):
    """Five anchored entries, then three more the anchor has not seen yet."""
    assert _anchor(app).exit_code == 0
    with app.app_context():
        ids = [audit.record("officer.a", "tip.view", f"T{i}", note=f"entry {i}").id for i in range(5, 8)]
        db.session.commit()
    return ids


def test_entries_deleted_after_the_last_anchor_and_the_rest_rehashed_with_hashlib_break_the_chain(app, tail):
    from tests.helpers import login, make_officer

    _delete_and_rehash_with_hashlib(app, tail[1])
    code, output = _verify(app)
    assert code == 1 and output.startswith(f"broken at entry {tail[2]}: content changed after it was written")
    reader = app.test_client()
    login(reader, make_officer(app, "ia.rehash", "oversight", "oversight"))
    assert f"Chain broken at entry {tail[2]}" in reader.get("/officer/audit").get_data(as_text=True)


def test_an_anchor_over_a_chain_rewritten_after_the_last_anchor_is_refused(app, tail, anchor_file):
    _delete_and_rehash_with_hashlib(app, tail[1])
    refused = _anchor(app)
    assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1
    assert refused.output.startswith(f"Error: refusing to anchor: the chain is broken at entry {tail[2]}")
    assert [line.split(":")[0] for line in anchor_file.read_text().splitlines() if not line.startswith("!")] == ["5"]


def test_entries_after_keyed_ones_rehashed_as_unkeyed_break_the_chain(app, tail):
    _delete_and_rehash_with_hashlib(app, tail[1], version=1)  # as if written before the chain was keyed
    code, output = _verify(app)
    assert code == 1
    assert output.startswith(f"broken at entry {tail[2]}: unkeyed entry after keyed ones (written without AUDIT_CHAIN")


def test_a_chain_checked_under_another_key_fails_at_its_first_keyed_entry(app, chain, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHAIN_KEY", "another-audit-chain-key")
    assert _verify(app) == (
        1,
        f"broken at entry {chain[0]}: content changed after it was written (0 entries verified before it)",
    )


def test_the_audit_page_refuses_unkeyed_entries_after_an_anchored_head_marked_unkeyed(app, tail):
    from tests.helpers import login, make_officer

    anchored = tail[0] - 1
    with app.app_context():  # the head's own hash is left as written: only its version says "unkeyed"
        db.session.execute(update(AuditEntry).where(AuditEntry.id == anchored).values(version=1))
        db.session.commit()
    _delete_and_rehash_with_hashlib(app, tail[1], version=1)
    reader = app.test_client()
    login(reader, make_officer(app, "ia.unkeyed", "oversight", "oversight"))
    page = reader.get("/officer/audit").get_data(as_text=True)
    assert f"Chain broken at entry {anchored}: content changed after it was written" in page
