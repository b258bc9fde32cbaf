"""ttlog.osl against the real opensourceleg (installed from PyPI by scripts/test): the same
controller scripts, run once with each logger by changing only the import, must leave the
same files (names, CSV header, rows and cell text, .log lines modulo timestamps) and print
the same console lines; ttlog.osl adds the .bin."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

import ttlog

REAL = "from opensourceleg.logging import LOGGER, Logger, LogLevel"
OURS = "from ttlog.osl import LOGGER, Logger, LogLevel"

STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}|\d{8}_\d{6}|0x[0-9a-f]{6,}")


def run(script, cwd, imports):
    code = textwrap.dedent(script).replace("IMPORT", imports)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)


def files(root):
    """Every file left under `root` but ttlog's own, by masked name, with masked text."""
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if n.endswith(".bin") or "snapshots" in rel.split(os.sep):
                continue
            with open(p, encoding="utf-8", errors="replace", newline="") as f:
                out[STAMP.sub("T", rel)] = STAMP.sub("T", f.read())
    return out


def console(text):
    """The logger's console lines, masked; ttlog's own notices left out."""
    return [STAMP.sub("T", line) for line in text.splitlines() if not line.startswith("ttlog:")]


def both(tmp_path, script):
    real, ours = tmp_path / "real", tmp_path / "ours"
    real.mkdir()
    ours.mkdir()
    r = run(script, real, REAL)
    o = run(script, ours, OURS)
    return r, o, files(real), files(ours)


def assert_same(tmp_path, script, exit_code=0):
    r, o, real_files, our_files = both(tmp_path, script)
    assert r.returncode == exit_code, r.stderr
    assert o.returncode == exit_code, o.stderr
    assert our_files == real_files
    assert console(o.stderr) == console(r.stderr)
    assert o.stdout == r.stdout
    return real_files


def assert_kept(real_files, our_files):
    """Every CSV the same, and every .log line opensourceleg kept also kept: where it
    re-creates a .log with mode "w" (reset(), set_file_name()) and wipes it, ttlog.osl
    first moves the earlier file aside (<name>.<its start time>.log)."""
    csvs = lambda fs: {k: v for k, v in fs.items() if k.endswith(".csv")}  # noqa: E731
    moved_aside = re.compile(r"\.\d{8}T\d{6}Z(-\d+)?\.")
    # The configured names hold what opensourceleg's hold; the rest was moved aside.
    assert {k: v for k, v in csvs(our_files).items() if not moved_aside.search(k)} == csvs(real_files)
    lines = lambda fs: sorted(x for k, v in fs.items() if ".log" in k for x in v.splitlines())  # noqa: E731
    ours = lines(our_files)
    for line in lines(real_files):
        assert line in ours, line
        ours.remove(line)


CONTROLLER = """
    import enum, decimal
    import numpy as np
    IMPORT

    class Mode(enum.Enum):
        STANCE = 1
        SWING = 2

    class Joint:
        def __init__(self):
            self.angle = np.float32(25.000006)
            self.gains = np.array([1.5, 2.0])
            self.pose = (1, 2.5)
            self.mode = Mode.STANCE
            self.budget = decimal.Decimal("1.10")
            self.count = 0
            self.ratio = 0.1
            self.flag = True
            self.note = None
            self.label = 'a,"quoted" label'
        def __str__(self):
            return "knee"

    logger = Logger(log_path="./logs", file_name="fsm.log", buffer_size=40, stream_level=LogLevel.WARNING)
    knee = Joint()
    logger.track_attributes(knee, ["angle", "gains", "pose", "mode", "budget", "count", "ratio", "flag", "note", "label"])
    logger.track_function(lambda: knee.count * 1e-5, "tiny")
    logger.track_function([lambda: knee.count ** 3 * 1e13, lambda: -0.0], ["huge", "negzero"])
    for tick in range(130):
        knee.count = tick
        knee.angle = np.float32(tick / 7)
        knee.mode = Mode.SWING if tick % 2 else Mode.STANCE
        logger.update()
        if tick == 64:
            logger.info("halfway %d", tick)
            logger.log(25, "numeric level %s", "25")
            logger.warning("slip detected")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("recovered")
    logger.debug("done")
    logger.close()
"""


def test_a_controller_leaves_the_files_opensourceleg_leaves(tmp_path):
    left = assert_same(tmp_path, CONTROLLER)
    assert set(left) == {"logs/fsm.log", "logs/fsm.csv"}
    rows = left["logs/fsm.csv"].split("\r\n")
    assert rows[0].startswith("knee.angle,knee.gains,knee.pose,knee.mode")
    assert len([r for r in rows if r]) == 131
    # The ttlog file is there too, with every row and message.
    ev = list(ttlog.open(str(tmp_path / "ours" / "logs" / "fsm.bin")))
    assert sum(1 for e in ev if e["target"] == "ttlog.track") == 130
    assert any(e["msg"] == "halfway 64" for e in ev)


TUTORIAL = """
    IMPORT

    class Sensor:
        def __init__(self):
            self.temperature = 20.0
            self.humidity = 0.5

    sensor = Sensor()
    logger = Logger(log_path="./logs", file_name="basic")
    x = 42
    logger.track_function(lambda: x, "x_value")
    logger.track_attributes(sensor, ["temperature", "humidity"])
    logger.update()
    logger.info("tracked")
    logger.reset()

    logger = Logger(log_path="./logs", file_name="sensor_data")
    logger.track_function(lambda: sensor.temperature, "Temperature (C)")
    for _ in range(3):
        sensor.temperature += 0.1
        logger.update()
    logger.info("Sensor data logged")
    logger.reset()

    class Experiment:
        def __init__(self):
            self.logger = Logger(log_path="./experiments", file_name="trial", buffer_size=5000)
            self.value = 0.0
            self.logger.track_function(lambda: self.value, "Input")
    e = Experiment()
    for _ in range(5):
        e.value += 0.1
        e.logger.update()
"""


def test_the_tutorial_pattern_reset_then_new_files_and_a_forgotten_close(tmp_path):
    r, o, real_files, our_files = both(tmp_path, TUTORIAL)
    assert r.returncode == o.returncode == 0, o.stderr
    assert console(o.stderr) == console(r.stderr)
    assert_kept(real_files, our_files)
    # As opensourceleg does: a reconfiguring Logger(...) names files under the old log_path.
    assert "logs/trial.csv" in real_files
    # opensourceleg wiped basic.log at reset(); ttlog.osl moved it aside first: basic.log
    # holds the same as opensourceleg's, the earlier lines are beside it.
    assert real_files["logs/basic.log"] == our_files["logs/basic.log"] == "[T] DEBUG: Logger reset successfully\n"
    aside = [k for k in our_files if k.startswith("logs/basic.") and k.endswith("Z.log")]
    assert len(aside) == 1 and "INFO: tracked" in our_files[aside[0]], list(our_files)


FORGOTTEN = """
    IMPORT
    logger = Logger(log_path="./logs", file_name="run", buffer_size=30)
    v = [0]
    logger.track_function(lambda: v[0], "v")
    for i in range(95):
        v[0] = i
        logger.update()
    CRASH
"""


@pytest.mark.parametrize("ending,code", [("", 0), ("raise RuntimeError('half way')", 1)])
def test_a_forgotten_close_or_a_crash_keeps_every_flushed_row(tmp_path, ending, code):
    if not ending:
        left = assert_same(tmp_path, FORGOTTEN.replace("CRASH", ending), exit_code=code)
    else:
        r, o, left, ours = both(tmp_path, FORGOTTEN.replace("CRASH", ending))
        assert r.returncode == o.returncode == code, o.stderr
        assert console(o.stderr) == console(r.stderr)
        # The cause of the failure is in the .log too, as logging writes an exception:
        # the only difference from opensourceleg's files.
        ours_log = ours.pop("logs/run.log")
        real_log = left.pop("logs/run.log")
        assert ours == left
        assert ours_log.startswith(real_log)
        added = ours_log[len(real_log):]
        assert added.startswith("[T] CRITICAL: Uncaught exception in thread MainThread: RuntimeError: half way\n"
                                "Traceback (most recent call last):\n"), added
        assert added.endswith("RuntimeError: half way\n"), added
        left["logs/run.log"] = real_log
    rows = [r for r in left["logs/run.csv"].split("\r\n") if r]
    assert rows[0] == "v" and len(rows) >= 91


ROTATION = """
    IMPORT
    logger = Logger(log_path="./logs", file_name="rot", file_max_bytes=600, file_backup_count=2)
    logger.track_function(lambda: 1.5, "x")
    for i in range(60):
        logger.info("message number %d with some padding text", i)
        logger.update()
    logger.close()
"""


def test_rotation_as_opensourceleg_rotates_with_the_csv_complete(tmp_path):
    left = assert_same(tmp_path, ROTATION)
    assert {"logs/rot.log", "logs/rot.log.1", "logs/rot.log.2", "logs/rot.csv"} <= set(left)
    assert len([r for r in left["logs/rot.csv"].split("\r\n") if r]) == 61


ERRORS = """
    IMPORT
    logger = Logger(log_path="./logs", file_name="err", buffer_size=0)
    state = {"n": 0}
    def flaky():
        state["n"] += 1
        if 3 <= state["n"] <= 9:
            raise ValueError("sensor timeout")
        return state["n"]
    logger.track_function(flaky, "flaky")
    logger.track_function(lambda: 7, "steady")
    for _ in range(12):
        logger.update()
    logger.info("bad format %d", "not a number")
    logger.info("lone surrogate \\udc80 in a message")
    logger.close()
"""


def test_getter_errors_untracking_and_bad_input_as_opensourceleg(tmp_path):
    r, o, real_files, our_files = both(tmp_path, ERRORS)
    assert r.returncode == o.returncode == 0, o.stderr
    assert our_files == real_files
    assert console(o.stderr).count("--- Logging error ---") == console(r.stderr).count("--- Logging error ---")
    lines = lambda s: [x for x in console(s) if x.startswith("[")]  # noqa: E731
    assert lines(o.stderr) == lines(r.stderr)
    assert any("Auto-untracked variable flaky" in x for x in lines(o.stderr))


def test_keyboard_interrupt_in_a_getter_propagates(tmp_path):
    out = run(
        """
        IMPORT
        logger = Logger(log_path="./logs", file_name="ki")
        def stop():
            raise KeyboardInterrupt
        logger.track_function(stop, "stop")
        try:
            logger.update()
        except KeyboardInterrupt:
            print("propagated")
        """,
        tmp_path,
        OURS,
    )
    assert out.stdout.strip() == "propagated", out.stderr


def test_nothing_is_wiped_after_close_or_on_a_rerun(tmp_path):
    script = """
        IMPORT
        logger = Logger(log_path="./logs", file_name="keep")
        v = [0]
        logger.track_function(lambda: v[0], "v")
        for i in range(3):
            v[0] = i
            logger.update()
        logger.close()
        v[0] = 99
        logger.update()
        logger.info("after close")
        logger.close()
    """
    for _ in range(2):
        out = run(script, tmp_path, OURS)
        assert out.returncode == 0, out.stderr
    logs = tmp_path / "logs"
    assert (logs / "keep.csv").read_bytes() == b"v\r\n0\r\n1\r\n2\r\n99\r\n"
    # keep.* hold the second run; the first run's files were moved aside together, whole.
    names = sorted(p.name for p in logs.iterdir())
    moved = [p for p in logs.iterdir() if p.name.count(".") == 2]
    assert sorted(p.suffix for p in moved) == [".bin", ".csv", ".log"], names
    assert len({p.name.split(".")[1] for p in moved}) == 1, names
    csv = next(p for p in moved if p.suffix == ".csv")
    assert csv.read_bytes() == (logs / "keep.csv").read_bytes()

    assert "held an earlier run; moved it to" in out.stderr
    assert "after close" in (logs / "keep.log").read_text()
    assert "after close" in next(p for p in moved if p.suffix == ".log").read_text()


def test_the_library_logs_into_the_same_files(tmp_path):
    out = run(
        """
        IMPORT
        import opensourceleg.logging as osl_logging
        import opensourceleg.logging.logger as osl_logger
        assert osl_logging.LOGGER is LOGGER and osl_logger.LOGGER is LOGGER
        from opensourceleg.control import fsm  # a library module using LOGGER
        assert fsm.LOGGER is LOGGER
        Logger(log_path="./logs", file_name="lib")
        fsm.LOGGER.info("from the library")
        LOGGER.close()
        """,
        tmp_path,
        OURS,
    )
    assert out.returncode == 0, out.stderr
    assert sorted(os.listdir(tmp_path / "logs")) == ["lib.bin", "lib.log"]
    assert "from the library" in (tmp_path / "logs" / "lib.log").read_text()
    assert not [n for n in os.listdir(tmp_path) if n.startswith("logger_")]


def test_close_and_reset_with_variables_tracked_but_never_updated(tmp_path):
    r, o, real_files, our_files = both(
        tmp_path,
        """
        IMPORT
        logger = Logger(log_path="./logs", file_name="idle")
        logger.track_function(lambda: 1, "never")
        logger.close()
        logger.reset()
        logger.close()
        print(logger.tracked_variable_count)
        """,
    )
    assert r.returncode == o.returncode == 0, o.stderr
    assert o.stdout == r.stdout == "0\n"
    assert console(o.stderr) == console(r.stderr)
    assert_kept(real_files, our_files)


@pytest.mark.parametrize("case", [
    # Two columns for one attribute tracked twice: opensourceleg writes both cells.
    """
    class R:
        pos = 1.5
    log = Logger(log_path=".", file_name="dup")
    log.track_attributes(R(), ["pos", "pos"])
    log.update(); log.update(); log.close()
    """,
    # A value whose str() raises: warned, ERROR in its cell, as a getter that raises.
    """
    class Bad:
        def __str__(self): raise RuntimeError("no str")
    log = Logger(log_path=".", file_name="bad")
    log.track_function(lambda: Bad(), "bad")
    log.track_function(lambda: 2, "two")
    for _ in range(3):
        log.update()
    log.close()
    """,
    # A level name where a LogLevel is wanted: opensourceleg's file handler fails and it
    # falls back to the console; the same lines here, and no second error for the .bin.
    """
    log = Logger(log_path=".", file_name="lv")
    log.set_file_level("DEBUG")
    try:
        log.set_stream_level("INFO")
    except AttributeError:
        print("AttributeError")
    log.info("hello")
    log.close()
    """,
    # A buffer size that is not a number: TypeError, as opensourceleg raises.
    """
    try:
        Logger(log_path=".", file_name="bs", buffer_size="10")
    except TypeError as e:
        print("TypeError")
    """,
])
def test_drop_in_details_as_opensourceleg(tmp_path, case):
    """Issue 23's finding 8, side by side with the real package."""
    r, o, real_files, our_files = both(tmp_path, "IMPORT\n" + textwrap.dedent(case))
    assert r.returncode == o.returncode == 0, (r.stderr, o.stderr)
    assert r.stdout == o.stdout
    assert our_files == real_files
    assert console(o.stderr) == console(r.stderr)


def test_an_exception_in_a_thread_is_in_the_log_and_the_run_goes_on(tmp_path):
    out = run(
        """
        IMPORT
        import threading
        logger = Logger(log_path="./logs", file_name="thr")
        logger.info("start")
        def sensor():
            raise OSError("bus down")
        t = threading.Thread(target=sensor, name="sensor")
        t.start(); t.join()
        logger.info("still running")
        """,
        tmp_path,
        OURS,
    )
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "logs" / "thr.log").read_text()
    assert "CRITICAL: Uncaught exception in thread sensor: OSError: bus down\nTraceback" in text, text
    assert text.index("bus down") < text.index("still running")
    # The thread's exception did not end the run: the .bin says clean.
    assert ttlog.run_end(tmp_path / "logs" / "thr.bin")["end"] == "clean"


MESSAGES = """
    IMPORT
    import logging
    logger = Logger(log_path="./logs", file_name="msgs", stream_level=LogLevel.DEBUG)
    for i in range(3):
        logger.debug("debug %d", i)
        logger.info("tick %d angle %.3f", i, i * 0.001)
        logger.warning("warn %s", "text")
        logger.error("error")
        logger.critical("critical %(joint)s", {"joint": "knee"})
        logger.log(logging.INFO, "by number %s", i)
        logger.log(35, "an unnamed level")
        logger.info("naïve café")  # not ASCII: logging's own path
        logger.info("100%% sure")
        logger.info(12345)
    logger.set_format("%(levelname)s %(funcName)s: %(message)s")  # funcName: logging's path
    logger.info("with the function")
    logger.set_format("[%(asctime)s] %(name)s %(levelno)s %(message)s")
    logger.info("back to a plain format")
    seen = []
    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())
    keep = Keep()
    logger.addHandler(keep)  # a user's handler gets every record
    logger.info("for the user's handler %d", 7)
    logger.removeHandler(keep)
    logger.addFilter(lambda r: "secret" not in r.getMessage())
    logger.info("a secret")
    logger.info("not filtered")
    print(seen)
"""


def test_messages_are_written_as_opensourceleg_writes_them(tmp_path):
    files = assert_same(tmp_path, MESSAGES)
    log = files["logs/msgs.log"]
    assert "INFO: tick 2 angle 0.002" in log and "CRITICAL: critical knee" in log
    assert ": with the function" in log  # the same funcName as opensourceleg gives
    assert "a secret" not in log and "not filtered" in log
