"""Reading: filters, time bounds, exports, damaged files."""

import json
import time

import pytest

import ttlog
from conftest import events


def test_reader_filters_export_and_damage(logdir):
    path = logdir / "r.bin"
    with ttlog.Logger(path, level="DEBUG") as log:
        for i in range(200):
            log.info("tick", i=i, joint=i % 3)
        log.error("fault", code=7)
    assert [e["fields"]["code"] for e in events(path, filter="level=ERROR")] == [7]
    assert len(events(path, filter=["joint=2", "i<100"])) == 33
    with pytest.raises(ValueError, match="unknown level"):
        events(path, filter="level>=LOUD")
    with pytest.raises(TypeError):
        events(path, filter=[1])
    n = ttlog.to_json(path, logdir / "r.jsonl", filter="joint=1")
    lines = (logdir / "r.jsonl").read_text().splitlines()
    assert n == len(lines) == 67 and json.loads(lines[0])["fields"]["joint"] == 1
    assert ttlog.to_csv(path, logdir / "r.csv") == 201
    assert (logdir / "r.csv").read_text().splitlines()[0] == "ts,level,target,thread,msg,i,joint,code,file,line"
    # Damage: cut the file in the middle; what was complete still reads, the cut is listed.
    data = path.read_bytes()
    cut = logdir / "cut.bin"
    cut.write_bytes(data[: len(data) // 2])
    reader = ttlog.open(cut)
    with pytest.warns(ttlog.DamagedDataWarning, match="cut.bin"):
        got = list(reader)
    assert isinstance(got, list) and len(reader.problems) == 1 and reader.problems[0]["offset"] > 0
    with pytest.raises(ttlog.CorruptFileError) as info:
        list(ttlog.open(cut, strict=True))
    assert info.value.offset is not None and info.value.offset > 0
    with pytest.warns(ttlog.DamagedDataWarning):
        assert ttlog.to_json(cut, logdir / "cut.jsonl") == len(got)
    with pytest.warns(ttlog.DamagedDataWarning):
        assert ttlog.to_csv(cut, logdir / "cut.csv") == len(got)
    with pytest.raises(ttlog.CorruptFileError):
        ttlog.to_json(cut, logdir / "cut.jsonl", strict=True)
    bad = logdir / "bad.bin"
    bad.write_text("hello")
    with pytest.raises(ttlog.CorruptFileError) as info:
        list(ttlog.open(bad))
    assert info.value.offset == 0
    with pytest.raises(FileNotFoundError) as missing:
        list(ttlog.open(logdir / "missing.bin"))
    assert isinstance(missing.value, ttlog.MissingFileError) and isinstance(missing.value, ttlog.Error)
    assert missing.value.filename == str(logdir / "missing.bin")
    for read in (lambda p: ttlog.to_json(p, logdir / "x.jsonl"), lambda p: ttlog.columns(p, "knee")):
        with pytest.raises(ttlog.MissingFileError):
            read(logdir / "missing.bin")
    # Globs.
    assert len(events(str(logdir / "r*.bin"))) == 201
    # Time bounds, as ns, float seconds, RFC 3339 text or an aware datetime; inclusive.
    import datetime

    every = events(path)
    t10, t19 = every[10]["ts_ns"], every[19]["ts_ns"]
    assert [e["fields"]["i"] for e in events(path, since=t10, until=t19)] == list(range(10, 20))
    assert len(events(path, since=every[10]["ts"], until=every[19]["ts"])) == 10
    # Float seconds (as time.time() gives) resolve to about 0.2 µs at today's epoch.
    assert len(events(path, since=every[0]["ts_ns"] / 1e9 - 1.0)) == 201
    assert events(path, since=every[-1]["ts_ns"] / 1e9 + 1.0) == []
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    aware = epoch + datetime.timedelta(microseconds=t19 // 1000)  # datetimes hold whole µs
    assert len(events(path, until=aware)) == sum(1 for e in every if e["ts_ns"] <= t19 // 1000 * 1000)
    with pytest.raises(ValueError, match="RFC 3339"):
        events(path, since="yesterday")
    with pytest.raises(ValueError, match="naive"):
        events(path, since=datetime.datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        events(path, until=[1])
    assert ttlog.to_json(path, logdir / "win.jsonl", since=t10, until=t19) == 10


def test_span_context_is_on_events():
    """Events from the tracing bridge carry their span chain; span records their timing
    (SPEC.md 8.6), readable with the same filters as ttlog-view's."""
    import pathlib

    spans = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "v1" / "spans.bin"
    inside = list(ttlog.open(spans, filter="span.request_id=7 and target=app"))
    assert [e["msg"] for e in inside] == ["query done"]
    chain = inside[0]["spans"]
    assert "spans" not in inside[0]["fields"]
    assert [s["name"] for s in chain] == ["handle_request", "db_query"]
    assert chain[1]["table"] == "gains"
    records = list(ttlog.open(spans, filter="target=ttlog.span"))
    assert {r["msg"]: r["fields"]["duration_ns"] for r in records} == {"db_query": 1500, "handle_request": 3000}
