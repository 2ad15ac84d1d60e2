"""Exact records from Python: byte for byte, on sdk-log and the real datasets."""
from __future__ import annotations

import random

import loglab
import pytest

from conftest import run


def test_sdk_records_exact(sdk_profile, sdk_lines):
    blob = sdk_profile.compress(sdk_lines)
    with loglab.open(blob, profile=sdk_profile) as c:
        assert len(c) == len(sdk_lines)
        assert len(c.frames) > 1
        assert list(c) == sdk_lines
        rng = random.Random(1)
        for i in rng.sample(range(len(sdk_lines)), 50) + [0, len(sdk_lines) - 1]:
            assert c.record(i) == sdk_lines[i]
        assert c.record(-1) == sdk_lines[-1]
        assert c.restore() == b"\n".join(sdk_lines) + b"\n"


def test_real_dataset_records_exact(real_dataset):
    name, plain, profile = real_dataset
    data = plain.read_bytes()
    blob = profile.compress(data)          # the whole text: the final newline (or not) is kept
    with loglab.open(blob, profile=profile) as c:
        lines = data[:-1].split(b"\n") if data.endswith(b"\n") else data.split(b"\n")
        assert len(c) == len(lines)
        assert list(c) == lines
        assert c.restore() == data
        for i in random.Random(2).sample(range(len(lines)), min(20, len(lines))):
            assert c.record(i) == lines[i]


def test_text_without_final_newline_and_odd_records(sdk_profile):
    odd = [b"", b"not json at all", b"{\"a\":1}\r", b"\xff\xfe binary \x00 bytes", b"[1,2,3]", b"   "]
    for text in (b"\n".join(odd), b"\n".join(odd) + b"\n", b"", b"\n", b"\n\n"):
        with loglab.open(sdk_profile.compress(text), profile=sdk_profile) as c:
            assert c.restore() == text
    with loglab.open(sdk_profile.compress(odd), profile=sdk_profile) as c:
        assert list(c) == odd


def test_between_matches_cli(cli, work, sdk_profile, sdk_profile_path, sdk_lines):
    path = work / "between.llc"
    path.write_bytes(sdk_profile.compress(sdk_lines))
    start, end = "2021-12-26T10:00:00Z", "2021-12-26T12:30:00Z"
    with loglab.open(path, profile=sdk_profile) as c:
        got = list(c.between(start, end))
        assert len(c.frames_between(start, end)) < len(c.frames)   # frames outside are skipped
    want = run(cli, "restore", "--profile", str(sdk_profile_path), "-i", str(path), "--from", start, "--to", end)
    assert got and b"".join(r + b"\n" for r in got) == want


def test_messages_round_trip(sdk_profile, sdk_lines):
    for line in sdk_lines[:200] + [b"", b"plain text", "유니코드 ☃".encode()]:
        blob = sdk_profile.encode_message(line)
        assert sdk_profile.decode_message(blob) == line
    small = sum(len(sdk_profile.encode_message(l)) for l in sdk_lines[:200])
    assert small < sum(len(l) for l in sdk_lines[:200])
    # A message holds any bytes exactly, newlines included.
    assert sdk_profile.decode_message(sdk_profile.encode_message(b"two\nlines")) == b"two\nlines"
