"""Writing from Python: messages, values, templates, callsites, levels, the one-logger rule, bad arguments, threads, the drop policy."""

import logging
import os
import subprocess
import sys
import threading

import pytest

import ttlog
from conftest import events


def test_import_has_no_side_effects(tmp_path):
    code = "import os, threading, ttlog, ttlog.osl; print(len(os.listdir('.')), threading.active_count())"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "1"]


def test_messages_and_every_value_type_round_trip(logdir):
    path = logdir / "t.bin"
    with ttlog.Logger(path, level="TRACE", service="knee") as log:
        log.trace("t")
        log.debug("joint %d at %.2f rad", 3, 0.7071)
        log.info("motor %s stalled", "left", torque=1.5, mode="hold")
        log.warning("w", big=2**100, neg=-(2**63), none=None, flag=False, raw=b"\x00\xff")
        log.warn("w2", items=[1, "two", 3.5, None], pair=(1, 2), nested={"a": {"b": [True]}})
        log.error("e", obj=object)
        log.critical("c")
    ev = events(path)
    assert [e["level"] for e in ev] == ["TRACE", "DEBUG", "INFO", "WARN", "WARN", "ERROR", "CRITICAL"]
    assert ev[1]["msg"] == "joint 3 at 0.71 rad"
    assert ev[2]["msg"] == "motor left stalled"
    assert ev[2]["fields"] == {"torque": 1.5, "mode": "hold"}
    assert ev[2]["target"] == "knee"
    assert ev[2]["thread"] == "MainThread"
    assert ev[3]["fields"] == {"big": 2**100, "neg": -(2**63), "none": None, "flag": False, "raw": b"\x00\xff"}
    assert ev[4]["fields"] == {"items": [1, "two", 3.5, None], "pair": [1, 2], "nested": {"a": {"b": [True]}}}
    assert ev[5]["fields"]["obj"] == "<class 'object'>"
    assert ev[0]["ts_ns"] <= ev[-1]["ts_ns"]
    assert ev[0]["ts"].endswith("Z")


def test_percent_templates_are_rendered_by_readers(logdir):
    path = logdir / "p.bin"
    with ttlog.Logger(path) as log:
        log.info("%r %5d|%-4s|%x %% {braces} %s", "q", 42, "ab", 255, 1.5)
        log.info("odd %q end %", )
        log.info("%.3f %e", 3.14159, 1234.5)
    assert [e["msg"] for e in events(path)] == [
        "\"q\"    42|ab  |ff % {braces} 1.5",
        "odd %q end %",
        "3.142 1.2345e3",
    ]


def test_call_shapes_share_or_split_callsites_correctly(logdir):
    path = logdir / "shapes.bin"
    with ttlog.Logger(path) as log:
        for i in range(3):
            text = "".join(["built ", "at run time %s"])  # equal text, a new object each time
            log.info(text, i)
            log.info("same %s", i, a=1, b=2)
            log.info("same %s", i, **{"b": 2, "a": 1})  # another keyword order: own callsite
            log.info("same %s", i, i)  # another argument count
        with pytest.raises(TypeError):
            log.info()
        with pytest.raises(TypeError):
            log.info(msg="keyword message")
        log.log(logging.WARNING, "by number %d", 30)
        log.log("debug", "below the level")
        assert log.is_enabled("WARN") and not log.is_enabled("DEBUG")
        with pytest.raises(TypeError):
            log.log(None, "x")
        with pytest.raises(ValueError):
            log.is_enabled("LOUD")
        try:
            raise KeyError("lost")
        except KeyError:
            log.exception("failed %s", "op", step=3)
    ev = events(path)
    assert [e["msg"] for e in ev[:4]] == ["built at run time 0", "same 0", "same 0", "same 0"]
    assert ev[1]["fields"] == {"a": 1, "b": 2} and list(ev[2]["fields"]) == ["b", "a"]
    assert len(ev) == 14 and ev[-2]["level"] == "WARN" and ev[-2]["msg"] == "by number 30"
    assert ev[-1]["level"] == "ERROR" and ev[-1]["msg"] == "failed op"
    assert ev[-1]["fields"]["step"] == 3 and "KeyError: 'lost'" in ev[-1]["fields"]["exc_text"]


def test_unbounded_distinct_templates_are_formatted_eagerly(logdir):
    path = logdir / "fstrings.bin"
    n = 10_050  # past the limit of distinct templates (10,000) with callsites of their own
    with ttlog.Logger(path) as log:
        for i in range(n):
            log.info(f"step {i}: %s of %d", "done", n, k=i)
        log.info(f"bad %d {n}", "x")  # a formatting error keeps the text and the arguments
    ev = events(path)
    assert len(ev) == n + 1
    assert all(e["msg"] == f"step {i}: done of {n}" and e["fields"] == {"k": i} for i, e in enumerate(ev[:n]))
    assert ev[-1]["msg"] == f"bad %d {n} ('x',)"


def test_levels_flush_stats_and_close(logdir):
    path = logdir / "l.bin"
    log = ttlog.Logger(path, level="INFO", flush_interval=3600)
    log.debug("hidden")
    log.info("shown")
    assert log.flush(5.0)
    assert [e["msg"] for e in events(path)] == ["shown"]
    log.set_level("DEBUG")
    log.debug("now shown")
    log.set_level("OFF")
    log.error("off")
    s = log.stats()
    assert set(s) == {"events_written", "events_dropped", "blocks_written", "bytes_written", "io_errors", "files"}
    log.close()
    log.close()
    assert log.closed
    log.info("after close goes nowhere")
    assert [e["msg"] for e in events(path)] == ["shown", "now shown"]
    with pytest.raises(ValueError):
        log.set_level("LOUD")


def test_one_logger_at_a_time(logdir):
    with ttlog.Logger(logdir / "a.bin"):
        with pytest.raises(ttlog.Error, match="already running"):
            ttlog.Logger(logdir / "b.bin")
    with ttlog.Logger(logdir / "c.bin") as log:
        log.info("fine")


def test_bad_arguments_raise_type_and_value_errors(logdir):
    with pytest.raises(TypeError):
        ttlog.Logger(42)
    with pytest.raises(TypeError):
        ttlog.Logger(logdir / "x.bin", level=3.5)
    with pytest.raises(TypeError):  # every argument after the level is a keyword
        ttlog.Logger(logdir / "x.bin", "INFO", "service")
    with pytest.raises(ValueError):
        ttlog.Logger(logdir / "x.bin", level="LOUD")
    with pytest.raises(TypeError):
        ttlog.Logger(logdir / "x.bin", flush_interval="fast")
    with pytest.raises(ValueError):
        ttlog.Logger(logdir / "x.bin", flush_interval=-1)
    with pytest.raises(ValueError):
        ttlog.Logger(logdir / "x.bin", on_full="sometimes")
    with pytest.raises(ValueError):
        ttlog.Logger()
    (logdir / "file").write_text("")
    with pytest.raises(ttlog.Error):
        ttlog.Logger(logdir / "file" / "x.bin")
    with ttlog.Logger(logdir / "ok.bin") as log:
        with pytest.raises(TypeError):
            log.info(123)
        with pytest.raises(TypeError):
            log.track_function(5, "x")
        with pytest.raises(TypeError):
            log.schema("s", "notalist")


def test_many_threads_every_event(logdir):
    path = logdir / "threads.bin"
    with ttlog.Logger(path) as log:
        def work(t):
            for i in range(2000):
                log.info("w", t=t, i=i)
        threads = [threading.Thread(target=work, args=(t,), name=f"py-{t}") for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    ev = events(path)
    assert len(ev) == 16000
    seen = {(e["fields"]["t"], e["fields"]["i"]) for e in ev}
    assert len(seen) == 16000
    assert {e["thread"] for e in ev} == {f"py-{t}" for t in range(8)}


def test_drop_policy_counts_losses(logdir):
    path = logdir / "drop.bin"
    with ttlog.Logger(path, on_full="drop", buffer_size=4096) as log:
        for i in range(50000):
            log.info("burst", i=i, pad="x" * 40)
        log.flush()
        dropped = log.stats()["events_dropped"]
    ev = events(path)
    logged = sum(1 for e in ev if e["target"] != "ttlog")
    reported = sum(e["fields"]["dropped"] for e in ev if e["target"] == "ttlog")
    assert logged + reported == 50000
    assert reported == dropped


def test_critical_is_its_own_level(logdir):
    """log.critical, logging.CRITICAL through the Handler and the level names all record
    CRITICAL (SPEC.md 8.2), which filters select by name and as above ERROR."""
    import logging

    path = logdir / "c.bin"
    with ttlog.Logger(path, level="DEBUG") as log:
        log.error("hot")
        log.critical("over temperature", celsius=91.5)
        lib = logging.getLogger("thirdparty.motor")
        handler = ttlog.Handler(log)
        lib.addHandler(handler)
        lib.critical("driver fault")
        lib.removeHandler(handler)
    assert [e["level"] for e in events(path)] == ["ERROR", "CRITICAL", "CRITICAL"]
    assert [e["msg"] for e in events(path, filter="level=CRITICAL")] == ["over temperature", "driver fault"]
    assert len(events(path, filter="level>=ERROR")) == 3
    with ttlog.Logger(logdir / "only.bin", level="CRITICAL") as log:
        log.error("below")
        log.critical("kept")
    assert [e["msg"] for e in events(logdir / "only.bin")] == ["kept"]
