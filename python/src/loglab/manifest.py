"""The one place Python writes partitioned output: part files and manifest.json, in the
layout of ``loglab compress --partition-by`` (docs/FORMATS.md, "Partitioned output")."""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import datetime, timedelta, timezone
from typing import Dict, Iterable, List, Optional, Sequence

from .errors import LogLabIOError, UsageError

MANIFEST = "manifest.json"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def format_time(ms: int) -> str:
    """``2021-12-26T15:11:04.000Z``, as the manifest writes times."""
    t = _EPOCH + timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def partition_of(ms: Optional[int], by: str) -> str:
    """The partition folder of a record time (undated records: ``dt=unknown``)."""
    if by not in ("hour", "day"):
        raise UsageError(f"partitionBy must be hour or day, not {by!r}")
    if ms is None:
        return "dt=unknown/hour=unknown" if by == "hour" else "dt=unknown"
    t = _EPOCH + timedelta(milliseconds=ms)
    day = f"dt={t:%Y-%m-%d}"
    return f"{day}/hour={t:%H}" if by == "hour" else day


def write_part(folder: str, partition: str, container: bytes, *, records: int, restored_bytes: int,
               min_time: Optional[int], max_time: Optional[int], tag: str) -> Dict[str, object]:
    """Writes one part under a temporary name, fsyncs and renames it; returns its manifest entry.
    `tag` makes the name unique among concurrent writers (e.g. the Spark task)."""
    directory = os.path.join(folder, partition)
    os.makedirs(directory, exist_ok=True)
    name = f"part-{tag}-{uuid.uuid4().hex[:8]}.llc"
    final = os.path.join(directory, name)
    temp = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as f:
            f.write(container)
            f.flush()
            os.fsync(f.fileno())
        os.rename(temp, final)
    except OSError as e:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise LogLabIOError(f"cannot write {final}: {e}") from e
    entry: Dict[str, object] = {
        "path": f"{partition}/{name}", "records": records, "bytes": restored_bytes,
        "storedBytes": len(container), "sha256": hashlib.sha256(container).hexdigest(),
    }
    if min_time is not None and max_time is not None:
        entry["from"] = format_time(min_time)
        entry["to"] = format_time(max_time)
    return entry


def remove_parts(folder: str, entries: Iterable[Dict[str, object]]) -> None:
    """Deletes parts (a job that failed after some tasks finished)."""
    for e in entries:
        try:
            os.unlink(os.path.join(folder, str(e["path"])))
        except OSError:
            pass


def write_manifest(folder: str, *, profile_id: str, timestamp_field: str, partition_by: str,
                   parts: Sequence[Dict[str, object]]) -> dict:
    """Writes (or extends) manifest.json atomically. An existing manifest must be of the same
    profile, field and granularity, as ``loglab compress --partition-by`` requires."""
    path = os.path.join(folder, MANIFEST)
    manifest = {"format": "loglab-manifest", "version": 1, "profile": profile_id,
                "timestampField": timestamp_field, "partitionBy": partition_by, "parts": []}
    if os.path.exists(path):
        with open(path, "r", encoding="utf-8") as f:
            existing = json.load(f)
        if existing.get("profile") != profile_id:
            raise UsageError(f"{folder} holds parts of profile {str(existing.get('profile'))[:12]}, "
                             f"not of the given profile {profile_id[:12]}")
        if existing.get("partitionBy") != partition_by or existing.get("timestampField") != timestamp_field:
            raise UsageError(f"{folder} is partitioned by {existing.get('partitionBy')} of "
                             f"'{existing.get('timestampField')}'; use the same options to add to it")
        manifest = existing
    manifest["parts"] = list(manifest["parts"]) + sorted(parts, key=lambda p: str(p["path"]))
    temp = f"{path}.{os.getpid()}.tmp"
    with open(temp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.rename(temp, path)
    return manifest
