"""LogLab as a PySpark 4 data source (``pyspark.sql.datasource``): ``format("loglab")``.

    import loglab.spark
    loglab.spark.register(spark)
    df = (spark.read.format("loglab").option("profile", "sdk.llp")
          .option("columns", "func_name=_source.func_name,_source.response_elapsed_time")
          .option("from", "2021-12-26T10:00:00Z").load("out/"))
    df.write.format("loglab").option("profile", "sdk.llp").option("partitionBy", "hour").mode("append").save("copy/")

Read options: ``profile`` (required); ``columns``: comma-separated field paths, each optionally
``alias=path`` (without it, the column is the exact record ``value``, binary); ``value``:
``true`` to add ``value`` next to typed columns; ``from`` / ``to``: time range [from, to) of
the time field; ``dt`` / ``hour``: comma-separated partitions to read; ``framesPerPartition``
(default 64): each Spark partition reads about that many frames (large containers are split,
small parts grouped).
Every row also has ``dt`` (string) and ``hour`` (int) from the part's folder (null when the
source is not a partitioned folder).

Pushdown: PySpark 4.0's Python data sources receive no filters and no pruned schema, so
selection goes through the options above: ``columns`` decodes only those fields, and
``from``/``to``/``dt``/``hour`` skip whole parts (manifest) and frames (container index) on
the driver before any task runs. Spark-side ``filter`` on the same columns stays correct but
reads everything.

Write options: ``profile`` (required), ``partitionBy`` (``hour`` or ``day``, default ``hour``),
``timestampField`` (default: the profile's). The DataFrame needs a ``value`` column (binary
or string) holding raw records. Each task writes its own parts (temporary name, fsync,
rename; a failing task removes what it wrote); the job then writes one manifest.json that
``loglab compress --partition-by`` extends and :func:`loglab.dataset` reads. Only append
mode: overwriting is refused.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import pyarrow as pa
from pyspark.sql.datasource import (DataSource, DataSourceArrowWriter, DataSourceReader, InputPartition,
                                    WriterCommitMessage)
from pyspark.sql.types import (ArrayType, BinaryType, BooleanType, DataType, DoubleType, IntegerType, LongType,
                               StringType, StructField, StructType, TimestampType)

from . import _arrow
from .core import INT64_MAX, INT64_MIN, Profile, to_ms
from .core import open as open_container
from .dataset import Part, discover
from .errors import UsageError
from .manifest import partition_of, remove_parts, write_manifest, write_part


def register(spark) -> None:
    """Registers the ``loglab`` format on a SparkSession."""
    spark.dataSource.register(LogLabDataSource)


@functools.lru_cache(maxsize=8)
def _profile(path: str) -> Profile:
    return Profile.load(path)


def _option(options: Dict[str, str], name: str) -> Optional[str]:
    for k, v in options.items():
        if k.lower() == name.lower():
            return v
    return None


@dataclass(frozen=True)
class _Read:
    profile: str
    path: str
    columns: Tuple[Tuple[str, str], ...]   # (alias, field path)
    value: bool
    lo: int
    hi: int
    filtered: bool
    dts: Optional[Tuple[str, ...]]
    hours: Optional[Tuple[int, ...]]
    frames_per_partition: int

    @staticmethod
    def parse(options: Dict[str, str]) -> "_Read":
        profile = _option(options, "profile")
        path = _option(options, "path")
        if not profile:
            raise UsageError("the loglab source needs .option('profile', PATH)")
        if not path:
            raise UsageError("the loglab source needs a path: .load(PATH)")
        cols: List[Tuple[str, str]] = []
        for item in (_option(options, "columns") or "").split(","):
            item = item.strip()
            if not item:
                continue
            alias, _, field = item.partition("=") if "=" in item else (item, "", item)
            cols.append((alias.strip(), field.strip()))
        value_opt = _option(options, "value")
        value = (value_opt or "").lower() in ("true", "1", "yes") if value_opt is not None else not cols
        start, end = _option(options, "from"), _option(options, "to")
        dt = _option(options, "dt")
        hour = _option(options, "hour")
        return _Read(profile=profile, path=path, columns=tuple(cols), value=value,
                     lo=INT64_MIN if not start else to_ms(start), hi=INT64_MAX if not end else to_ms(end),
                     filtered=bool(start or end),
                     dts=tuple(s.strip() for s in dt.split(",")) if dt else None,
                     hours=tuple(int(s) for s in hour.split(",")) if hour else None,
                     frames_per_partition=max(1, int(_option(options, "framesPerPartition") or 64)))

    def parts(self) -> List[Part]:
        out = []
        for p in discover(self.path):
            if self.filtered and not p.overlaps(self.lo, self.hi):
                continue
            if self.dts is not None and p.dt not in self.dts:
                continue
            if self.hours is not None and p.hour not in self.hours:
                continue
            out.append(p)
        return out


class LogLabPartition(InputPartition):
    """Frames of one container, or of several small ones: each piece is (path, frames, dt,
    hour). Hourly parts at real densities hold a few frames each, and a Spark task per part
    costs far more than decoding it, so small parts share a task."""

    def __init__(self, pieces: List[Tuple[str, List[int], Optional[str], Optional[int]]]) -> None:
        super().__init__(tuple((path, tuple(frames)) for path, frames, _, _ in pieces))
        self.pieces = pieces


def _spark_type(t: pa.DataType) -> DataType:
    if pa.types.is_dictionary(t):
        return _spark_type(t.value_type)
    if pa.types.is_boolean(t):
        return BooleanType()
    if pa.types.is_integer(t):
        return LongType()
    if pa.types.is_floating(t):
        return DoubleType()
    if pa.types.is_timestamp(t):
        return TimestampType()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return BinaryType()
    if pa.types.is_list(t):
        return ArrayType(_spark_type(t.value_type), True)
    return StringType()   # strings, JSON text, and columns null so far


def _arrow_type(t: DataType) -> pa.DataType:
    if isinstance(t, BooleanType):
        return pa.bool_()
    if isinstance(t, LongType):
        return pa.int64()
    if isinstance(t, IntegerType):
        return pa.int32()
    if isinstance(t, DoubleType):
        return pa.float64()
    if isinstance(t, TimestampType):
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, BinaryType):
        return pa.binary()
    if isinstance(t, ArrayType):
        return pa.list_(_arrow_type(t.elementType))
    return pa.string()


def _arrow_schema(schema: StructType) -> pa.Schema:
    return pa.schema([pa.field(f.name, _arrow_type(f.dataType)) for f in schema.fields])


def _batches(opts: _Read, path: str, frames: Sequence[int], dt: Optional[str], hour: Optional[int],
             step: int = 16) -> Iterator[pa.RecordBatch]:
    """Decoded batches of `frames` with the aliases, value, dt and hour columns."""
    with open_container(path, _profile(opts.profile)) as c:
        fields = [f for _, f in opts.columns]
        for k in range(0, len(frames), step):
            chunk = list(frames[k:k + step])
            names = (["value"] if opts.value else []) + [a for a, _ in opts.columns]
            if fields:
                b = c._columns(chunk, fields, opts.lo, opts.hi, opts.filtered, opts.value, None)
                arrays = list(b.columns)
                n = b.num_rows
            else:   # exact records only: no field is decoded
                rec = c._read(chunk, opts.lo, opts.hi, opts.filtered).arrow()
                arrays = [rec] if opts.value else []
                n = len(rec)
            arrays += [pa.array([dt] * n, pa.string()), pa.array([hour] * n, pa.int32())]
            yield pa.RecordBatch.from_arrays(arrays, names=names + ["dt", "hour"])


class LogLabDataSource(DataSource):
    """``spark.read.format("loglab")`` / ``df.write.format("loglab")``."""

    @classmethod
    def name(cls) -> str:
        return "loglab"

    def schema(self) -> StructType:
        opts = _Read.parse(self.options)
        fields: List[StructField] = []
        if opts.value:
            fields.append(StructField("value", BinaryType(), True))
        typed: Dict[str, DataType] = {a: StringType() for a, _ in opts.columns}
        if opts.columns:
            # Types come from the first frame that holds records.
            for p in opts.parts():
                with open_container(p.path, _profile(opts.profile)) as c:
                    frames = c.frames_between(None if not opts.filtered else opts.lo,
                                              None if not opts.filtered else opts.hi)
                if frames:
                    sample = next(_batches(opts, p.path, frames[:1], p.dt, p.hour))
                    for a, _ in opts.columns:
                        typed[a] = _spark_type(sample.schema.field(a).type)
                    break
        fields += [StructField(a, typed[a], True) for a, _ in opts.columns]
        fields += [StructField("dt", StringType(), True), StructField("hour", IntegerType(), True)]
        return StructType(fields)

    def reader(self, schema: StructType) -> "LogLabReader":
        return LogLabReader(_Read.parse(self.options), schema)

    def writer(self, schema: StructType, overwrite: bool) -> "LogLabWriter":
        return LogLabWriter(self.options, schema, overwrite)


class LogLabReader(DataSourceReader):
    batch_rows = 16384

    def __init__(self, opts: _Read, schema: StructType) -> None:
        self.opts = opts
        self.target = _arrow_schema(schema)

    def partitions(self) -> List[InputPartition]:
        # Every selected frame, in order, then cut into ceil(total / framesPerPartition) groups
        # of equal size, so the tasks finish together (uneven groups leave a core idle while
        # the last, small one runs).
        pieces: List[Tuple[str, List[int], Optional[str], Optional[int]]] = []
        for p in self.opts.parts():
            with open_container(p.path, _profile(self.opts.profile)) as c:
                frames = c.frames_between(None if not self.opts.filtered else self.opts.lo,
                                          None if not self.opts.filtered else self.opts.hi)
            if frames:
                pieces.append((p.path, frames, p.dt, p.hour))
        total = sum(len(f) for _, f, _, _ in pieces)
        if total == 0:
            return [LogLabPartition([])]
        groups = -(-total // self.opts.frames_per_partition)
        out: List[InputPartition] = []
        group: List[Tuple[str, List[int], Optional[str], Optional[int]]] = []
        taken = 0   # frames assigned so far, over all groups
        for path, frames, dt, hour in pieces:
            k = 0
            while k < len(frames):
                bound = -(-(len(out) + 1) * total // groups)   # frames up to the end of this group
                n = min(len(frames) - k, bound - taken)
                group.append((path, frames[k:k + n], dt, hour))
                k += n
                taken += n
                if taken >= bound:
                    out.append(LogLabPartition(group))
                    group = []
        if group:
            out.append(LogLabPartition(group))
        return out

    def read(self, partition: LogLabPartition) -> Iterator[pa.RecordBatch]:
        # Small parts give small batches; each batch costs a round trip through Arrow to the
        # JVM, so they are merged up to batch_rows.
        pending: List[pa.RecordBatch] = []
        rows = 0
        for path, frames, dt, hour in partition.pieces:
            for b in _batches(self.opts, path, frames, dt, hour):
                pending.append(_arrow.conform(b.select(self.target.names), self.target))
                rows += b.num_rows
                if rows >= self.batch_rows:
                    yield pa.concat_batches(pending)
                    pending, rows = [], 0
        if pending:
            yield pa.concat_batches(pending)


@dataclass
class LogLabCommit(WriterCommitMessage):
    parts: List[Dict[str, object]]


class LogLabWriter(DataSourceArrowWriter):
    """Each task groups its records by partition and writes one part per partition."""

    flush_bytes = 256 << 20

    def __init__(self, options: Dict[str, str], schema: StructType, overwrite: bool) -> None:
        if overwrite:
            raise UsageError("the loglab sink only appends: write to a new folder or use mode('append')")
        self.profile_path = _option(options, "profile")
        self.path = _option(options, "path")
        if not self.profile_path or not self.path:
            raise UsageError("the loglab sink needs .option('profile', PATH) and .save(PATH)")
        self.by = (_option(options, "partitionBy") or "hour").lower()
        partition_of(0, self.by)   # checks the granularity
        profile = _profile(self.profile_path)
        self.field = _option(options, "timestampField") or profile.timestamp_field
        if not self.field:
            raise UsageError("partitioning needs a timestamp field (option timestampField or the profile's)")
        self.profile_id = profile.id
        names = [f.name for f in schema.fields]
        if "value" not in names:
            raise UsageError("the DataFrame needs a 'value' column of raw records (binary or string)")

    def write(self, iterator: Iterator[pa.RecordBatch]) -> LogLabCommit:
        from pyspark import TaskContext
        ctx = TaskContext.get()
        tag = f"{ctx.partitionId():05d}-{ctx.attemptNumber()}" if ctx else f"{os.getpid()}"
        profile = _profile(self.profile_path)
        pending: Dict[str, List[Tuple[bytes, Optional[int]]]] = {}
        size = 0
        written: List[Dict[str, object]] = []

        def flush() -> None:
            nonlocal size
            for key in sorted(pending):
                rows = pending[key]
                recs = [r for r, _ in rows]
                times = [t for _, t in rows if t is not None]
                written.append(write_part(self.path, key, profile.compress(recs), records=len(recs),
                                          restored_bytes=sum(len(r) + 1 for r in recs),
                                          min_time=min(times) if times else None,
                                          max_time=max(times) if times else None, tag=tag))
            pending.clear()
            size = 0

        try:
            for batch in iterator:
                col = batch.column(batch.schema.get_field_index("value"))
                records = [v if isinstance(v, bytes) else (v.encode("utf-8") if v is not None else b"")
                           for v in col.to_pylist()]
                times = profile.record_times(records, self.field)
                for r, t in zip(records, times):
                    pending.setdefault(partition_of(t, self.by), []).append((r, t))
                    size += len(r)
                if size >= self.flush_bytes:
                    flush()
            flush()
        except BaseException:
            remove_parts(self.path, written)   # a failed task leaves nothing behind
            raise
        return LogLabCommit(parts=written)

    def commit(self, messages: List[Optional[LogLabCommit]]) -> None:
        parts = [p for m in messages if m is not None for p in m.parts]
        write_manifest(self.path, profile_id=self.profile_id, timestamp_field=self.field, partition_by=self.by,
                       parts=parts)

    def abort(self, messages: List[Optional[LogLabCommit]]) -> None:
        remove_parts(self.path, [p for m in messages if m is not None for p in m.parts])
