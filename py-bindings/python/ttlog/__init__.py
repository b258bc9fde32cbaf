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

import array as _array
import datetime as _datetime
import glob as _glob
import logging as _logging
import os as _os
import sys as _sys
import threading as _threading
import traceback as _traceback
import weakref as _weakref
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Union

from ._ttlog import CorruptFileError, DamagedDataWarning, Error, Schema
from ._ttlog import Logger as _NativeLogger
from ._ttlog import Reader as _Reader
from ._ttlog import columns as _columns
from ._ttlog import convert as _convert
from ._ttlog import parse_time as _parse_time

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
    "to_json",
    "columns",
]

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


_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "CRITICAL", "FATAL")


def _check_level(level: Any, what: str) -> str:
    if not isinstance(level, str):
        raise TypeError(f"{what} must be a level name such as 'INFO', not {type(level).__name__}")
    if level.upper() not in _LEVELS:
        raise ValueError(f"unknown {what} {level!r}: use TRACE, DEBUG, INFO, WARN, ERROR")
    return level


def _method_of(level: Any) -> str:
    """The level method for a level name or a stdlib level number."""
    if isinstance(level, bool) or not isinstance(level, (int, str)):
        raise TypeError(f"level must be a name or a logging level number, not {type(level).__name__}")
    if isinstance(level, int):
        for floor, method in ((_logging.ERROR, "error"), (_logging.WARNING, "warning"), (_logging.INFO, "info"),
                              (_logging.DEBUG, "debug")):
            if level >= floor:
                return method
        return "trace"
    _check_level(level, "level")
    return {"TRACE": "trace", "DEBUG": "debug", "INFO": "info", "WARN": "warning", "WARNING": "warning"}.get(
        level.upper(), "error")


_LIVE_LOGGERS: "_weakref.WeakSet[Logger]" = _weakref.WeakSet()
_FORK_HOOK_INSTALLED = False


def _after_fork_in_child() -> None:
    # The writer thread stayed in the parent: close each inherited logger here, without
    # touching the parent's file. The child may open a Logger of its own.
    for log in list(_LIVE_LOGGERS):
        log._after_fork_in_child()


def _watch_forks(log: "Logger") -> None:
    global _FORK_HOOK_INSTALLED
    _LIVE_LOGGERS.add(log)
    if not _FORK_HOOK_INSTALLED and hasattr(_os, "register_at_fork"):
        _os.register_at_fork(after_in_child=_after_fork_in_child)
        _FORK_HOOK_INSTALLED = True


class Logger(_NativeLogger):
    """The ttlog writer. One may be open per process.

    Arguments: ``path`` (the ``.bin`` file; its directory is created), ``level``,
    ``service`` (stored in the header and used as the target of messages),
    ``rotate_bytes`` and ``max_files`` (rotation), ``flush_interval`` (seconds; events reach
    the file within it), ``on_full`` (``"block"``: wait, lossless; ``"drop"``: drop and count),
    ``snapshot_dir`` (where snapshots go; default ``snapshots/`` beside the log),
    ``file_level`` (keep lower levels in memory for snapshots only), ``memory_only``,
    ``snapshot_on_signals``, ``snapshot_on_exception`` (install ``sys.excepthook`` and
    ``threading.excepthook`` to write a snapshot with the traceback), ``close_at_exit``,
    ``overwrite``.

    An earlier log at ``path`` is never destroyed: this logger then writes the first free
    ``STEM-2.bin``, ``STEM-3.bin``, … beside it (``log.path`` says which), unless
    ``overwrite=True``.

    Messages: ``log.info("motor %s stalled", joint, torque=1.5)``. %-style arguments are
    stored and formatted by readers, not by the caller; keyword fields are stored typed
    (int, float, bool, None, str, bytes, and lists, tuples and dicts of those; anything else
    as its ``repr()``).
    """

    def __new__(cls, path: Union[str, "_os.PathLike[str]", None] = None, level: str = "INFO", **kwargs: Any):
        _check_level(level, "level")
        if kwargs.get("file_level") is not None:
            _check_level(kwargs["file_level"], "file_level")
        if path is not None and not isinstance(path, (str, _os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
        flush = kwargs.get("flush_interval", 0.1)
        if isinstance(flush, bool) or not isinstance(flush, (int, float)):
            raise TypeError(f"flush_interval must be a number of seconds, not {type(flush).__name__}")
        native = {k: v for k, v in kwargs.items() if k not in ("snapshot_on_exception", "close_at_exit")}
        if path is not None:
            native["path"] = _os.fspath(path)
        return super().__new__(cls, level=level, **native)

    def __init__(self, path: Any = None, level: str = "INFO", *, snapshot_on_exception: bool = True,
                 close_at_exit: bool = True, **kwargs: Any) -> None:
        self._hooks_installed = False
        _watch_forks(self)
        if snapshot_on_exception:
            self._install_exception_hooks()
        if close_at_exit:
            import atexit

            atexit.register(self.close)

    def __enter__(self) -> "Logger":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and not issubclass(exc_type, (KeyboardInterrupt, GeneratorExit)):
            self._exception_snapshot(exc_type, exc, tb)
        self.close()

    def exception(self, msg: str, *args: Any, **fields: Any) -> None:
        """Logs at ERROR with the exception being handled as field ``exc_text``, as
        ``logging.Logger.exception`` does; call it from an ``except`` block."""
        if _sys.exc_info()[0] is not None:
            fields["exc_text"] = _traceback.format_exc()
        self.error(msg, *args, **fields)

    def log(self, level: Union[int, str], msg: str, *args: Any, **fields: Any) -> None:
        """Logs at ``level``: a name (``"WARN"``) or a stdlib number (``logging.WARNING``)."""
        getattr(self, _method_of(level))(msg, *args, **fields)

    # -- crash safety ------------------------------------------------------------------

    def _exception_snapshot(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self.closed:
            return
        text = "".join(_traceback.format_exception(exc_type, exc, tb))
        try:
            path = self.snapshot("exception", message=f"{exc_type.__name__}: {exc}", traceback=text)
            print(f"ttlog: exception snapshot written to {path}", file=_sys.stderr)
        except Exception as e:  # never hide the original exception
            print(f"ttlog: exception snapshot failed: {e}", file=_sys.stderr)

    def _install_exception_hooks(self) -> None:
        previous = _sys.excepthook
        previous_thread = _threading.excepthook
        me = self

        def excepthook(exc_type: Any, exc: Any, tb: Any) -> None:
            if not issubclass(exc_type, KeyboardInterrupt):
                me._exception_snapshot(exc_type, exc, tb)
                me.flush()
            previous(exc_type, exc, tb)

        def thread_excepthook(args: Any) -> None:
            if args.exc_type is not SystemExit:
                me._exception_snapshot(args.exc_type, args.exc_value, args.exc_traceback)
            previous_thread(args)

        _sys.excepthook = excepthook
        _threading.excepthook = thread_excepthook
        self._hooks_installed = True


class Handler(_logging.Handler):
    """A ``logging.Handler`` writing stdlib log records into ttlog: level, logger name as
    target, the formatted message, ``extra`` fields, and exception text."""

    _STANDARD = set(vars(_logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

    def __init__(self, logger: Logger, level: int = _logging.NOTSET) -> None:
        if not isinstance(logger, _NativeLogger):
            raise TypeError("Handler needs a ttlog.Logger")
        super().__init__(level)
        self._log = logger

    def emit(self, record: _logging.LogRecord) -> None:
        try:
            if record.levelno >= _logging.ERROR:
                level = "ERROR"
            elif record.levelno >= _logging.WARNING:
                level = "WARN"
            elif record.levelno >= _logging.INFO:
                level = "INFO"
            elif record.levelno >= _logging.DEBUG:
                level = "DEBUG"
            else:
                level = "TRACE"
            fields = {k: v for k, v in record.__dict__.items() if k not in self._STANDARD}
            if record.exc_info and record.exc_info[0] is not None:
                fields["exc_text"] = "".join(_traceback.format_exception(*record.exc_info))
            elif record.exc_text:
                fields["exc_text"] = record.exc_text
            try:
                message = record.getMessage()
            except Exception:
                # A bad %-format: the other handlers report it; keep what was logged.
                message = f"{record.msg} {record.args!r}"
            self._log.log_record(level, record.name, message, fields or None)
        except Exception:
            self.handleError(record)


def _expand(paths: Union[str, "_os.PathLike[str]", Iterable[Any]]) -> List[str]:
    if isinstance(paths, (str, _os.PathLike)):
        paths = [paths]
    out: List[str] = []
    for p in paths:
        if not isinstance(p, (str, _os.PathLike)):
            raise TypeError(f"paths must be str or os.PathLike, not {type(p).__name__}")
        p = _os.fspath(p)
        matches = sorted(_glob.glob(p)) if any(c in p for c in "*?[") else []
        out.extend(matches or [p])
    return out


def _filters(filter: Union[str, Sequence[str], None]) -> Optional[List[str]]:
    if filter is None:
        return None
    if isinstance(filter, str):
        return [filter]
    if not all(isinstance(f, str) for f in filter):
        raise TypeError("filter must be a str or a list of str")
    return list(filter)


Time = Union[str, int, float, "_datetime.datetime", None]


def _ns(t: Time, what: str) -> Optional[int]:
    """A time bound as ns since the epoch: an RFC 3339 string, an int (ns since the epoch),
    a float (s since the epoch, as time.time() gives) or a timezone-aware datetime."""
    if t is None:
        return None
    if isinstance(t, bool):
        raise TypeError(f"{what} must be a time, not bool")
    if isinstance(t, int):
        if t < 0:
            raise ValueError(f"{what} is before 1970")
        return t
    if isinstance(t, float):
        if not t >= 0:
            raise ValueError(f"{what} must be seconds since 1970, not {t!r}")
        return round(t * 1e9)
    if isinstance(t, _datetime.datetime):
        if t.tzinfo is None:
            raise ValueError(f"{what}: a naive datetime is ambiguous; give it a tzinfo")
        delta = t - _datetime.datetime(1970, 1, 1, tzinfo=_datetime.timezone.utc)
        return _ns(delta // _datetime.timedelta(microseconds=1) * 1000, what)
    if isinstance(t, str):
        return _parse_time(t)
    raise TypeError(f"{what} must be an RFC 3339 str, int ns, float s or datetime, not {type(t).__name__}")


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


def to_json(paths: Any, out: Union[str, "_os.PathLike[str]"], filter: Any = None, strict: bool = False,
            since: Time = None, until: Time = None) -> int:
    """Writes the events of ``paths`` to ``out`` as JSON Lines; returns how many. Selection
    and damaged data: as in ``open``."""
    return _reading(_convert, _expand(paths), _os.fspath(out), "json", _filters(filter), strict,
                    _ns(since, "since"), _ns(until, "until"))[0]


def to_csv(paths: Any, out: Union[str, "_os.PathLike[str]"], filter: Any = None, strict: bool = False,
           since: Time = None, until: Time = None) -> int:
    """Writes the events of ``paths`` to ``out`` as CSV (a column per field); returns how
    many. Selection and damaged data: as in ``open``."""
    return _reading(_convert, _expand(paths), _os.fspath(out), "csv", _filters(filter), strict,
                    _ns(since, "since"), _ns(until, "until"))[0]


def _column(kind: str, data: Any, as_numpy: bool) -> Any:
    # Float and int columns arrive as one native-endian buffer: no Python object per value.
    if kind == "o":
        if as_numpy:
            import numpy as np  # optional

            return np.asarray(data)
        return data
    if as_numpy:
        import numpy as np  # optional

        return np.frombuffer(data, dtype=np.float64 if kind == "f" else np.int64)
    return _array.array("d" if kind == "f" else "q", data).tolist()


def columns(paths: Any, name: str, as_numpy: bool = False, strict: bool = False,
            since: Time = None, until: Time = None) -> Any:
    """The rows of tracked schema ``name`` (or ``"tracked"`` for ``update()``) as a dict of
    lists, ``ts_ns`` first, with ``None`` where a variable was not tracked yet; numpy arrays
    with ``as_numpy=True``; see also ``dataframe``. ``since``/``until`` and damaged data: as
    in ``open``."""
    raw = _reading(_columns, _expand(paths), name, strict, _ns(since, "since"), _ns(until, "until"))[0]
    return {k: _column(kind, data, as_numpy) for k, (kind, data) in raw.items()}


def dataframe(paths: Any, name: str, strict: bool = False, since: Time = None, until: Time = None) -> Any:
    """The rows of tracked schema ``name`` as a pandas DataFrame (needs pandas and numpy)."""
    import pandas as pd  # optional

    return pd.DataFrame(columns(paths, name, as_numpy=True, strict=strict, since=since, until=until))
