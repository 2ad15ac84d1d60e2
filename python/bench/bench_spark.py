"""Spark (local[2]) on LogLab hourly partitions against Spark's Parquet reader, in one run.

Read: func_name and response_elapsed_time of every record, grouped (count, avg), from
  - a `loglab compress --partition-by hour` folder through the loglab data source
    (option columns), and
  - the same records flattened to Parquet (zstd) by pyarrow, through spark.read.parquet.
Write: the records as a `value` column written with format("loglab") against `loglab compress
--partition-by hour` on the same file. Bytes on disk of each. Read timings: two warm-ups of each,
then --repeat rounds alternating the two (the JVM warms up over the first queries); medians; both aggregates are checked equal.

    python python/bench/bench_spark.py --cli .build/release/loglab --work DIR

DIR gets (once, reused after) a training day, --records records over --days days (day.jsonl),
the trained profile (sdk.llp) and day.llc.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

import pyarrow.parquet as pq

import loglab
from timing import fmt as _fmt, timed, timed_together


def fmt(runs):
    return _fmt(runs, "s")


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=".build/release/loglab")
    ap.add_argument("--work", required=True, help="folder for the generated files (kept and reused)")
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--days", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    day, profile = os.path.join(a.work, "day.jsonl"), os.path.join(a.work, "sdk.llp")
    llc, train = os.path.join(a.work, "day.llc"), os.path.join(a.work, "train.jsonl")
    if not os.path.exists(llc):
        os.makedirs(a.work, exist_ok=True)
        gen = [a.cli, "dataset", "generate", "sdk-log", "--records", str(a.records)]
        subprocess.run(gen + ["--start", "2021-12-26", "--days", "1", "--seed", "1", "-o", train], check=True)
        subprocess.run(gen + ["--start", "2021-12-27", "--days", str(a.days), "--seed", "2", "-o", day], check=True)
        # --no-search: the fixed configuration, comparable between runs and machines.
        subprocess.run([a.cli, "profile", "train", "--train", train, "--max-records", "50000", "--no-search", "-o", profile],
                       check=True)
        subprocess.run([a.cli, "compress", "--profile", profile, "-i", day, "-o", llc], check=True)
    parts = os.path.join(a.work, "day-hourly")
    shutil.rmtree(parts, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([a.cli, "compress", "--profile", profile, "-i", day, "-o", parts, "--partition-by", "hour"],
                   check=True)
    cli_write = time.perf_counter() - t
    parquet = os.path.join(a.work, "day-spark.parquet")
    with loglab.open(llc, profile=profile) as c:
        pq.write_table(c.to_arrow(), parquet, compression="zstd", compression_level=3)   # every field flattened

    from pyspark.sql import SparkSession
    from loglab import spark as loglab_spark
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "2")
             .getOrCreate())
    loglab_spark.register(spark)

    def q_loglab():
        df = (spark.read.format("loglab").option("profile", profile)
              .option("columns", "func_name=_source.func_name,elapsed=_source.response_elapsed_time").load(parts))
        return sorted(tuple(r) for r in df.groupBy("func_name").agg({"*": "count", "elapsed": "avg"}).collect())

    def q_parquet():
        df = spark.read.parquet(parquet).selectExpr("`_source.func_name` as func_name",
                                                    "`_source.response_elapsed_time` as elapsed")
        return sorted(tuple(r) for r in df.groupBy("func_name").agg({"*": "count", "elapsed": "avg"}).collect())

    both = timed_together({"loglab": q_loglab, "parquet": q_parquet}, a.repeat)
    (r1, t_loglab), (r2, t_parquet) = both["loglab"], both["parquet"]
    assert [x[:2] for x in r1] == [x[:2] for x in r2] and all(abs(x[2] - y[2]) < 1e-9 for x, y in zip(r1, r2))

    lines = spark.read.text(day).selectExpr("cast(value as binary) as value").cache()
    lines.count()

    def w_loglab():
        out = os.path.join(a.work, "day-spark-written")
        shutil.rmtree(out, ignore_errors=True)
        lines.write.format("loglab").option("profile", profile).option("partitionBy", "hour").mode("append").save(out)
        return out

    out, t_write = timed(w_loglab, a.repeat)
    assert len(loglab.dataset(out, profile=profile)) == sum(1 for _ in open(day, "rb"))
    size = os.path.getsize(day)
    print(f"load average: {open('/proc/loadavg').read().strip()}; {os.cpu_count()} cores, Spark local[2]")
    print(f"  read+aggregate loglab (hourly parts, 2 columns): {fmt(t_loglab)}")
    print(f"  read+aggregate Spark Parquet zstd 3:             {fmt(t_parquet)}")
    print(f"  ratio (loglab / parquet, medians): {statistics.median(t_loglab) / statistics.median(t_parquet):.2f}x")
    print(f"  bytes: loglab parts {folder_bytes(parts):,d}, parquet {os.path.getsize(parquet):,d}, JSON {size:,d}")
    print(f"  write: Spark format(loglab) {fmt(t_write)} = {size / 1e6 / statistics.median(t_write):.1f} MB/s; "
          f"loglab compress --partition-by hour {cli_write:.2f} s = {size / 1e6 / cli_write:.1f} MB/s (one run)")
    spark.stop()


if __name__ == "__main__":
    main()
