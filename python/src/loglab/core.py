"""Profiles, compression, messages and container readers."""
from __future__ import annotations

import array
import ctypes
import os
from ctypes import byref, c_char_p, c_int64, c_void_p
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import pyarrow as pa

from . import _arrow
from ._native import Owned, call, lib, take_bytes, take_string
from .errors import UsageError

PathLike = Union[str, "os.PathLike[str]"]
TimeLike = Union[int, float, str, datetime, date]

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_ms(t: TimeLike) -> int:
    """Milliseconds since the epoch of a time: int (ms), float (s), ISO-8601 text, datetime or date.
    Naive datetimes and dates are UTC."""
    if isinstance(t, bool):
        raise UsageError(f"invalid time {t!r}")
    if isinstance(t, int):
        return t
    if isinstance(t, float):
        return int(t * 1000)
    if isinstance(t, str):
        text = t.strip()
        try:
            t = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise UsageError(f"invalid time '{t}': use ISO-8601 (2021-12-26T15:00:00Z) or epoch milliseconds") from None
    if isinstance(t, datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
        return (t - _EPOCH) // timedelta(milliseconds=1)
    if isinstance(t, date):
        return (datetime(t.year, t.month, t.day, tzinfo=timezone.utc) - _EPOCH) // timedelta(milliseconds=1)
    raise UsageError(f"invalid time {t!r}")


def _threads(threads: Optional[int]) -> int:
    return 0 if threads is None else int(threads)


class Profile:
    """A frozen compression configuration (``.llp``): transform model, codec, framing and
    dictionary. Load once; share freely between threads."""

    def __init__(self, owned: Owned) -> None:
        self._owned = owned

    @classmethod
    def load(cls, path: PathLike) -> "Profile":
        """Loads and checks a profile file (an external dictionary is looked up beside it)."""
        out = c_void_p()
        call(lib.loglab_profile_load, os.fsencode(path), byref(out))
        return cls(Owned(out.value, lib.loglab_profile_free))

    @property
    def _h(self) -> int:
        return self._owned.handle

    @property
    def id(self) -> str:
        """The profile id (SHA-256 of the profile file, hex)."""
        return take_string(lib.loglab_profile_info(self._h, 0))

    @property
    def timestamp_field(self) -> Optional[str]:
        """The field that dates each record (for the time index and partitions), if any."""
        return take_string(lib.loglab_profile_info(self._h, 1)) or None

    def __repr__(self) -> str:
        return f"<loglab.Profile {take_string(lib.loglab_profile_info(self._h, 2))}>"

    def compress(self, records: Union[Iterable[Union[bytes, str]], bytes, bytearray, memoryview], *,
                 threads: Optional[int] = None) -> bytes:
        """A whole container (``.llc``) holding `records`.

        `records` is an iterable of records (bytes, or str encoded as UTF-8; no newline inside),
        restored as one line each with a final newline; or one bytes object holding a JSON Lines
        text, restored exactly as given (with or without its final newline)."""
        out, length = c_void_p(), c_int64()
        if isinstance(records, (bytes, bytearray, memoryview)):
            text = bytes(records)
            call(lib.loglab_compress_text, self._h, text, len(text), _threads(threads), byref(out), byref(length))
            return take_bytes(out, length)
        data, offsets = _pack(records)
        call(lib.loglab_compress_records, self._h, data, offsets.buffer_info()[0], len(offsets) - 1, 1,
             _threads(threads), byref(out), byref(length))
        return take_bytes(out, length)

    def record_times(self, records: Sequence[bytes], field: Optional[str] = None) -> List[Optional[int]]:
        """Each record's time in ms since the epoch (None when undated), found exactly as the
        container index and ``--partition-by`` find it: by `field` (default: the profile's)."""
        data, offsets = _pack(records)
        times = array.array("q", bytes(8 * len(records)))
        call(lib.loglab_record_times, self._h, field.encode() if field else None, data, offsets.buffer_info()[0],
             len(records), times.buffer_info()[0] if records else None)
        return [None if t == INT64_MIN else t for t in times]

    def compress_file(self, src: PathLike, dst: PathLike, *, threads: Optional[int] = None) -> None:
        """Compresses the JSON Lines file `src` into the container `dst` (streaming, bounded
        memory; `dst` appears only when complete). Same output as ``loglab compress``: with a
        profile whose search chose a shared section, a container whose records fill its learning
        window (100,000 records or 64 MiB) gets one."""
        call(lib.loglab_compress_file, self._h, os.fsencode(src), os.fsencode(dst), _threads(threads))

    def encode_message(self, record: Union[bytes, str]) -> bytes:
        """One record as one self-contained message (per Kinesis/queue record)."""
        b = record.encode("utf-8") if isinstance(record, str) else bytes(record)
        out, length = c_void_p(), c_int64()
        call(lib.loglab_encode_message, self._h, b, len(b), byref(out), byref(length))
        return take_bytes(out, length)

    def decode_message(self, blob: bytes) -> bytes:
        """The exact record of a message made by :meth:`encode_message` (checked)."""
        b = bytes(blob)
        out, length = c_void_p(), c_int64()
        call(lib.loglab_decode_message, self._h, b, len(b), byref(out), byref(length))
        return take_bytes(out, length)


def _pack(records: Iterable[Union[bytes, str]]) -> Tuple[bytes, array.array]:
    """Records → one buffer and int64 offsets (count + 1)."""
    parts: List[bytes] = []
    offsets = array.array("q", [0])
    total = 0
    for r in records:
        b = r.encode("utf-8") if isinstance(r, str) else bytes(r)
        parts.append(b)
        total += len(b)
        offsets.append(total)
    return b"".join(parts), offsets


def as_profile(profile: Union[Profile, PathLike, None]) -> Profile:
    if profile is None:
        raise UsageError("reading a container needs its profile (profile=...)")
    return profile if isinstance(profile, Profile) else Profile.load(profile)


@dataclass(frozen=True)
class FrameInfo:
    """One frame of a container, from its index."""
    index: int
    first_record: int
    records: int
    min_time: Optional[int]   # ms since the epoch; None when undated
    max_time: Optional[int]

    def overlaps(self, start: int, end: int) -> bool:
        return self.min_time is not None and self.max_time >= start and self.min_time < end


def _frames_array(frames: Sequence[int]) -> Tuple[array.array, int]:
    a = array.array("q", frames)
    return a, a.buffer_info()[0] if frames else 0


class _Batch:
    """Owns a record batch handle; iterates its exact records."""

    def __init__(self, handle: int) -> None:
        self._owned = Owned(handle, lib.loglab_batch_free)

    def records(self) -> List[bytes]:
        h = self._owned.handle
        n = lib.loglab_batch_count(h)
        if n <= 0:
            return []
        dlen, olen = c_int64(), c_int64()
        data = lib.loglab_batch_buffer(h, 0, byref(dlen))
        offs = lib.loglab_batch_buffer(h, 1, byref(olen))
        blob = ctypes.string_at(data, dlen.value) if dlen.value else b""
        o = (ctypes.c_int64 * (n + 1)).from_address(offs)
        return [blob[o[i]:o[i + 1]] for i in range(n)]

    def arrow(self) -> pa.Array:
        return _arrow.records_array(self._owned.handle, self._owned)


class Container:
    """A LogLab container opened for reading (see :func:`open`)."""

    def __init__(self, owned: Owned, profile: Profile, name: str) -> None:
        self._owned = owned
        self.profile = profile
        self.name = name
        h = owned.handle
        self._frames: Optional[List[FrameInfo]] = None
        self._count = lib.loglab_reader_count(h, 0)
        self.timestamp_field: Optional[str] = take_string(lib.loglab_reader_info(h, 1)) or None

    # --- structure ---
    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"<loglab.Container {self.name}: {self._count} records, {len(self.frames)} frames>"

    def __enter__(self) -> "Container":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._owned.close()

    @property
    def _h(self) -> int:
        if not self._owned.handle:
            raise UsageError(f"{self.name} is closed")
        return self._owned.handle

    @property
    def profile_id(self) -> str:
        """The id of the profile the container was written with."""
        return take_string(lib.loglab_reader_info(self._h, 0))

    @property
    def frames(self) -> List[FrameInfo]:
        """Every frame's record range and time range (from the index; nothing decoded)."""
        if self._frames is None:
            out = []
            first, count, lo, hi = c_int64(), c_int64(), c_int64(), c_int64()
            for i in range(lib.loglab_reader_count(self._h, 1)):
                call(lib.loglab_reader_frame_info, self._h, i, byref(first), byref(count), byref(lo), byref(hi))
                dated = lo.value != INT64_MIN
                out.append(FrameInfo(i, first.value, count.value, lo.value if dated else None,
                                     hi.value if dated else None))
            self._frames = out
        return self._frames

    def frames_between(self, start: Optional[TimeLike], end: Optional[TimeLike]) -> List[int]:
        """Frames whose time range overlaps [start, end) (all frames without bounds)."""
        if start is None and end is None:
            # Every frame: their count, without reading each frame's index entry.
            return list(range(lib.loglab_reader_count(self._h, 1)))
        self._need_time_index()
        lo = INT64_MIN if start is None else to_ms(start)
        hi = INT64_MAX if end is None else to_ms(end)
        return [f.index for f in self.frames if f.overlaps(lo, hi)]

    def _need_time_index(self) -> None:
        if not self.timestamp_field:
            raise UsageError(f"{self.name} has no time index (written without a timestamp field)")

    # --- exact records ---
    def __iter__(self) -> Iterator[bytes]:
        """Every record, exact bytes without the line end, in file order (frame by frame)."""
        for f in self.frames:
            yield from self._read([f.index]).records()

    def record(self, i: int) -> bytes:
        """Record `i` (0-based; negative counts from the end), decoding only its frame."""
        if i < 0:
            i += self._count
        out, length = c_void_p(), c_int64()
        call(lib.loglab_reader_record, self._h, i, byref(out), byref(length))
        return take_bytes(out, length)

    def between(self, start: Optional[TimeLike], end: Optional[TimeLike]) -> Iterator[bytes]:
        """Records whose time is in [start, end), decoding only the frames that overlap."""
        lo, hi = self._bounds(start, end)
        for i in self.frames_between(start, end):
            yield from self._read([i], lo, hi, True).records()

    def restore(self) -> bytes:
        """The exact original file (records joined by newlines, final newline as it was)."""
        text = b"\n".join(self)
        if self._count and lib.loglab_reader_count(self._h, 3) == 1:
            text += b"\n"
        return text

    def _bounds(self, start: Optional[TimeLike], end: Optional[TimeLike]) -> Tuple[int, int]:
        return (INT64_MIN if start is None else to_ms(start), INT64_MAX if end is None else to_ms(end))

    def _read(self, frames: Sequence[int], lo: int = 0, hi: int = 0, filt: bool = False,
              threads: Optional[int] = None) -> _Batch:
        arr, ptr = _frames_array(frames)
        out = c_void_p()
        call(lib.loglab_reader_read_frames, self._h, ptr, len(frames), lo, hi, 1 if filt else 0,
             _threads(threads), byref(out))
        return _Batch(out.value)

    # --- columns ---
    def _columns(self, frames: Sequence[int], columns: Optional[Sequence[str]], lo: int, hi: int, filt: bool,
                 value: bool, threads: Optional[int], from_records: bool = False) -> pa.RecordBatch:
        return self._parts(frames, columns, lo, hi, filt, value, threads, from_records).batch()

    def _parts(self, frames: Sequence[int], columns: Optional[Sequence[str]], lo: int, hi: int, filt: bool,
               value: bool, threads: Optional[int], from_records: bool = False) -> _arrow.Columns:
        arr, ptr = _frames_array(frames)
        names = list(columns or [])
        if any(not isinstance(c, str) or not c for c in names):
            raise UsageError("columns must be non-empty field paths like '_source.func_name'")
        if value and "value" in names:
            raise UsageError("'value' is both a field path and the exact-record column; pass value=False")
        encoded = [c.encode("utf-8") for c in names]
        paths = (c_char_p * max(1, len(encoded)))(*encoded)
        out = c_void_p()
        call(lib.loglab_reader_columns, self._h, ptr, len(frames), ctypes.cast(paths, c_void_p), len(encoded),
             lo, hi, 1 if filt else 0, (1 if value else 0) | (2 if from_records else 0), _threads(threads), byref(out))
        owned = Owned(out.value, lib.loglab_columns_free)
        parts = _arrow.columns_batch(owned)
        if value:
            rec = _arrow.records_array(lib.loglab_columns_batch(owned.handle), owned)
            parts = parts.add(pa.field("value", pa.large_binary()), rec, first=True)
        return parts

    def to_batches(self, columns: Optional[Sequence[str]] = None, *, start: Optional[TimeLike] = None,
                   end: Optional[TimeLike] = None, value: bool = False, frames_per_batch: int = 16,
                   threads: Optional[int] = None, from_records: bool = False) -> Iterator[pa.RecordBatch]:
        """Record batches of typed columns, `frames_per_batch` frames at a time (bounded memory).
        Batches may differ in type where the data does (e.g. a column null in one batch);
        :meth:`to_arrow` unifies them. `from_records=True` decodes from the restored records
        instead of straight from the transformed streams (the reference path: same result, slower)."""
        for parts in self._batch_parts(columns, start, end, value, frames_per_batch, threads, from_records):
            yield parts.batch()

    def _batch_parts(self, columns: Optional[Sequence[str]], start: Optional[TimeLike], end: Optional[TimeLike],
                     value: bool, frames_per_batch: int, threads: Optional[int],
                     from_records: bool) -> Iterator[_arrow.Columns]:
        lo, hi = self._bounds(start, end)
        filt = start is not None or end is not None
        frames = self.frames_between(start, end)
        step = max(1, int(frames_per_batch))
        for k in range(0, len(frames), step):
            yield self._parts(frames[k:k + step], columns, lo, hi, filt, value, threads, from_records)

    def to_arrow(self, columns: Optional[Sequence[str]] = None, where: Optional[object] = None, *,
                 start: Optional[TimeLike] = None, end: Optional[TimeLike] = None, value: bool = False,
                 threads: Optional[int] = None, from_records: bool = False) -> pa.Table:
        """A ``pyarrow.Table`` with one column per field path (dotted for nested fields; every
        leaf path when `columns` is None). Types are inferred from the values: int64, float64,
        bool, timestamp (ms or µs, with the zone as written), dictionary for strings with few
        distinct values, string, list for arrays, and string holding the exact JSON text for
        objects or mixed kinds (field metadata ``loglab.kind`` says which). Missing and null are null.
        A field met in few records costs those records: the null rows around them are chunks of
        one shared all-null array, so records with keys of their own stay linear.

        `start`/`end` select records in [start, end) through the container's time index (whole
        frames outside are never decoded). `where` is a ``pyarrow.compute.Expression`` applied
        after decoding. `value=True` adds the exact record bytes as column ``value``.

        Chosen columns of field-transformed frames are decoded straight from the transformed
        streams (only those fields and what their coding needs); every leaf (`columns` None),
        `value=True`, a time range or `from_records=True` decode from the restored records."""
        # A few frames at a time: the decoded records of only those frames are in memory.
        # Chosen columns straight from the streams keep no records: all frames in one call
        # (its threads share the frames, and the columns are built once).
        streams = bool(columns) and not value and start is None and end is None and not from_records
        parts = list(self._batch_parts(columns, start, end, value,
                                       max(1, lib.loglab_reader_count(self._h, 1)) if streams else 64,
                                       threads, from_records))
        if not parts:
            parts = [self._parts([], columns, 0, 0, False, value, threads, from_records)]
        return _apply_where(_arrow.table(parts), where)

    def to_pandas(self, columns: Optional[Sequence[str]] = None, where: Optional[object] = None,
                  **kwargs: object) -> "pandas.DataFrame":  # type: ignore[name-defined]  # noqa: F821
        """:meth:`to_arrow` as a pandas DataFrame (dictionary columns become categoricals)."""
        return self.to_arrow(columns, where, **kwargs).to_pandas()  # type: ignore[arg-type]


def _apply_where(table: pa.Table, where: Optional[object]) -> pa.Table:
    if where is None:
        return table
    import pyarrow.compute as pc
    if not isinstance(where, pc.Expression):
        raise UsageError("where must be a pyarrow.compute.Expression, e.g. pc.field('_source.response_status_code') == 200")
    return table.filter(where)


def open(source: Union[PathLike, bytes, bytearray, memoryview], profile: Union[Profile, PathLike]) -> Container:  # noqa: A001
    """Opens a container from a path or from bytes in memory. The header, index and trailer are
    checked now (a damaged or truncated container raises here); frames decode on demand."""
    p = as_profile(profile)
    out = c_void_p()
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        call(lib.loglab_reader_open_bytes, p._h, data, len(data), byref(out))
        name = f"<{len(data)} bytes>"
    else:
        call(lib.loglab_reader_open, p._h, os.fsencode(source), byref(out))
        name = os.fspath(source)
    return Container(Owned(out.value, lib.loglab_reader_free), p, name)
