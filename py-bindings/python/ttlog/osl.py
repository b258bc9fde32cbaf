"""A drop-in for ``opensourceleg.logging.Logger`` and ``LOGGER`` on top of ttlog.

Change ``from opensourceleg.logging import LOGGER, Logger, LogLevel`` to
``from ttlog.osl import LOGGER, Logger, LogLevel``. Messages and tracked variables go to a
ttlog file (``<log_path>/<file_name>.bin``) at a fraction of the cost, nothing buffered in
Python is lost on a crash, and at ``close()`` the CSV OSL users expect is written beside it
(header of variable names, one row per ``update()``, values as ``str(value)``), optionally
with a timestamp column. ``LOGGER`` creates its files on first use, not at import.
"""

from __future__ import annotations

import csv as _csv
import os as _os
import sys as _sys
import time as _time
from enum import Enum
from typing import Any, List, Optional

import ttlog as _ttlog

__all__ = ["Logger", "LogLevel", "LOGGER"]


class LogLevel(int, Enum):
    """OSL's levels, with the stdlib's numbers."""

    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40
    CRITICAL = 50


def _name(level: Any) -> str:
    level = LogLevel(level) if not isinstance(level, LogLevel) else level
    return {10: "DEBUG", 20: "INFO", 30: "WARN", 40: "ERROR", 50: "ERROR"}[int(level)]


def _cell(value: Any) -> str:
    # A getter that raised is stored as "<error: ...>" in the .bin; OSL's CSV says ERROR.
    if isinstance(value, str) and value.startswith("<error: "):
        return "ERROR"
    return str(value)


class Logger:
    """opensourceleg's ``Logger``: one instance per process (a singleton), the same
    constructor arguments, methods, setters and properties."""

    _instance: Optional["Logger"] = None

    def __new__(cls, *args: Any, **kwargs: Any) -> "Logger":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
            cls._instance._ready = False
        return cls._instance

    def __init__(self, log_path: str = "./", log_format: str = "[%(asctime)s] %(levelname)s: %(message)s",
                 file_level: LogLevel = LogLevel.DEBUG, stream_level: LogLevel = LogLevel.INFO,
                 file_max_bytes: int = 0, file_backup_count: int = 5, file_name: Optional[str] = None,
                 buffer_size: int = 1000, enable_csv_logging: bool = True, csv_timestamp: bool = False) -> None:
        if self._ready:
            return
        if not isinstance(log_path, (str, _os.PathLike)):
            raise TypeError("log_path must be a str")
        if not isinstance(buffer_size, int) or buffer_size <= 0:
            raise ValueError("buffer_size must be a positive int")
        self._log_path = _os.fspath(log_path)
        self._log_format = log_format
        self._file_level = LogLevel(file_level)
        self._stream_level = LogLevel(stream_level)
        self._file_max_bytes = file_max_bytes
        self._file_backup_count = file_backup_count
        self._user_file_name = file_name
        self._buffer_size = buffer_size
        self._enable_csv_logging = enable_csv_logging
        self._csv_timestamp = csv_timestamp
        self._log: Optional[_ttlog.Logger] = None
        self._tracked: List[tuple] = []
        self._ready = True

    # -- the ttlog file, opened on first use --------------------------------------------

    def _file_base(self) -> str:
        if self._user_file_name:
            name = self._user_file_name
        else:
            script = _os.path.splitext(_os.path.basename(_sys.argv[0] or "python"))[0] or "python"
            name = f"{script}_{_time.strftime('%Y%m%d_%H%M%S')}"
        return _os.path.join(self._log_path, name)

    def _ensure(self) -> _ttlog.Logger:
        if self._log is None or self._log.closed:
            self._base = self._file_base()
            self._log = _ttlog.Logger(
                self._base + ".bin",
                level=_name(self._file_level),
                service=_os.path.basename(self._base),
                rotate_bytes=self._file_max_bytes or None,
                max_files=self._file_backup_count if self._file_max_bytes else None,
            )
            for name, how in self._tracked:
                if how[0] == "fn":
                    self._log.track_function(how[1], name)
                else:
                    self._log.track_attributes(how[1], how[2], how[3])
            self.update = self._log.update  # type: ignore[method-assign]
        return self._log

    # -- messages -------------------------------------------------------------------------

    def _emit(self, level: LogLevel, msg: Any, *args: Any, **kwargs: Any) -> None:
        log = self._ensure()
        text = msg if isinstance(msg, str) else str(msg)
        getattr(log, {10: "debug", 20: "info", 30: "warning", 40: "error", 50: "critical"}[int(level)])(text, *args, **kwargs)
        if level >= self._stream_level:
            rendered = text % args if args else text
            print(f"[{_time.strftime('%Y-%m-%d %H:%M:%S')}] {level.name}: {rendered}")

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(LogLevel.DEBUG, msg, *args, **kwargs)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(LogLevel.INFO, msg, *args, **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(LogLevel.WARNING, msg, *args, **kwargs)

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(LogLevel.ERROR, msg, *args, **kwargs)

    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(LogLevel.CRITICAL, msg, *args, **kwargs)

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        self._emit(LogLevel(level), msg, *args, **kwargs)

    # -- tracking ---------------------------------------------------------------------------

    def track_function(self, var_func: Any, name: Any) -> None:
        """Records ``var_func()`` under ``name`` at every ``update()``; like OSL, both may be
        lists of equal length."""
        if isinstance(var_func, list) and isinstance(name, list):
            if len(var_func) != len(name):
                raise ValueError("The number of variable functions and names must match.")
            pairs = list(zip(var_func, name))
        elif callable(var_func) and isinstance(name, str):
            pairs = [(var_func, name)]
        else:
            raise TypeError(
                "Invalid input: var_func and name must both be either single values or lists of equal length."
            )
        for fn, n in pairs:
            self._ensure().track_function(fn, n)
            self._tracked = [t for t in self._tracked if t[0] != n] + [(n, ("fn", fn))]

    def track_attributes(self, obj: Any, attributes: Any) -> None:
        """Records ``obj.<attribute>`` at every ``update()``, named ``f"{obj}.{attribute}"``
        as OSL names them; a missing attribute raises ``AttributeError``."""
        if isinstance(attributes, str):
            attributes = [attributes]
        prefix = str(obj)
        self._ensure().track_attributes(obj, attributes, prefix)
        for a in attributes:
            n = f"{prefix}.{a}"
            self._tracked = [t for t in self._tracked if t[0] != n] + [(n, ("attr", obj, a, prefix))]

    def untrack_variable(self, name: str) -> None:
        self._tracked = [t for t in self._tracked if t[0] != name]
        if self._log is not None:
            self._log.untrack(name)

    def get_tracked_variables(self) -> List[tuple]:
        """``(name, current value)`` of every tracked variable."""
        out = []
        for name, how in self._tracked:
            try:
                out.append((name, how[1]() if how[0] == "fn" else getattr(how[1], how[2])))
            except Exception:
                out.append((name, "ERROR"))
        return out

    def update(self) -> None:
        """Records one row of every tracked variable. While a file is open this method is
        replaced on the instance by the native ``update`` (no Python frame per tick)."""
        if self._tracked:
            self._ensure().update()

    def flush_buffer(self) -> None:
        if self._log is not None:
            self._log.flush()

    def close(self) -> None:
        self.__dict__.pop("update", None)
        if self._log is None or self._log.closed:
            return
        self._log.close()
        if self._enable_csv_logging and self._tracked:
            self.export_csv(self._base + ".csv", timestamp=self._csv_timestamp)

    def reset(self) -> None:
        """Closes the current file and forgets every tracked variable."""
        self.close()
        self._tracked = []
        self._log = None

    def export_csv(self, path: Optional[str] = None, timestamp: bool = False) -> str:
        """Writes OSL's CSV: a header of variable names, one row per update, ``str(value)``
        cells (``ERROR`` where a getter raised), and a first ``timestamp`` column (seconds)
        when asked."""
        src = self._base + ".bin"
        path = path or self._base + ".csv"
        cols = _ttlog.columns(src, "tracked")
        names = [k for k in cols if k != "ts_ns"]
        with open(path, "w", newline="") as f:
            w = _csv.writer(f)
            w.writerow((["timestamp"] if timestamp else []) + names)
            for i, ts in enumerate(cols["ts_ns"]):
                row = [_cell(cols[n][i]) for n in names]
                w.writerow(([f"{ts / 1e9:.6f}"] if timestamp else []) + row)
        return path

    # -- setters and properties ---------------------------------------------------------------

    def set_log_path(self, log_path: str) -> None:
        self._log_path = _os.fspath(log_path)

    def set_file_name(self, file_name: Optional[str]) -> None:
        self._user_file_name = file_name

    def set_file_level(self, level: LogLevel) -> None:
        self._file_level = LogLevel(level)
        if self._log is not None:
            self._log.set_level(_name(level))

    def set_stream_level(self, level: LogLevel) -> None:
        self._stream_level = LogLevel(level)

    def set_format(self, log_format: str) -> None:
        self._log_format = log_format

    def set_buffer_size(self, buffer_size: int) -> None:
        if not isinstance(buffer_size, int) or buffer_size <= 0:
            raise ValueError("buffer_size must be a positive int")
        self._buffer_size = buffer_size

    def set_csv_logging(self, enable: bool) -> None:
        self._enable_csv_logging = bool(enable)

    @property
    def log_path(self) -> str:
        return self._log_path

    @property
    def file_path(self) -> Optional[str]:
        return self._base + ".bin" if self._log is not None else None

    @property
    def buffer_size(self) -> int:
        return self._buffer_size

    @property
    def file_level(self) -> LogLevel:
        return self._file_level

    @property
    def stream_level(self) -> LogLevel:
        return self._stream_level

    @property
    def csv_logging(self) -> bool:
        return self._enable_csv_logging


class _LazyLogger:
    """``LOGGER``: the singleton, made on first use so that importing creates no file."""

    def __getattr__(self, name: str) -> Any:
        return getattr(Logger(), name)


LOGGER: Any = _LazyLogger()
