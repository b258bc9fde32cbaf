#!/usr/bin/env python3
"""Python logging, side by side in one run, one thread, each library writing to a file.

    .venv/bin/python py-bindings/benches/bench.py [--messages 200000] [--ticks 1000000]

1. A message with 3 fields (id, user_id, duration_ms): ns per call, end to end (until the
   file is complete), for stdlib logging, picologging, structlog + orjson, ttlog; each
   file is read back and counted. Then reading the messages back as dicts: ttlog.open
   against orjson.loads (json.loads without orjson) of each line of structlog's JSON Lines.
2. 10 float variables per tick: ttlog's schema fast path, every tick timed (p50, p99, max,
   ticks over 50 and 100 us), beside the floor of packing 10 floats with struct.pack and a
   tick that does nothing (what the machine itself adds to the tail), with the steal time
   of each run on a VM.
3. Analysis: the rows of section 2 read back into a pandas DataFrame, from the .bin with
   ttlog.dataframe against pandas.read_csv of the same rows as a text CSV.
4. OSL style: update() with 10 tracked getters, CSV on, ttlog.osl against opensourceleg's
   Logger (per-tick percentiles with 15 values: benches/osl_update.py)
   when it is installed.
Libraries that are not installed are skipped and said so.
"""

import argparse
import csv
import gc
import json
import logging
import os
import struct
import sys
import tempfile
import time
from array import array

import ttlog


def per_call(total_ns, n):
    return total_ns / n


def bench_stdlib(path, n):
    log = logging.getLogger("bench.stdlib")
    log.handlers.clear()
    h = logging.FileHandler(path)
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(h)
    log.setLevel(logging.INFO)
    log.propagate = False
    t = time.perf_counter_ns()
    for i in range(n):
        log.info("request handled id=%s user_id=%s duration_ms=%s", i, 1000 + (i & 31), i % 17)
    h.close()
    dt = time.perf_counter_ns() - t
    return dt, sum(1 for _ in open(path, "rb"))


def bench_picologging(path, n):
    import picologging

    log = picologging.getLogger("bench.pico")
    h = picologging.FileHandler(path)
    h.setFormatter(picologging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(h)
    log.setLevel(picologging.INFO)
    t = time.perf_counter_ns()
    for i in range(n):
        log.info("request handled id=%s user_id=%s duration_ms=%s", i, 1000 + (i & 31), i % 17)
    h.close()
    log.removeHandler(h)
    dt = time.perf_counter_ns() - t
    return dt, sum(1 for _ in open(path, "rb"))


def bench_structlog(path, n):
    import orjson
    import structlog

    f = open(path, "wb")
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso"),
                    structlog.processors.JSONRenderer(serializer=orjson.dumps)],
        logger_factory=structlog.BytesLoggerFactory(file=f),
        cache_logger_on_first_use=True,
    )
    log = structlog.get_logger()
    t = time.perf_counter_ns()
    for i in range(n):
        log.info("request handled", id=i, user_id=1000 + (i & 31), duration_ms=i % 17)
    f.close()
    dt = time.perf_counter_ns() - t
    return dt, sum(1 for _ in open(path, "rb"))


def bench_ttlog(path, n):
    log = ttlog.Logger(path, close_at_exit=False, snapshot_on_exception=False)
    info = log.info
    t = time.perf_counter_ns()
    for i in range(n):
        info("request handled", id=i, user_id=1000 + (i & 31), duration_ms=i % 17)
    log.close()
    dt = time.perf_counter_ns() - t
    return dt, sum(1 for _ in ttlog.open(path))


def steal_ms():
    """CPU time the hypervisor took from this VM's CPUs so far (Linux /proc/stat), in ms."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8]) * 1000 // os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0


def timed_ticks(fn, ticks):
    """Runs fn(i) ticks times, timing each call; returns sorted per-call ns. The samples go
    into a preallocated C array: a list would allocate an int object per tick, and on a VM
    the page faults of that allocation show up as stalls of the code under test."""
    clock = time.perf_counter_ns
    samples = array("q", bytes(8 * ticks))
    fn(0)
    stolen = steal_ms()
    for i in range(ticks):
        t0 = clock()
        fn(i)
        samples[i] = clock() - t0
    return sorted(samples), steal_ms() - stolen


def pct(samples, p):
    return samples[min(len(samples) - 1, int(len(samples) * p))]


def tick_line(name, timed, overhead):
    samples, stolen = timed
    over = lambda us: sum(1 for v in samples if v - overhead > us * 1000)
    return (f"   {name:<20} p50 {pct(samples, 0.5) - overhead:6d} ns   p99 {pct(samples, 0.99) - overhead:6d} ns   "
            f"p99.9 {pct(samples, 0.999) - overhead:6d} ns   worst {(samples[-1] - overhead) / 1000:7.1f} us   "
            f"ticks over 50/100 us: {over(50)}/{over(100)}   steal {stolen} ms")


def timed_read(make_iter):
    """Seconds to consume every item of make_iter()."""
    t = time.perf_counter()
    for _ in make_iter():
        pass
    return time.perf_counter() - t


def median_of(runs, fn):
    """Runs fn() `runs` times; the median result (the machine is shared and noisy)."""
    results = sorted(fn() for _ in range(runs))
    return results[len(results) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--ticks", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3, help="runs per library; the median is shown")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ttlog-pybench-")
    n = args.messages
    print(f"Python {sys.version.split()[0]}, one thread, files in {tmp}, median of {args.runs} runs\n")
    print(f"1. message with 3 fields, {n} calls, end to end to a file")
    results = {}
    for name, fn in [("stdlib logging", bench_stdlib), ("picologging", bench_picologging),
                     ("structlog + orjson", bench_structlog), ("ttlog", bench_ttlog)]:
        counts = []

        def one_run(fn=fn, name=name, counts=counts):
            gc.collect()
            path = os.path.join(tmp, f"{name.split()[0]}-{len(counts)}.log")
            dt, count = fn(path, n)
            counts.append(count)
            return per_call(dt, n)

        try:
            results[name] = median_of(args.runs, one_run)
        except ImportError as e:
            print(f"   {name:<20} skipped ({e.name} not installed)")
            continue
        print(f"   {name:<20} {results[name]:8.0f} ns/call   {min(counts)} of {n} records in every file")
    if "ttlog" in results:
        for name, ns in results.items():
            if name != "ttlog":
                print(f"   ttlog is {ns / results['ttlog']:.1f}x faster than {name}")
        # Reading those messages back as dicts: ttlog.open against json.loads of each line
        # of structlog's JSON Lines file (the same events).
        ours = median_of(args.runs, lambda: timed_read(lambda: ttlog.open(os.path.join(tmp, "ttlog-0.log"))))
        line = f"   reading them back as dicts: ttlog.open {ours / n * 1e9:6.0f} ns/event"
        jsonl = os.path.join(tmp, "structlog-0.log")
        if os.path.exists(jsonl):
            try:
                from orjson import loads  # the fastest JSON parser for Python, when installed
                parser = "orjson.loads"
            except ImportError:
                loads, parser = json.loads, "json.loads"
            theirs = median_of(args.runs, lambda: timed_read(lambda: (loads(x) for x in open(jsonl, "rb"))))
            line += f"   {parser} per line of structlog's file {theirs / n * 1e9:6.0f} ns/event ({theirs / ours:.1f}x)"
        print(line)

    ticks = args.ticks
    print(f"\n2. 10 float variables per tick, {ticks} ticks each, every tick timed")
    nothing = timed_ticks(lambda i: None, ticks)
    floor = timed_ticks(lambda i, p=struct.pack: p("10d", i, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0), ticks)
    log = ttlog.Logger(os.path.join(tmp, "ticks.bin"), close_at_exit=False, snapshot_on_exception=False)
    row = log.schema("knee", [f"v{k}" for k in range(10)])
    samples = timed_ticks(lambda i: row(i * 0.001, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0), ticks)
    log.close()
    rows = len(ttlog.columns(os.path.join(tmp, "ticks.bin"), "knee")["ts_ns"])
    b = pct(nothing[0], 0.5)
    print(f"   timer overhead {b} ns, subtracted below; a tick that does nothing shows what the machine adds;")
    print("   steal: CPU time the hypervisor took from this VM during the run (its stalls are the host's)")
    print(tick_line("doing nothing", nothing, b))
    print(tick_line("struct.pack floor", floor, b))
    print(tick_line("ttlog schema row", samples, b))
    print(f"   {rows} of {ticks + 1} ttlog rows read back")

    print(f"\n3. reading the {rows} rows of section 2 back for analysis, as a pandas DataFrame")
    try:
        import pandas as pd

        bin_path = os.path.join(tmp, "ticks.bin")
        csv_path = os.path.join(tmp, "ticks.csv")
        cols = ttlog.columns(bin_path, "knee")
        names = [k for k in cols if k != "ts_ns"]
        with open(csv_path, "w", newline="") as f:  # the text CSV a Python logger writes
            w = csv.writer(f)
            w.writerow(["timestamp"] + names)
            for i, ts in enumerate(cols["ts_ns"]):
                w.writerow([f"{ts / 1e9:.6f}"] + [str(cols[n][i]) for n in names])
        del cols

        def load(fn):
            t = time.perf_counter()
            frame = fn()
            return time.perf_counter() - t, len(frame)

        ours, n_ours = median_of(args.runs, lambda: load(lambda: ttlog.dataframe(bin_path, "knee")))
        theirs, n_theirs = median_of(args.runs, lambda: load(lambda: pd.read_csv(csv_path)))
        mb = lambda p: os.path.getsize(p) / 1e6
        print(f"   ttlog.dataframe(.bin)   {ours:6.2f} s   {n_ours} rows   file {mb(bin_path):6.1f} MB")
        print(f"   pandas.read_csv(.csv)   {theirs:6.2f} s   {n_theirs} rows   file {mb(csv_path):6.1f} MB   "
              f"(ttlog {theirs / ours:.1f}x faster, {mb(csv_path) / mb(bin_path):.1f}x smaller)")
    except ImportError:
        print("   skipped (pandas not installed)")

    print("\n4. OSL update() with 10 tracked getters, 100000 ticks")
    from ttlog import osl as tosl

    class Joint:
        pass

    j = Joint()
    for k in range(10):
        setattr(j, f"v{k}", float(k))

    def per_tick(update):
        t = time.perf_counter_ns()
        for _ in range(100_000):
            update()
        return (time.perf_counter_ns() - t) / 100_000

    # The CSV on for both, as OSL users run it (with it off, OSL's update() does nothing).
    tl = tosl.Logger(log_path=tmp, file_name="osl_ttlog")
    tl.track_attributes(j, [f"v{k}" for k in range(10)])
    ours = median_of(args.runs, lambda: per_tick(tl.update))
    tl.close()
    tl.reset()
    print(f"   ttlog.osl             {ours:8.0f} ns/tick")
    try:
        from opensourceleg.logging.logger import Logger as OSLLogger

        ol = OSLLogger(log_path=tmp, file_name="osl_own")
        # The same tracking call on both sides: each library's own getters.
        ol.track_attributes(j, [f"v{k}" for k in range(10)])

        def theirs_run():
            ns = per_tick(ol.update)
            ol.flush_buffer()
            return ns

        theirs = median_of(args.runs, theirs_run)
        print(f"   opensourceleg Logger  {theirs:8.0f} ns/tick   (ttlog.osl {theirs / ours:.1f}x faster)")
    except ImportError:
        print("   opensourceleg         skipped (not installed)")


if __name__ == "__main__":
    main()
