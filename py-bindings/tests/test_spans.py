"""Spans from Python: SPEC.md 8.6 span records, read by ttlog-view spans, the Chrome
trace export and loop timing."""

import json
import subprocess
import threading

import pytest

import ttlog
from conftest import events
from test_export import ttlog_view


def test_nested_spans_across_threads_and_a_decorator(tmp_path):
    path = tmp_path / "spans.bin"
    with ttlog.Logger(path) as log:
        @log.traced
        def estimate(x):
            return x * 2

        @log.traced("command")
        def command():
            log.info("commanded")

        def controller(joint):
            for _ in range(20):
                with log.span("step", joint=joint) as step:
                    assert step.id > 0
                    with log.span("read_sensors"):
                        pass
                    estimate(joint)
                    command()

        threads = [threading.Thread(target=controller, args=(j,), name=f"joint-{j}") for j in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    records = [e for e in events(path) if e["target"] == "ttlog.span"]
    assert len(records) == 2 * 20 * 4
    by_id = {e["fields"]["id"]: e for e in records}
    assert len(by_id) == len(records)
    steps = [e for e in records if e["msg"] == "step"]
    for e in records:
        f = e["fields"]
        assert f["duration_ns"] >= 0 and f["busy_ns"] == f["duration_ns"] and f["follows_from"] == []
        if e["msg"] == "step":
            assert f["parent"] == 0 and f["fields"]["joint"] in (0, 1)
        else:
            parent = by_id[f["parent"]]
            assert parent["msg"] == "step" and parent["thread"] == e["thread"]
            assert parent["fields"]["start_ns"] <= f["start_ns"]
            assert f["start_ns"] + f["duration_ns"] <= parent["fields"]["start_ns"] + parent["fields"]["duration_ns"]
    assert {e["msg"] for e in records} == {"step", "read_sensors", "test_nested_spans_across_threads_and_a_decorator.<locals>.estimate", "command"}
    assert len(steps) == 40
    # ttlog-view spans counts them by name.
    out = subprocess.run([ttlog_view(), "spans", str(path), "--format", "json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    counts = {r["name"]: r["count"] for r in json.loads(out.stdout)}
    assert counts["step"] == 40 and counts["command"] == 40
    # The Chrome trace export: one complete slice per span, on its thread.
    trace = tmp_path / "trace.json"
    out = subprocess.run([ttlog_view(), "convert", str(path), "--to", "chrome-trace", "-o", str(trace)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    doc = json.loads(trace.read_text())
    slices = [e for e in (doc["traceEvents"] if isinstance(doc, dict) else doc) if e.get("ph") == "X"]
    assert len(slices) == 160
    # Loop timing from span starts, with the busy time as the work.
    stats = ttlog.loop_stats(path, series="span=step", filter="thread=joint-0")
    assert stats["iterations"] == 19 and stats["work_ns"]["max"] > 0


def test_span_arguments_are_checked(tmp_path):
    with ttlog.Logger(tmp_path / "s.bin") as log:
        with pytest.raises(TypeError):
            log.span(5)
        with pytest.raises(TypeError):
            log.traced(5)
        # A span left by an exception is recorded, and the exception goes on.
        with pytest.raises(ValueError):
            with log.span("fails"):
                raise ValueError("x")
    assert [e["msg"] for e in events(tmp_path / "s.bin") if e["target"] == "ttlog.span"] == ["fails"]


def test_events_inside_python_spans_carry_the_chain(tmp_path):
    path = tmp_path / "chain.bin"
    with ttlog.Logger(path) as log:
        log.info("before")
        with log.span("step", joint=2):
            log.info("inside", torque=1.5)
            with log.span("read_sensors"):
                log.warning("slow %d", 7)
        log.info("after")
        knee = log.schema("knee", ["angle"])
        with log.span("step"):
            knee(0.5)  # tracked rows keep their columns: no chain
    ev = [e for e in events(path) if e["target"] != "ttlog.span"]
    by_msg = {e["msg"]: e for e in ev}
    assert "spans" not in by_msg["before"] and "spans" not in by_msg["after"]
    inside = by_msg["inside"]
    assert inside["fields"] == {"torque": 1.5}
    assert [(s["name"], s["joint"]) for s in inside["spans"]] == [("step", 2)]
    slow = by_msg["slow 7"]
    assert [s["name"] for s in slow["spans"]] == ["step", "read_sensors"]
    assert slow["spans"][1]["id"] > slow["spans"][0]["id"]
    row = [e for e in ev if e["target"] == "ttlog.track"][0]
    assert "spans" not in row and row["fields"] == {"angle": 0.5}
    # The span filters of ttlog-view and Python select them.
    assert [e["msg"] for e in events(path, filter="span=read_sensors") if e["target"] != "ttlog.span"] == ["slow 7"]
    assert {e["msg"] for e in events(path, filter="span.joint=2")} >= {"inside", "slow 7"}
    out = subprocess.run([ttlog_view(), str(path), "-f", "span=step", "-f", "target!=ttlog.span"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "step{joint=2}:read_sensors: slow 7" in out.stdout, out.stdout
