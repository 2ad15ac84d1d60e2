"""Python and the CLI read each other's containers and partitions."""
from __future__ import annotations

import collections

import loglab
import pytest

from conftest import run
from expect import _iso, parse


def test_python_compress_cli_restore(cli, work, sdk_profile, sdk_profile_path, sdk_lines, sdk_path):
    path = work / "py.llc"
    path.write_bytes(sdk_profile.compress(sdk_lines))
    assert run(cli, "restore", "--profile", str(sdk_profile_path), "-i", str(path)) == sdk_path.read_bytes()
    run(cli, "verify", "-i", str(path), "--profile", str(sdk_profile_path))
    file_path = work / "py-file.llc"
    sdk_profile.compress_file(sdk_path, file_path)
    assert run(cli, "restore", "--profile", str(sdk_profile_path), "-i", str(file_path)) == sdk_path.read_bytes()


def test_cli_compress_python_read(cli, work, sdk_profile, sdk_profile_path, sdk_lines, sdk_path):
    path = work / "cli.llc"
    run(cli, "compress", "--profile", str(sdk_profile_path), "-i", str(sdk_path), "-o", str(path))
    with loglab.open(path, profile=sdk_profile) as c:
        assert list(c) == sdk_lines
        assert c.restore() == sdk_path.read_bytes()
    # The same bytes as Python's compress_file.
    py = work / "py-file2.llc"
    sdk_profile.compress_file(sdk_path, py)
    assert py.read_bytes() == path.read_bytes()


def test_partitioned_folder(cli, work, sdk_profile, sdk_profile_path, sdk_lines, sdk_path):
    out = work / "parts"
    run(cli, "compress", "--profile", str(sdk_profile_path), "-i", str(sdk_path), "-o", str(out),
        "--partition-by", "hour")
    ds = loglab.dataset(out, profile=sdk_profile)
    assert len(ds.parts) > 1 and len(ds) == len(sdk_lines)
    assert collections.Counter(ds.records()) == collections.Counter(sdk_lines)
    start, end = "2021-12-26T05:30:00Z", "2021-12-26T09:00:00Z"
    want = [l for l in sdk_lines if _iso(start) <= _iso(parse(l)["_source"]["timestamp"]) < _iso(end)]
    assert want
    assert sorted(ds.records(start, end)) == sorted(want)
    assert len(ds.select(start, end)) < len(ds.parts)
    t = ds.to_arrow(["_source.func_name", "_source.timestamp"], start=start, end=end)
    assert t.num_rows == len(want)
    assert set(t.column("dt").to_pylist()) == {"2021-12-26"}
    assert set(t.column("hour").to_pylist()) == {_iso(parse(l)["_source"]["timestamp"]).hour for l in want}
    # Streaming: one schema, bounded batches, the same rows.
    batches = list(ds.to_batches(["_source.func_name", "_source.response_elapsed_time"], frames_per_batch=1))
    assert len({b.schema for b in batches}) == 1
    assert sum(b.num_rows for b in batches) == len(sdk_lines)
    picked = ds.select(hour=[3, 4])
    assert picked and [p.path for p in picked] == [p.path for p in ds.parts if "/hour=03/" in p.path or "/hour=04/" in p.path]
