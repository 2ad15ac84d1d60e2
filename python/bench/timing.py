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


def timed_together(fns, repeat, warmups=2):
    """Runs each of `fns` (name -> callable) `warmups` times untimed, then `repeat` rounds in
    which every one runs once, in turn: a JIT or cache warming up during the first one's runs
    would otherwise favour the ones timed after it. Returns name -> (last result, run times)."""
    names = list(fns)
    out = {}
    for _ in range(warmups):
        for n in names:
            out[n] = fns[n]()
    runs = {n: [] for n in names}
    for r in range(repeat):
        for n in (names if r % 2 == 0 else reversed(names)):
            t = time.perf_counter()
            out[n] = fns[n]()
            runs[n].append(time.perf_counter() - t)
    return {n: (out[n], runs[n]) for n in names}


def fmt(runs, unit="ms"):
    """Median and spread of `runs` (seconds) in ms or s."""
    k, digits = (1000, 1) if unit == "ms" else (1, 2)
    med, lo, hi = statistics.median(runs) * k, min(runs) * k, max(runs) * k
    return f"{med:.{digits}f} {unit} (min {lo:.{digits}f}, max {hi:.{digits}f})"
