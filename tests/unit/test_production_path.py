"""Production path: encryption keys, rotation, retention and migrations.

Thrown at it: a missing or wrong encryption key at start (refuses with a clear message), a rotation interrupted
halfway (the next run finishes it and everything still decrypts), retention run twice (no double effect), a
dry run (changes nothing), and schema drift between the models and the migrations.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import select, text, update

from tests.helpers import follow_up, submit_tip
from tipline import create_app
from tipline.config import ConfigError, ProductionConfig, TestConfig
from tipline.extensions import db
from tipline.models import Assignment, Attachment, AuditEntry, Message, Receipt, Tip
from tipline.models.types import utcnow
from tipline.services import audit, crypto, keys, retention, uploads


def test_production_refuses_to_start_without_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("TIPLINE_INSTANCE", str(tmp_path))
    config = type("Prod", (ProductionConfig,), {"SECRET_KEY": "s", "DATA_ENCRYPTION_KEYS": None})
    with pytest.raises(crypto.KeyConfigError, match="Refusing to start: set DATA_ENCRYPTION_KEYS"):
        create_app(config)
    keyed = {"SECRET_KEY": "s", "DATA_ENCRYPTION_KEYS": "k", "RECEIPT_INDEX_KEY": "r", "SMS_NUMBER_KEY": "n"}
    with pytest.raises(crypto.KeyConfigError, match="Refusing to start: set AUDIT_CHAIN_KEY in the environment"):
        create_app(type("Prod", (ProductionConfig,), keyed | {"AUDIT_CHAIN_KEY": None}))
    assert not (tmp_path / "audit_chain_key").exists()  # never generated beside the database in production


def _tipline(tmp_path, *args: str, **env: str):
    """Run the `tipline` command in a fresh process with only these settings."""
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TIPLINE_", "DATABASE_URL", "SECRET_KEY"))}
    env = {**clean, "TIPLINE_INSTANCE": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "tipline.cli", *args], capture_output=True, text=True, env=env)


def test_an_operator_is_told_in_one_line_what_stops_a_command(tmp_path):
    refused = _tipline(tmp_path, "db", "upgrade", TIPLINE_ENV="production")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert refused.stderr.splitlines()[0].startswith("Error: Refusing to start: set SECRET_KEY")
    missing = _tipline(tmp_path, "db", "upgrade", DATABASE_URL=f"sqlite:///{tmp_path}/no/such/folder/x.sqlite")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.startswith("Error: cannot use the database: unable to open database file")


LONG = "k" * 40


def test_demo_refuses_to_seed_its_known_passwords_in_production(tmp_path):
    names = ("SECRET_KEY", "RECEIPT_INDEX_KEY", "SMS_NUMBER_KEY", "AUDIT_CHAIN_KEY")
    keys = dict.fromkeys(names, "k" * 40)
    refused = _tipline(
        tmp_path,
        "demo",
        "--no-serve",
        TIPLINE_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path}/prod.sqlite",
        DATA_ENCRYPTION_KEYS=TestConfig.DATA_ENCRYPTION_KEYS,
        PUBLIC_BASE_URL="https://tips.example.org",
        **keys,
    )
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "password" not in refused.stdout and "TOTP secret" not in refused.stdout
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert refused.stderr.startswith("Error: Refusing to run the demo with TIPLINE_ENV=production")
    assert not (tmp_path / "prod.sqlite").exists() or (tmp_path / "prod.sqlite").stat().st_size == 0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SQLALCHEMY_DATABASE_URI": None}, "set DATABASE_URL"),
        ({"PUBLIC_BASE_URL": "http://tips.example.org"}, "https:// address"),
        ({"SECRET_KEY": "x"}, "make SECRET_KEY at least 32"),
    ],
    ids=["no-database", "plain-http", "short-keys"],
)
def test_production_refuses_settings_that_would_quietly_be_unsafe(monkeypatch, tmp_path, settings, message):
    monkeypatch.setenv("TIPLINE_INSTANCE", str(tmp_path))
    good = {
        "SECRET_KEY": LONG,
        "RECEIPT_INDEX_KEY": LONG,
        "SMS_NUMBER_KEY": LONG,
        "AUDIT_CHAIN_KEY": LONG,
        "DATA_ENCRYPTION_KEYS": TestConfig.DATA_ENCRYPTION_KEYS,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "PUBLIC_BASE_URL": "https://tips.example.org",
    }
    create_app(type("Prod", (ProductionConfig,), good))  # the same settings, all good, start
    with pytest.raises(crypto.KeyConfigError, match=message):
        create_app(type("Prod", (ProductionConfig,), good | settings))
    assert not (tmp_path / "tipline.sqlite").exists()  # never a quiet local database


def test_a_malformed_setting_is_named_with_what_it_accepts(monkeypatch, tmp_path):
    from tipline.config import _env_bool, _env_int

    monkeypatch.setenv("TIPLINE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("TIPLINE_ENV", "prod")
    with pytest.raises(ConfigError, match="TIPLINE_ENV must be one of development, test, production, not 'prod'"):
        create_app()
    monkeypatch.setenv("TRIAGE_ENABLED", "maybe")
    with pytest.raises(ConfigError, match="TRIAGE_ENABLED must be one of 1, true, yes, on"):
        _env_bool("TRIAGE_ENABLED", True)
    monkeypatch.setenv("DB_POOL_SIZE", "abc")
    with pytest.raises(ConfigError, match="DB_POOL_SIZE must be a whole number, not 'abc'"):
        _env_int("DB_POOL_SIZE", 5)
    monkeypatch.setenv("DB_POOL_SIZE", "")  # NAME= in an env file: the default, not a failure to start
    monkeypatch.setenv("TRIAGE_ENABLED", " ")
    assert (_env_int("DB_POOL_SIZE", 5), _env_bool("TRIAGE_ENABLED", True)) == (5, True)


def test_a_deployment_offers_the_languages_it_sets(monkeypatch, tmp_path):
    from tipline.config import _env_languages

    monkeypatch.setenv("TIPLINE_INSTANCE", str(tmp_path))
    import subprocess
    import sys

    monkeypatch.setenv("TIPLINE_LANGUAGES", "en, es")
    assert _env_languages("TIPLINE_LANGUAGES") == ("en", "es")
    read = "from tipline.config import Config; print(','.join(Config.LANGUAGES))"
    assert subprocess.run([sys.executable, "-c", read], capture_output=True, text=True).stdout.strip() == "en,es"
    app = create_app(
        type("TwoLanguages", (TestConfig,), {"LANGUAGES": ("en", "es"), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    )
    client = app.test_client()
    home = client.get("/follow-up?lang=ar").get_data(as_text=True)  # a page that reads no table (none is built)
    assert 'lang="en"' in home and 'hreflang="es"' in home
    assert 'hreflang="ar"' not in home and 'dir="rtl"' not in home  # Arabic is not offered: English answers
    assert 'hreflang="ht"' not in home
    with app.test_request_context():
        from tipline.services import triage

        assert triage.detect_language("Hay un camión blanco sin placas junto al puente viejo cada noche.") == "es"
        assert triage.detect_language("يوجد شاحنة بيضاء بدون لوحات قرب الجسر القديم كل ليلة") == "und"
    for wrong in ("en,xx", "es,fr", "en;es"):
        monkeypatch.setenv("TIPLINE_LANGUAGES", wrong)
        with pytest.raises(ConfigError, match="TIPLINE_LANGUAGES must list languages from en, es, fr, ar, ht"):
            _env_languages("TIPLINE_LANGUAGES")


def test_triage_enabled_reads_true_and_false_words(monkeypatch):
    from tipline.config import _env_bool

    for word, expected in (("true", True), ("On", True), ("yes", True), ("0", False), ("off", False)):
        monkeypatch.setenv("TRIAGE_ENABLED", word)
        assert _env_bool("TRIAGE_ENABLED", True) is expected


def test_tips_met_while_no_model_loaded_are_triaged_by_the_sweep_once_one_loads(app, client, monkeypatch):
    from tipline.services import triage

    def reload() -> None:
        with app.app_context():
            triage.reload_model()  # the session app caches its model: forget it before and after

    reload()
    monkeypatch.setitem(app.config, "TRIAGE_ENABLED", False)
    try:
        submit_tip(client, text="Two men unload boxes from a boat near the pump station at dawn.")
        with app.app_context():
            assert db.session.scalar(select(Tip.triage_state)) == "unavailable"
        assert "queued 0 of 0 pending tips" in app.test_cli_runner().invoke(args=["triage", "sweep"]).output
        app.config["TRIAGE_ENABLED"] = True
        reload()
        result = app.test_cli_runner().invoke(args=["triage", "sweep"])
        assert result.exit_code == 0 and "queued 1 of 1 pending tips" in result.output
        with app.app_context():
            assert db.session.scalar(select(Tip.triage_state)) == "done"
    finally:
        app.config["TRIAGE_ENABLED"] = True
        reload()


def test_a_malformed_key_is_refused_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("TIPLINE_INSTANCE", str(tmp_path))
    config = type("Bad", (TestConfig,), {"DATA_ENCRYPTION_KEYS": "not-a-fernet-key"})
    with pytest.raises(crypto.KeyConfigError, match="must be comma-separated Fernet keys"):
        create_app(config)


def test_data_under_an_unknown_key_cannot_be_read_silently(app, client):
    submit_tip(client, text="A blue sedan circles the school at noon every day this week.")
    with app.app_context():
        saved = app.extensions["tipline_fernet"]
        app.extensions["tipline_fernet"] = crypto.MultiFernet([Fernet(Fernet.generate_key())])
        try:
            db.session.expire_all()
            with pytest.raises(crypto.KeyConfigError, match="cannot be decrypted"):
                db.session.scalar(select(Tip)).text  # noqa: B018
        finally:
            app.extensions["tipline_fernet"] = saved
            db.session.rollback()


def _use_keys(app, keyring: str) -> None:
    app.config["DATA_ENCRYPTION_KEYS"] = keyring
    app.extensions["tipline_fernet"] = crypto.MultiFernet([Fernet(k) for k in keyring.split(",")])


def test_rotation_interrupted_halfway_resumes_and_everything_still_opens(app, client, monkeypatch):
    import io

    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (8, 8)).save(photo, format="PNG")
    receipts = [submit_tip(client, text=f"Tip number {i}: a grey truck at the quarry gate at dawn.") for i in range(5)]
    submit_tip(client, text="A tip with a photo of the truck.", attachments=[(io.BytesIO(photo.getvalue()), "p.png")])
    old = TestConfig.DATA_ENCRYPTION_KEYS
    new = Fernet.generate_key().decode()
    try:
        with app.app_context():
            _use_keys(app, f"{new},{old}")
            calls = {"n": 0}
            real = db.session.commit

            def crash_after_two_batches():
                calls["n"] += 1
                if calls["n"] == 3:
                    raise KeyboardInterrupt("operator pressed Ctrl-C")
                real()

            monkeypatch.setattr(db.session, "commit", crash_after_two_batches)
            with pytest.raises(KeyboardInterrupt):
                keys.rotate(batch=2)
            monkeypatch.undo()
            db.session.rollback()
            progress = keys.rotate(batch=2)
            assert progress.rotated > 0
            assert progress.current >= 4  # the rows the interrupted run had committed are not redone
            again = keys.rotate(batch=2)
            assert again.rotated == 0
            _use_keys(app, new)  # the old key is gone: everything must open with the new one alone
            db.session.expire_all()
            assert all(t.text for t in db.session.scalars(select(Tip)))
            attachment = db.session.scalar(select(Attachment))
            assert uploads.load(attachment.storage_key).startswith(b"\x89PNG")
        assert follow_up(app.test_client(), receipts[0]).status_code == 200
    finally:
        with app.app_context():
            _use_keys(app, old)


def _close_long_ago(app, days: int, status: str = "unfounded") -> None:
    with app.app_context():
        db.session.execute(update(Tip).values(status_code=status, closed_at=utcnow() - timedelta(days=days)))
        db.session.commit()


def test_retention_purges_content_keeps_counts_and_is_idempotent(app, client):
    receipt = submit_tip(client, text="Old report about a boat at the pump station.", lat="31.80", lon="-106.20")
    submit_tip(client, text="Recent report that must be kept.")
    with app.app_context():
        tips = db.session.scalars(select(Tip).order_by(Tip.id)).all()
        db.session.execute(
            update(Tip)
            .where(Tip.id == tips[0].id)
            .values(status_code="unfounded", closed_at=utcnow() - timedelta(days=91))
        )
        db.session.commit()
        dry = retention.run(dry_run=True)
        assert (dry.tips, dry.by_status) == (1, {"unfounded": 1})
        assert db.session.scalar(select(Tip).where(Tip.id == tips[0].id)).purged_at is None
        first = retention.run()
        second = retention.run()
        assert (first.tips, second.tips) == (1, 0)
        old = db.session.get(Tip, tips[0].id)
        assert (old.text, old.lat, old.place) == ("", None, None)
        assert (old.channel, old.status_code, old.area_code) == ("web", "unfounded", "rv-county")
        assert db.session.scalars(select(Message).where(Message.tip_id == old.id)).all() == []
        assert db.session.scalars(select(Receipt).where(Receipt.tip_id == old.id)).all() == []
        assert db.session.get(Tip, tips[1].id).text == "Recent report that must be kept."
        purges = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge")).all()
        assert len(purges) == 1
        assert purges[0].details["tips"] == 1
    assert follow_up(app.test_client(), receipt).status_code == 404


def test_retention_command_reports_what_it_would_do(app, client):
    import io

    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (8, 8)).save(photo, format="PNG")
    submit_tip(client, text="A report closed long ago.", attachments=[(io.BytesIO(photo.getvalue()), "p.png")])
    submit_tip(client, text="A second report closed long ago, about the quarry gate.")
    _close_long_ago(app, 400, "closed")
    runner = app.test_cli_runner()
    with app.app_context():
        from tipline.services import retention as service

        assert service.run(dry_run=True, batch=1).tips == 2  # every batch is counted, not only the first
    dry = runner.invoke(args=["retention", "run", "--dry-run"]).output
    assert "would purge 2 tips (closed 2); 1 attachments" in dry
    assert "purged 2 tips (closed 2); 1 attachments" in runner.invoke(args=["retention", "run"]).output


def _single_head() -> str:
    """The one head of the migration scripts (two heads mean two branches were merged without re-chaining)."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads
    return heads[0]


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        head = _single_head()
    assert diff == []
    assert version == head


@pytest.fixture
def migrated_back(app):
    """A test that downgrades and upgrades the schema: columns added since come back empty, so the deployment is
    loaded again afterwards, as an operator does after an upgrade."""
    yield
    from tipline.services import deployment

    with app.app_context():
        db.session.remove()
        deployment.load(deployment.read(deployment.DEMO_FILE))


def test_coordinates_are_encrypted_at_rest_and_the_migration_keeps_them(app, client, migrated_back):
    from flask_migrate import downgrade, upgrade

    submit_tip(client, text="A boat lands at the sandbar below the pump station.", lat="31.7012", lon="-106.4478")
    with app.app_context():
        raw = db.session.execute(text("SELECT lat, lon FROM tips")).one()
        assert isinstance(raw.lat, bytes | memoryview) and b"31.70" not in bytes(raw.lat)
        db.session.remove()  # end the reading transaction: PostgreSQL's ALTER TABLE waits for it
        downgrade(revision="0008_totp_last_step")  # back to plain numbers, as before this release
        db.session.remove()
        assert tuple(db.session.execute(text("SELECT lat, lon FROM tips")).one()) == (31.7012, -106.4478)
        db.session.remove()
        upgrade(revision="heads")  # the release's migration encrypts the rows already stored
        db.session.remove()
        assert b"31.70" not in bytes(db.session.execute(text("SELECT lat FROM tips")).scalar_one())
        tip = db.session.scalar(select(Tip))
        assert (tip.lat, tip.lon) == (31.7012, -106.4478)


def test_routing_and_share_reasons_stored_in_clear_are_encrypted_by_the_migration(app, client, migrated_back):
    from flask_migrate import downgrade, upgrade

    submit_tip(client, text="A boat lands at the sandbar below the pump station.")
    submit_tip(client, text="A second boat lands at the quarry gate.")
    reason = "Caller is Maria Lopez, task force 24-118"
    with app.app_context():
        db.session.remove()
        downgrade(revision="0017_audit_chain_key")  # reasons in clear, as before this release
        db.session.remove()
        db.session.execute(text("UPDATE tip_agencies SET reason = :reason"), {"reason": reason})
        db.session.commit()
        db.session.remove()
        upgrade(revision="heads")  # the release's migration encrypts the reasons already stored
        db.session.remove()
        raw = db.session.execute(text("SELECT reason FROM tip_agencies")).scalars().all()
        assert len(raw) == 2 and not [r for r in raw if b"Maria" in bytes(r)]
        assert {a.reason for a in db.session.scalars(select(Assignment))} == {reason}
        db.session.remove()
        downgrade(revision="0017_audit_chain_key")  # and back, readable again
        db.session.remove()
        assert set(db.session.execute(text("SELECT reason FROM tip_agencies")).scalars()) == {reason}
        db.session.remove()
        upgrade(revision="heads")


def test_the_username_index_migration_names_the_accounts_that_differ_only_in_case(app, migrated_back):
    from alembic import command
    from flask_migrate import downgrade, upgrade

    from tipline.models import User

    with app.app_context():
        db.session.remove()
        downgrade(revision="0012_submission_keys")  # before the index: both names could be stored
        db.session.remove()
        for name in ("Desk.Twin", "desk.twin"):
            db.session.add(
                User(username=name, display_name=name, password_hash="x", role="officer", agency_code="rvpd")
            )
        db.session.commit()
        db.session.remove()
        config = current_app.extensions["migrate"].migrate.get_config()  # alembic itself: the error, not an exit
        with pytest.raises(RuntimeError, match=r"these differ only in case: desk\.twin\. Rename all but one"):
            command.upgrade(config, "heads")
        db.session.remove()
        db.session.execute(text("UPDATE users SET username = 'desk.twin2' WHERE username = 'desk.twin'"))
        db.session.commit()
        db.session.remove()
        upgrade(revision="heads")
        db.session.remove()
        version = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        head = _single_head()
    assert version == head


def test_entries_written_before_the_chain_was_keyed_still_verify_and_new_ones_are_keyed(app, migrated_back):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        prev = audit.GENESIS
        for n in range(2):  # as the release before wrote them: SHA-256 links, no key
            at = utcnow().replace(microsecond=0)
            content = {"prev": prev, "at": at.isoformat(), "actor": "a", "action": "tip.view", "tip": f"T{n}"}
            digest = hashlib.sha256(json.dumps(content | {"details": {}}, sort_keys=True).encode()).hexdigest()
            row = {"tip_public_id": f"T{n}", "details": {}, "prev_hash": prev, "hash": digest, "version": 1}
            db.session.add(AuditEntry(at=at, actor="a", action="tip.view", **row))
            db.session.commit()
            prev = digest
        db.session.remove()
        downgrade(revision="0016_login_guards")  # the column goes: the rows are as the last release left them
        db.session.remove()
        upgrade(revision="heads")
        db.session.remove()
        audit.record("officer.a", "tip.view", "T2")
        db.session.commit()
        assert list(db.session.scalars(select(AuditEntry.version).order_by(AuditEntry.id))) == [1, 1, 2]
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert (verified.exit_code, verified.output.strip()) == (0, "ok 3")


def test_an_officers_note_is_kept_encrypted_outside_the_chain_and_erased_with_the_tip(app, client):
    from tests.helpers import login, make_officer, post_action, tip_by_text

    submit_tip(client, text="A boat lands at the sandbar below the pump station every night.")
    tip_id = tip_by_text(app, "sandbar")
    officer = make_officer(app, "desk.notes")
    login(client, officer)
    note = "Caller is Maria Lopez from 5th Street"
    assert post_action(client, tip_id, "close", note=note, confirm_close="y").status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tip.close"))
        assert entry.notes == {"note": note} and "Maria" not in json.dumps(entry.details)
        raw = db.session.execute(text("SELECT private FROM audit_log WHERE id = :id"), {"id": entry.id}).scalar_one()
        assert b"Maria" not in bytes(raw)
        assert audit.verify().ok
    oversight = make_officer(app, "ia.notes", "oversight", "oversight")
    reader = app.test_client()
    login(reader, oversight)
    assert note in reader.get(f"/officer/audit?tip={tip_id}").get_data(as_text=True)
    _close_long_ago(app, 400, "closed")
    assert "purged 1 tips" in app.test_cli_runner().invoke(args=["retention", "run"]).output
    with app.app_context():
        db.session.expire_all()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tip.close"))
        assert entry.private is None and entry.notes == {}
        purge = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tip.purge"))
        assert purge.tip_public_id == tip_id and purge.id > entry.id  # the erasure is in the chain
        assert audit.verify().ok  # the chain holds the note's digest, not the note
    assert note not in reader.get(f"/officer/audit?tip={tip_id}").get_data(as_text=True)


def test_a_changed_note_breaks_the_chain_at_its_entry(app):
    with app.app_context():
        entry = audit.record("officer.a", "tip.close", "T1", notes={"note": "as written"})
        db.session.commit()
        entry.private = entry.private.replace("as written", "rewritten")
        db.session.commit()
        result = audit.verify()
    assert not result.ok and result.broken_id == entry.id and result.reason == "notes changed after they were written"


def test_notes_erased_behind_retentions_back_break_the_chain(app, client):
    """A rogue database user erases an officer's note on a live tip (as retention would): verification names the
    entry; retention's own erasure is recorded in the chain (one `tip.purge` per tip) and verifies."""
    with app.app_context():
        live = audit.record("officer.a", "tip.verify", "LIVE1", notes={"note": "Caller is the janitor"})
        db.session.commit()
        db.session.execute(text("UPDATE audit_log SET private = NULL WHERE id = :id"), {"id": live.id})
        db.session.commit()
        result = audit.verify()
    assert not result.ok and result.broken_id == live.id
    assert result.reason == "notes erased, but the chain records no purge of the tip"


def test_a_damaged_note_is_named_and_does_not_hide_the_log(app, client):
    from tests.helpers import login, make_officer

    with app.app_context():
        entry = audit.record("officer.a", "tip.close", "T2", notes={"note": "as written"})
        db.session.commit()
        raw = bytearray(
            db.session.execute(text("SELECT private FROM audit_log WHERE id = :id"), {"id": entry.id}).scalar_one()
        )
        raw[40] ^= 1
        db.session.execute(text("UPDATE audit_log SET private = :p WHERE id = :id"), {"p": bytes(raw), "id": entry.id})
        db.session.commit()
        result = audit.verify()
    assert not result.ok and result.broken_id == entry.id and result.reason.startswith("notes unreadable")
    reader = app.test_client()
    login(reader, make_officer(app, "ia.damaged", "oversight", "oversight"))
    page = reader.get("/officer/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Chain broken at entry {entry.id}: notes unreadable" in html and "unreadable" in html
    assert reader.get("/officer/audit.csv").status_code == 200


def test_a_tip_the_oversight_body_handed_back_before_the_upgrade_stays_cleared(app, client, migrated_back):
    from flask_migrate import downgrade, upgrade

    from tipline.models import User
    from tipline.services import casework, routing, users

    text_ = "A sheriff's deputy stopped my cousin on Ranch Road 9 and asked for cash."
    submit_tip(client, text=text_, category="suspicious_vehicle")
    submit_tip(client, text=text_ + " Again.", category="suspicious_vehicle")
    with app.app_context():
        users.add("ov.mig", "oversight", "oversight", password="pw-ov.mig-long")
        reviewer = db.session.scalar(select(User).where(User.username == "ov.mig"))
        handed_back, kept = db.session.scalars(select(Tip).order_by(Tip.id)).all()
        assert kept.queue_state == handed_back.queue_state == "oversight"  # triage took both for complaints
        casework.set_category(handed_back, reviewer, "suspicious_vehicle")
        casework.release(handed_back, reviewer, "A traffic stop")
        db.session.remove()
        downgrade(revision="0018_encrypted_reasons")  # the release was written before this column existed
        db.session.remove()
        upgrade(revision="heads")
        db.session.remove()
        handed_back, kept = db.session.scalars(select(Tip).order_by(Tip.id)).all()
        assert handed_back.oversight_cleared_at is not None and not routing.oversight_only(handed_back)
        assert kept.oversight_cleared_at is None and routing.oversight_only(kept)
