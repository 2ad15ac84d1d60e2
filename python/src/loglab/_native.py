"""ctypes bindings of the LogLabC library (include/loglab.h), shipped inside this package."""
from __future__ import annotations

import ctypes
import sys
from ctypes import POINTER, byref, c_char_p, c_int32, c_int64, c_void_p
from pathlib import Path
from typing import Any, Optional

from .errors import LogLabIOError, error_for

_NAME = "libLogLabC.dylib" if sys.platform == "darwin" else "libLogLabC.so"
_PATH = Path(__file__).resolve().parent / _NAME

try:
    lib = ctypes.CDLL(str(_PATH))
except OSError as e:  # pragma: no cover - broken installation
    raise LogLabIOError(f"cannot load the LogLab library {_PATH}: {e} (reinstall with pip install ./python)") from e

P = c_void_p
E = POINTER(c_void_p)          # char **error
OUT = POINTER(c_void_p)        # uint8_t **out / handle **out
LEN = POINTER(c_int64)

_SIGNATURES = {
    "loglab_version": (c_char_p, []),
    "loglab_free": (None, [P]),
    "loglab_profile_load": (c_int32, [c_char_p, OUT, E]),
    "loglab_profile_free": (None, [P]),
    "loglab_profile_info": (P, [P, c_int32]),
    "loglab_compress_records": (c_int32, [P, P, P, c_int64, c_int32, c_int32, OUT, LEN, E]),
    "loglab_compress_text": (c_int32, [P, P, c_int64, c_int32, OUT, LEN, E]),
    "loglab_compress_file": (c_int32, [P, c_char_p, c_char_p, c_int32, E]),
    "loglab_record_times": (c_int32, [P, c_char_p, P, P, c_int64, P, E]),
    "loglab_encode_message": (c_int32, [P, P, c_int64, OUT, LEN, E]),
    "loglab_decode_message": (c_int32, [P, P, c_int64, OUT, LEN, E]),
    "loglab_reader_open": (c_int32, [P, c_char_p, OUT, E]),
    "loglab_reader_open_bytes": (c_int32, [P, P, c_int64, OUT, E]),
    "loglab_reader_free": (None, [P]),
    "loglab_reader_count": (c_int64, [P, c_int32]),
    "loglab_reader_info": (P, [P, c_int32]),
    "loglab_reader_frame_info": (c_int32, [P, c_int64, LEN, LEN, LEN, LEN, E]),
    "loglab_reader_record": (c_int32, [P, c_int64, OUT, LEN, E]),
    "loglab_reader_read_frames": (c_int32, [P, P, c_int64, c_int64, c_int64, c_int32, c_int32, OUT, E]),
    "loglab_batch_free": (None, [P]),
    "loglab_batch_count": (c_int64, [P]),
    "loglab_batch_buffer": (P, [P, c_int32, LEN]),
    "loglab_reader_columns": (c_int32, [P, P, c_int64, P, c_int64, c_int64, c_int64, c_int32, c_int32, c_int32,
                                        OUT, E]),
    "loglab_columns_free": (None, [P]),
    "loglab_columns_count": (c_int64, [P, c_int32]),
    "loglab_columns_batch": (P, [P]),
    "loglab_column_property": (c_int64, [P, c_int64, c_int32]),
    "loglab_column_buffer": (P, [P, c_int64, c_int32, LEN]),
}

for _name, (_res, _args) in _SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args


def call(fn: Any, *args: Any) -> None:
    """Calls a function returning a LOGLAB_E_* code; raises the matching LogLabError."""
    err = c_void_p()
    rc = fn(*args, byref(err))
    if rc != 0:
        message = "unknown error"
        if err.value:
            message = ctypes.string_at(err.value).decode("utf-8", "replace")
            lib.loglab_free(err)
        raise error_for(rc, message)


def take_string(p: Optional[int]) -> str:
    """A malloc'd C string from the library, freed."""
    if not p:
        return ""
    try:
        return ctypes.string_at(p).decode("utf-8", "replace")
    finally:
        lib.loglab_free(p)


def take_bytes(out: c_void_p, length: c_int64) -> bytes:
    """A malloc'd byte output from the library, copied into bytes and freed."""
    try:
        return ctypes.string_at(out.value, length.value) if length.value else b""
    finally:
        lib.loglab_free(out)


class Owned:
    """Owns one library handle; frees it when garbage collected (or on close())."""

    __slots__ = ("handle", "_free", "__weakref__")

    def __init__(self, handle: int, free: Any) -> None:
        self.handle = handle
        self._free = free

    def close(self) -> None:
        h, self.handle = self.handle, None
        if h:
            self._free(h)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


def version() -> str:
    return lib.loglab_version().decode()
