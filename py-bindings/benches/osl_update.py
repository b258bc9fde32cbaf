"""update() of an OSL-style controller: 15 tracked values (a numpy float32 among them),
CSV on, default buffer of 1000 rows (so each run includes its CSV flushes), every tick
timed. ttlog.osl and opensourceleg's Logger in the same run, alternating runs, and an
empty Python call timed the same way (the clock's and a call's own cost, in both figures).

    .venv/bin/python py-bindings/benches/osl_update.py [TICKS] [RUNS]
"""

import gc
import statistics
import sys
import tempfile
import time

import numpy as np


class Joint:
    def __init__(self) -> None:
        self.angle = np.float32(0.0)
        for i in range(12):
            setattr(self, f"v{i}", 0.0)
        self.mode = 2
        self.ok = True

    def __str__(self) -> str:
        return "knee"


NAMES = ["angle"] + [f"v{i}" for i in range(12)] + ["mode", "ok"]


def time_updates(target, joint: Joint, ticks: int) -> list:
    """Each tick's `target.update()`, timed, after the controller moved the joint."""
    times = [0] * ticks
    clock = time.perf_counter_ns
    gc.disable()
    for t in range(ticks):
        joint.angle = np.float32(t * 0.001)
        joint.v0 = t * 0.5
        start = clock()
        target.update()
        times[t] = clock() - start
    gc.enable()
    return times


def run(logger_cls, ticks: int, tmp: str, name: str) -> list:
    log = logger_cls(log_path=tmp, file_name=name, stream_level=_level(logger_cls, "WARNING"))
    joint = Joint()
    log.track_attributes(joint, NAMES)
    times = time_updates(log, joint, ticks)
    log.close()
    log.reset()
    return times


class _Nothing:
    def update(self) -> None:
        pass


def empty_calls(ticks: int) -> list:
    """The same loop timing a call that does nothing: what the clock and a call cost."""
    return time_updates(_Nothing(), Joint(), ticks)


def _level(logger_cls, name):
    return sys.modules[logger_cls.__module__].LogLevel[name]


def summary(times: list) -> tuple:
    s = sorted(times)
    return s[len(s) // 2], s[int(len(s) * 0.99)], s[-1]


def main() -> None:
    ticks = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    from opensourceleg.logging.logger import Logger as Theirs

    from ttlog.osl import Logger as Ours

    results = {"ttlog.osl": [], "opensourceleg": [], "empty call": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(runs):
            results["ttlog.osl"].append(summary(run(Ours, ticks, tmp, f"ours{r}")))
            results["opensourceleg"].append(summary(run(Theirs, ticks, tmp, f"theirs{r}")))
            results["empty call"].append(summary(empty_calls(ticks)))
    print(f"update() with {len(NAMES)} tracked values, {ticks} ticks, median of {runs} runs (ns)")
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in results.items()}
    for k, (p50, p99, mx) in med.items():
        print(f"  {k:14s} p50 {p50:8.0f}  p99 {p99:8.0f}  max {mx:10.0f}")
    ours, theirs = med["ttlog.osl"][0], med["opensourceleg"][0]
    base = med["empty call"][0]
    print(f"  ratio (p50): ttlog.osl is {theirs / ours:.1f}x faster")
    print(
        f"  ratio (p50 less the empty call's {base:.0f} ns): "
        f"{(theirs - base) / max(ours - base, 1):.1f}x"
    )


if __name__ == "__main__":
    main()
