"""Python spans beside VizTracer, recording the same function, end to end to the file, in
one run (scripts/bench-python runs it after bench.py):

    python py-bindings/benches/spans.py [--calls N] [--runs N]

ttlog: `with log.span("step"):` around the function, and `@log.traced`, from opening the
log to closing it. VizTracer: tracing the same function (with its Python-level callers it
records every call, as it does), then saving its JSON: what a trace costs until it is on
disk. Per recorded call, median of the runs; the loop running the bare function is
subtracted from both."""

import argparse
import os
import statistics
import sys
import tempfile
import time

import ttlog


def work(x):
    return x + 1


def bare(n):
    t = time.perf_counter_ns()
    for i in range(n):
        work(i)
    return time.perf_counter_ns() - t


def ttlog_span(n, path):
    t = time.perf_counter_ns()
    log = ttlog.Logger(path, overwrite=True)
    span = log.span
    for i in range(n):
        with span("step"):
            work(i)
    log.close()
    return time.perf_counter_ns() - t


def ttlog_traced(n, path):
    t = time.perf_counter_ns()
    log = ttlog.Logger(path, overwrite=True)
    traced = log.traced(work)
    for i in range(n):
        traced(i)
    log.close()
    return time.perf_counter_ns() - t


def viztracer(n, path):
    from viztracer import VizTracer

    t = time.perf_counter_ns()
    tracer = VizTracer(output_file=path, verbose=0, tracer_entries=max(1_000_000, 4 * n))
    tracer.start()
    for i in range(n):
        work(i)
    tracer.stop()
    tracer.save()
    return time.perf_counter_ns() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    d = tempfile.mkdtemp()
    results = {"bare": [], "ttlog span": [], "ttlog traced": [], "viztracer": []}
    sizes = {}
    for _ in range(a.runs):
        # Interleaved, so a slow moment of the machine hits every one alike.
        results["bare"].append(bare(a.calls))
        results["ttlog span"].append(ttlog_span(a.calls, os.path.join(d, "s.bin")))
        results["ttlog traced"].append(ttlog_traced(a.calls, os.path.join(d, "t.bin")))
        results["viztracer"].append(viztracer(a.calls, os.path.join(d, "v.json")))
    sizes["ttlog span"] = os.path.getsize(os.path.join(d, "s.bin"))
    sizes["ttlog traced"] = os.path.getsize(os.path.join(d, "t.bin"))
    sizes["viztracer"] = os.path.getsize(os.path.join(d, "v.json"))
    bare_ns = statistics.median(results["bare"]) / a.calls
    print(f"{a.calls} calls, median of {a.runs} runs, Python {sys.version.split()[0]}; "
          f"the bare loop ({bare_ns:.0f} ns per call) subtracted")
    print(f"| recorder | per recorded call | bytes per call | vs VizTracer |")
    print("|---|---|---|---|")
    viz = statistics.median(results["viztracer"]) / a.calls - bare_ns
    for name in ("ttlog span", "ttlog traced", "viztracer"):
        per = statistics.median(results[name]) / a.calls - bare_ns
        ratio = "" if name == "viztracer" else f"{viz / per:.1f}x less"
        print(f"| {name} | {per:.0f} ns | {sizes[name] / a.calls:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
