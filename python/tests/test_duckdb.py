"""SQL over a LogLab day through Arrow (the role Athena played)."""
from __future__ import annotations

import collections

import loglab
import pytest

from expect import parse


def test_duckdb_group_by_equals_python(sdk_profile, sdk_lines):
    duckdb = pytest.importorskip("duckdb")
    with loglab.open(sdk_profile.compress(sdk_lines), profile=sdk_profile) as c:
        t = c.to_arrow(["_source.func_name", "_source.response_elapsed_time"])
    t = t.rename_columns(["func_name", "response_elapsed_time"])
    rows = duckdb.sql("select func_name, count(*), avg(response_elapsed_time) from t group by 1 order by 1").fetchall()
    groups = collections.defaultdict(list)
    for l in sdk_lines:
        s = parse(l)["_source"]
        groups[s["func_name"]].append(s["response_elapsed_time"])
    want = sorted((k, len(v), sum(v) / len(v)) for k, v in groups.items())
    assert len(rows) == len(want) > 5
    for (gk, gn, ga), (wk, wn, wa) in zip(rows, want):
        assert gk == wk and gn == wn and ga == pytest.approx(wa, rel=1e-12)
