"""ttlog for Python: structured binary logging for control loops, with crash snapshots.

    import ttlog

    with ttlog.Logger("logs/trial.bin", level="DEBUG", snapshot_dir="logs/snapshots") as log:
        log.info("motor %s stalled", 2, torque=1.5, mode="hold")
        knee = log.schema("knee", ["angle", "velocity", "torque"])
        for tick in range(1000):
            knee(0.1, 0.2, 0.3)               # one timestamped row per tick

    for event in ttlog.open("logs/trial.bin", filter="level>=WARN"):
        print(event["ts"], event["msg"], event["fields"])

Importing this module has no side effects: nothing is created, deleted or started until a
`Logger` is made.
"""

from __future__ import annotations

from ._handler import Handler
from ._logger import Logger
from ._reading import (MissingFileError, columns, dataframe, export, loop_stats, open, plot, report, run_end,
                       snapshots, summary, to_chrome_trace, to_csv, to_json, to_mcap, to_parquet)
from ._ttlog import CorruptFileError, DamagedDataWarning, Error, Schema

__all__ = [
    "Logger",
    "Schema",
    "Handler",
    "Error",
    "CorruptFileError",
    "MissingFileError",
    "DamagedDataWarning",
    "open",
    "to_csv",
    "export",
    "to_json",
    "to_parquet",
    "to_mcap",
    "to_chrome_trace",
    "columns",
    "dataframe",
    "loop_stats",
    "snapshots",
    "run_end",
    "summary",
    "plot",
    "report",
]
