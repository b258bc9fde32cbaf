"""A controller's tick through ttlog.osl and through opensourceleg's Logger, interleaved
tick by tick in one process (so the machine's noise falls on both alike), stderr sent to
/dev/null: each tick moves a joint, calls update() on the README's 15 tracked values, and
every 10th tick logs an INFO message (console and .log, as OSL's defaults do). Every
update(), message and whole tick is timed; percentiles per logger, and the ratios.

    .venv/bin/python py-bindings/benches/osl_tick.py [TICKS]      (default 200,000 each)
"""

import gc
import os
import sys
import tempfile
import time

import numpy as np

# The README's controller: 15 tracked values (a numpy float32 among them).
from osl_update import NAMES, Joint


MESSAGE_EVERY = 10


def pct(sorted_values: list, p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def main() -> None:
    ticks = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    from opensourceleg.logging.logger import Logger as Theirs

    from ttlog.osl import Logger as Ours

    devnull = os.open(os.devnull, os.O_WRONLY)
    saved_stderr = os.dup(2)
    with tempfile.TemporaryDirectory() as tmp:
        loggers = {}
        joints = {}
        for name, cls in (("ttlog.osl", Ours), ("opensourceleg", Theirs)):
            log = cls(log_path=tmp, file_name=name.replace(".", "_"))
            joint = Joint()
            log.track_attributes(joint, NAMES)
            log.info("start")  # files opened before the timing
            loggers[name], joints[name] = log, joint
        times = {name: {"update": [], "message": [], "tick": []} for name in loggers}
        clock = time.perf_counter_ns
        os.dup2(devnull, 2)
        gc.disable()
        try:
            for t in range(ticks):
                for name, log in loggers.items():
                    joint, out = joints[name], times[name]
                    start = clock()
                    joint.angle = np.float32(t * 0.001)
                    joint.v0 = t * 0.5
                    u0 = clock()
                    log.update()
                    u1 = clock()
                    if t % MESSAGE_EVERY == 0:
                        log.info("tick %d angle %.3f", t, t * 0.001)
                        out["message"].append(clock() - u1)
                    end = clock()
                    out["update"].append(u1 - u0)
                    out["tick"].append(end - start)
        finally:
            gc.enable()
            os.dup2(saved_stderr, 2)
        for log in loggers.values():
            log.close()
    print(f"{ticks} ticks each, interleaved; update() of {len(NAMES)} values; an INFO message every "
          f"{MESSAGE_EVERY}th tick; stderr to /dev/null (ns)")
    print(f"  {'':28s} {'p50':>8s} {'p99':>8s} {'p99.9':>8s} {'max':>10s}")
    summary = {}
    for name, parts in times.items():
        for part, values in parts.items():
            s = sorted(values)
            row = (pct(s, 0.5), pct(s, 0.99), pct(s, 0.999), s[-1])
            summary[(name, part)] = row
            print(f"  {name + ' ' + part:28s} {row[0]:8.0f} {row[1]:8.0f} {row[2]:8.0f} {row[3]:10.0f}")
    print("  opensourceleg / ttlog.osl (higher: ttlog.osl faster):")
    for part in ("update", "message", "tick"):
        o, t = summary[("ttlog.osl", part)], summary[("opensourceleg", part)]
        print(f"    {part:8s} p50 {t[0] / o[0]:5.2f}x  p99 {t[1] / o[1]:5.2f}x  p99.9 {t[2] / o[2]:5.2f}x")


if __name__ == "__main__":
    main()
