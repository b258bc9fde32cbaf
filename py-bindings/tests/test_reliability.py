"""Nothing lost, nothing crashes: hostile templates and files read within a memory bound,
snapshots always readable, an earlier log never destroyed."""

import os
import pathlib
import subprocess
import sys
import textwrap

import ttlog

HOSTILE = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "hostile"

# Address space a reading child may use: far above the reader's bound, far below what an
# unbounded reader took on these inputs.
LIMIT = 1 << 30


def run_limited(code, cwd):
    """Runs `code` in a child Python limited to LIMIT bytes of address space."""
    prelude = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({LIMIT}, {LIMIT}))\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_huge_widths_and_precisions_are_logged_and_read_without_crashing(tmp_path):
    path = tmp_path / "w.bin"
    with ttlog.Logger(path) as log:
        log.info("v=%.70000f", 1.5)
        log.info("v=%99999999999s", "ab")
        log.info("v=%1000000000s", "ab")
        log.info("v=%18446744073709551616d", 3)
    out = run_limited(
        f"""
        import ttlog
        msgs = [e["msg"] for e in ttlog.open({str(path)!r})]
        assert len(msgs) == 4, msgs
        assert all(len(m) <= 4096 + 8 for m in msgs), [len(m) for m in msgs]
        assert msgs[0].startswith("v=1.5000")
        print("ok")
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_hostile_fixtures_read_whole_within_the_memory_bound(tmp_path):
    out = run_limited(
        f"""
        import ttlog, warnings
        warnings.simplefilter("error")
        n = sum(1 for _ in ttlog.open({str(HOSTILE / "bomb1.bin")!r}))
        assert n == 3355438, n
        msgs = [e["msg"] for e in ttlog.open({str(HOSTILE / "widths.bin")!r})]
        assert len(msgs) == 3 and max(map(len, msgs)) < (1 << 20) + 64
        assert msgs[2].endswith("…[message truncated]")
        print(ttlog.to_json({str(HOSTILE / "bomb1.bin")!r}, "bomb.jsonl"))
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "3355438"


def test_a_snapshot_with_megabytes_of_message_and_traceback_is_readable(tmp_path):
    with ttlog.Logger(tmp_path / "main.bin", snapshot_dir=tmp_path / "snaps") as log:
        log.info("before")
        snap = log.snapshot("exception", message="M" * 2_000_000, traceback="frame\n" * 300_000)
    ev = list(ttlog.open(snap))
    assert [e["msg"] for e in ev] == ["before"]
    header = pathlib.Path(snap).read_bytes()[: 1 << 20]
    assert b"bytes cut" in header


def test_the_path_holds_the_newest_run_and_the_earlier_one_is_moved_aside(tmp_path, capfd):
    path = tmp_path / "trial.bin"
    with ttlog.Logger(path) as log:
        log.info("first run")
    with ttlog.Logger(path) as log:
        log.info("second run")
        assert pathlib.Path(log.path) == path
    # One line on stderr says where the earlier run went.
    err = capfd.readouterr().err
    assert "held an earlier run; moved it to" in err, err
    aside = [p for p in tmp_path.iterdir() if p != path]
    assert len(aside) == 1 and aside[0].name.startswith("trial.20") and aside[0].suffix == ".bin"
    assert str(aside[0]) in err
    assert [e["msg"] for e in ttlog.open(path)] == ["second run"]
    assert [e["msg"] for e in ttlog.open(aside[0])] == ["first run"]
    # Both runs, merged by time, from one glob.
    assert [e["msg"] for e in ttlog.open(str(tmp_path / "*.bin"))] == ["first run", "second run"]
    with ttlog.Logger(path, overwrite=True) as log:
        log.info("replaced")
    assert [e["msg"] for e in ttlog.open(path)] == ["replaced"]


def test_files_written_under_the_old_numbered_rule_stay_readable(tmp_path):
    with ttlog.Logger(tmp_path / "trial-2.bin") as log:
        log.info("old numbered run")
    with ttlog.Logger(tmp_path / "trial.bin") as log:
        log.info("new run")
    assert [e["msg"] for e in ttlog.open(str(tmp_path / "trial*.bin"))] == ["old numbered run", "new run"]


def test_a_logger_used_after_close_never_wipes_its_file(tmp_path):
    path = tmp_path / "run.bin"
    log = ttlog.Logger(path)
    log.info("kept")
    log.close()
    log.info("after close")  # logs nothing, and never reopens the file
    assert [e["msg"] for e in ttlog.open(path)] == ["kept"]
    assert os.listdir(tmp_path) == ["run.bin"]
