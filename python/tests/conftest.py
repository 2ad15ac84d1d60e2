"""Shared fixtures: the loglab CLI, a generated sdk-log day, profiles, and the real datasets.

The CLI is $LOGLAB_CLI, else .build/release/loglab or .build/debug/loglab of this checkout.
The real datasets are read from ../shared/datasets/ beside the checkout (tests skip without it).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "datasets"


def find_cli() -> str:
    env = os.environ.get("LOGLAB_CLI")
    if env:
        if not os.access(env, os.X_OK):
            pytest.fail(f"LOGLAB_CLI={env} is not an executable")
        return env
    for config in ("release", "debug"):
        p = ROOT / ".build" / config / "loglab"
        if p.exists():
            return str(p)
    pytest.skip("no loglab CLI: build it (swift build) or set LOGLAB_CLI")


def run(cli: str, *args: str, input: bytes | None = None) -> bytes:
    r = subprocess.run([cli, *args], input=input, capture_output=True)
    if r.returncode != 0:
        raise AssertionError(f"loglab {' '.join(args)} failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    return r.stdout


@pytest.fixture(scope="session")
def cli() -> str:
    return find_cli()


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("loglab")


@pytest.fixture(scope="session")
def sdk_path(cli: str, work: Path) -> Path:
    """A generated sdk-log day: 3,000 records over one day (hourly partitions have data)."""
    p = work / "sdk.jsonl"
    run(cli, "dataset", "generate", "sdk-log", "--records", "3000", "--start", "2021-12-26", "--days", "1",
        "--seed", "7", "-o", str(p))
    return p


@pytest.fixture(scope="session")
def sdk_lines(sdk_path: Path) -> List[bytes]:
    data = sdk_path.read_bytes()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def train(cli: str, src: Path, dst: Path, max_records: int = 1500) -> Path:
    # The fixed defaults (no search): the tests expect a known profile, and stay fast.
    run(cli, "profile", "train", "--train", str(src), "--framing", "block:256", "--max-records", str(max_records),
        "--no-search", "-o", str(dst))
    return dst


@pytest.fixture(scope="session")
def sdk_profile_path(cli: str, work: Path, sdk_path: Path) -> Path:
    return train(cli, sdk_path, work / "sdk.llp")


@pytest.fixture(scope="session")
def sdk_profile(sdk_profile_path: Path):
    import loglab
    return loglab.Profile.load(sdk_profile_path)


def _real_datasets() -> Dict[str, Path]:
    out: Dict[str, Path] = {}
    if not SHARED.is_dir():
        return out
    for p in sorted(SHARED.glob("*.jsonl.zst")):
        out[p.name[: -len(".jsonl.zst")]] = p
    for p in sorted((SHARED / "text-logs").glob("*.log")):
        out[p.stem] = p
    return out


REAL = _real_datasets()


@pytest.fixture(scope="session", params=sorted(REAL) or ["(none)"])
def real_dataset(request, cli: str, work: Path):
    """(name, path of the plain file, profile) for each real dataset; skipped when absent."""
    if request.param == "(none)":
        pytest.skip(f"no real datasets in {SHARED}")
    name = request.param
    src = REAL[name]
    plain = work / f"{name}.data"
    if src.suffix == ".zst":
        if not shutil.which("zstd"):
            pytest.skip("zstd CLI missing (scripts/install-deps.sh installs it)")
        plain.write_bytes(subprocess.run(["zstd", "-dc", str(src)], capture_output=True, check=True).stdout)
    else:
        shutil.copyfile(src, plain)
    import loglab
    profile = loglab.Profile.load(train(cli, plain, work / f"{name}.llp"))
    return name, plain, profile
