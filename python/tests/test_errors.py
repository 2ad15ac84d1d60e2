"""Damaged input raises LogLabError with its cause; the interpreter never crashes."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import loglab
import pytest


def test_truncated_and_garbage(sdk_profile, sdk_lines):
    blob = sdk_profile.compress(sdk_lines[:500])
    for bad in (b"", b"garbage", blob[:10], blob[:100], blob[:-1], blob[: len(blob) // 2]):
        with pytest.raises(loglab.LogLabError) as e:
            c = loglab.open(bad, profile=sdk_profile)
            list(c)
        assert str(e.value)


def test_flipped_bytes_never_crash(sdk_profile_path, sdk_lines, work):
    """Every flipped byte either raises LogLabError or (index slack) restores the original;
    run in a child interpreter so a crash fails the test instead of killing pytest."""
    src = work / "flip-input.jsonl"
    src.write_bytes(b"\n".join(sdk_lines[:600]) + b"\n")
    code = textwrap.dedent(f"""
        import loglab, random, sys
        p = loglab.Profile.load({str(sdk_profile_path)!r})
        lines = open({str(src)!r}, 'rb').read()[:-1].split(b'\\n')
        blob = p.compress(lines)
        rng = random.Random(3)
        raised = 0
        positions = sorted(set(rng.randrange(len(blob)) for _ in range(300)) | set(range(0, 64)) | set(range(len(blob) - 64, len(blob))))
        for pos in positions:
            bad = bytearray(blob); bad[pos] ^= 0x5A
            try:
                with loglab.open(bytes(bad), profile=p) as c:
                    got = list(c)
                    c.to_arrow(['_source.func_name'])
                assert got == lines, f'silent damage at byte {{pos}}'
            except loglab.LogLabError as e:
                assert str(e)
                raised += 1
        print(raised, len(positions))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    raised, total = map(int, r.stdout.split())
    assert raised > total * 0.9


def test_wrong_profile_and_bad_arguments(cli, work, sdk_profile, sdk_lines):
    other_src = work / "other.jsonl"
    other_src.write_bytes(b'{"a":1}\n' * 50)
    from conftest import train
    other = loglab.Profile.load(train(cli, other_src, work / "other.llp"))
    blob = sdk_profile.compress(sdk_lines[:10])
    with pytest.raises(loglab.ProfileMismatchError) as e:
        loglab.open(blob, profile=other)
    assert sdk_profile.id[:12] in str(e.value) and other.id[:12] in str(e.value)
    with pytest.raises(loglab.ProfileMismatchError):
        other.decode_message(sdk_profile.encode_message(sdk_lines[0]))
    with pytest.raises(loglab.LogLabError):
        sdk_profile.decode_message(b"LM\x01" + b"\x00" * 60)
    with pytest.raises(loglab.LogLabError):
        loglab.Profile.load(work / "does-not-exist.llp")
    with pytest.raises(loglab.LogLabError):
        loglab.open(work / "does-not-exist.llc", profile=sdk_profile)
    with loglab.open(blob, profile=sdk_profile) as c:
        with pytest.raises(loglab.UsageError):
            c.record(10)
        with pytest.raises(loglab.UsageError):
            c.to_arrow([""])
    with pytest.raises(loglab.InvalidInputError):
        sdk_profile.compress([b"a\nb"])
    with pytest.raises(loglab.UsageError):
        c.record(0)    # closed
