"""Speed measurements for the bench command: throughput, latency, load time and memory."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits


def rss_mb() -> float:
    """Return the resident set size of this process in MB (peak if the current value is unavailable)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(load: Callable[[], Any], texts: list[str], batch: int = 1000, singles: int = 500) -> dict[str, Any]:
    """Load the models, warm up, then time batch scoring and single-tip scoring on one thread."""
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        triage = load()
        load_s = time.perf_counter() - start
        triage.wait_until_ready()
        ready_s = time.perf_counter() - start
        start = time.perf_counter()
        triage.score(texts[:200])
        warm_s = time.perf_counter() - start
        start, cpu_start = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), batch):
            triage.score(texts[i : i + batch])
        batch_s, batch_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        latencies = []
        for text in texts[:singles]:
            t0 = time.perf_counter()
            triage.score([text])
            latencies.append(1000 * (time.perf_counter() - t0))
    return {
        "model_version": triage.version,
        "load_seconds": round(load_s, 3),
        "all_languages_ready_seconds": round(ready_s, 3),
        "first_batch_warmup_seconds": round(warm_s, 3),
        "batch_tips_per_second_one_core": round(len(texts) / batch_s, 1),
        "batch_tips_per_cpu_second": round(len(texts) / max(batch_cpu, 1e-9), 1),
        "single_tip_p50_ms": round(float(np.percentile(latencies, 50)), 3),
        "single_tip_p99_ms": round(float(np.percentile(latencies, 99)), 3),
        "rss_mb": rss_mb(),
    }
