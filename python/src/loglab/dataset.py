"""Many containers as one table: a ``--partition-by`` folder (through its manifest), a folder
of containers, or a list of paths."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

import pyarrow as pa

from . import _arrow
from .core import INT64_MAX, INT64_MIN, Container, PathLike, Profile, TimeLike, _apply_where, as_profile, open, to_ms
from .errors import UsageError

MANIFEST = "manifest.json"
_PARTITION = re.compile(r"^(dt|hour)=(.+)$")


@dataclass(frozen=True)
class Part:
    """One container of a dataset."""
    path: str
    records: Optional[int] = None
    min_time: Optional[int] = None   # ms since the epoch, from the manifest
    max_time: Optional[int] = None
    dt: Optional[str] = None         # from the dt=YYYY-MM-DD folder
    hour: Optional[int] = None       # from the hour=HH folder

    def overlaps(self, start: int, end: int) -> bool:
        if self.min_time is None or self.max_time is None:
            return True   # no manifest range: the container's own index decides
        return self.max_time >= start and self.min_time < end


def _partition_values(rel: str) -> Dict[str, str]:
    values: Dict[str, str] = {}
    for piece in rel.replace(os.sep, "/").split("/")[:-1]:
        m = _PARTITION.match(piece)
        if m:
            values[m.group(1)] = m.group(2)
    return values


def _part(path: str, rel: str, records: Optional[int] = None, lo: Optional[str] = None,
          hi: Optional[str] = None) -> Part:
    v = _partition_values(rel)
    hour = v.get("hour")
    return Part(path=path, records=records, min_time=to_ms(lo) if lo else None, max_time=to_ms(hi) if hi else None,
                dt=v.get("dt"), hour=int(hour) if hour and hour.isdigit() else None)


def read_manifest(folder: str) -> Optional[dict]:
    """The folder's manifest.json (docs/FORMATS.md, "Partitioned output"), or None."""
    path = os.path.join(folder, MANIFEST)
    if not os.path.exists(path):
        return None
    try:
        with open_text(path) as f:
            m = json.load(f)
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: unreadable manifest ({e})") from e
    if m.get("format") != "loglab-manifest":
        raise UsageError(f"{path}: not a LogLab manifest (format {m.get('format')!r})")
    return m


def open_text(path: str):  # small indirection: `open` is loglab.open in this module
    import builtins
    return builtins.open(path, "r", encoding="utf-8")


def discover(source: Union[PathLike, Sequence[PathLike]]) -> List[Part]:
    """The parts of a dataset source, in a stable order."""
    if not isinstance(source, (str, bytes, os.PathLike)):
        parts: List[Part] = []
        for s in source:
            parts.extend(discover(s))
        return parts
    root = os.fspath(source)
    if isinstance(root, bytes):
        root = os.fsdecode(root)
    if os.path.isfile(root):
        return [_part(root, os.path.basename(root))]
    if not os.path.isdir(root):
        raise UsageError(f"{root}: no such container or folder")
    manifest = read_manifest(root)
    if manifest is not None:
        return [_part(os.path.join(root, p["path"]), p["path"], p.get("records"), p.get("from"), p.get("to"))
                for p in manifest.get("parts", [])]
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".llc") and not name.startswith("."):
                full = os.path.join(dirpath, name)
                found.append(_part(full, os.path.relpath(full, root)))
    return found


class Dataset:
    """Several containers read as one table, in bounded memory (see :func:`dataset`)."""

    def __init__(self, parts: List[Part], profile: Profile) -> None:
        self.parts = parts
        self.profile = profile

    def __repr__(self) -> str:
        return f"<loglab.Dataset {len(self.parts)} parts>"

    def __len__(self) -> int:
        """Records in all parts (from the manifest where it says, else from each index)."""
        total = 0
        for p in self.parts:
            if p.records is not None:
                total += p.records
            else:
                with open(p.path, self.profile) as c:
                    total += len(c)
        return total

    def select(self, start: Optional[TimeLike] = None, end: Optional[TimeLike] = None,
               dt: Optional[Union[str, Iterable[str]]] = None,
               hour: Optional[Union[int, Iterable[int]]] = None) -> List[Part]:
        """The parts that can hold records in [start, end) and in the given dt/hour partitions."""
        lo = INT64_MIN if start is None else to_ms(start)
        hi = INT64_MAX if end is None else to_ms(end)
        dts = None if dt is None else ({dt} if isinstance(dt, str) else set(dt))
        hours = None if hour is None else ({int(hour)} if isinstance(hour, int) else {int(h) for h in hour})
        out = []
        for p in self.parts:
            if not p.overlaps(lo, hi):
                continue
            if dts is not None and p.dt not in dts:
                continue
            if hours is not None and p.hour not in hours:
                continue
            out.append(p)
        return out

    def records(self, start: Optional[TimeLike] = None, end: Optional[TimeLike] = None) -> Iterator[bytes]:
        """Exact records of every part in order (within [start, end) when given)."""
        for p in self.select(start, end):
            with open(p.path, self.profile) as c:
                if start is None and end is None:
                    yield from c
                else:
                    yield from c.between(start, end)

    def _raw_batches(self, columns: Optional[Sequence[str]], start: Optional[TimeLike], end: Optional[TimeLike],
                     dt, hour, value: bool, partition_columns: bool, frames_per_batch: int,
                     threads: Optional[int]) -> Iterator[_arrow.Columns]:
        for p in self.select(start, end, dt, hour):
            with open(p.path, self.profile) as c:
                for b in c._batch_parts(columns, start, end, value, frames_per_batch, threads, False):
                    if partition_columns:
                        b = _with_partitions(b, p)
                    yield b

    def to_batches(self, columns: Optional[Sequence[str]] = None, *, start: Optional[TimeLike] = None,
                   end: Optional[TimeLike] = None, dt=None, hour=None, value: bool = False,
                   partition_columns: bool = True, frames_per_batch: int = 16, schema: Optional[pa.Schema] = None,
                   threads: Optional[int] = None) -> Iterator[pa.RecordBatch]:
        """Streams record batches (a few frames at a time: memory stays bounded by
        `frames_per_batch` frames). Parts and frames outside [start, end) or the dt/hour
        selection are skipped without decoding. Every batch has one schema: `schema` if given,
        else the first batch's (later batches are converted to it; a column whose values cannot
        convert raises ColumnsError: pass `schema`). With `partition_columns`, `dt` (string) and
        `hour` (int32) come from the part's folder."""
        target = schema
        for b in self._raw_batches(columns, start, end, dt, hour, value, partition_columns, frames_per_batch, threads):
            batch = b.batch()
            if target is None:
                target = batch.schema
            yield _arrow.conform(batch, target)

    def to_arrow(self, columns: Optional[Sequence[str]] = None, where: Optional[object] = None, *,
                 start: Optional[TimeLike] = None, end: Optional[TimeLike] = None, dt=None, hour=None,
                 value: bool = False, partition_columns: bool = True, frames_per_batch: int = 16,
                 threads: Optional[int] = None) -> pa.Table:
        """All selected records as one ``pyarrow.Table`` (types unified across parts)."""
        batches = list(self._raw_batches(columns, start, end, dt, hour, value, partition_columns,
                                         frames_per_batch, threads))
        if not batches:
            return pa.table({})
        return _apply_where(_arrow.table(batches), where)

    def to_pandas(self, columns: Optional[Sequence[str]] = None, where: Optional[object] = None, **kwargs):
        return self.to_arrow(columns, where, **kwargs).to_pandas()


def _with_partitions(batch: _arrow.Columns, part: Part) -> _arrow.Columns:
    n = batch.rows
    return batch.add(pa.field("dt", pa.string()), pa.array([part.dt] * n, type=pa.string())) \
        .add(pa.field("hour", pa.int32()), pa.array([part.hour] * n, type=pa.int32()))


def dataset(source: Union[PathLike, Sequence[PathLike]], profile: Union[Profile, PathLike]) -> Dataset:
    """A dataset from a ``loglab compress --partition-by`` folder (read through its
    manifest.json), a folder of ``.llc`` containers (searched recursively), one container, or a
    list of any of these."""
    return Dataset(discover(source), as_profile(profile))
