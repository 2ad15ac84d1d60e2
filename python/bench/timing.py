"""Timing shared by the benchmark scripts: one warm-up, then `repeat` timed runs."""
from __future__ import annotations

import statistics
import time


def timed(fn, repeat):
    """Runs `fn` once untimed, then `repeat` times; returns its last result and the run times (s)."""
    out = fn()
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t)
    return out, runs


def fmt(runs, unit="ms"):
    """Median and spread of `runs` (seconds) in ms or s."""
    k, digits = (1000, 1) if unit == "ms" else (1, 2)
    med, lo, hi = statistics.median(runs) * k, min(runs) * k, max(runs) * k
    return f"{med:.{digits}f} {unit} (min {lo:.{digits}f}, max {hi:.{digits}f})"
