"""Crash safety from Python: exception snapshots, SIGKILL, fork."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import ttlog
from conftest import events, run_child


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
    # The main log was closed at exit with every event, and the cause is in it (SPEC 8.8).
    main = events(tmp_path / "logs" / "run.bin")
    assert len(main) == 101
    end = main[-1]
    assert end["level"] == "CRITICAL" and end["target"] == "ttlog.end"
    assert end["msg"] == "exception in thread MainThread: RuntimeError: knee overheated"
    assert end["fields"]["line"] == 7 and end["fields"]["file"] == "<string>"
    assert "controller" in end["fields"]["backtrace"]
    assert end["fields"]["snapshot"] == str(snap.relative_to(tmp_path))
    assert end["fields"]["ends_run"] is True
    header = (snap).read_bytes()[:4096]
    assert b"knee overheated" in header and b"controller" in header
    # The crash record from Python: the snapshot's reader, and the directory's listing.
    record = ttlog.open(snap).snapshot
    assert record["reason"] == "exception" and record["thread"] == "MainThread"
    assert record["message"] == "RuntimeError: knee overheated"
    assert "controller" in record["backtrace"]
    assert ttlog.open(tmp_path / "logs" / "run.bin").snapshot is None
    [listed] = ttlog.snapshots(tmp_path / "logs" / "snapshots")
    assert listed["path"] == str(snap) and listed["events"] == 100


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
    listed = ttlog.snapshots(tmp_path / "snaps")
    assert sorted(r["thread"] for r in listed) == ["MainThread", "ctrl"]
    assert listed[0]["time_ns"] >= listed[1]["time_ns"]
    ends = [e for e in events(tmp_path / "run.bin") if e["target"] == "ttlog.end"]
    assert [(e["fields"]["thread"], e["fields"]["ends_run"]) for e in ends] == [("ctrl", False), ("MainThread", True)]
    assert ends[0]["fields"]["message"] == "ZeroDivisionError: division by zero"


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


def test_how_a_run_ended_from_python(tmp_path):
    """Closed cleanly, ended by an exception, killed, or still being written: the state
    ttlog-view info shows, from Python."""
    out = run_child(
        """
        import ttlog
        log = ttlog.Logger("logs/crash.bin")
        log.info("step")
        raise RuntimeError("knee overheated")
        """,
        tmp_path,
    )
    assert out.returncode == 1
    run = ttlog.run_end(tmp_path / "logs" / "crash.bin")
    assert run["closed"] and run["end"] == "exception" and run["state"] == "ended by exception (closed)"
    assert run["end_event"] == "exception in thread MainThread: RuntimeError: knee overheated"
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(
            """
            import sys, time, ttlog
            log = ttlog.Logger("live.bin", flush_interval=0.005)
            log.info("running")
            print("ready", flush=True)
            time.sleep(60)
            """)],
        cwd=tmp_path, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.1)
        live = ttlog.run_end(tmp_path / "live.bin")
        assert live["live"] and not live["closed"] and live["state"].startswith("being written"), live
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    killed = ttlog.run_end(tmp_path / "live.bin")
    assert not killed["live"] and not killed["closed"] and not killed["damaged"]
    assert killed["state"].startswith("not closed: the writer was killed"), killed
