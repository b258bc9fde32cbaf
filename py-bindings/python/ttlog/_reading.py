"""Reading ttlog files: events as dicts, exports, and tracked columns."""

from __future__ import annotations

import array as _array
import os as _os
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from ._time import Time, _ns
from ._ttlog import Error
from ._ttlog import Reader as _Reader
from ._ttlog import columns as _columns
from ._ttlog import plot as _plot
from ._ttlog import report as _report
from ._ttlog import run_end as _run_end
from ._ttlog import summary as _summary
from ._ttlog import export as _export
from ._ttlog import expand_paths as _expand_paths
from ._ttlog import loop_stats as _loop_stats
from ._ttlog import snapshot_record as _snapshot_record

__all__ = ["MissingFileError", "open", "export", "to_json", "to_csv", "to_parquet", "to_mcap", "to_chrome_trace",
           "columns", "dataframe", "loop_stats", "snapshots"]


class MissingFileError(Error, FileNotFoundError):
    """A file to read does not exist. Both a ``ttlog.Error`` and a ``FileNotFoundError``,
    with ``filename`` set."""


def _reading(call: Callable[..., Any], *args: Any) -> Any:
    """Runs a native reading call, raising a missing file as ``MissingFileError``."""
    try:
        return call(*args)
    except FileNotFoundError as e:
        if isinstance(e, MissingFileError):
            raise
        raise MissingFileError(e.errno, e.strerror, e.filename) from None


def _expand(paths: Union[str, "_os.PathLike[str]", Iterable[Any]]) -> List[str]:
    if isinstance(paths, (str, _os.PathLike)):
        paths = [paths]
    out: List[str] = []
    for p in paths:
        if not isinstance(p, (str, _os.PathLike)):
            raise TypeError(f"paths must be str or os.PathLike, not {type(p).__name__}")
        out.append(_os.fspath(p))
    # The same expansion as ttlog-view's (a pattern that exists as a file, or matches
    # nothing, is taken as a name).
    return [_os.fspath(p) for p in _expand_paths(out)]


def _filters(filter: Union[str, Sequence[str], None]) -> Optional[List[str]]:
    if filter is None:
        return None
    if isinstance(filter, str):
        return [filter]
    if not all(isinstance(f, str) for f in filter):
        raise TypeError("filter must be a str or a list of str")
    return list(filter)


def open(paths: Any, filter: Union[str, Sequence[str], None] = None, strict: bool = False,
         since: Time = None, until: Time = None) -> Iterator[Dict[str, Any]]:
    """Iterates the events of files (paths or globs) as dicts, merged by time, with the keys
    of the JSON export (``ts``, ``level``, ``target``, ``thread``, ``msg``, ``fields``,
    ``file``, ``line``) plus ``ts_ns``. ``filter`` takes ttlog-view's expressions
    (``"level>=WARN and joint=2"``); ``since`` and ``until`` bound the time (inclusive): an
    RFC 3339 string, int ns or float s since the epoch, or an aware datetime. Damaged data
    is skipped, listed in ``.problems`` and reported once as a ``DamagedDataWarning`` at the
    end, or raises ``CorruptFileError`` with ``strict=True``."""
    return _reading(_Reader, _expand(paths), _filters(filter), strict, _ns(since, "since"), _ns(until, "until"))


def export(paths: Any, out: Union[str, "_os.PathLike[str]"], to: str, filter: Any = None, strict: bool = False,
           since: Time = None, until: Time = None, fields: Optional[Sequence[str]] = None,
           partition_by: Optional[str] = None) -> Tuple[int, List[Dict[str, Any]]]:
    """Writes the events of ``paths`` to ``out`` in the format ``to`` (``"json"``,
    ``"csv"``, ``"chrome-trace"``, ``"parquet"``, ``"mcap"``), through the same export job
    as ``ttlog-view convert --to``: the same file, byte for byte where the format allows.
    ``fields`` (JSON, CSV) keeps only those fields, in CSV as those columns in that order;
    ``partition_by`` (Parquet: ``"service,host,date"``, any of them in order) writes a
    Hive-partitioned dataset into the new or empty directory ``out``. Returns how many
    events were written and the damaged data skipped (dicts with ``path``, ``error``,
    ``offset``). ``out`` is never one of the inputs nor a ttlog log (``ValueError``, nothing
    written) and appears only when complete. Selection and damaged data: as in ``open``."""
    if not isinstance(to, str):
        raise TypeError(f"to must be a str, not {type(to).__name__}")
    if fields is not None:
        if isinstance(fields, str) or not all(isinstance(f, str) for f in fields):
            raise TypeError("fields must be a list of str")
        fields = list(fields)
    if partition_by is not None and not isinstance(partition_by, str):
        raise TypeError(f"partition_by must be a str, not {type(partition_by).__name__}")
    count, problems = _reading(_export, _expand(paths), _os.fspath(out), to, _filters(filter), strict,
                               _ns(since, "since"), _ns(until, "until"), fields, partition_by)
    return count, list(problems)


def to_json(paths: Any, out: Union[str, "_os.PathLike[str]"], filter: Any = None, strict: bool = False,
            since: Time = None, until: Time = None, fields: Optional[Sequence[str]] = None) -> int:
    """Writes the events of ``paths`` to ``out`` as JSON Lines, as ``export(..., to="json")``
    does; returns how many."""
    return export(paths, out, "json", filter, strict, since, until, fields=fields)[0]


def to_csv(paths: Any, out: Union[str, "_os.PathLike[str]"], filter: Any = None, strict: bool = False,
           since: Time = None, until: Time = None, fields: Optional[Sequence[str]] = None) -> int:
    """Writes the events of ``paths`` to ``out`` as CSV (a column per field, at most 500: the
    other fields of a row go, as a JSON object, into a last column ``more_fields``; or the
    ``fields`` chosen, in order), as ``export(..., to="csv")`` does; returns how many."""
    return export(paths, out, "csv", filter, strict, since, until, fields=fields)[0]


def to_parquet(paths: Any, out: Union[str, "_os.PathLike[str]"], filter: Any = None, strict: bool = False,
               since: Time = None, until: Time = None, partition_by: Optional[str] = None) -> int:
    """Writes the events of ``paths`` to ``out`` as one Parquet table (DuckDB, Polars,
    pandas, Spark read it): ``ts`` (timestamp, ns, UTC), ``level``, ``target``, ``thread``,
    ``msg``, ``file``, ``line``, then one typed column per field (the rules: the
    ``ttlog-export`` crate docs and the README), and one table per tracked schema beside
    it (``STEM.track.NAME.parquet``), as ``ttlog-view convert --to parquet`` does. With
    ``partition_by`` (``"service,host,date"``, any of them in order), a Hive-partitioned
    dataset in the new or empty directory ``out``. Returns how many rows; the rest as
    ``export``."""
    return export(paths, out, "parquet", filter, strict, since, until, partition_by=partition_by)[0]


def to_mcap(paths: Any, out: Union[str, "_os.PathLike[str]"], filter: Any = None, strict: bool = False,
            since: Time = None, until: Time = None) -> List[Dict[str, Any]]:
    """Writes the events of ``paths`` to ``out`` as one MCAP file for Foxglove and
    PlotJuggler, the same file ``ttlog-view convert --to mcap`` writes: log events on
    ``/log``, tracked schemas on ``/track/NAME``, each callsite's numeric fields on
    ``/TARGET/TEMPLATE``, typed. Returns the damaged data skipped; the rest as ``export``."""
    return export(paths, out, "mcap", filter, strict, since, until)[1]


def to_chrome_trace(paths: Any, out: Union[str, "_os.PathLike[str]"], filter: Any = None, strict: bool = False,
                    since: Time = None, until: Time = None) -> List[Dict[str, Any]]:
    """Writes the events of ``paths`` to ``out`` as a Chrome trace (Trace Event JSON) for
    ui.perfetto.dev, the same file ``ttlog-view convert --to chrome-trace`` writes: span
    records as slices, other events as instants, a track per thread. Returns the damaged data
    skipped; the rest as ``export``."""
    return export(paths, out, "chrome-trace", filter, strict, since, until)[1]


def _column(kind: str, data: Any, valid: Any, as_numpy: bool) -> Any:
    # Float, int and bool columns arrive as one native-endian buffer (no Python object per
    # value), with `valid` one byte a row (0 = null) when some row holds no value.
    if kind == "o":
        if as_numpy:
            import numpy as np  # optional

            # One object per row, whatever a row holds (a tracked numpy array stays one
            # cell): np.asarray would make a 2-D array of lists, which pandas refuses.
            out = np.empty(len(data), dtype=object)
            for i, value in enumerate(data):
                out[i] = value
            return out
        return data
    if as_numpy:
        import numpy as np  # optional

        values = np.frombuffer(data, dtype={"f": np.float64, "i": np.int64, "b": np.bool_}[kind])
        if valid is None or kind == "f":
            return values  # NaN where a float is null
        # A masked array: .mean(), .max() … skip the nulls.
        return np.ma.masked_array(values, mask=np.frombuffer(valid, dtype=np.uint8) == 0)
    if kind == "b":
        values = [b != 0 for b in data]
    else:
        values = _array.array("d" if kind == "f" else "q", data).tolist()
    if valid is not None:
        values = [v if ok else None for v, ok in zip(values, valid)]
    return values


def columns(paths: Any, name: str, as_numpy: bool = False, strict: bool = False,
            since: Time = None, until: Time = None) -> Any:
    """The rows of tracked schema ``name`` (or ``"tracked"`` for ``update()``) as a dict of
    lists, ``ts_ns`` first (at most 500 variables get lists; others, in a row, go to
    ``more_fields`` as a dict); numpy arrays with ``as_numpy=True``; see also ``dataframe``.

    A column keeps its type through nulls (a variable not tracked yet, or a read that
    failed: a getter that raised): ``None`` in a list, NaN in a float array, a masked entry
    in an int or bool array (``numpy.ma``, whose ``mean()`` skips it). What failed is in the
    column ``read_errors``: per row ``None``, or ``{variable: repr(exception)}``; present only
    when some read failed. ``since``/``until`` and damaged data: as in ``open``."""
    raw = _reading(_columns, _expand(paths), name, strict, _ns(since, "since"), _ns(until, "until"))[0]
    return {k: _column(kind, data, valid, as_numpy) for k, (kind, data, valid) in raw.items()}


def loop_stats(paths: Any, series: str = "tracked", frequency: Optional[float] = None, tolerance: float = 0.1,
               stall_periods: float = 3.0, filter: Union[str, Sequence[str], None] = None, since: Time = None,
               until: Time = None, periods: bool = False, plot: Any = None, timeline: Any = None) -> Dict[str, Any]:
    """Did a control loop keep its period (``ttlog-view loop``, the same figures): ``series``
    is ``"tracked"`` (``update()`` rows: an unchanged OSL controller needs nothing more), a
    tracked schema's name, ``"span=NAME"`` (span starts; their busy time is the work) or
    ``"events"`` (every event ``filter`` selects). Returns a dict: ``frequency_hz`` (given,
    or estimated from the median period: ``frequency_estimated``), ``ideal_period_ns``,
    ``iterations``, ``period_ns`` (``mean``, ``std`` (population: the jitter), ``min``,
    ``max``, ``p50``, ``p90``, ``p99``, ``p99_9``, interpolated as ``numpy.percentile``),
    ``within_tolerance`` and ``_pct`` (``|period - ideal| <= tolerance * ideal``, as
    opensourceleg's ``IterationStats``), ``overruns``, ``worst_overruns``, ``stalls`` (gaps
    over ``stall_periods`` ideal periods) with the WARN-or-worse events around them, and
    ``work_ns`` for a span. With ``periods=True`` also ``start_ns`` and ``periods_ns``
    (numpy arrays when numpy is installed, else lists). ``plot`` and ``timeline`` draw the
    periods histogram and the period over time to a ``.png`` or ``.svg`` path, as
    ``ttlog-view loop --plot/--timeline``. Fewer than two iterations: ``ValueError`` naming
    the series the files have."""
    import json

    if not isinstance(series, str):
        raise TypeError(f"series must be a str, not {type(series).__name__}")
    text, starts, _ = _reading(_loop_stats, _expand(paths), series,
                               None if frequency is None else float(frequency), float(tolerance),
                               float(stall_periods), _filters(filter), _ns(since, "since"), _ns(until, "until"),
                               None if plot is None else _os.fspath(plot),
                               None if timeline is None else _os.fspath(timeline))
    report = json.loads(text)
    if periods:
        try:
            import numpy as np

            start = np.frombuffer(bytes(starts), dtype=np.uint64)
            report["start_ns"] = start
            report["periods_ns"] = np.diff(start)
        except ImportError:
            start_list = list(_array.array("Q", bytes(starts)))
            report["start_ns"] = start_list
            report["periods_ns"] = [b - a for a, b in zip(start_list, start_list[1:])]
    return report


def summary(paths: Any, filter: Union[str, Sequence[str], None] = None, since: Time = None,
            until: Time = None) -> Dict[str, Any]:
    """The first page of a trial, as ``ttlog-view summary --format json`` gives it (the same
    Rust code): ``files`` (each with how it ended), ``service``, ``host``, ``session``,
    ``first``/``last``/``duration_s``, ``end`` (``state``, ``how``, ``cause``: the end
    event's message and fields: reason, thread, file, line, backtrace, snapshot),
    ``events``, ``levels``, ``dropped``, ``problems``, ``last_warnings``, ``snapshots``,
    ``tracked`` (each schema's rows, rate and variables' count/min/max, with the name
    ``plot`` takes), ``numeric`` (numeric fields of events), ``loop`` (as ``loop_stats``) and
    ``spans``. Damaged data is skipped and listed in ``problems``."""
    import json

    text, _ = _reading(_summary, _expand(paths), _filters(filter), _ns(since, "since"), _ns(until, "until"))
    return json.loads(text)


def plot(paths: Any, series: Union[str, Sequence[str]], out: Union[str, "_os.PathLike[str]"],
         filter: Union[str, Sequence[str], None] = None, since: Time = None, until: Time = None,
         wall_time: bool = False) -> Dict[str, Any]:
    """Draws ``series`` to ``out`` (``.png`` or ``.svg``) as ``ttlog-view plot`` does: one
    panel each on a shared time axis, WARN/ERROR/CRITICAL events and snapshots as markers,
    long series min-max decimated. A series is ``"SCHEMA.VARIABLE"`` (a tracked variable:
    ``"tracked.Knee.angle"``) or ``"FIELD@FILTER"`` (``"torque@target=motor"``); backticks
    quote a part. Returns what was drawn (series, samples, points, ranges, markers). A series
    the files do not have is a ``ValueError`` listing the ones they have."""
    import json

    if isinstance(series, str):
        series = [series]
    if not isinstance(series, (list, tuple)) or not all(isinstance(s, str) for s in series):
        raise TypeError(f"series must be a str or a list of str, not {type(series).__name__}")
    text, _ = _reading(_plot, _expand(paths), list(series), _os.fspath(out), _filters(filter),
                       _ns(since, "since"), _ns(until, "until"), bool(wall_time))
    return json.loads(text)


def report(paths: Any, out: Union[str, "_os.PathLike[str]"], filter: Union[str, Sequence[str], None] = None,
           since: Time = None, until: Time = None, points: Optional[int] = None) -> List[Dict[str, Any]]:
    """Writes the trial's self-contained HTML report to ``out`` as ``ttlog-view report``
    does (the summary, how the run ended, interactive charts of every series, the events
    table, loop timing, spans; it opens offline). ``points``: samples embedded as they are
    before series are decimated. Returns the problems met (damaged data skipped)."""
    return list(_reading(_report, _expand(paths), _os.fspath(out), _filters(filter), _ns(since, "since"),
                         _ns(until, "until"), points))


def run_end(path: Union[str, "_os.PathLike[str]"]) -> Dict[str, Any]:
    """How the run of one file ended, as ``ttlog-view info`` says: ``state`` (one line:
    ``closed cleanly``, ``ended by exception (closed)``, ``being written (a live process
    holds its lock)``, ``not closed: the writer was killed …``), ``closed``, ``end`` (the
    trailer's ``clean``, ``panic``, ``exception``, ``signal-SIGTERM``, ``interrupted``, or
    None), ``end_event`` (the cause, from the run's CRITICAL ``ttlog.end`` event),
    ``damaged`` and ``live``."""
    return _reading(_run_end, _os.fspath(path))


def snapshots(directory: Union[str, "_os.PathLike[str]"]) -> List[Dict[str, Any]]:
    """The snapshots in ``directory`` (as ``ttlog-view snapshots`` lists them), newest first:
    each the crash record (``reason``, ``thread``, ``message``, ``file``, ``line``,
    ``backtrace``, ``time_ns``, ``events``, ``main_log``, ...) with ``path`` added. The
    record of one file: ``ttlog.open(path).snapshot``. Files that are not snapshots are
    left out."""
    import json

    directory = _os.fspath(directory)
    out = []
    for name in sorted(_os.listdir(directory)):
        if not name.endswith(".bin"):
            continue
        path = _os.path.join(directory, name)
        try:
            text = _snapshot_record(path)
        except Error:
            continue
        if text is not None:
            record = json.loads(text)
            record["path"] = path
            out.append(record)
    out.sort(key=lambda r: r.get("time_ns", 0), reverse=True)
    return out


def dataframe(paths: Any, name: str, strict: bool = False, since: Time = None, until: Time = None) -> Any:
    """The rows of tracked schema ``name`` as a pandas DataFrame (needs pandas and numpy):
    the columns of ``columns``, a float column NaN where a value is null, an int or bool
    column with nulls as pandas' nullable ``Int64`` or ``boolean``."""
    import numpy as np  # optional
    import pandas as pd  # optional

    raw = _reading(_columns, _expand(paths), name, strict, _ns(since, "since"), _ns(until, "until"))[0]
    frame = {}
    for k, (kind, data, valid) in raw.items():
        if valid is not None and kind in ("i", "b"):
            mask = np.frombuffer(valid, dtype=np.uint8) == 0
            values = np.frombuffer(data, dtype=np.int64 if kind == "i" else np.bool_)
            array_type = pd.arrays.IntegerArray if kind == "i" else pd.arrays.BooleanArray
            frame[k] = array_type(values.copy(), mask)
        else:
            frame[k] = _column(kind, data, valid, True)
    return pd.DataFrame(frame)
