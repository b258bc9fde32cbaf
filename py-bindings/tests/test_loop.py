"""Loop timing (ttlog.loop_stats, ttlog-view loop) against numpy over the same times."""

import json
import subprocess
import threading
import time

import pytest

import ttlog
from conftest import run_child
from test_export import ttlog_view

np = pytest.importorskip("numpy")


class Knee:
    def __init__(self):
        self.angle = 0.0
        self.torque = 0.0


def run_loop(path, ticks=600, hz=500.0, stalls=(100, 300), stall_s=0.012):
    """A loop at `hz` through update(), with two injected stalls and a WARN in each."""
    with ttlog.Logger(path) as log:
        knee = Knee()
        log.track_attributes(knee, ["angle", "torque"])
        period = 1.0 / hz
        next_t = time.perf_counter()
        for i in range(ticks):
            knee.angle = i * 0.01
            knee.torque = -i * 0.02
            log.update()
            if i in stalls:
                log.warning("sensor timeout", tick=i)
                time.sleep(stall_s)
            next_t += period
            delay = next_t - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                next_t = time.perf_counter()


def numpy_figures(ts, hz, tol):
    periods = np.diff(np.sort(np.asarray(ts, dtype=np.int64))).astype(np.float64)
    ideal = 1e9 / hz
    return {
        "mean": periods.mean(),
        "std": periods.std(),  # population, as IterationStats
        "min": periods.min(),
        "max": periods.max(),
        "p50": np.percentile(periods, 50),
        "p90": np.percentile(periods, 90),
        "p99": np.percentile(periods, 99),
        "p99_9": np.percentile(periods, 99.9),
        "within": int(np.sum(np.abs(periods - ideal) <= tol * ideal)),
        "overruns": int(np.sum(periods > ideal + tol * ideal)),
        "stalls": int(np.sum(periods > 3 * ideal)),
        "n": len(periods),
    }


def test_loop_stats_equal_numpy_over_the_same_times(tmp_path):
    path = tmp_path / "knee.bin"
    run_loop(path)
    ts = ttlog.columns(path, "tracked")["ts_ns"]
    want = numpy_figures(ts, 500.0, 0.1)
    got = ttlog.loop_stats(path, frequency=500, periods=True)
    assert got["series"] == "tracked" and got["frequency_estimated"] is False
    assert got["iterations"] == want["n"] == 599
    for k in ("mean", "std", "min", "max", "p50", "p90", "p99", "p99_9"):
        assert got["period_ns"][k] == pytest.approx(want[k], rel=1e-12, abs=1e-6), k
    assert got["within_tolerance"] == want["within"]
    assert got["overruns"] == want["overruns"]
    assert got["stalls"] == want["stalls"] >= 2
    # Each injected stall is listed with the WARN logged in it.
    warned = [e for s in got["stall_list"] for e in s["events"] if e["msg"] == "sensor timeout"]
    assert len(warned) == 2
    assert list(got["periods_ns"]) == list(np.diff(np.asarray(ts, dtype=np.uint64)))
    # Estimated: the median period names 500 Hz, and it says so.
    est = ttlog.loop_stats(path)
    assert est["frequency_hz"] == 500.0 and est["frequency_estimated"] is True
    # Pictures, as ttlog-view loop --plot/--timeline draws them.
    ttlog.loop_stats(path, frequency=500, plot=tmp_path / "h.png", timeline=str(tmp_path / "t.svg"))
    assert (tmp_path / "h.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert (tmp_path / "t.svg").read_text().startswith("<svg")
    with pytest.raises(ValueError, match="png or .svg"):
        ttlog.loop_stats(path, plot=tmp_path / "h.jpg")
    # The CLI gives the same figures.
    out = subprocess.run([ttlog_view(), "loop", str(path), "--frequency", "500", "--format", "json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout)
    assert cli["period_ns"] == got["period_ns"] and cli["within_tolerance"] == got["within_tolerance"]


def test_an_unchanged_osl_controller_gives_the_figures_from_its_rows(tmp_path):
    """ttlog.osl's update() rows are the series `tracked`: no code change. (A child process:
    the drop-in's logger is a singleton that keeps its file open.)"""
    out = run_child(
        """
        import time
        from ttlog.osl import Logger
        class Knee:
            angle = 0.0
        knee = Knee()
        logger = Logger(log_path=".", file_name="trial")
        logger.track_attributes(knee, ["angle"])
        for i in range(50):
            knee.angle = float(i)
            logger.update()
            time.sleep(0.002)
        logger.close()
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    stats = ttlog.loop_stats(tmp_path / "trial.bin")
    assert stats["iterations"] == 49
    ts = ttlog.columns(tmp_path / "trial.bin", "tracked")["ts_ns"]
    assert stats["period_ns"]["mean"] == pytest.approx(np.diff(np.asarray(ts, dtype=np.int64)).mean())


def test_bad_series_and_too_few_iterations_say_what_exists(tmp_path):
    path = tmp_path / "s.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle"])
        knee(1.0)
        knee(2.0)
        log.info("only one")
    with pytest.raises(ValueError, match="these files have: knee"):
        ttlog.loop_stats(path)
    with pytest.raises(ValueError, match="needs at least two"):
        ttlog.loop_stats(path, series="events", filter="msg=\"only one\"")
    assert ttlog.loop_stats(path, series="knee")["iterations"] == 1
    with pytest.raises(ValueError, match="frequency"):
        ttlog.loop_stats(path, series="knee", frequency=0)
    with pytest.raises(TypeError):
        ttlog.loop_stats(path, series=5)
    out = subprocess.run([ttlog_view(), "loop", str(path)], capture_output=True, text=True)
    assert out.returncode == 2 and "knee" in out.stderr


def test_marks_time_a_loop_without_tracking_anything(tmp_path):
    path = tmp_path / "marks.bin"
    with ttlog.Logger(path) as log:
        for i in range(100):
            log.mark("tick")
            time.sleep(0.001)
        with pytest.raises(TypeError):
            log.mark(5)
    stats = ttlog.loop_stats(path, series="tick")
    assert stats["iterations"] == 99 and stats["period_ns"]["min"] >= 1_000_000
    assert list(ttlog.columns(path, "tick")) == ["ts_ns"]
