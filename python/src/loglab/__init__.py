"""LogLab from Python: exact records, typed Arrow columns and compression.

    import loglab
    profile = loglab.Profile.load("sdk.llp")
    blob = profile.compress(records)                  # bytes of a container
    with loglab.open(blob, profile=profile) as c:     # or a path
        table = c.to_arrow(columns=["_source.func_name", "_source.response_elapsed_time"])
    ds = loglab.dataset("out/", profile=profile)      # a --partition-by folder
    for batch in ds.to_batches(["_source.func_name"], start="2021-12-26T10:00:00Z"):
        ...
"""
from ._native import version
from .core import Container, FrameInfo, Profile, open, to_ms
from .dataset import Dataset, Part, dataset
from .errors import (BadProfileError, CodecError, ColumnsError, CorruptError, DictionaryError, InvalidInputError,
                     LogLabError, LogLabIOError, NotAContainerError, ProfileMismatchError, TruncatedError,
                     UnsupportedVersionError, UsageError)

__all__ = [
    "Profile", "Container", "FrameInfo", "open", "dataset", "Dataset", "Part", "to_ms", "version",
    "LogLabError", "UsageError", "LogLabIOError", "NotAContainerError", "UnsupportedVersionError", "CorruptError",
    "TruncatedError", "ProfileMismatchError", "BadProfileError", "DictionaryError", "InvalidInputError",
    "CodecError", "ColumnsError",
]
