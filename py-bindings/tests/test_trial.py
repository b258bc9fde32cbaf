"""After a trial, from Python: ttlog.summary, ttlog.plot and ttlog.report on a crashed
Python trial, the same Rust code as ttlog-view summary/plot/report."""

import json
import os
import pathlib
import subprocess

import pytest

import ttlog
from conftest import run_child

CRASHING_TRIAL = """
    import threading, ttlog
    class Knee:
        def __init__(self):
            self.t = 0
        @property
        def angle(self):
            return (self.t % 200) / 100.0
        @property
        def winding_temperature(self):
            if self.t % 97 == 5:
                raise RuntimeError("sensor offline")
            return 40 + self.t * 0.05
    knee = Knee()
    log = ttlog.Logger("logs/knee_trial.bin", snapshot_dir="logs/snapshots")
    log.track_attributes(knee, ["angle", "winding_temperature"])
    for t in range(1000):
        knee.t = t
        log.update()
        if t % 250 == 249:
            log.warning("winding at %.1f C", knee.winding_temperature)
    raise RuntimeError("over temperature: 90.0 C")
"""


@pytest.fixture(scope="module")
def crashed(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("trial")
    out = run_child(CRASHING_TRIAL, cwd)
    assert out.returncode == 1 and "over temperature" in out.stderr
    return cwd / "logs" / "knee_trial.bin"


def test_the_summary_says_how_the_trial_ended_and_what_each_series_did(crashed):
    s = ttlog.summary(crashed)
    assert s["end"]["how"] == "exception"
    assert s["end"]["state"] == "ended by exception (closed)"
    cause = s["end"]["cause"]
    assert cause["message"] == "exception in thread MainThread: RuntimeError: over temperature: 90.0 C"
    assert "Traceback" in cause["fields"]["backtrace"] or "line" in cause["fields"]["backtrace"]
    assert cause["fields"]["snapshot"].startswith("logs/snapshots/")
    [snap] = s["snapshots"]
    assert snap["reason"] == "exception" and snap["thread"] == "MainThread"
    assert [w["message"] for w in s["last_warnings"]][-1].startswith("winding at")
    [tracked] = s["tracked"]
    assert tracked["schema"] == "tracked" and tracked["rows"] == 1000
    temp = next(v for v in tracked["variables"] if v["name"] == "Knee.winding_temperature")
    failed = len([t for t in range(1000) if t % 97 == 5])
    assert temp["count"] == 1000 - failed and temp["skipped"] == failed
    assert temp["series"] == "tracked.Knee.winding_temperature"
    assert s["loop"]["series"] == "tracked"
    # The same JSON as ttlog-view summary --format json, key for key.
    view = pathlib.Path(__file__).parents[2] / "target" / "release" / "ttlog-view"
    if view.exists():
        cli = json.loads(subprocess.run([str(view), "summary", str(crashed), "--format", "json"],
                                        capture_output=True, text=True).stdout)
        assert cli == s


def test_plot_and_report_from_python(crashed, tmp_path):
    drawn = ttlog.plot(crashed, ["tracked.Knee.angle", "tracked.Knee.winding_temperature"], tmp_path / "k.png")
    assert [s["samples"] for s in drawn["series"]] == [1000, 1000 - len([t for t in range(1000) if t % 97 == 5])]
    assert drawn["markers"]["WARN"] == 4 and drawn["markers"]["snapshot"] == 1
    assert (tmp_path / "k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no such series: tracked.Knee.nothing.*tracked.Knee.angle"):
        ttlog.plot(crashed, "tracked.Knee.nothing", tmp_path / "x.png")
    with pytest.raises(ValueError, match="png or .svg"):
        ttlog.plot(crashed, "tracked.Knee.angle", tmp_path / "x.gif")
    problems = ttlog.report(crashed, tmp_path / "trial.html")
    assert problems == []
    page = (tmp_path / "trial.html").read_text()
    assert "over temperature: 90.0 C" in page and 'id="traceback"' in page
    assert page.count('class="chart" id="chart-') == 2
    with pytest.raises(ValueError):
        ttlog.report(crashed, crashed)  # never over an input
    assert os.path.getsize(crashed) > 0
