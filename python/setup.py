"""Builds the LogLabC library with SwiftPM and ships it inside the package.

`pip install ./python` runs `swift build -c release --product LogLabC -Xswiftc -static-stdlib`
in the repository (scratch path `.build-python`), so the installed package needs the Swift
toolchain only at build time: the Swift runtime is linked into the library.
Build-time settings: LOGLAB_SWIFT_CONFIGURATION (release, or debug for a quicker build).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LIBRARY = "libLogLabC.dylib" if sys.platform == "darwin" else "libLogLabC.so"


class BuildWithSwift(build_py):
    def run(self):
        super().run()
        if not (ROOT / "Package.swift").exists():
            raise SystemExit(f"loglab: no Package.swift in {ROOT}; install from the repository checkout (pip install ./python)")
        config = os.environ.get("LOGLAB_SWIFT_CONFIGURATION", "release")
        scratch = ROOT / ".build-python"
        cmd = ["swift", "build", "-c", config, "--product", "LogLabC", "-Xswiftc", "-static-stdlib",
               "--scratch-path", str(scratch)]
        print("loglab: " + " ".join(cmd), flush=True)
        subprocess.run(cmd, cwd=ROOT, check=True)
        built = scratch / config / LIBRARY
        target = Path(self.build_lib) / "loglab"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target / LIBRARY)
        shutil.copy2(ROOT / "include" / "loglab.h", target / "loglab.h")


class BinaryDistribution(Distribution):
    """The wheel carries a native library: platform-specific, not pure Python."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithSwift}, distclass=BinaryDistribution)
