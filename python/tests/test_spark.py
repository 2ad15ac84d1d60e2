"""The loglab Spark data source in local[2]: write → CLI restore, CLI partitions → read."""
from __future__ import annotations

import collections
import os
import sys

import loglab
import pytest

from conftest import run
from expect import _iso, parse

pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    s = (SparkSession.builder.master("local[2]").appName("loglab-tests")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
         .config("spark.driver.memory", "1g").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    import loglab.spark
    loglab.spark.register(s)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def lines(sdk_lines):
    """Six hours of the day: a few parts keep each Spark job short."""
    return [l for l in sdk_lines if _iso(parse(l)["_source"]["timestamp"]) < _iso("2021-12-26T06:00:00Z")]


@pytest.fixture(scope="module")
def cli_parts(cli, work, sdk_profile_path, lines):
    src = work / "spark-input.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    out = work / "spark-cli-parts"
    run(cli, "compress", "--profile", str(sdk_profile_path), "-i", str(src), "-o", str(out), "--partition-by", "hour")
    return out


def test_spark_write_cli_restore(spark, cli, work, sdk_profile_path, lines):
    out = work / "spark-written"
    df = spark.createDataFrame([(l,) for l in lines], "value binary").repartition(2)
    df.write.format("loglab").option("profile", str(sdk_profile_path)).option("partitionBy", "hour") \
        .mode("append").save(str(out))
    ds = loglab.dataset(out, profile=str(sdk_profile_path))
    restored = []
    for p in ds.parts:
        run(cli, "verify", "-i", p.path, "--profile", str(sdk_profile_path))
        text = run(cli, "restore", "--profile", str(sdk_profile_path), "-i", p.path)
        restored += text[:-1].split(b"\n")
    assert collections.Counter(restored) == collections.Counter(lines)
    assert len(ds) == len(lines)
    # The CLI accepts the manifest: it adds parts to the same folder.
    extra = work / "extra.jsonl"
    extra.write_bytes(b"\n".join(lines[:10]) + b"\n")
    run(cli, "compress", "--profile", str(sdk_profile_path), "-i", str(extra), "-o", str(out), "--partition-by", "hour")
    assert len(loglab.dataset(out, profile=str(sdk_profile_path))) == len(lines) + 10
    assert not [f for f in os.listdir(out) if f.endswith(".tmp")]


def test_spark_reads_cli_partitions(spark, cli_parts, sdk_profile_path, lines):
    df = spark.read.format("loglab").option("profile", str(sdk_profile_path)).load(str(cli_parts))
    assert collections.Counter(bytes(r.value) for r in df.select("value").collect()) == collections.Counter(lines)
    typed = (spark.read.format("loglab").option("profile", str(sdk_profile_path))
             .option("columns", "func_name=_source.func_name,elapsed=_source.response_elapsed_time")
             .load(str(cli_parts)))
    assert [f.name for f in typed.schema.fields] == ["func_name", "elapsed", "dt", "hour"]
    got = {r.func_name: (r["count"], r.total) for r in
           typed.groupBy("func_name").agg({"*": "count", "elapsed": "sum"})
           .withColumnRenamed("count(1)", "count").withColumnRenamed("sum(elapsed)", "total").collect()}
    want = collections.defaultdict(lambda: [0, 0])
    for l in lines:
        s = parse(l)["_source"]
        want[s["func_name"]][0] += 1
        want[s["func_name"]][1] += s["response_elapsed_time"]
    assert got == {k: tuple(v) for k, v in want.items()}


def test_spark_time_filter_exact(spark, cli_parts, sdk_profile_path, lines):
    start, end = "2021-12-26T02:30:00Z", "2021-12-26T05:00:00Z"
    want = [l for l in lines if _iso(start) <= _iso(parse(l)["_source"]["timestamp"]) < _iso(end)]
    df = (spark.read.format("loglab").option("profile", str(sdk_profile_path)).option("from", start)
          .option("to", end).load(str(cli_parts)))
    assert want and collections.Counter(bytes(r.value) for r in df.collect()) == collections.Counter(want)
    hours = (spark.read.format("loglab").option("profile", str(sdk_profile_path)).option("hour", "3,4")
             .load(str(cli_parts)))
    assert {r.hour for r in hours.select("hour").distinct().collect()} <= {3, 4}
    assert hours.count() == sum(1 for l in lines if _iso(parse(l)["_source"]["timestamp"]).hour in (3, 4)
                                and _iso(parse(l)["_source"]["timestamp"]).day == 26)


def test_failed_task_leaves_nothing(spark, work, sdk_profile_path, lines):
    out = work / "spark-failed"
    bad = lines[:100] + [b"broken\nrecord"] + lines[100:200]
    df = spark.createDataFrame([(l,) for l in bad], "value binary").coalesce(1)
    with pytest.raises(Exception):
        df.write.format("loglab").option("profile", str(sdk_profile_path)).mode("append").save(str(out))
    leftovers = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs] if out.exists() else []
    assert leftovers == []


@pytest.mark.parametrize("per", [1, 2, 3, 7, 1000])
def test_spark_partitions_cover_every_frame_once_in_even_groups(cli_parts, sdk_profile_path, per):
    """The planner cuts the selected frames into ceil(total / framesPerPartition) groups whose
    sizes differ by at most one frame, in order, each frame exactly once."""
    from loglab.spark import LogLabReader, _Read
    from pyspark.sql.types import BinaryType, StructField, StructType
    opts = _Read.parse({"profile": str(sdk_profile_path), "path": str(cli_parts), "framesPerPartition": str(per)})
    expected = []
    for p in opts.parts():
        with loglab.open(p.path, profile=str(sdk_profile_path)) as c:
            expected += [(p.path, f) for f in c.frames_between(None, None)]
    got = LogLabReader(opts, StructType([StructField("value", BinaryType())])).partitions()
    sizes = [sum(len(frames) for _, frames, _, _ in g.pieces) for g in got]
    assert len(got) == -(-len(expected) // per)
    assert max(sizes) - min(sizes) <= 1 and max(sizes) <= per
    assert [(path, f) for g in got for path, frames, _, _ in g.pieces for f in frames] == expected
    assert all(frames for g in got for _, frames, _, _ in g.pieces)   # no empty piece
