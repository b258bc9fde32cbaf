"""Tests of the ttlog Python package: writer, tracking, stdlib bridge, OSL drop-in, reader,
crash safety, threads and bad input."""

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import ttlog


@pytest.fixture
def logdir(tmp_path):
    return tmp_path


def events(path, **kw):
    return list(ttlog.open(str(path), **kw))


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
    assert [e["level"] for e in ev] == ["TRACE", "DEBUG", "INFO", "WARN", "WARN", "ERROR", "ERROR"]
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


def test_schema_rows_and_columns(logdir):
    path = logdir / "s.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle", "velocity", "torque"])
        assert knee.fields == ["angle", "velocity", "torque"] and knee.name == "knee"
        for i in range(100):
            knee(i * 0.5, -i, 1.0 / (i + 1))
        knee.record([1.0, 2.0, 3.0])
        with pytest.raises(TypeError):
            knee(1.0, 2.0)
        with pytest.raises(ValueError):
            knee.record([1.0])
        with pytest.raises(TypeError):
            knee.record(["a", "b", "c"])
        with pytest.raises(ValueError):
            log.schema("dup", ["a", "a"])
        # A thread whose first events are rows still names them after itself.
        sensor = threading.Thread(target=lambda: knee(0.0, 0.0, 0.0), name="sensor")
        sensor.start()
        sensor.join()
    assert [e["thread"] for e in events(path)][-1] == "sensor"
    cols = ttlog.columns(path, "knee")
    assert cols["angle"][:3] == [0.0, 0.5, 1.0]
    assert cols["velocity"][99] == -99
    assert len(cols["ts_ns"]) == 102
    assert cols["ts_ns"] == sorted(cols["ts_ns"])
    with pytest.raises(ttlog.Error):
        ttlog.columns(path, "hip")


def test_numpy_values_rows_and_columns(logdir):
    np = pytest.importorskip("numpy")
    path = logdir / "np.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle", "velocity", "torque"])
        knee.record(np.array([0.5, 1.5, 2.5]))
        knee(np.float64(1.0), np.int64(-2), np.float32(0.25))
        log.info("sensors", imu=np.array([[1.0, 2.0], [3.0, 4.0]]), count=np.int32(7), flag=np.bool_(True))
    cols = ttlog.columns(path, "knee", as_numpy=True)
    assert isinstance(cols["angle"], np.ndarray) and cols["angle"].tolist() == [0.5, 1.0]
    assert cols["velocity"].tolist() == [1.5, -2] and cols["ts_ns"].dtype == np.int64
    msg = [e for e in events(path) if e["target"] != "ttlog.track"][0]
    assert msg["fields"] == {"imu": [[1.0, 2.0], [3.0, 4.0]], "count": 7, "flag": True}


def test_pandas_dataframe(logdir):
    pd = pytest.importorskip("pandas")
    path = logdir / "pd.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle", "torque"])
        for i in range(50):
            knee(i * 0.1, float(i))
    df = ttlog.dataframe(path, "knee")
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["ts_ns", "angle", "torque"] and len(df) == 50
    assert df["torque"].sum() == sum(range(50))


def test_osl_style_tracking(logdir):
    path = logdir / "u.bin"

    class Actuator:
        def __init__(self):
            self.angle = 0.0
            self.current = 1.0

    act = Actuator()
    with ttlog.Logger(path) as log:
        log.track_attributes(act, ["angle", "current"])
        calls = []
        log.track_function(lambda: len(calls), "n")
        failing = iter([1, 2])
        log.track_function(lambda: next(failing), "flaky")
        for tick in range(5):
            act.angle = tick * 0.1
            calls.append(tick)
            log.update()
    cols = ttlog.columns(path, "tracked")
    assert cols["Actuator.angle"] == [0.0, 0.1, 0.2, pytest.approx(0.3), 0.4]
    assert cols["n"] == [1, 2, 3, 4, 5]
    # A failing getter records its error: the columns never shift.
    assert cols["flaky"][:2] == [1, 2] and cols["flaky"][2].startswith("<error")
    assert list(cols) == ["ts_ns", "Actuator.angle", "Actuator.current", "n", "flaky"]
    assert len(cols["ts_ns"]) == 5 and all(isinstance(t, int) for t in cols["ts_ns"])


def test_columns_when_the_tracked_set_changes(logdir):
    path = logdir / "changes.bin"
    with ttlog.Logger(path) as log:
        log.track_function(lambda: 1.5, "a")
        log.update()
        log.track_function(lambda: 7, "b")  # from the second row on
        log.update()
        log.untrack("a")  # gone in the third row
        log.update()
        log.track_function(lambda: "text", "a")  # back, with another type
        log.update()
    cols = ttlog.columns(path, "tracked")
    assert cols["a"] == [1.5, 1.5, None, "text"]
    assert cols["b"] == [None, 7, 7, 7]
    np = pytest.importorskip("numpy")
    arrays = ttlog.columns(path, "tracked", as_numpy=True)
    assert arrays["ts_ns"].dtype == np.int64 and len(arrays["ts_ns"]) == 4
    assert arrays["b"].tolist() == [None, 7, 7, 7]


def test_stdlib_handler(logdir):
    path = logdir / "h.bin"
    with ttlog.Logger(path, level="DEBUG") as log:
        lib = logging.getLogger("thirdparty.driver")
        lib.setLevel(logging.DEBUG)
        handler = ttlog.Handler(log)
        lib.addHandler(handler)
        lib.warning("bus voltage %.1f V", 11.2, extra={"bus": "can0"})
        try:
            1 / 0
        except ZeroDivisionError:
            lib.exception("failed")
        lib.removeHandler(handler)
    ev = events(path)
    assert ev[0]["target"] == "thirdparty.driver"
    assert ev[0]["level"] == "WARN"
    assert ev[0]["msg"] == "bus voltage 11.2 V"
    assert ev[0]["fields"] == {"bus": "can0"}
    assert ev[1]["level"] == "ERROR"
    assert "ZeroDivisionError" in ev[1]["fields"]["exc_text"]
    with pytest.raises(TypeError):
        ttlog.Handler("not a logger")


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


def test_bad_arguments_raise_type_and_value_errors(logdir):
    with pytest.raises(TypeError):
        ttlog.Logger(42)
    with pytest.raises(TypeError):
        ttlog.Logger(logdir / "x.bin", level=3)
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


def run_child(code, cwd, **kw):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, **kw)


def test_uncaught_exception_writes_a_snapshot_with_the_traceback(tmp_path):
    out = run_child(
        """
        import ttlog
        log = ttlog.Logger("logs/run.bin", snapshot_dir="logs/snapshots")
        for i in range(100):
            log.info("step", i=i)
        def controller():
            raise RuntimeError("knee overheated")
        controller()
        """,
        tmp_path,
    )
    assert out.returncode == 1
    assert "knee overheated" in out.stderr and "ttlog: exception snapshot written" in out.stderr
    snaps = os.listdir(tmp_path / "logs" / "snapshots")
    assert len(snaps) == 1 and snaps[0].endswith("-exception.bin")
    snap = tmp_path / "logs" / "snapshots" / snaps[0]
    assert len(events(snap)) == 100
    view = subprocess.run([sys.executable, "-c", "import ttlog"], capture_output=True)
    assert view.returncode == 0
    # The main log was closed at exit with every event.
    assert len(events(tmp_path / "logs" / "run.bin")) == 100
    header = (snap).read_bytes()[:4096]
    assert b"knee overheated" in header and b"controller" in header


def test_exception_in_a_thread_and_in_a_with_block(tmp_path):
    out = run_child(
        """
        import threading, ttlog
        log = ttlog.Logger("run.bin", snapshot_dir="snaps")
        log.info("start")
        t = threading.Thread(target=lambda: 1 / 0, name="ctrl")
        t.start(); t.join()
        try:
            with log:
                log.info("in block")
                raise ValueError("bad gain")
        except ValueError:
            pass
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    snaps = sorted(os.listdir(tmp_path / "snaps"))
    assert len(snaps) == 2


def test_sigkill_leaves_a_readable_log(tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(
            """
            import sys, ttlog
            log = ttlog.Logger("run.bin", flush_interval=0.005)
            knee = log.schema("knee", ["tick", "angle"])
            print("ready", flush=True)
            i = 0
            while True:
                knee(i, i * 0.001)
                i += 1
            """)],
        cwd=tmp_path, stdout=subprocess.PIPE, text=True,
    )
    assert child.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()
    reader = ttlog.open(tmp_path / "run.bin")
    ticks = [e["fields"]["tick"] for e in reader]
    assert len(ticks) > 100
    assert ticks == list(range(len(ticks))), "an unbroken prefix"
    assert all(p["error"].startswith("file ends inside") for p in reader.problems)


def test_a_forked_child_neither_hangs_nor_writes_into_the_parents_log(tmp_path):
    out = run_child(
        """
        import os, warnings, ttlog
        log = ttlog.Logger("parent.bin", buffer_size=4096)  # a full ring would block
        log.info("parent before fork")
        pid = os.fork()
        if pid == 0:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                for i in range(100_000):
                    log.info("child through the parent's logger %d", i)
            assert log.closed
            assert len(caught) == 1 and "forked" in str(caught[0].message), caught
            with ttlog.Logger("child.bin") as own:
                own.info("child, own logger")
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        log.info("parent after fork")
        log.close()
        print("ok")
        """,
        tmp_path,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert [e["msg"] for e in events(tmp_path / "parent.bin")] == ["parent before fork", "parent after fork"]
    assert [e["msg"] for e in events(tmp_path / "child.bin")] == ["child, own logger"]


def test_tracked_attributes_read_exactly_as_getattr(logdir):
    # Plain instance attributes are read from the instance dict; properties, slots, a
    # custom __getattribute__ and a deleted attribute must still give getattr's answer.
    class Base:
        shared = "class value"

        @property
        def prop(self):
            return self._p * 2

    class Plain(Base):
        def __init__(self):
            self.x = 1
            self._p = 5

    class Slotted:
        __slots__ = ("s",)

        def __init__(self):
            self.s = 3

    class Custom:
        def __init__(self):
            self.c = 1

        def __getattribute__(self, name):
            return 42 if name == "c" else object.__getattribute__(self, name)

    p, sl, cu = Plain(), Slotted(), Custom()
    path = logdir / "attrs.bin"
    with ttlog.Logger(path) as log:
        log.track_attributes(p, ["x", "prop", "shared"], "p")
        log.track_attributes(sl, ["s"], "sl")
        log.track_attributes(cu, ["c"], "cu")
        log.update()
        p.x, p._p, p.shared, sl.s = 2, 6, "instance value", 4
        log.update()
        del p.x
        Plain.x = "from the class"
        log.update()
    rows = [e["fields"] for e in events(path)]
    assert rows == [
        {"p.x": 1, "p.prop": 10, "p.shared": "class value", "sl.s": 3, "cu.c": 42},
        {"p.x": 2, "p.prop": 12, "p.shared": "instance value", "sl.s": 4, "cu.c": 42},
        {"p.x": "from the class", "p.prop": 12, "p.shared": "instance value", "sl.s": 4, "cu.c": 42},
    ]


def test_tracked_attributes_read_right_while_the_instance_dict_changes(logdir):
    """update() remembers where each attribute sat in the instance dict; attributes
    added, deleted and re-added, a dict that grows past a resize, and a key that is an
    equal but distinct string must still give each column its own value."""

    class Joint:
        pass

    j = Joint()
    j.a, j.b, j.c = 1, 2, 3
    path = logdir / "reshape.bin"
    expected = []
    with ttlog.Logger(path) as log:
        log.track_attributes(j, ["a", "b", "c"], "j")
        for tick in range(40):
            if tick == 5:
                del j.a  # later keys move down; "a" comes back at the end
                j.a = 100
            if tick == 10:
                for i in range(200):  # the dict grows and is rebuilt
                    setattr(j, f"x{i}", i)
            if tick == 15:
                for i in range(0, 200, 2):
                    delattr(j, f"x{i}")
            if tick == 20:
                d = dict(j.__dict__)  # a combined (not split) dict, same object
                j.__dict__.clear()
                j.__dict__.update(d)
            if tick == 25:
                del j.__dict__["b"]
                j.__dict__["".join(["b"])] = -1  # equal key, maybe another object
            j.c = tick
            log.update()
            expected.append({"j.a": j.a, "j.b": j.b, "j.c": j.c})
    assert [e["fields"] for e in events(path)] == expected
