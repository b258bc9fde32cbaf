#!/usr/bin/env python3
"""Benchmarks of ttlog-view, side by side with jq, in one run.

    python3 scripts/bench-cli.py [--events 10000000] [--big-gb 1.0] [--dir /tmp/ttlog-bench]

Writes the demo trace (EVENTS events), exports it as JSON Lines, then measures:
  - `ttlog-view FILE --filter level=ERROR --format json` against
    `jq -c 'select(.level=="ERROR")'` over the JSON Lines (outputs must be identical);
  - `convert --to json` on one thread and on all cores (events per second);
  - `tail -n 20` on a file of about BIG_GB gigabytes;
  - peak resident memory of view, filter, convert and tail on the small and the big file.
Each time is the median of several runs. Needs cargo and jq.
"""
import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIEW = os.path.join(ROOT, "target", "release", "ttlog-view")
DEMO = os.path.join(ROOT, "target", "release", "examples", "demo")


def run(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (seconds, peak RSS in MiB, exit code).

    The command runs as a child of a small shell rather than of Python: a forked process
    starts with its parent's peak RSS, which would hide the command's own.
    """
    start = time.perf_counter()
    wrapped = ["/bin/sh", "-c", '"$@"; exit $?', "sh", *cmd]
    proc = subprocess.Popen(wrapped, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    if proc.returncode not in (0,):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {err}")
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def median_time(cmd, runs=3, out_path=None):
    """Median seconds and peak RSS over runs; stdout to out_path (rewritten each run)."""
    times, rss = [], []
    for _ in range(runs):
        if out_path:
            with open(out_path, "wb") as f:
                t, m, _ = run(cmd, f)
        else:
            t, m, _ = run(cmd)
        times.append(t)
        rss.append(m)
    return statistics.median(times), max(rss)


def demo(path, events):
    if not os.path.exists(path):
        subprocess.run([DEMO, "--out", path, "--events", str(events), "--threads", "4"],
                       check=True, stdout=subprocess.DEVNULL)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--big-gb", type=float, default=1.0)
    ap.add_argument("--dir", default="/tmp/ttlog-bench")
    args = ap.parse_args()
    if not shutil.which("jq"):
        sys.exit("jq is needed (apt-get install jq)")
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "ttlog", "--example", "demo"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "ttlog-view"], cwd=ROOT, check=True)
    os.makedirs(args.dir, exist_ok=True)
    small = demo(os.path.join(args.dir, f"demo-{args.events}.bin"), args.events)
    jsonl = small[:-4] + ".jsonl"
    if not os.path.exists(jsonl):
        subprocess.run([VIEW, "convert", small, "--to", "json", "-o", jsonl], check=True)
    n = sum(1 for _ in open(jsonl, "rb"))
    print(f"trace: {small}: {os.path.getsize(small) / 2**20:.0f} MiB, {n} events "
          f"({os.path.getsize(jsonl) / 2**20:.0f} MiB as JSON Lines)")

    ours = os.path.join(args.dir, "errors.ttlog.jsonl")
    theirs = os.path.join(args.dir, "errors.jq.jsonl")
    t_ours, m_filter = median_time([VIEW, small, "--filter", "level=ERROR", "--format", "json"], 5, ours)
    t_jq, _ = median_time(["jq", "-c", 'select(.level=="ERROR")', jsonl], 1, theirs)
    same = filecmp.cmp(ours, theirs, shallow=False)
    print(f"\nfilter level=ERROR -> json: ttlog-view {t_ours:.3f} s, jq {t_jq:.2f} s: "
          f"{t_jq / t_ours:.0f}x faster (outputs identical: {same})")

    t1, m_conv = median_time([VIEW, "convert", small, "--to", "json", "--threads", "1", "-o", "/dev/null"])
    t2, _ = median_time([VIEW, "convert", small, "--to", "json", "-o", "/dev/null"])
    print(f"convert --to json: {n / t1 / 1e6:.2f} M events/s on 1 core, {n / t2 / 1e6:.2f} M events/s "
          f"on {os.cpu_count()} cores ({t1 / t2:.2f}x)")
    t_view, m_view = median_time([VIEW, small])

    # The big file: the demo at the size that reaches BIG_GB.
    per_event = os.path.getsize(small) / args.events
    big_events = int(args.big_gb * 2**30 / per_event)
    big = demo(os.path.join(args.dir, f"demo-{big_events}.bin"), big_events)
    size = os.path.getsize(big)
    t_tail, m_tail_big = median_time([VIEW, "tail", "-n", "20", big], 7)
    _, m_tail_small = median_time([VIEW, "tail", "-n", "20", small], 1)
    print(f"tail -n 20 on {size / 2**30:.2f} GiB ({big_events} events): {t_tail * 1e3:.1f} ms")
    _, m_conv_big = median_time([VIEW, "convert", big, "--to", "json", "-o", "/dev/null"], 1)
    _, m_filter_big = median_time([VIEW, big, "--filter", "level=ERROR", "--format", "json"], 1)
    _, m_view_big = median_time([VIEW, big], 1)
    print(f"\npeak RSS (MiB)   {os.path.getsize(small) / 2**20:6.0f} MiB file   {size / 2**20:6.0f} MiB file")
    for name, a, b in [("view", m_view, m_view_big), ("filter", m_filter, m_filter_big),
                       ("convert", m_conv, m_conv_big), ("tail", m_tail_small, m_tail_big)]:
        print(f"  {name:<14} {a:14.1f} {b:16.1f}")
    print(f"\n(view of {n} events as text: {t_view:.2f} s)")


if __name__ == "__main__":
    main()
