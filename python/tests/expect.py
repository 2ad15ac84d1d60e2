"""What a decoded column must hold, computed independently with orjson."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional, Tuple

import orjson
import pyarrow as pa

MISSING = object()


def parse(line: bytes) -> Optional[Any]:
    """The record parsed by orjson, or None when orjson rejects it."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def lookup(doc: Any, path: str) -> Any:
    """The value at a dotted path; keys may contain dots themselves (`id.orig_h`)."""
    if not isinstance(doc, dict):
        return MISSING
    if path in doc:
        return doc[path]
    at = path.find(".")
    while at >= 0:
        head = path[:at]
        if head in doc:
            found = lookup(doc[head], path[at + 1:])
            if found is not MISSING:
                return found
        at = path.find(".", at + 1)
    return MISSING


def leaves(doc: Any, prefix: str = "") -> Iterator[Tuple[str, Any]]:
    """Leaf paths as to_arrow() discovers them: objects flattened, everything else a leaf
    (empty objects produce nothing)."""
    if not isinstance(doc, dict):
        return
    for k, v in doc.items():
        path = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            yield from leaves(v, path)
        else:
            yield path, v


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)


def same(kind: str, typ: pa.DataType, got: Any, want: Any) -> bool:
    """Whether a decoded value equals the orjson value of the same field."""
    if want is MISSING or want is None:
        return got is None
    if got is None:
        return False
    if kind == "json":
        return orjson.loads(got) == want
    if pa.types.is_timestamp(typ):
        if not isinstance(want, str):
            return False
        w = _iso(want)
        if got != w:
            return False
        # The zone is kept as written.
        return got.utcoffset() == w.utcoffset()
    if pa.types.is_list(typ):
        if not isinstance(want, list) or len(got) != len(want):
            return False
        item = typ.value_field
        inner_kind = (item.metadata or {}).get(b"loglab.kind", b"").decode()
        return all(same(inner_kind, item.type, g, w) for g, w in zip(got, want))
    if pa.types.is_floating(typ):
        return isinstance(want, (int, float)) and not isinstance(want, bool) and float(want) == got
    if pa.types.is_integer(typ):
        return isinstance(want, int) and not isinstance(want, bool) and want == got
    if pa.types.is_boolean(typ):
        return isinstance(want, bool) and want == got
    return type(want) is str and want == got


def check_column(table: pa.Table, name: str, docs: List[Any], flattened: bool = False) -> None:
    """Asserts that column `name` equals the orjson values row by row. `flattened`: the table
    came from to_arrow() with no columns, where objects live in their leaf columns (a path
    holding an object in some rows is null there)."""
    field = table.schema.field(name)
    kind = (field.metadata or {}).get(b"loglab.kind", b"").decode()
    values = table.column(name).to_pylist()
    assert len(values) == len(docs)
    for i, (got, doc) in enumerate(zip(values, docs)):
        want = MISSING if doc is None else lookup(doc, name)
        if flattened and isinstance(want, dict):
            want = MISSING
        assert same(kind, field.type, got, want), f"{name} row {i}: decoded {got!r}, orjson {want!r}"
