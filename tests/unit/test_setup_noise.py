"""A newcomer's first commands print what matters and nothing else: no warnings, no misleading errors."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tipline import cli

ROOT = Path(__file__).resolve().parents[2]


def _tipline(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
    base.update(TIPLINE_INSTANCE=str(tmp_path / "instance"), DATABASE_URL=f"sqlite:///{tmp_path / 'tipline.db'}")
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "tipline.cli", *args], env=base, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_migrating_a_fresh_database_prints_no_sawarning(tmp_path: Path) -> None:
    done = _tipline(tmp_path, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "SAWarning" not in done.stderr + done.stdout and "uq_users_username_lower" not in done.stderr


@pytest.mark.slow
def test_demo_without_a_broker_prints_no_kombu_warning(tmp_path: Path) -> None:
    done = _tipline(tmp_path, "demo", "--no-serve", TRIAGE_ENABLED="0")
    assert done.returncode == 0, done.stderr
    assert "Resident site:" in done.stdout and "No hostname was supplied" not in done.stdout + done.stderr


def test_compiling_catalogs_after_a_migration_prints_each_catalog_once(tmp_path: Path, capfd) -> None:
    translations = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", translations, ignore=shutil.ignore_patterns("*.mo"))
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)  # what Alembic's logging configuration installs in `tipline demo`
    root.addHandler(handler)
    try:
        cli._pybabel("compile", "-d", str(translations))
    finally:
        root.removeHandler(handler)
    out, err = capfd.readouterr()
    assert (out + err).count("compiling catalog") == 4  # es, fr, ar, ht: once each


def test_a_refused_configuration_is_one_error_not_no_such_command(tmp_path: Path) -> None:
    done = _tipline(tmp_path, "db", "upgrade", TIPLINE_ENV="production")
    assert done.returncode == 1
    assert "Refusing to start: set SECRET_KEY" in done.stderr and "No such command" not in done.stderr


def test_missing_lookup_keys_suggest_a_random_token_not_a_fernet_key(tmp_path: Path) -> None:
    keys = {"SECRET_KEY": "s" * 40, "DATA_ENCRYPTION_KEYS": "x"}
    done = _tipline(tmp_path, "db", "upgrade", TIPLINE_ENV="production", **keys)
    message = " ".join(done.stderr.split())
    assert "set RECEIPT_INDEX_KEY, SMS_NUMBER_KEY, AUDIT_CHAIN_KEY" in message
    assert 'print(secrets.token_urlsafe(48))"' in message and "Fernet" not in message


@pytest.mark.slow
def test_beat_with_a_missing_schedule_folder_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
    env.update(TIPLINE_INSTANCE=str(tmp_path / "instance"), DATABASE_URL=f"sqlite:///{tmp_path / 'tipline.db'}")
    schedule = tmp_path / "missing" / "celerybeat-schedule"
    args = [sys.executable, "-m", "celery", "-A", "tipline.worker:celery", "beat", "-s", str(schedule)]
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and f"{schedule.parent} does not exist" in output
    assert "Traceback" not in output and len(output.splitlines()) < 20
