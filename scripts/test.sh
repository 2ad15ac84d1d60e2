#!/usr/bin/env bash
# Every test: the Swift suites, then the Python package's (python/tests, in a virtual
# environment that installs ./python, which builds the LogLabC library in release mode).
# Needs the packages of scripts/install-deps.sh, python3 with venv, and Java 17+ for Spark.
set -euo pipefail
cd "$(dirname "$0")/.."
swift test
swift build --product loglab            # the CLI the Python tests compare against
venv=.venv-test
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q ./python pyarrow duckdb orjson pytest pandas "pyspark==4.0.*"
export LOGLAB_CLI="$PWD/.build/debug/loglab"
export PYSPARK_PYTHON="$PWD/$venv/bin/python"
# pytest exits 5 when it collects nothing: that is a failure here too.
"$venv/bin/python" -m pytest -q python/tests
