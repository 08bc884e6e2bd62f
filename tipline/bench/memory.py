"""`tipline bench rss`: resident memory of a web worker process before and after the triage model is loaded."""

from __future__ import annotations

import time
from pathlib import Path


def rss_mb() -> float:
    """This process's resident set size in MB, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(echo) -> tuple[float, float]:
    """In an app context (as a gunicorn worker), load the model and score one tip per language; RSS before/after."""
    from tipline.services import triage

    before = rss_mb()
    t0 = time.perf_counter()
    model = triage.model()
    if model is None:
        raise RuntimeError("no triage model could be loaded")
    model.wait_until_ready()
    samples = ["A white van at the old bridge", "Una camioneta blanca", "Une voiture rouge", "شاحنة بيضاء",
               "Yon machin blan"]  # fmt: skip
    model.score(samples)
    load_s = time.perf_counter() - t0
    after = rss_mb()
    echo(f"web worker RSS {before:.0f} MB without the model, {after:.0f} MB with it (loaded in {load_s:.1f} s)")
    return before, after
