"""Parquet export read by real engines (DuckDB, Polars): rows, column types and values equal
to the JSON export, for every fixture that holds events and for a written trace."""

import json
import math
import os
import pathlib
import subprocess
import warnings

import pytest

import ttlog

duckdb = pytest.importorskip("duckdb")

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "v1"
FIXED = ["ts", "level", "target", "thread", "msg", "file", "line"]


def first_wins(pairs):
    """A JSON object whose repeated keys keep their first value, as a field lookup does
    (SPEC.md 8.1) and as the Parquet column holds."""
    out = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def json_rows(path, tmp_path):
    out = tmp_path / "x.jsonl"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ttlog.to_json(path, out)
    rows = [json.loads(line, object_pairs_hook=first_wins) for line in out.read_text().splitlines()]
    # Parquet keeps a span chain (JSON's top-level `spans`) where it was: the field `spans`.
    for r in rows:
        if "spans" in r:
            r["fields"]["spans"] = r["spans"]
    return rows


# Floats JSON cannot hold are written as these strings (SPEC.md 8.4); in Parquet they are doubles.
SPECIAL_FLOATS = {"NaN": math.nan, "inf": math.inf, "-inf": -math.inf}


def expected_column(values):
    """The column type and cell values SPEC'd by ttlog-export for one field's JSON values."""
    present = [v for v in values if v is not None]
    numbers = [v for v in present if isinstance(v, (int, float)) and not isinstance(v, bool)]
    specials = [v for v in present if isinstance(v, str) and v in SPECIAL_FLOATS]
    if specials and len(specials) + len(numbers) == len(present):
        return "DOUBLE", [SPECIAL_FLOATS.get(v, v) if isinstance(v, str) else (None if v is None else float(v))
                          for v in values]
    if present and all(isinstance(v, bool) for v in present):
        return "BOOLEAN", values
    if present and all(isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63 for v in present):
        return "BIGINT", values
    if present and all(isinstance(v, float) or (isinstance(v, int) and not isinstance(v, bool)
                                                and -2**63 <= v < 2**63) for v in present):
        return "DOUBLE", [None if v is None else float(v) for v in values]
    if all(isinstance(v, str) for v in present):
        return "VARCHAR", values
    if present and all(isinstance(v, list) for v in present):
        elem = list_item_kind([item for v in present for item in v])
        if elem is not None:
            convert = (lambda x: None if x is None else SPECIAL_FLOATS.get(x, x) if isinstance(x, str) else float(x)) \
                if elem == "DOUBLE" else (lambda x: x)
            return f"{elem}[]", [None if v is None else [convert(x) for x in v] for v in values]
    return "VARCHAR", [v if v is None or isinstance(v, str) else json.dumps(v, separators=(",", ":"))
                       for v in values]


def list_item_kind(items):
    """The one type of a LIST column's items (nulls aside), or None when they share none:
    integers that fit and floats are DOUBLE, the strings JSON uses for NaN and infinities
    count as floats beside numbers."""
    present = [x for x in items if x is not None]
    if not present:
        return "VARCHAR"
    if all(isinstance(x, bool) for x in present):
        return "BOOLEAN"
    if all(isinstance(x, int) and not isinstance(x, bool) and -2**63 <= x < 2**63 for x in present):
        return "BIGINT"
    numeric = [x for x in present if isinstance(x, (int, float)) and not isinstance(x, bool)]
    special = [x for x in present if isinstance(x, str) and x in SPECIAL_FLOATS]
    if numeric and len(numeric) + len(special) == len(present) and all(
            isinstance(x, float) or -2**63 <= x < 2**63 for x in numeric):
        return "DOUBLE"
    if all(isinstance(x, str) for x in present):
        return "VARCHAR"
    return None


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def check(path, tmp_path):
    rows = json_rows(path, tmp_path)
    out = tmp_path / "x.parquet"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n = ttlog.to_parquet(path, out)
    assert n == len(rows)
    con = duckdb.connect()
    described = {name: kind for name, kind, *_ in con.sql(f"describe select * from '{out}'").fetchall()}
    assert list(described)[:7] == FIXED
    assert described["ts"] == "TIMESTAMP WITH TIME ZONE" or described["ts"].startswith("TIMESTAMP")
    got = con.sql(f"select level, target, thread, msg, file, line, epoch_ns(ts) from '{out}'").fetchall()
    assert len(got) == len(rows)
    for g, r in zip(got, rows):
        # DROPPED reports have no source place: "" and 0 in the table's non-null columns.
        want = [r["level"], r["target"], r["thread"], r["msg"], r.get("file", ""), r.get("line", 0)]
        assert list(g[:6]) == want
    names = []
    for r in rows:
        for k in r["fields"]:
            if k not in names:
                names.append(k)
    for name in names:
        column = f"fields.{name}" if name in FIXED or name.startswith("fields.") else name
        raw = [r["fields"].get(name) for r in rows]
        present = [v for v in raw if v is not None]
        if present and all(isinstance(v, dict) for v in present) and described[column].startswith("STRUCT"):
            # Maps with text keys: a STRUCT of every key (JSON text cannot tell a text key
            # from another, so a map column may also stay VARCHAR, checked below).
            check_struct(con, out, column, raw, (path.name, name))
            continue
        kind, want = expected_column(raw)
        assert described[column] == kind, (path.name, name)
        cells = [c for (c,) in con.sql(f'select "{column}" from \'{out}\'').fetchall()]
        # Arrays and maps as JSON text: compared parsed, as float text may differ in form.
        if not kind.endswith("[]"):
            cells = [json.loads(c, object_pairs_hook=first_wins) if isinstance(r, (list, dict)) else c
                     for c, r in zip(cells, raw)]
            want = [r if isinstance(r, (list, dict)) else w for w, r in zip(want, raw)]
        assert all(same(c, w) for c, w in zip(cells, want)), (path.name, name, cells[:5], want[:5])


def check_struct(con, out, column, raw, what):
    """A STRUCT column holds a field per key of the JSON objects, in order of first
    appearance, each typed and filled by the rules of a column (`expected_column`)."""
    keys = []
    for v in raw:
        for k in v or {}:
            if k not in keys:
                keys.append(k)
    children = {k: expected_column([None if v is None else v.get(k) for v in raw]) for k in keys}
    fields = con.sql(f'select "{column}" from \'{out}\' limit 0').description
    cells = [c for (c,) in con.sql(f'select "{column}" from \'{out}\'').fetchall()]
    assert len(cells) == len(raw), what
    for row, (cell, v) in enumerate(zip(cells, raw)):
        if v is None:
            assert cell is None, (what, row, cell)
            continue
        assert list(cell) == keys, (what, fields, list(cell), keys)
        for k, (kind, want) in children.items():
            got, w = cell[k], want[row]
            if isinstance(v.get(k), (list, dict)) and not kind.endswith("[]"):
                got = json.loads(got, object_pairs_hook=first_wins)
                w = v.get(k)
            assert same(got, w), (what, row, k, got, w)


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.bin")))
def test_every_fixture_exports_like_json(name, tmp_path):
    path = FIXTURES / f"{name}.bin"
    try:
        rows = json_rows(path, tmp_path)
    except ttlog.CorruptFileError:
        # No readable header: nothing to export, and to_parquet says so the same way.
        with pytest.raises(ttlog.CorruptFileError):
            ttlog.to_parquet(path, tmp_path / "x.parquet")
        return
    if not rows:
        pytest.skip("no events")
    check(path, tmp_path)


def test_a_written_trace_and_polars(tmp_path):
    pl = pytest.importorskip("polars")
    path = tmp_path / "t.bin"
    with ttlog.Logger(path) as log:
        for i in range(20_000):
            log.info("tick %d", i, joint=i % 4, torque=i * 0.5, mode="hold" if i % 2 else "walk", ok=i % 3 == 0)
        log.error("stall", joint=2)
    check(path, tmp_path)
    table = pl.read_parquet(tmp_path / "x.parquet")
    assert table.height == 20_001
    assert table.schema["torque"] == pl.Float64
    assert table.schema["joint"] == pl.Int64
    assert table.schema["ok"] == pl.Boolean
    errors = duckdb.sql(f"select count(*) from '{tmp_path / 'x.parquet'}' where level = 'ERROR'").fetchall()[0][0]
    assert errors == 1


def test_damaged_input_exports_what_is_readable(tmp_path):
    path = FIXTURES / "corrupt_payload.bin"
    with pytest.warns(ttlog.DamagedDataWarning):
        n = ttlog.to_parquet(path, tmp_path / "d.parquet")
    assert n == len(json_rows(path, tmp_path)) > 0


ROOT = pathlib.Path(__file__).resolve().parents[2]


def ttlog_view():
    """The ttlog-view binary scripts/test built (debug), or a release build."""
    for candidate in (os.environ.get("TTLOG_VIEW"), ROOT / "target/debug/ttlog-view", ROOT / "target/release/ttlog-view"):
        if candidate and pathlib.Path(candidate).exists():
            return str(candidate)
    pytest.skip("ttlog-view is not built")


def fleet(tmp_path):
    """Three runs of one service, as separate files (a fleet's files, from this host)."""
    runs = []
    for run in range(3):
        path = tmp_path / f"run-{run}.bin"
        with ttlog.Logger(path, service="knee") as log:
            for i in range(300):
                if i % 50 == 0:
                    log.error("stall", joint=i % 4)
                else:
                    log.info("tick", joint=i % 4, torque=i * 0.1)
        runs.append(path)
    return runs


def test_partitioned_dataset_reads_as_one_table(tmp_path):
    pl = pytest.importorskip("polars")
    files = [str(p) for p in fleet(tmp_path)]
    out = tmp_path / "dataset"
    done = subprocess.run([ttlog_view(), "convert", *files, "--to", "parquet", "--partition-by", "service,host,date",
                           "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    parts = sorted(p.relative_to(out).parts[:2] for p in out.rglob("*.parquet"))
    assert parts and all(a == "service=knee" and b.startswith("host=") for a, b in parts)
    table = pl.scan_parquet(str(out / "**" / "*.parquet"), hive_partitioning=True).collect()
    assert table.height == 3 * 300
    assert set(table.columns) >= {"ts", "level", "target", "msg", "joint", "torque", "service", "host", "date"}
    con = duckdb.connect()
    errors = con.sql(f"select count(*) from read_parquet('{out}/**/*.parquet', hive_partitioning=true) "
                     "where level = 'ERROR'").fetchall()[0][0]
    view = subprocess.run([ttlog_view(), *files, "-f", "level=ERROR", "--format", "json"],
                          capture_output=True, text=True, check=True)
    assert errors == len(view.stdout.splitlines()) == 18


def test_mcap_channels_counts_times_and_values(tmp_path):
    mcap_reader = pytest.importorskip("mcap.reader")
    path = tmp_path / "trial.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle", "torque"])
        ankle = log.schema("ankle", ["angle"])
        for i in range(500):
            knee(i * 0.01, -i * 0.5)
            if i % 2:
                ankle(i * 0.02)
            if i % 100 == 0:
                log.warning("torque %s high", i, joint=2)
        log.error("stall")
    out = tmp_path / "trial.mcap"
    done = subprocess.run([ttlog_view(), "convert", str(path), "--to", "mcap", "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    source = list(ttlog.open(path))
    with open(out, "rb") as f:
        reader = mcap_reader.make_reader(f)
        summary = reader.get_summary()
        counts = {c.topic: summary.statistics.channel_message_counts[c.id] for c in summary.channels.values()}
        # The warnings' numeric field `joint` plots too: a channel of their callsite.
        [warnings] = [t for t in counts if t not in ("/log", "/track/knee", "/track/ankle")]
        assert warnings == "/python/torque {} high" and counts == {
            "/log": 6, "/track/knee": 500, "/track/ankle": 250, warnings: 5}
        schemas = {c.topic: json.loads(summary.schemas[c.schema_id].data) for c in summary.channels.values()}
        assert schemas["/track/knee"]["properties"]["angle"] == {"type": ["number", "null"]}
        assert schemas[warnings]["properties"]["joint"] == {"type": ["integer", "null"]}
        messages = [(ch.topic, m.log_time, json.loads(m.data)) for _, ch, m in reader.iter_messages(log_time_order=False)]
    assert [d for t, _, d in messages if t == warnings] == [
        {"timestamp": {"sec": e["ts_ns"] // 10**9, "nsec": e["ts_ns"] % 10**9}, "joint": 2}
        for e in source if e["level"] == "WARN"]
    messages = [m for m in messages if m[0] != warnings]
    assert len(messages) == len(source)
    for (topic, log_time, data), event in zip(messages, source):
        assert log_time == event["ts_ns"]
        assert data["timestamp"] == {"sec": event["ts_ns"] // 10**9, "nsec": event["ts_ns"] % 10**9}
        if topic == "/log":
            assert data["level"] == {"WARN": 3, "ERROR": 4}[event["level"]]
            assert data["message"].startswith(event["msg"])
        else:
            assert topic == f"/track/{event['msg']}"
            assert {k: v for k, v in data.items() if k != "timestamp"} == event["fields"]


def test_mcap_plots_the_numeric_fields_of_every_callsite(tmp_path):
    """A control loop's values logged as fields (not tracked) get a typed channel per
    callsite: Foxglove and PlotJuggler plot them; message counts and values equal the JSON
    export."""
    mcap_reader = pytest.importorskip("mcap.reader")
    path = tmp_path / "loop.bin"
    with ttlog.Logger(path) as log:
        for i in range(300):
            log.info("tick", angle=i * 0.01, torque=-i, ok=i % 3 == 0, mode="walk")
            if i % 100 == 0:
                log.info("phase %s", i // 100, gain=1.5)
    out = tmp_path / "loop.mcap"
    done = subprocess.run([ttlog_view(), "convert", str(path), "--to", "mcap", "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    source = [e for e in ttlog.open(path) if e["msg"] == "tick"]
    with open(out, "rb") as f:
        reader = mcap_reader.make_reader(f)
        summary = reader.get_summary()
        topics = {c.topic: c for c in summary.channels.values()}
        [tick] = [t for t in topics if t.endswith("/tick")]
        [phase] = [t for t in topics if t.endswith("/phase {}")]
        counts = summary.statistics.channel_message_counts
        assert counts[topics[tick].id] == 300 and counts[topics[phase].id] == 3
        schema = json.loads(summary.schemas[topics[tick].schema_id].data)["properties"]
        assert schema["angle"] == {"type": ["number", "null"]}
        assert schema["torque"] == {"type": ["integer", "null"]}
        assert schema["ok"] == {"type": ["boolean", "null"]}
        assert "mode" not in schema  # text stays in /log
        got = [json.loads(m.data) for _, ch, m in reader.iter_messages(topics=[tick])]
    assert [{k: v for k, v in g.items() if k != "timestamp"} for g in got] == [
        {k: v for k, v in e["fields"].items() if k != "mode"} for e in source]


def test_each_tracked_schema_gets_a_typed_table(tmp_path):
    path = tmp_path / "trial.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle", "torque", "mode"])
        for i in range(1000):
            knee(i * 0.001, i, "walk" if i % 2 else "stand")
        log.info("done")
    out = tmp_path / "trial.parquet"
    done = subprocess.run([ttlog_view(), "convert", str(path), "--to", "parquet", "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    table = tmp_path / "trial.track.knee.parquet"
    con = duckdb.connect()
    kinds = {n: k for n, k, *_ in con.sql(f"describe select * from '{table}'").fetchall()}
    assert kinds == {"ts": kinds["ts"], "angle": "DOUBLE", "torque": "BIGINT", "mode": "VARCHAR"}
    assert con.sql(f"select count(*), sum(torque) from '{table}'").fetchall() == [(1000, sum(range(1000)))]
    want = ttlog.columns(path, "knee")
    assert [r[0] for r in con.sql(f"select epoch_ns(ts) from '{table}' order by ts").fetchall()] == want["ts_ns"]


def test_python_to_parquet_does_what_the_cli_does(tmp_path):
    """ttlog.to_parquet: tracked tables beside the events table, and partitioned datasets,
    as ttlog-view convert --to parquet makes them."""
    files = fleet(tmp_path)
    out = tmp_path / "dataset"
    assert ttlog.to_parquet(files, out, partition_by="service,date") == 3 * 300
    con = duckdb.connect()
    rows = con.sql(f"select service, count(*) from read_parquet('{out}/**/*.parquet', hive_partitioning=true) "
                   "group by service").fetchall()
    assert rows == [("knee", 900)]
    with pytest.raises(ValueError, match="holds files already"):
        ttlog.to_parquet(files, out, partition_by="host")
    with pytest.raises(ValueError, match="unknown partition key"):
        ttlog.to_parquet(files, tmp_path / "other", partition_by="planet")
    trial = tmp_path / "trial.bin"
    with ttlog.Logger(trial) as log:
        knee = log.schema("knee", ["angle"])
        for i in range(10):
            knee(i * 0.5)
    assert ttlog.to_parquet(trial, tmp_path / "trial.parquet") == 10
    assert con.sql(f"select count(*) from '{tmp_path / 'trial.track.knee.parquet'}'").fetchall() == [(10,)]


@pytest.mark.parametrize("export", ["to_json", "to_csv", "to_parquet"])
def test_an_export_never_replaces_an_input_or_a_log(export, tmp_path):
    path = tmp_path / "run.bin"
    with ttlog.Logger(path) as log:
        log.info("keep me")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="one of the inputs"):
        getattr(ttlog, export)(path, path)
    other = tmp_path / "other.bin"
    other.write_bytes(before)
    with pytest.raises((ValueError, FileExistsError), match="holds a ttlog log"):
        getattr(ttlog, export)(path, other)
    assert path.read_bytes() == before and other.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_a_new_field_name_per_event_keeps_exports_narrow_and_loses_nothing(tmp_path):
    """A program that puts ids in keys writes a new field name per event: at most 500 field
    columns (the first names seen), each row's other fields as JSON in ``more_fields``."""
    import csv

    path = tmp_path / "wide.bin"
    n = 2000
    with ttlog.Logger(path) as log:
        for i in range(n):
            log.info("reading", **{f"sensor_{i}": float(i)})
        wide = log.schema("wide", [f"v{i}" for i in range(600)])
        wide(*range(600))
    out = tmp_path / "w.csv"
    assert ttlog.to_csv(path, out, filter="target!=ttlog.track") == n
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert len(header) == 5 + 500 + 3 and header[-1] == "more_fields"
    assert header[5] == "sensor_0" and header[504] == "sensor_499"
    assert body[0][5] == "0.0" and body[0][-1] == ""
    assert json.loads(body[-1][-1]) == {f"sensor_{n - 1}": float(n - 1)}
    pq = tmp_path / "w.parquet"
    assert ttlog.to_parquet(path, pq, filter="target!=ttlog.track") == n
    con = duckdb.connect()
    names = [r[0] for r in con.sql(f"describe select * from '{pq}'").fetchall()]
    assert len(names) == 7 + 500 + 1 and names[-1] == "more_fields"
    last = con.sql(f"select more_fields from '{pq}' order by ts desc limit 1").fetchall()[0][0]
    assert json.loads(last) == {f"sensor_{n - 1}": float(n - 1)}
    cols = ttlog.columns(path, "wide")
    assert len(cols) == 1 + 500 + 1
    assert cols["v499"] == [499]
    assert cols["more_fields"] == [{f"v{i}": i for i in range(500, 600)}]


def mcap_content(path):
    """Channels (topic, schema name, schema) and every message (topic, time, data)."""
    from mcap.reader import make_reader

    with open(path, "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        channels = sorted((c.topic, summary.schemas[c.schema_id].name, summary.schemas[c.schema_id].data)
                          for c in summary.channels.values())
        messages = [(ch.topic, m.log_time, m.data) for _, ch, m in reader.iter_messages(log_time_order=False)]
    return channels, messages


def test_to_mcap_and_to_chrome_trace_write_the_files_the_cli_writes(tmp_path):
    pytest.importorskip("mcap.reader")
    path = tmp_path / "run.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle"])
        for i in range(200):
            knee(i * 0.01)
            log.info("tick", torque=i * 0.5)
            with log.span("step", i=i):
                pass
        log.warning("hot", temp=71.5)
    for to, ours in (("mcap", ttlog.to_mcap), ("chrome-trace", ttlog.to_chrome_trace)):
        cli_out, py_out = tmp_path / f"cli.{to}", tmp_path / f"py.{to}"
        done = subprocess.run([ttlog_view(), "convert", str(path), "--to", to, "-o", str(cli_out),
                               "-f", "level>=INFO"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert ours(path, py_out, filter="level>=INFO") == []
        if to == "mcap":
            # The same content (the mcap crate orders its summary's schema and channel
            # records by hash, so the bytes of two runs differ there).
            assert mcap_content(py_out) == mcap_content(cli_out)
        else:
            assert py_out.read_bytes() == cli_out.read_bytes(), to
        # Never over an input.
        with pytest.raises(ValueError):
            ours(path, path)
    trace = json.loads((tmp_path / "py.chrome-trace").read_text())
    assert sum(1 for e in trace["traceEvents"] if e.get("ph") == "X") == 200


def test_export_takes_every_format_and_option_the_cli_takes(tmp_path):
    """`ttlog.export(..., to=NAME)` runs the job `convert --to NAME` runs: the same bytes
    for the text formats, the same options (`fields`, `partition_by`), the same refusals."""
    path = tmp_path / "run.bin"
    with ttlog.Logger(path, service="knee") as log:
        for i in range(100):
            log.info("tick", angle=i * 0.5, torque=-i, mode="walk")
        log.error("stall", joint=2)
    for to, extra in (("json", []), ("csv", []), ("chrome-trace", []),
                      ("json", ["--fields", "torque"]), ("csv", ["--fields", "torque,angle"])):
        cli_out, py_out = tmp_path / f"cli.{to}", tmp_path / f"py.{to}"
        done = subprocess.run([ttlog_view(), "convert", str(path), "--to", to, "-o", str(cli_out),
                               "-f", "level>=INFO", *extra], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        fields = extra[1].split(",") if extra else None
        count, problems = ttlog.export(path, py_out, to=to, filter="level>=INFO", fields=fields)
        assert (count, problems) == (101, [])
        assert py_out.read_bytes() == cli_out.read_bytes(), (to, extra)
    # A dataset, as --partition-by writes it.
    count, _ = ttlog.export(path, tmp_path / "dataset", to="parquet", partition_by="service")
    assert count == 101
    assert [p.name for p in (tmp_path / "dataset").iterdir()] == ["service=knee"]
    # What the CLI refuses with exit 2, Python refuses with ValueError, writing nothing.
    for kwargs, says in (({"to": "yaml"}, "to must be one of"),
                         ({"to": "mcap", "fields": ["a"]}, "does not apply to mcap"),
                         ({"to": "json", "partition_by": "host"}, "does not apply to json"),
                         ({"to": "parquet", "partition_by": "planet"}, "unknown partition key")):
        with pytest.raises(ValueError, match=says):
            ttlog.export(path, tmp_path / "refused", **kwargs)
        assert not (tmp_path / "refused").exists()
    with pytest.raises(ValueError, match="one of the inputs"):
        ttlog.export(path, path, to="csv")
    for kwargs in ({"to": 5}, {"to": "csv", "fields": "angle"}, {"to": "parquet", "partition_by": 3}):
        with pytest.raises(TypeError):
            ttlog.export(path, tmp_path / "typed", **kwargs)


def test_maps_are_structs_or_maps_in_parquet(tmp_path):
    """A map field with text keys is a STRUCT of its keys (a key a map lacks is null) in
    DuckDB and Polars, values equal to the JSON export; past 64 keys it is a MAP when its
    values share a type, else JSON text; a map with another key is JSON text."""
    path = tmp_path / "maps.bin"
    with ttlog.Logger(path) as log:
        for i in range(40):
            pose = {"x": i * 0.5, "y": -i, "frame": "odom"}
            if i % 3:
                pose["theta"] = i % 7
            log.info("pose", pose=pose if i != 5 else None,
                     gains={f"k{j}": float(i + j) for j in range(70 + i % 2)},
                     tags={f"t{j}": (j if j % 2 else str(j)) for j in range(80)},
                     odd={1: "a"} if i == 0 else {"a": 1})
        log.info("no pose")
    out = tmp_path / "maps.parquet"
    done = subprocess.run([ttlog_view(), "convert", str(path), "--to", "parquet", "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    con = duckdb.connect()
    kinds = {n: k for n, k, *_ in con.sql(f"describe select * from '{out}'").fetchall()}
    assert kinds["pose"] == "STRUCT(x DOUBLE, y BIGINT, frame VARCHAR, theta BIGINT)"
    assert kinds["gains"] == "MAP(VARCHAR, DOUBLE)"
    assert kinds["tags"] == "VARCHAR" and kinds["odd"] == "VARCHAR"
    source = list(ttlog.open(path))
    poses = [p for (p,) in con.sql(f"select pose from '{out}' order by ts").fetchall()]
    want = [None if e["fields"].get("pose") is None else
            {k: e["fields"]["pose"].get(k) for k in ("x", "y", "frame", "theta")} for e in source]
    assert poses == want
    gains = [g for (g,) in con.sql(f"select gains from '{out}' order by ts").fetchall()]
    assert gains == [e["fields"].get("gains") for e in source]
    assert con.sql(f"select pose.x, gains['k3'] from '{out}' order by ts limit 2").fetchall() == [
        (0.0, 3.0), (0.5, 4.0)]
    polars = pytest.importorskip("polars")
    frame = polars.read_parquet(out)
    assert frame.schema["pose"] == polars.Struct({"x": polars.Float64, "y": polars.Int64,
                                                  "frame": polars.String, "theta": polars.Int64})
    assert frame["pose"].struct.field("x").to_list()[:6] == [0.0, 0.5, 1.0, 1.5, 2.0, None]


def test_arrays_of_one_type_are_typed_lists_in_parquet(tmp_path):
    """DuckDB and Polars read an array field whose items share a type as a list of that
    type, values equal to the JSON export; an array of mixed items stays JSON text."""
    path = tmp_path / "paths.bin"
    with ttlog.Logger(path) as log:
        for i in range(50):
            log.info("plan", waypoints=[i * 0.5, i + 0.25] if i else [], joints=[i, i + 1],
                     flags=[True, i % 2 == 0], names=["hip", "knee"], mixed=[1, "a"])
        log.info("no plan")
    out = tmp_path / "paths.parquet"
    done = subprocess.run([ttlog_view(), "convert", str(path), "--to", "parquet", "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    con = duckdb.connect()
    kinds = {n: k for n, k, *_ in con.sql(f"describe select * from '{out}'").fetchall()}
    assert kinds["waypoints"] == "DOUBLE[]" and kinds["joints"] == "BIGINT[]"
    assert kinds["flags"] == "BOOLEAN[]" and kinds["names"] == "VARCHAR[]"
    assert kinds["mixed"] == "VARCHAR"
    rows = con.sql(f"select waypoints, joints, flags, names from '{out}' order by ts").fetchall()
    source = list(ttlog.open(path))
    assert [list(r) for r in rows] == [
        [e["fields"].get(k) for k in ("waypoints", "joints", "flags", "names")] for e in source]
    polars = pytest.importorskip("polars")
    frame = polars.read_parquet(out)
    assert frame.schema["waypoints"] == polars.List(polars.Float64)
    assert frame["joints"].to_list()[:2] == [[0, 1], [1, 2]]
