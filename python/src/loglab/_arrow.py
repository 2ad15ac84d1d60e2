"""Library column buffers → pyarrow arrays, without copying (buffers keep the handle alive)."""
from __future__ import annotations

import ctypes
from ctypes import c_int64
from typing import List, Optional, Sequence

import pyarrow as pa

from ._native import Owned, lib
from .errors import ColumnsError

NULL, BOOL, INT64, FLOAT64, STRING, BINARY, TIMESTAMP, DICTIONARY, JSON, LIST = range(10)
VALIDITY, VALUES, OFFSETS, DATA, DICT_OFFSETS, DICT_DATA, NAME, ZONE = range(8)

#: Field metadata naming how a column was decoded (``json`` columns hold JSON text).
KIND_KEY = b"loglab.kind"
_KIND_NAMES = {NULL: b"null", BOOL: b"bool", INT64: b"int64", FLOAT64: b"float64", STRING: b"string",
               BINARY: b"binary", TIMESTAMP: b"timestamp", DICTIONARY: b"dictionary", JSON: b"json",
               LIST: b"list"}

_EMPTY = pa.py_buffer(b"")


def _buffer(owner: Owned, column: int, which: int) -> Optional[pa.Buffer]:
    length = c_int64()
    p = lib.loglab_column_buffer(owner.handle, column, which, ctypes.byref(length))
    if not p or length.value == 0:
        return None
    return pa.foreign_buffer(p, length.value, base=owner)


def _text(owner: Owned, column: int, which: int) -> str:
    length = c_int64()
    p = lib.loglab_column_buffer(owner.handle, column, which, ctypes.byref(length))
    return ctypes.string_at(p, length.value).decode("utf-8", "replace") if p else ""


def column_array(owner: Owned, column: int) -> pa.Array:
    h = owner.handle
    kind = lib.loglab_column_property(h, column, 0)
    length = lib.loglab_column_property(h, column, 1)
    nulls = lib.loglab_column_property(h, column, 2)
    validity = _buffer(owner, column, VALIDITY)
    if kind == NULL:
        return pa.nulls(length)
    if kind in (BOOL, INT64, FLOAT64, TIMESTAMP):
        if kind == TIMESTAMP:
            unit = "ms" if lib.loglab_column_property(h, column, 3) == 3 else "us"
            typ = pa.timestamp(unit, tz=_text(owner, column, ZONE) or "UTC")
        else:
            typ = {BOOL: pa.bool_(), INT64: pa.int64(), FLOAT64: pa.float64()}[kind]
        values = _buffer(owner, column, VALUES) or _EMPTY
        return pa.Array.from_buffers(typ, length, [validity, values], null_count=nulls)
    if kind in (STRING, BINARY, JSON):
        typ = pa.binary() if kind == BINARY else pa.string()
        offsets = _buffer(owner, column, OFFSETS)
        data = _buffer(owner, column, DATA) or _EMPTY
        return pa.Array.from_buffers(typ, length, [validity, offsets, data], null_count=nulls)
    if kind == DICTIONARY:
        codes = pa.Array.from_buffers(pa.int32(), length, [validity, _buffer(owner, column, VALUES) or _EMPTY],
                                      null_count=nulls)
        words = lib.loglab_column_property(h, column, 5)
        vocabulary = pa.Array.from_buffers(pa.string(), words, [None, _buffer(owner, column, DICT_OFFSETS),
                                                                _buffer(owner, column, DICT_DATA) or _EMPTY])
        return pa.DictionaryArray.from_arrays(codes, vocabulary)
    if kind == LIST:
        c = lib.loglab_column_property(h, column, 4)
        child = column_array(owner, c)
        item = pa.field("item", child.type, metadata={KIND_KEY: _KIND_NAMES.get(lib.loglab_column_property(h, c, 0), b"?")})
        return pa.Array.from_buffers(pa.list_(item), length, [validity, _buffer(owner, column, OFFSETS)],
                                     null_count=nulls, children=[child])
    raise ColumnsError(f"unknown column kind {kind}")


class Columns:
    """One decoded batch of `rows` rows. Column j holds rows `offsets[j]` to
    `offsets[j] + len(arrays[j])` and is null in the others: a field met in a few records of
    a wide batch costs those records, not the whole batch."""

    __slots__ = ("rows", "fields", "arrays", "offsets")

    def __init__(self, rows: int, fields: List[pa.Field], arrays: List[pa.Array],
                 offsets: Optional[List[int]] = None) -> None:
        self.rows = rows
        self.fields = fields
        self.arrays = arrays
        self.offsets = offsets if offsets is not None else [0] * len(arrays)

    def add(self, field: pa.Field, array: pa.Array, first: bool = False) -> "Columns":
        """The same with a full-length column added (at the front with `first`)."""
        at = 0 if first else len(self.fields)
        return Columns(self.rows, self.fields[:at] + [field] + self.fields[at:],
                       self.arrays[:at] + [array] + self.arrays[at:], self.offsets[:at] + [0] + self.offsets[at:])

    def batch(self) -> pa.RecordBatch:
        """As one record batch (columns padded with nulls to every row)."""
        if not self.fields:
            return pa.RecordBatch.from_pydict({}).slice(0, 0) if self.rows == 0 else \
                pa.record_batch([pa.nulls(self.rows)], names=["__rows"]).drop_columns(["__rows"])
        arrays = []
        for a, o in zip(self.arrays, self.offsets):
            if o or len(a) != self.rows:
                parts = [pa.nulls(o, a.type), a, pa.nulls(self.rows - o - len(a), a.type)]
                a = pa.concat_arrays([p for p in parts if len(p)] or [a])
            arrays.append(a)
        return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(self.fields))


def columns_batch(owner: Owned) -> Columns:
    """All top-level columns of a columns handle (arrays keep the handle alive)."""
    h = owner.handle
    count = lib.loglab_columns_count(h, 0)
    arrays: List[pa.Array] = []
    fields: List[pa.Field] = []
    offsets: List[int] = []
    for j in range(count):
        name = _text(owner, j, NAME)
        kind = lib.loglab_column_property(h, j, 0)
        a = column_array(owner, j)
        arrays.append(a)
        fields.append(pa.field(name, a.type, metadata={KIND_KEY: _KIND_NAMES.get(kind, b"?")}))
        offsets.append(max(0, lib.loglab_column_property(h, j, 6)))
    return Columns(lib.loglab_columns_count(h, 1), fields, arrays, offsets)


def records_array(batch_handle: int, owner: object) -> pa.Array:
    """Exact records of a batch handle as a large_binary array (zero copy)."""
    count = lib.loglab_batch_count(batch_handle)
    dlen, olen = c_int64(), c_int64()
    data = lib.loglab_batch_buffer(batch_handle, 0, ctypes.byref(dlen))
    offsets = lib.loglab_batch_buffer(batch_handle, 1, ctypes.byref(olen))
    data_buf = pa.foreign_buffer(data, dlen.value, base=owner) if data else _EMPTY
    off_buf = pa.foreign_buffer(offsets, olen.value, base=owner)
    return pa.Array.from_buffers(pa.large_binary(), count, [None, off_buf, data_buf])


# --- one schema for many batches -------------------------------------------------------

def unify_type(a: pa.DataType, b: pa.DataType) -> Optional[pa.DataType]:
    """The type both `a` and `b` convert to without loss of meaning, or None."""
    if a == b:
        return a
    if pa.types.is_null(a):
        return b
    if pa.types.is_null(b):
        return a
    num = {pa.int64(), pa.float64()}
    if a in num and b in num:
        return pa.float64()
    def stringy(t: pa.DataType) -> bool:
        return pa.types.is_string(t) or (pa.types.is_dictionary(t) and pa.types.is_string(t.value_type))
    if stringy(a) and stringy(b):
        return pa.string() if not (pa.types.is_dictionary(a) and pa.types.is_dictionary(b)) else a
    if pa.types.is_timestamp(a) and pa.types.is_timestamp(b):
        unit = "us" if "us" in (a.unit, b.unit) else a.unit
        return pa.timestamp(unit, tz=a.tz if a.tz == b.tz else "UTC")
    if pa.types.is_list(a) and pa.types.is_list(b):
        inner = unify_type(a.value_type, b.value_type)
        return pa.list_(inner) if inner is not None else None
    if pa.types.is_string(a) and pa.types.is_binary(b) or pa.types.is_binary(a) and pa.types.is_string(b):
        return pa.binary()
    return None


def unify_schemas(schemas: Sequence[Sequence[pa.Field]]) -> pa.Schema:
    """One field per name, in order of first appearance, of a type every batch's converts to."""
    fields: dict = {}
    order: List[str] = []
    for s in schemas:
        for f in s:
            if f.name not in fields:
                fields[f.name] = f
                order.append(f.name)
                continue
            t = unify_type(fields[f.name].type, f.type)
            if t is None:
                raise ColumnsError(f"column {f.name}: batches decoded as {fields[f.name].type} and {f.type}; "
                                   "they have no common type")
            fields[f.name] = fields[f.name].with_type(t)
    return pa.schema([fields[n] for n in order])


def _cast(a: pa.Array, f: pa.Field) -> pa.Array:
    if a.type == f.type:
        return a
    try:
        return a.cast(f.type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise ColumnsError(f"column {f.name}: cannot convert {a.type} to {f.type}: {e}") from e


def table(parts: Sequence[Columns]) -> pa.Table:
    """The batches as one table of unified types. Each column's chunks are its arrays, and
    between them one null chunk per gap, sliced from one all-null array per type: a column
    absent from most batches or rows costs its values, not keys × rows."""
    if not any(p.fields for p in parts):
        return pa.Table.from_batches([p.batch() for p in parts])
    schema = unify_schemas([p.fields for p in parts])
    total = sum(p.rows for p in parts)
    nulls: dict = {}

    def gap(t: pa.DataType, n: int) -> pa.Array:
        if t not in nulls:
            nulls[t] = pa.nulls(total, t)
        return nulls[t].slice(0, n)

    index = {f.name: k for k, f in enumerate(schema)}
    chunks: List[List[pa.Array]] = [[] for _ in schema]
    cursor = [0] * len(schema)
    base = 0
    for p in parts:
        for f, a, o in zip(p.fields, p.arrays, p.offsets):
            k = index[f.name]
            start = base + o
            if start < cursor[k]:
                continue   # a path asked for twice: one column (same values)
            if start > cursor[k]:
                chunks[k].append(gap(schema[k].type, start - cursor[k]))
            chunks[k].append(_cast(a, schema[k]))
            cursor[k] = start + len(a)
        base += p.rows
    for k, f in enumerate(schema):
        if total > cursor[k]:
            chunks[k].append(gap(f.type, total - cursor[k]))
    return pa.Table.from_arrays([pa.chunked_array(c, type=f.type) for c, f in zip(chunks, schema)], schema=schema)


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """`batch` in `schema` (columns it lacks are null; types converted)."""
    if batch.schema == schema:
        return batch
    arrays = []
    for f in schema:
        i = batch.schema.get_field_index(f.name)
        if i < 0:
            arrays.append(pa.nulls(batch.num_rows, type=f.type))
            continue
        arrays.append(_cast(batch.column(i), f))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
