"""to_arrow values equal the values orjson parses from the original records."""
from __future__ import annotations

import loglab
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from expect import check_column, leaves, parse

SDK_FIELDS = ["_source.func_name", "_source.response_elapsed_time", "_source.request_begin_timestamp",
              "_source.timestamp", "_source.nickName", "_source.response_status_code", "_id", "_score",
              "_version", "fields.timestamp", "sort", "_source.no_such_field"]


def test_sdk_selected_fields(sdk_profile, sdk_lines):
    docs = [parse(l) for l in sdk_lines]
    with loglab.open(sdk_profile.compress(sdk_lines), profile=sdk_profile) as c:
        t = c.to_arrow(SDK_FIELDS)
    assert t.column_names == SDK_FIELDS and t.num_rows == len(sdk_lines)
    assert t.schema.field("_source.response_elapsed_time").type == pa.int64()
    assert pa.types.is_timestamp(t.schema.field("_source.request_begin_timestamp").type)
    assert t.schema.field("_source.request_begin_timestamp").type.tz == "+09:00"
    assert pa.types.is_list(t.schema.field("sort").type)
    assert t.column("_source.no_such_field").null_count == len(sdk_lines)
    for name in SDK_FIELDS:
        check_column(t, name, docs)


ODD = [
    b'{"s":"plain","i":1,"f":1.5,"b":true,"t":"2021-12-26T15:10:59.884+09:00","a":[1,2],"o":{"x":1}}',
    b'{"s":"esc \\" \\\\ \\/ \\n \\t \\u00e9 \\ud83d\\ude00 \\u0000","i":-0,"f":-2.5e-3,"b":false,'
    b'"t":"2021-12-27T00:00:00.001+09:00","a":[],"o":{"x":[1,{"y":null}]}}',
    b'{"s":null,"i":9007199254740993,"f":1e3,"t":null,"a":null}',
    b'{"i":-9223372036854775808,"f":0,"a":[3]}',
    b'{"s":"dup","s":"last wins","i":2}',
    b'not json',
    b'',
    b'[1,2]',
    b'{"s":"trailing"} x',
    b'{"nested":{"deep":{"er":[{"k":"v"},[1,"two",null,true]]}},"s":"\xed\x95\x9c\xea\xb8\x80"}',
    b'{"mixed":1}',
    b'{"mixed":"one"}',
    b'{"big":18446744073709551615,"f":1.7976931348623157e308}',
]


def test_odd_values_typed_and_equal(sdk_profile):
    docs = [parse(l) for l in ODD]
    names = ["s", "i", "f", "b", "t", "a", "o", "o.x", "nested.deep.er", "mixed", "big", "missing"]
    with loglab.open(sdk_profile.compress(ODD), profile=sdk_profile) as c:
        t = c.to_arrow(names)
    kinds = {f.name: f.metadata[b"loglab.kind"].decode() for f in t.schema}
    assert kinds["i"] == "int64" and kinds["f"] == "float64" and kinds["b"] == "bool"
    assert kinds["mixed"] == "json" and kinds["o"] == "json" and kinds["a"] == "list"
    assert kinds["big"] == "json"   # beyond int64: the exact text, not a rounded double
    for name in names:
        check_column(t, name, docs)


def test_discovered_columns_cover_every_leaf(sdk_profile):
    docs = [parse(l) for l in ODD]
    with loglab.open(sdk_profile.compress(ODD), profile=sdk_profile) as c:
        t = c.to_arrow()
    for i, doc in enumerate(docs):
        for path, value in leaves(doc):
            assert path in t.column_names, path
    for name in t.column_names:
        check_column(t, name, docs, flattened=True)


def test_real_dataset_columns(real_dataset):
    name, plain, profile = real_dataset
    data = plain.read_bytes()
    lines = data[:-1].split(b"\n") if data.endswith(b"\n") else data.split(b"\n")
    lines = lines[:10000]   # every record is checked byte for byte in test_records; values on 10k
    docs = [parse(l) for l in lines]
    with loglab.open(profile.compress(lines), profile=profile) as c:
        t = c.to_arrow()
        parsed = [d for d in docs if isinstance(d, dict)]
        if not parsed:
            assert t.num_columns == 0, "text logs have no JSON fields"
            return
        assert t.num_rows == len(lines)
        seen = {p for d in parsed for p, _ in leaves(d)}
        assert seen <= set(t.column_names)
        for col in t.column_names:
            check_column(t, col, docs, flattened=True)
        # Batches of a few frames hold the same rows.
        rows = sum(b.num_rows for b in c.to_batches(t.column_names[:3], frames_per_batch=1))
        assert rows == len(lines)


def test_time_range_and_where(sdk_profile, sdk_lines):
    from expect import _iso
    start, end = "2021-12-26T06:00:00Z", "2021-12-26T09:00:00Z"
    lo, hi = _iso(start), _iso(end)
    want = [parse(l) for l in sdk_lines]
    want = [d for d in want if lo <= _iso(d["_source"]["timestamp"]) < hi]
    with loglab.open(sdk_profile.compress(sdk_lines), profile=sdk_profile) as c:
        t = c.to_arrow(["_source.timestamp", "_source.response_status_code"], start=start, end=end, value=True)
        assert t.num_rows == len(want) > 0
        assert [parse(v) for v in t.column("value").to_pylist()] == want
        ok = c.to_arrow(["_source.response_status_code"], where=pc.field("_source.response_status_code") < 300)
        assert ok.num_rows == sum(1 for l in sdk_lines if parse(l)["_source"]["response_status_code"] < 300)
        with pytest.raises(loglab.UsageError):
            c.to_arrow(["x"], where="status < 300")


def test_to_pandas(sdk_profile, sdk_lines):
    pytest.importorskip("pandas")
    with loglab.open(sdk_profile.compress(sdk_lines[:100]), profile=sdk_profile) as c:
        df = c.to_pandas(["_source.func_name", "_source.response_elapsed_time"])
    assert list(df.columns) == ["_source.func_name", "_source.response_elapsed_time"]
    assert df["_source.response_elapsed_time"].sum() == sum(parse(l)["_source"]["response_elapsed_time"]
                                                             for l in sdk_lines[:100])


def _both_ways(c, names, **kw):
    """to_arrow straight from the streams and from the restored records: they must agree."""
    fast = c.to_arrow(names, **kw)
    text = c.to_arrow(names, from_records=True, **kw)
    assert fast.schema.equals(text.schema, check_metadata=True)
    for name in names:
        assert fast.column(name).equals(text.column(name)), name
    return fast


def test_streams_equal_records_and_orjson_sdk(sdk_profile, sdk_lines):
    docs = [parse(l) for l in sdk_lines]
    names = SDK_FIELDS + ["_source", "fields"]
    with loglab.open(sdk_profile.compress(sdk_lines), profile=sdk_profile) as c:
        for cols in (names, SDK_FIELDS[:3], ["sort"], ["_source.nickName"]):
            t = _both_ways(c, cols)
            for name in cols:
                check_column(t, name, docs)


def test_relation_fields_without_their_sources(sdk_profile, sdk_lines):
    # Timestamps coded as relations to other fields (begin from end, end from the record's time
    # and a number), read without those fields: every value still equals orjson's, on one
    # thread and on two, and in a container whose frames hold a record the streams cannot give.
    derived = ["_source.request_begin_timestamp", "_source.request_end_timestamp", "fields.request_begin_timestamp",
               "_source.user_inDate"]
    odd = list(sdk_lines)
    odd[1500] = odd[1500].replace(b'"request_begin_timestamp":"', b'"request_begin_timestamp":"not ', 1)
    assert odd[1500] != sdk_lines[1500]
    for lines in (sdk_lines, odd):
        docs = [parse(l) for l in lines]
        with loglab.open(sdk_profile.compress(lines), profile=sdk_profile) as c:
            for cols in ([d] for d in derived):
                for threads in (1, 2):
                    t = _both_ways(c, cols, threads=threads)
                    for name in cols:
                        check_column(t, name, docs)
            t = _both_ways(c, ["_source.response_elapsed_time", derived[0], "_source.func_name"])
            check_column(t, derived[0], docs)


def test_streams_equal_records_and_orjson_odd(sdk_profile):
    docs = [parse(l) for l in ODD]
    names = ["s", "i", "f", "b", "t", "a", "o", "o.x", "nested", "nested.deep.er", "mixed", "big", "missing"]
    # Unselected fields holding values orjson refuses: the record is null in every column.
    odd = ODD + [b'{"s":"x","bad":"\\q"}', b'{"s":"y","bad":01}', b'{"s":"z","bad":1.2.3}'] * 5
    docs = [parse(l) for l in odd]
    with loglab.open(sdk_profile.compress(odd), profile=sdk_profile) as c:
        for cols in (names, ["s"], ["o"], ["a", "i"]):
            t = _both_ways(c, cols)
            for name in cols:
                check_column(t, name, docs)


def test_streams_equal_records_real_datasets(real_dataset):
    name, plain, profile = real_dataset
    data = plain.read_bytes()
    lines = (data[:-1] if data.endswith(b"\n") else data).split(b"\n")[:5000]
    docs = [parse(l) for l in lines]
    parsed = [d for d in docs if isinstance(d, dict)]
    with loglab.open(profile.compress(lines), profile=profile) as c:
        if not parsed:
            t = _both_ways(c, ["message"])
            assert t.column("message").null_count == len(lines)
            return
        paths = sorted({p for d in parsed for p, _ in leaves(d)})
        tops = sorted({k for d in parsed for k in d})
        for cols in (paths[:3], paths, tops):
            t = _both_ways(c, cols)
            for col in cols:
                check_column(t, col, docs)


def test_one_profile_many_containers_with_and_without_shared_section(cli, work, sdk_path, sdk_profile_path,
                                                                     sdk_lines):
    """Column workers are kept per profile between calls (those of a shared section for
    containers with the same section): containers read in turn through one profile, with and
    without a shared section (whose frames need its own model), each decode exactly as their
    records do."""
    from conftest import run
    plain = work / "pool-plain.llc"
    shared = work / "pool-shared.llc"
    other = work / "pool-other.llc"   # another shared section: learnt from other records
    other_lines = list(reversed(sdk_lines))[:2000]
    (work / "pool-other.jsonl").write_bytes(b"\n".join(other_lines) + b"\n")
    run(cli, "compress", "--profile", str(sdk_profile_path), "-i", str(sdk_path), "-o", str(plain))
    run(cli, "compress", "--profile", str(sdk_profile_path), "--shared-section", "-i", str(sdk_path), "-o", str(shared))
    run(cli, "compress", "--profile", str(sdk_profile_path), "--shared-section", "-i", str(work / "pool-other.jsonl"),
        "-o", str(other))
    profile = loglab.Profile.load(sdk_profile_path)
    docs = {plain: [parse(l) for l in sdk_lines], other: [parse(l) for l in other_lines]}
    docs[shared] = docs[plain]
    odd = [b'{"s":"x","i":1}', b'{"s":"y","i":-2}']
    for path in (plain, shared, plain, shared, other, shared, other, None, plain, other):
        with loglab.open(str(path) if path else profile.compress(odd), profile=profile) as c:
            t = _both_ways(c, SDK_FIELDS[:4] if path else ["s", "i"], threads=2)
            if path:
                for name in SDK_FIELDS[:4]:
                    check_column(t, name, docs[path])


def test_vocabulary_fields_and_checked_frames(sdk_profile, sdk_lines):
    """Selected enumeration fields (taken by their vocabulary index) next to escaped, unseen,
    null and missing values, on one and two threads; one frame holds a value strict JSON
    refuses in an unselected field (that frame is written unchecked), the others are checked."""
    lines = list(sdk_lines)
    for i in range(0, len(lines), 37):
        lines[i] = lines[i].replace(b'"func_name":"Backend.', b'"func_name":"Backend\\u002e', 1)
    for i in range(5, len(lines), 53):
        lines[i] = lines[i].replace(b'"func_name":"', b'"func_name":"Unseen \\"name\\" ', 1)
    for i in range(11, len(lines), 61):
        lines[i] = lines[i].replace(b'"func_name":"', b'"func_name":null,"was":"', 1)
    for i in range(17, len(lines), 71):
        lines[i] = lines[i].replace(b'"func_name":', b'"func_nam":', 1)
    lines[300] = lines[300].replace(b'"_score":', b'"_score":01,"x":', 1)
    docs = [parse(l) for l in lines]
    assert docs[300] is None and docs[0]["_source"]["func_name"].startswith("Backend.")
    cols = ["_source.func_name", "_source.response_elapsed_time", "_source.request_begin_timestamp",
            "_source.sdk_version"]
    with loglab.open(sdk_profile.compress(lines), profile=sdk_profile) as c:
        for threads in (1, 2):
            t = _both_ways(c, cols, threads=threads)
            for name in cols:
                check_column(t, name, docs)
            assert t.schema.field("_source.func_name").metadata[b"loglab.kind"] == b"dictionary"
            assert t.column("_source.func_name")[300].as_py() is None


def test_runs_of_frames_codes_missing_and_verbatim(sdk_profile, sdk_lines):
    """Frames decoded in runs (one per task) and joined, on 1, 2, 3 and 5 threads: a frame
    where no record has the selected fields, records that are not JSON or not objects between
    field-coded ones, and an enumeration column whose values are all vocabulary codes (its
    dictionary made from the entries), all equal to the restored records and to orjson."""
    lines = list(sdk_lines[:2000])
    for i in range(256, 512):   # a whole frame (block:256) without them
        lines[i] = lines[i].replace(b'"func_name":', b'"func_nam":', 1).replace(b'"response_elapsed_time":', b'"rt":', 1)
    for i in range(3, len(lines), 97):
        lines[i] = [b"not json", b"[1,2]", b"", b'{"func_name":"top level"}'][i % 4]
    docs = [parse(l) for l in lines]
    cols = ["_source.func_name", "_source.response_elapsed_time", "_source.request_begin_timestamp", "_source.no_such"]
    with loglab.open(sdk_profile.compress(lines), profile=sdk_profile) as c:
        assert len(c.frames) >= 8
        for threads in (1, 2, 3, 5):
            t = _both_ways(c, cols, threads=threads)
            for name in cols:
                check_column(t, name, docs)
            assert t.schema.field("_source.func_name").metadata[b"loglab.kind"] == b"dictionary"
            assert t.column("_source.func_name").slice(256, 256).null_count == 256
        # The frame without the fields, alone: its columns are all null.
        alone = list(c.to_batches(cols, frames_per_batch=1))[1]
        assert alone.num_rows == 256 and all(alone.column(k).null_count == 256 for k in range(2))


def test_path_asked_twice_is_one_column(sdk_profile, sdk_lines):
    docs = [parse(l) for l in sdk_lines]
    with loglab.open(sdk_profile.compress(sdk_lines), profile=sdk_profile) as c:
        t = c.to_arrow(["_source.func_name", "_id", "_source.func_name"])
    assert t.column_names == ["_source.func_name", "_id"] and t.num_rows == len(sdk_lines)
    for name in t.column_names:
        check_column(t, name, docs)
