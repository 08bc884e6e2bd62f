"""The benchmark commands run and end with their one summary line (figures are printed, never asserted as
timings: they depend on the machine). Run on small sizes so CI stays quick.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _tipline(*args: str, tmp: Path) -> list[str]:
    """Run a command with its own TMPDIR; nothing of it (databases, key files) may be left there."""
    env = dict(os.environ, TMPDIR=str(tmp))
    done = subprocess.run(
        [sys.executable, "-m", "tipline.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert [p.name for p in tmp.iterdir()] == []
    return done.stdout.strip().splitlines()


def test_bench_intake_prints_both_servers_and_the_ratio_and_leaves_no_folder(tmp_path):
    lines = _tipline("bench", "intake", "--requests", "24", "--clients", "2", "--workers", "1", tmp=tmp_path)
    assert re.match(r"baseline\s+24 POST /tip in [\d.]+ s: [\d.]+ tips/s, server CPU [\d.]+ ms per tip", lines[-3])
    assert re.match(r"tipline\s+24 POST /tip in [\d.]+ s: [\d.]+ tips/s, server CPU [\d.]+ ms per tip", lines[-2])
    ratio = float(re.fullmatch(r"intake_ratio ([\d.]+)", lines[-1]).group(1))
    assert ratio > 0


def test_bench_scale_prints_the_queue_and_statistics_medians_and_growth_and_leaves_no_folder(tmp_path):
    lines = _tipline("bench", "scale", "--tips", "12000", "--repeat", "3", tmp=tmp_path)
    assert any(re.match(r"\s+12,000 tips: load [\d.]+ s", line) for line in lines)
    assert re.fullmatch(r"queue_p50_ms [\d.]+ stats_p50_ms [\d.]+ growth [\d.]+", lines[-1])


def test_bench_rss_prints_the_worker_memory_with_the_model(tmp_path):
    import os

    env = dict(os.environ, TIPLINE_INSTANCE=str(tmp_path))
    env.pop("DATABASE_URL", None)
    migrate = [sys.executable, "-m", "tipline.cli", "db", "upgrade", "heads"]
    subprocess.run(migrate, cwd=ROOT, env=env, capture_output=True, check=True, timeout=300)
    done = subprocess.run([sys.executable, "-m", "tipline.cli", "bench", "rss"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert re.match(r"web worker RSS \d+ MB without the model, \d+ MB with it", lines[-2])
    assert re.fullmatch(r"worker_rss_mb \d+", lines[-1])
