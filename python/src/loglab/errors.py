"""Errors raised by loglab: one class per cause, all subclasses of :class:`LogLabError`.

The message is the same one line the ``loglab`` CLI prints after ``error:``.
"""
from __future__ import annotations

from typing import Dict, Type


class LogLabError(Exception):
    """Any LogLab failure. ``code`` is the C ABI's ``LOGLAB_E_*`` number."""

    code: int = 99

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(LogLabError, ValueError):
    """A bad argument: index out of range, no time index, wrong option."""
    code = 1


class LogLabIOError(LogLabError, OSError):
    """A file cannot be opened, read or written."""
    code = 2


class NotAContainerError(LogLabError):
    """The bytes are not a LogLab container (or message)."""
    code = 3


class UnsupportedVersionError(LogLabError):
    code = 4


class CorruptError(LogLabError):
    """A checksum or structural check failed."""
    code = 5


class TruncatedError(CorruptError):
    code = 6


class ProfileMismatchError(LogLabError):
    """The container was written with another profile."""
    code = 7


class BadProfileError(LogLabError):
    code = 8


class DictionaryError(LogLabError):
    """The profile's zstd dictionary is missing or wrong."""
    code = 9


class InvalidInputError(LogLabError, ValueError):
    """Input the container cannot hold (for example a record with a newline)."""
    code = 10


class CodecError(LogLabError):
    """Decompression or the inverse transforms failed."""
    code = 11


class ColumnsError(LogLabError):
    """Columnar decode could not produce the columns (limits, types that do not agree)."""
    code = 12


_BY_CODE: Dict[int, Type[LogLabError]] = {
    c.code: c
    for c in (UsageError, LogLabIOError, NotAContainerError, UnsupportedVersionError, CorruptError,
              TruncatedError, ProfileMismatchError, BadProfileError, DictionaryError, InvalidInputError,
              CodecError, ColumnsError)
}


def error_for(code: int, message: str) -> LogLabError:
    """The exception for a C ABI error code."""
    return _BY_CODE.get(code, LogLabError)(message, code)
