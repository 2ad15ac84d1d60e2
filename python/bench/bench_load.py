"""Loading three fields of a generated sdk-log day into a pyarrow.Table, in one run:

  loglab     loglab.open(day.llc).to_arrow(columns=[...])
  restore    `loglab restore` + orjson + building the same table (a: what users did before)
  parquet-3  the same records flattened to Parquet (zstd 3), pyarrow.parquet.read_table(columns=...)
  parquet-19 the same with zstd 19

plus the full-table to_arrow() time and peak memory (in a child process) and the sizes.

The profile is what `loglab profile train` gives a user with no options: it searches the
codec, framing, dictionary and shared section on the training day (15 candidates, about half a
minute; the choice is printed). `--codec zstd:12` trades a few % of size for faster loads. `--no-search` trains the
fixed configuration instead (zstd:6, block:1024, no shared section), comparable between runs and
machines but not what a user gets. Both sides see the same records: Parquet is written from
the container's own full table (every leaf a column), so only the storage differs.
The LogLab and Parquet loads run interleaved (--rounds rounds, each running every one once, after
two warm-ups), so a load spike hits them alike; each ratio is given as the ratio of the medians
and as the median of the per-round ratios. The restore path and the full table take --repeat
runs after one warm-up. Medians with min-max; the machine load is printed.
Every table is checked against the others (same values) before any figure is reported.

    python python/bench/bench_load.py --cli .build/release/loglab --records 100000
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

import loglab
from timing import timed, timed_together, fmt

FIELDS = ["_source.func_name", "_source.response_elapsed_time", "_source.request_begin_timestamp"]


def run(cli, *args):
    subprocess.run([cli, *args], check=True, capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=".build/release/loglab")
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=5, help="runs of the restore path and the full table")
    ap.add_argument("--rounds", type=int, default=21, help="interleaved rounds of the LogLab and Parquet loads")
    ap.add_argument("--work", default=None, help="folder for the generated files (default: a temporary one)")
    ap.add_argument("--codec", default=None, help="profile codec (default: the trainer's choice)")
    ap.add_argument("--framing", default=None, help="profile framing (default: the trainer's choice)")
    ap.add_argument("--no-search", action="store_true", help="train the fixed configuration (no search)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="loglab-bench-")
    os.makedirs(work, exist_ok=True)
    train, day = os.path.join(work, "train.jsonl"), os.path.join(work, "day.jsonl")
    profile_path, llc = os.path.join(work, "sdk.llp"), os.path.join(work, "day.llc")
    if not os.path.exists(llc):
        run(a.cli, "dataset", "generate", "sdk-log", "--records", str(a.records), "--start", "2021-12-26",
            "--days", "1", "--seed", "1", "-o", train)
        run(a.cli, "dataset", "generate", "sdk-log", "--records", str(a.records), "--start", "2021-12-27",
            "--days", "1", "--seed", "2", "-o", day)
        settings = (["--codec", a.codec] if a.codec else []) + (["--framing", a.framing] if a.framing else [])
        settings += ["--no-search"] if a.no_search else []
        run(a.cli, "profile", "train", "--train", train, "--max-records", "50000", *settings, "-o", profile_path)
        run(a.cli, "compress", "--profile", profile_path, "-i", day, "-o", llc)
    profile = loglab.Profile.load(profile_path)
    raw = open(day, "rb").read()

    def load_loglab():
        with loglab.open(llc, profile=profile) as c:
            return c.to_arrow(FIELDS)

    def load_restore():
        text = subprocess.run([a.cli, "restore", "--profile", profile_path, "-i", llc], check=True,
                              capture_output=True).stdout
        names, elapsed, begin = [], [], []
        for line in text.splitlines():
            s = orjson.loads(line)["_source"]
            names.append(s.get("func_name"))
            elapsed.append(s.get("response_elapsed_time"))
            begin.append(s.get("request_begin_timestamp"))
        return pa.table({FIELDS[0]: pa.array(names, pa.string()), FIELDS[1]: pa.array(elapsed, pa.int64()),
                         FIELDS[2]: pa.array(begin, pa.string())})   # timestamps left as text (favours this path)

    # The same records flattened (every leaf a column) and written by pyarrow.
    with loglab.open(llc, profile=profile) as c:
        flat = c.to_arrow()
    sizes = {"records (JSON Lines)": len(raw), "loglab container": os.path.getsize(llc)}
    parquet = {}
    for level in (3, 19):
        p = os.path.join(work, f"day-zstd{level}.parquet")
        pq.write_table(flat, p, compression="zstd", compression_level=level)
        parquet[level] = p
        sizes[f"parquet zstd {level}"] = os.path.getsize(p)

    results = {}
    loads = {"loglab to_arrow(3 columns)": load_loglab}
    for level, p in parquet.items():
        loads[f"parquet zstd {level} read_table(3 columns)"] = lambda p=p: pq.read_table(p, columns=FIELDS)
    together = timed_together(loads, a.rounds)
    t_loglab, results["loglab to_arrow(3 columns)"] = together["loglab to_arrow(3 columns)"]
    t_restore, results["loglab restore + orjson + table"] = timed(load_restore, a.repeat)
    for level in parquet:
        t_pq, results[f"parquet zstd {level} read_table(3 columns)"] = together[f"parquet zstd {level} read_table(3 columns)"]
        # Every path gives the same values.
        assert t_pq.column(FIELDS[1]).to_pylist() == t_loglab.column(FIELDS[1]).to_pylist()
        assert t_pq.column(FIELDS[0]).to_pylist() == t_loglab.column(FIELDS[0]).to_pylist()
        assert t_pq.column(FIELDS[2]).to_pylist() == t_loglab.column(FIELDS[2]).to_pylist()
    assert t_restore.column(FIELDS[0]).to_pylist() == t_loglab.column(FIELDS[0]).to_pylist()
    assert t_restore.column(FIELDS[1]).to_pylist() == t_loglab.column(FIELDS[1]).to_pylist()
    with loglab.open(llc, profile=profile) as c:
        assert c.restore() == raw, "restore is not byte-exact"

    # Full table and its peak memory, in a fresh interpreter.
    child = (f"import loglab, resource, time\np = loglab.Profile.load({profile_path!r})\n"
             f"c = loglab.open({llc!r}, profile=p)\nc.to_arrow()\nruns = []\n"
             f"for _ in range({a.repeat}):\n    t = time.perf_counter(); tab = c.to_arrow(); runs.append(time.perf_counter() - t)\n"
             "print(runs, tab.num_columns, tab.nbytes, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", child], check=True, capture_output=True, text=True).stdout.split()
    full_runs = json.loads(" ".join(out[:-3]))
    results[f"loglab to_arrow() all {out[-3]} columns"] = full_runs

    print(f"records: {t_loglab.num_rows}, load average: {open('/proc/loadavg').read().strip()}")
    print(f"loglab {loglab.version()}, pyarrow {pa.__version__}, {os.cpu_count()} cores, {profile!r}")
    for k, v in results.items():
        print(f"  {k:45s} {fmt(v)}")
    base = statistics.median(results["loglab to_arrow(3 columns)"])
    print(f"  restore path / loglab: {statistics.median(results['loglab restore + orjson + table']) / base:.1f}x")
    mine = results["loglab to_arrow(3 columns)"]
    for level in (3, 19):
        theirs = results[f"parquet zstd {level} read_table(3 columns)"]
        paired = statistics.median(m / t for m, t in zip(mine, theirs))
        print(f"  loglab / parquet zstd {level}: {base / statistics.median(theirs):.2f}x (paired {paired:.2f}x)")
    print(f"  full table: {int(out[-2]) / 1e6:.1f} MB of Arrow buffers, peak RSS of the child {int(out[-1]) / 1024:.0f} MiB")
    for k, v in sizes.items():
        print(f"  size {k:30s} {v:>12,d} bytes")
    print(f"  parquet zstd 19 / loglab container: {sizes['parquet zstd 19'] / sizes['loglab container']:.2f}x")


if __name__ == "__main__":
    main()
