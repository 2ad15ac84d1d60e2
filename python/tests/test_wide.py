"""Records whose keys are their own (tens of thousands of distinct field paths): every leaf
as a column stays linear in the records, in time and in memory."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import List

import loglab
import pyarrow as pa

from expect import check_column, parse


def wide_records(n: int, seed: int = 7) -> List[bytes]:
    """`n` records with two shared fields and 1-3 keys of their own each."""
    rng = random.Random(seed)
    out, key = [], 0
    for i in range(n):
        r = {"ts": f"2026-12-07T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
             "level": rng.choice(["info", "warn", "error"])}
        for _ in range(rng.randint(1, 3)):
            key += 1
            r[f"k{key}"] = rng.choice([key, f"v{key}", key * 0.5, True, {"x": key}])
        out.append(json.dumps(r).encode())
    return out


def test_wide_columns_equal_the_records(sdk_profile):
    lines = wide_records(300)
    docs = [parse(l) for l in lines]
    with loglab.open(sdk_profile.compress(lines), profile=sdk_profile) as c:
        t = c.to_arrow()
        assert t.num_rows == len(lines)
        for name in t.column_names:
            check_column(t, name, docs, flattened=True)
        # Each own key: one value, in its record's row.
        keys = [n for n in t.column_names if n.startswith("k")]
        assert sum(t.num_rows - t.column(n).null_count for n in keys) == sum(len(d) - 2 for d in docs)
        # Chosen columns and batches (padded to every row) hold the same values.
        some = keys[::97] + ["level"]
        assert c.to_arrow(some).to_pylist() == t.select(some).to_pylist()
        row = 0
        for b in c.to_batches(frames_per_batch=1):
            for name in b.schema.names:
                assert b.column(name).to_pylist() == t.column(name).slice(row, b.num_rows).to_pylist(), name
            row += b.num_rows
        assert row == len(lines)


MEASURE = """
import resource, sys, time
import loglab
p = loglab.Profile.load(sys.argv[1])
with loglab.open(sys.argv[2], profile=p) as c:
    t0 = time.perf_counter()
    t = c.to_arrow()
    took = time.perf_counter() - t0
    print(t.num_rows, t.num_columns, t.get_total_buffer_size(), took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_wide_to_arrow_is_linear(sdk_profile_path, sdk_profile, work: Path):
    # 8,000 records, ~16,000 keys: dense columns would be ~16,000 x 8,000 cells (> 1 GB).
    lines = wide_records(8000, seed=11)
    path = work / "wide.llc"
    path.write_bytes(sdk_profile.compress(lines))
    r = subprocess.run([sys.executable, "-c", MEASURE, str(sdk_profile_path), str(path)],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    rows, cols, buffers, took, rss_kb = r.stdout.split()
    assert int(rows) == len(lines) and int(cols) > 15000
    assert int(buffers) < 20_000_000, f"{int(buffers):,} bytes of Arrow buffers"
    assert int(rss_kb) < 600_000, f"peak RSS {int(rss_kb) // 1024} MB"
    assert float(took) < 60, f"{float(took):.1f} s"
