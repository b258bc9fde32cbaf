"""A drop-in for opensourceleg's logger (``opensourceleg.logging``, version 3.5.0).

Change ``from opensourceleg.logging import LOGGER, Logger, LogLevel`` to
``from ttlog.osl import LOGGER, Logger, LogLevel`` and keep the controller. Everything OSL
leaves is left the same way:

- a ``logging.Logger`` singleton (``Logger(...)`` again reconfigures it), messages on
  stderr and in ``<log_path>/<name>.log`` in ``log_format``, rotated by ``file_max_bytes``
  and ``file_backup_count`` as OSL rotates;
- tracked variables in ``<name>.csv``: a header of their names, one row per ``update()``,
  each cell ``str(value)`` (``ERROR`` where a getter raised), written when OSL writes it
  (``flush_buffer()``, a full buffer of ``buffer_size`` rows, ``close()``);
- file names as OSL makes them (``file_name="fsm.log"`` gives ``fsm.log`` and ``fsm.csv``;
  by default ``logger_<YYYYmmdd_HHMMSS>``).

Underneath, every message and every row also goes to ``<name>.bin``, ttlog's crash-safe
record (typed values, readable up to its last block after a kill), and ``update()`` runs
in Rust: the row's values are captured typed and turned into OSL's text only when the
rows are written. Where OSL would lose or destroy data, this does not: as with OSL, the
configured names hold the run just made, but an earlier run's files found there are moved
aside together (``<name>.<its start time>.*``, one line on stderr says where) instead of
being overwritten; a CSV is appended to after ``close()``, never truncated.

``install()`` (done on import when opensourceleg is already imported, and on its import
otherwise) routes ``opensourceleg.logging.LOGGER``, used by OSL's actuators, sensors and
state machine, to this ``LOGGER``, so the library's messages land in the same files.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import os
import sys
import threading
from collections import deque
from datetime import datetime
from enum import Enum
from logging.handlers import RotatingFileHandler
from typing import Any, Callable, Optional, Union

import ttlog as _ttlog
from ._osl_fast import emit as _fast_emit
from ._ttlog import claim_run_files as _claim_run_files
from ._ttlog import level_name as _level_name_of

__all__ = ["LOGGER", "LogLevel", "Logger", "install"]


class LogLevel(Enum):
    """OSL's levels, with the stdlib's numbers as values."""

    DEBUG = logging.DEBUG
    INFO = logging.INFO
    WARNING = logging.WARNING
    ERROR = logging.ERROR
    CRITICAL = logging.CRITICAL


def _level_name(level: Any) -> str:
    """The ttlog level name of an OSL ``LogLevel`` or a stdlib number (the one table is
    the native module's)."""
    return _level_name_of(level.value if isinstance(level, LogLevel) else int(level))


def _holds_data(path: str) -> bool:
    try:
        return os.path.getsize(path) > 0
    except OSError:
        return False


def _level_number(level: Any) -> int:
    """A ``LogLevel``'s number, or ``logging``'s for a name or a number."""
    value = getattr(level, "value", level)
    if isinstance(value, str):
        number = logging.getLevelName(value.upper())
        return number if isinstance(number, int) else logging.DEBUG
    return value if isinstance(value, int) else logging.DEBUG


class Logger(logging.Logger):
    """opensourceleg's ``Logger``: a singleton ``logging.Logger`` that also tracks
    variables into a CSV. Same arguments, methods, properties and files; see the module
    docstring for what ttlog adds."""

    _instance: Optional["Logger"] = None
    _lock = threading.RLock()
    # The instance holding the process's one ttlog file (a test may make a second
    # instance by resetting _instance; the newer one takes the file over).
    _bin_owner: Optional["Logger"] = None
    # The stems this process has claimed (see _generate_file_paths).
    _claimed: "set[str]" = set()

    def __new__(cls, *args: Any, **kwargs: Any) -> "Logger":
        with cls._lock:
            if cls._instance is None:
                cls._instance = super().__new__(cls)
        return cls._instance

    def __init__(
        self,
        log_path: str = "./",
        log_format: str = "[%(asctime)s] %(levelname)s: %(message)s",
        file_level: LogLevel = LogLevel.DEBUG,
        stream_level: LogLevel = LogLevel.INFO,
        file_max_bytes: int = 0,
        file_backup_count: int = 5,
        file_name: Union[str, None] = None,
        buffer_size: int = 1000,
        enable_csv_logging: bool = True,
    ) -> None:
        with self._lock:
            if not hasattr(self, "_initialized"):
                super().__init__("opensourceleg.logging.logger")
                self._log_path = log_path
                self._log_format = log_format
                self._file_level = file_level
                self._stream_level = stream_level
                self._file_max_bytes = file_max_bytes
                self._file_backup_count = file_backup_count
                self._user_file_name = self._stem(file_name)
                self._enable_csv_logging = enable_csv_logging
                self._file_path = ""
                self._csv_path = ""
                self._file: Optional[Any] = None
                self._writer: Optional[Any] = None
                self._is_logging = False
                self._header_written = False
                self._tracked_vars: dict[int, Callable[[], Any]] = {}
                self._var_names: dict[int, str] = {}
                self._attributes: dict[int, tuple] = {}
                self._error_count: dict[int, int] = {}
                self._max_errors_before_untrack = 5
                self._buffer_size = 1000
                self._bin: Optional[_ttlog.Logger] = None
                self._bin_handler: Optional[_ttlog.Handler] = None
                self._paths_chosen = False
                self._resetting = False
                self._setup_logging()
                self._buffer_size = self._checked_buffer_size(buffer_size)
                self._initialized = True
            else:
                self.set_file_name(file_name)
                self.set_file_level(file_level)
                self.set_stream_level(stream_level)
                self.set_format(log_format)
                self._file_max_bytes = file_max_bytes
                self._file_backup_count = file_backup_count
                self.set_buffer_size(buffer_size)
                self._enable_csv_logging = enable_csv_logging
                self._bind_update()
                self._log_path = log_path

    @staticmethod
    def _stem(file_name: Optional[str]) -> Optional[str]:
        # As OSL: "fsm.log" (or "fsm.anything") names the files fsm.*.
        return file_name.split(".")[0] if file_name and "." in file_name else file_name

    # -- handlers and files ------------------------------------------------------------------

    def _setup_logging(self) -> None:
        with self._lock:
            if not hasattr(self, "_stream_handler"):
                self.setLevel(level=self._file_level.value)
                self._std_formatter = logging.Formatter(self._log_format)
                self._stream_handler = logging.StreamHandler()
                self._stream_handler.setLevel(level=self._stream_level.value)
                self._stream_handler.setFormatter(fmt=self._std_formatter)
                self.addHandler(hdlr=self._stream_handler)

    def set_stream_terminator(self, terminator: str) -> None:
        """The text the console handler ends each message with."""
        with self._lock:
            self._stream_handler.terminator = terminator

    def _generate_file_paths(self) -> None:
        """``<log_path>/<name>.log``, ``.csv`` and ``.bin``: the name given, or
        ``logger_<timestamp>``. These paths hold the run being made: an earlier run's files
        there (``.bin``, ``.log`` with its backups, ``.csv``) are first moved aside together,
        renamed ``<name>.<its start time>.*`` (e.g. ``knee_trial.20261206T211745Z.csv``),
        never overwritten, and one line on stderr says where; while a live process writes
        them, this run takes ``<name>-2.*`` and says so (ttlog's rule, one implementation
        for both: ``ttlog.earlier_run`` in the Rust writer)."""
        os.makedirs(self._log_path, exist_ok=True)
        base = self._user_file_name or f"logger_{datetime.now().strftime('%Y%m%d_%H%M%S')}"
        wanted = os.path.abspath(os.path.join(self._log_path, base))
        # Reopened in this process (reset(), set_file_name()), opensourceleg rewrites the
        # .log at once but keeps a CSV until new rows rewrite it: the CSV is moved aside
        # only then (see flush_buffer), and the .bin when something new is recorded (the
        # writer moves it as it opens it; see _ensure_file_handler).
        exts = [".log"] if wanted in Logger._claimed else [".bin", ".log", ".csv"]
        stem, moved = _claim_run_files(os.path.join(self._log_path, base), exts)
        Logger._claimed.add(os.path.abspath(stem))
        if moved:
            print(moved, file=sys.stderr)
        self._file_path = str(stem) + ".log"
        self._csv_path = str(stem) + ".csv"
        self._paths_chosen = True

    def _setup_file_handler(self) -> None:
        with self._lock:
            if hasattr(self, "_file_handler"):
                return
            try:
                if not self._paths_chosen:
                    self._generate_file_paths()
                # The path is fresh (see _generate_file_paths): "w" truncates nothing.
                self._file_handler = RotatingFileHandler(
                    filename=self._file_path,
                    mode="w",
                    maxBytes=self._file_max_bytes,
                    backupCount=self._file_backup_count,
                    encoding="utf-8",
                )
                self._file_handler.setLevel(level=self._file_level.value)
                self._file_handler.setFormatter(fmt=self._std_formatter)
                self.addHandler(hdlr=self._file_handler)
            except Exception as e:
                self.error(f"Failed to set up file handler: {e}")
                self.warning("Falling back to console-only logging")
            if not self._resetting:
                try:
                    self._ensure_bin()
                except Exception as e:
                    self.error(f"Failed to open the ttlog file: {e}")

    def _ensure_file_handler(self) -> None:
        with self._lock:
            if not hasattr(self, "_file_handler"):
                self._setup_file_handler()
            elif self._bin is None and not self._resetting:
                # After a reset(), the first thing recorded opens the .bin.
                try:
                    self._ensure_bin()
                except Exception as e:
                    self.error(f"Failed to open the ttlog file: {e}")

    def _ensure_bin(self) -> _ttlog.Logger:
        """The ttlog file beside the CSV, opened on first use with the tracked variables."""
        with self._lock:
            if self._bin is not None and not self._bin.closed:
                return self._bin
            if not self._paths_chosen:
                self._generate_file_paths()
            owner = Logger._bin_owner
            if owner is not None and owner is not self:
                owner._release_bin()
            path = self._csv_path[: -len(".csv")] + ".bin"
            # One set of exception hooks for the drop-in (see _snapshot_hooks), not one more
            # per file: a reset() opens a new .bin.
            self._bin = _ttlog.Logger(path, level="DEBUG", service="opensourceleg", close_at_exit=True,
                                      snapshot_on_exception=False)
            _snapshot_hooks()
            # The level as the .bin's handler takes it: a LogLevel, or a level name or number
            # given where opensourceleg wants a LogLevel (its own file handler then fails and
            # it falls back to the console; the .bin still records, with no second error).
            self._bin_handler = _ttlog.Handler(self._bin, level=_level_number(self._file_level))
            self.addHandler(self._bin_handler)
            self._bin._osl_rows(self._buffer_size, self._max_errors_before_untrack, self._rows_hook)
            Logger._bin_owner = self
            self._bind_update()
            for var_id, name in self._var_names.items():
                attribute = self._attributes.get(var_id)
                if attribute is not None:
                    self._bin.track_attributes(attribute[0], [attribute[1]], attribute[2])
                else:
                    self._bin.track_function(self._tracked_vars[var_id], name)
            return self._bin

    def _bind_update(self) -> None:
        """While the ``.bin`` is open and the CSV on, ``update`` is the native method itself:
        no Python frame per tick. Otherwise the method below decides."""
        if self._bin is not None and self._enable_csv_logging:
            self.update = self._bin.update  # type: ignore[method-assign]
        else:
            self.__dict__.pop("update", None)

    def _release_bin(self) -> None:
        """Writes out the CSV rows and closes the ttlog file (for another instance)."""
        with self._lock:
            self.close()
            if self._bin_handler is not None:
                self.removeHandler(self._bin_handler)
                self._bin_handler = None
            if self._bin is not None:
                self._bin.close()
                self._bin = None
            self._bind_update()
            if Logger._bin_owner is self:
                Logger._bin_owner = None

    def _rows_hook(self, kind: str, name: Optional[str], exc: Optional[BaseException]) -> None:
        # Called from the native update(): what OSL's update() does beside buffering.
        if kind == "error":
            self.warning(f"Error getting value for {name}: {exc}")
        elif kind == "untracked":
            for var_id in [i for i, n in self._var_names.items() if n == name]:
                self._forget(var_id)
            self.warning(
                f"Auto-untracked variable {name} after {self._max_errors_before_untrack} consecutive errors"
            )
        elif kind == "full":
            self.flush_buffer()

    # -- tracking -----------------------------------------------------------------------------

    def _add(self, var_id: int, func: Callable[[], Any], name: str, attribute: Optional[tuple] = None) -> None:
        self._tracked_vars[var_id] = func
        self._var_names[var_id] = name
        self._error_count[var_id] = 0
        if attribute is not None:
            self._attributes[var_id] = attribute
        if self._bin is not None and not self._bin.closed:
            if attribute is not None:
                self._bin.track_attributes(attribute[0], [attribute[1]], attribute[2])
            else:
                self._bin.track_function(func, name)
        self.debug(f"Started tracking variable: {name}")

    def _forget(self, var_id: int) -> None:
        name = self._var_names.pop(var_id, None)
        self._tracked_vars.pop(var_id, None)
        self._error_count.pop(var_id, None)
        self._attributes.pop(var_id, None)
        if name is not None and self._bin is not None and name not in self._var_names.values():
            self._bin.untrack(name)

    def track_function(
        self, var_func: Union[Callable[[], Any], list[Callable[[], Any]]], name: Union[str, list[str]]
    ) -> None:
        """Records ``var_func()`` under ``name`` at every ``update()``; both may be lists of
        equal length."""
        with self._lock:
            if isinstance(var_func, list) and isinstance(name, list):
                if len(var_func) != len(name):
                    raise ValueError("The number of variable functions and names must match.")
                for func, var_name in zip(var_func, name):
                    self._add(id(func), func, var_name)
            elif callable(var_func) and isinstance(name, str):
                self._add(id(var_func), var_func, name)
            else:
                raise TypeError(
                    "Invalid input: var_func and name must both be either single values or lists of equal length."
                )

    def track_attributes(self, obj: Any, attributes: Union[str, list[str]]) -> None:
        """Records ``obj.<attribute>`` at every ``update()``, named ``f"{obj}.{attribute}"``."""
        with self._lock:
            if isinstance(attributes, str):
                attributes = [attributes]
            prefix = str(obj)
            for attr in attributes:
                if not hasattr(obj, attr):
                    raise AttributeError(f"Object {obj} does not have attribute '{attr}'")
            for attr in attributes:
                getter = (lambda o, a: lambda: getattr(o, a))(obj, attr)
                self._add(id(getter), getter, f"{prefix}.{attr}", (obj, attr, prefix))

    def get_tracked_variables(self) -> list[tuple[str, Any]]:
        """``(name, current value)`` of every tracked variable (``"ERROR: …"`` where its
        getter raises)."""
        with self._lock:
            result = []
            for var_id, get_value in self._tracked_vars.items():
                name = self._var_names.get(var_id, "unknown")
                try:
                    result.append((name, get_value()))
                except Exception as e:
                    result.append((name, f"ERROR: {e}"))
            return result

    def update(self) -> None:
        """Records one row of every tracked variable. Once the files are open this method
        is replaced on the instance by the native one (see ``_bind_update``)."""
        if not self._tracked_vars or not self._enable_csv_logging:
            return
        log = self._bin
        if log is None or log.closed:
            try:
                log = self._ensure_bin()
            except Exception as e:
                self.error(f"Failed to open the ttlog file: {e}")
                return
        log.update()

    @property
    def _buffer(self) -> deque:
        """The rows not yet written to the CSV, each a list of cell texts (a copy)."""
        rows = self._bin._osl_peek() if self._bin is not None else []
        return deque(rows, maxlen=self._buffer_size)

    @_buffer.setter
    def _buffer(self, value: Any) -> None:
        if self._bin is not None and not list(value):
            self._bin._osl_clear()

    def flush_buffer(self) -> None:
        """Writes the rows recorded since the last flush to the CSV (its header first)."""
        if not self._enable_csv_logging or self._bin is None:
            return
        with self._lock:
            try:
                text = self._bin._osl_take_csv()
                if not text:
                    return
                self._ensure_file_handler()
                if self._file is None:
                    if not self._header_written and _holds_data(self._csv_path):
                        # A CSV of this name from before a reset(): moved aside, not mixed.
                        _, moved = _claim_run_files(self._csv_path[: -len(".csv")], [".csv"])
                        if moved:
                            print(moved, file=sys.stderr)
                    # Appended to, never truncated: after close() the rows go on below.
                    self._file = open(self._csv_path, "a", newline="", encoding="utf-8")
                    import csv

                    self._writer = csv.writer(self._file)
                if not self._header_written:
                    self._write_header()
                self._file.write(text)
                self._file.flush()
            except Exception as e:
                self.error(f"Unexpected error in flush_buffer: {e}")

    def _write_header(self) -> None:
        try:
            header = list(self._var_names.values())
            if header:
                self._writer.writerow(header)  # type: ignore[union-attr]
                self._header_written = True
        except Exception as e:
            self.error(f"Failed to write CSV header: {e}")

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Writes the buffered rows to the CSV and closes it (the ``.bin`` stays open for
        later messages and is closed at exit)."""
        with self._lock:
            try:
                self.flush_buffer()
                if self._file:
                    self._file.close()
                    self._file = None
                    self._writer = None
                if self._bin is not None and not self._bin.closed:
                    self._bin.flush()
            except Exception as e:
                self.error(f"Error closing logger: {e}")

    def reset(self) -> None:
        """Closes the files, forgets every tracked variable; the next use opens new files."""
        with self._lock:
            try:
                self.close()
                if hasattr(self, "_file_handler"):
                    self.removeHandler(self._file_handler)
                    self._file_handler.close()
                    del self._file_handler
                if hasattr(self, "_stream_handler"):
                    self.removeHandler(self._stream_handler)
                    self._stream_handler.close()
                    del self._stream_handler
                self._release_bin()
                self._setup_logging()
                self._tracked_vars.clear()
                self._var_names.clear()
                self._attributes.clear()
                self._error_count.clear()
                self._header_written = False
                self._file = None
                self._writer = None
                self._paths_chosen = False
                # Only in the console and .log, as opensourceleg writes it: it opens no
                # .bin, so the run that just ended stays at the configured .bin path
                # until something new is recorded.
                self._resetting = True
                try:
                    self.debug("Logger reset successfully")
                finally:
                    self._resetting = False
            except Exception as e:
                print(f"Error resetting logger: {e}")

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self) -> "Logger":
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Logger(file_path={self._file_path}, tracked_vars={len(self._tracked_vars)})"

    # -- messages: the file handler is made on first use, as OSL makes it -------------------

    # Each level method takes the fast path (_osl_fast) when the logger is as set up here,
    # and logging's own path otherwise.

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        if kwargs or not _fast_emit(self, logging.DEBUG, msg, args):
            self._ensure_file_handler()
            super().debug(msg, *args, **kwargs)

    def info(self, msg: object, *args: object, **kwargs: Any) -> None:
        if kwargs or not _fast_emit(self, logging.INFO, msg, args):
            self._ensure_file_handler()
            super().info(msg, *args, **kwargs)

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None:
        if kwargs or not _fast_emit(self, logging.WARNING, msg, args):
            self._ensure_file_handler()
            super().warning(msg, *args, **kwargs)

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        if kwargs or not _fast_emit(self, logging.ERROR, msg, args):
            self._ensure_file_handler()
            super().error(msg, *args, **kwargs)

    def critical(self, msg: object, *args: object, **kwargs: Any) -> None:
        if kwargs or not _fast_emit(self, logging.CRITICAL, msg, args):
            self._ensure_file_handler()
            super().critical(msg, *args, **kwargs)

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if kwargs or not isinstance(level, int) or not _fast_emit(self, level, msg, args):
            self._ensure_file_handler()
            super().log(level, msg, *args, **kwargs)

    # -- setters ------------------------------------------------------------------------------

    def set_file_name(self, file_name: Union[str, None]) -> None:
        """Names the next files ``<file_name>.log``/``.csv`` (any extension dropped); the
        current ones are closed."""
        with self._lock:
            os.makedirs(self._log_path, exist_ok=True)
            if file_name is None:
                file_name = f"logger_{datetime.now().strftime('%Y%m%d_%H%M%S')}"
            self._user_file_name = self._stem(file_name)
            self._file_path = os.path.join(self._log_path, f"{self._user_file_name}.log")
            self._csv_path = os.path.join(self._log_path, f"{self._user_file_name}.csv")
            # Checked for earlier data when the files are opened.
            self._paths_chosen = False
            if self._bin is not None:
                self._release_bin()
            if hasattr(self, "_file_handler"):
                self.removeHandler(self._file_handler)
                self._file_handler.close()
                del self._file_handler
                self._setup_file_handler()
            if self._file:
                self.close()

    def set_file_level(self, level: LogLevel) -> None:
        with self._lock:
            self._file_level = level
            if hasattr(self, "_file_handler"):
                self._file_handler.setLevel(level=level.value)
            if self._bin_handler is not None:
                self._bin_handler.setLevel(_level_number(level))

    def set_stream_level(self, level: LogLevel) -> None:
        with self._lock:
            self._stream_level = level
            self._stream_handler.setLevel(level=level.value)

    def set_format(self, log_format: str) -> None:
        """The message format, in ``logging``'s syntax, for the console and the ``.log``."""
        with self._lock:
            self._log_format = log_format
            self._std_formatter = logging.Formatter(log_format)
            if hasattr(self, "_file_handler"):
                self._file_handler.setFormatter(fmt=self._std_formatter)
            self._stream_handler.setFormatter(fmt=self._std_formatter)

    def _checked_buffer_size(self, buffer_size: Any) -> int:
        """opensourceleg's checks, in its order: ``<= 0`` (a ``TypeError`` for what is not a
        number, as ``"10" <= 0`` raises), then a warning and 1000; then what ``deque(maxlen=)``
        refuses (a float) is a ``TypeError`` too."""
        if buffer_size <= 0:
            self.warning(f"Invalid buffer size: {buffer_size}. Using default of 1000.")
            buffer_size = 1000
        if isinstance(buffer_size, float) or not isinstance(buffer_size, int):
            raise TypeError("an integer is required")
        return buffer_size

    def set_buffer_size(self, buffer_size: int) -> None:
        """Rows held before they are written to the CSV (``<= 0``: a warning, and 1000; not an
        integer: ``TypeError``, as opensourceleg)."""
        with self._lock:
            buffer_size = self._checked_buffer_size(buffer_size)
            self._buffer_size = buffer_size
            if self._bin is not None:
                self._bin._osl_configure(buffer_size=buffer_size)

    def set_csv_logging(self, enable: bool) -> None:
        with self._lock:
            if self._enable_csv_logging != enable:
                if not enable:
                    self.flush_buffer()
                    if self._file:
                        self._file.close()
                        self._file = None
                        self._writer = None
                self._enable_csv_logging = enable
                self._bind_update()
                self.debug(f"CSV logging {'enabled' if enable else 'disabled'}")

    def set_max_errors_before_untrack(self, max_errors: int) -> None:
        """Consecutive failures of a getter after which it is untracked, with a warning."""
        with self._lock:
            if max_errors < 0:
                self.warning(f"Invalid max_errors value: {max_errors}. Using default of 5.")
                max_errors = 5
            self._max_errors_before_untrack = max_errors
            if self._bin is not None:
                self._bin._osl_configure(max_errors=max_errors)

    # -- properties ---------------------------------------------------------------------------

    @property
    def file_path(self) -> Optional[str]:
        return self._file_path

    @property
    def csv_path(self) -> Optional[str]:
        return self._csv_path

    @property
    def bin_path(self) -> Optional[str]:
        """The ttlog file beside the CSV (None before the first use)."""
        return os.fspath(self._bin.path) if self._bin is not None and self._bin.path is not None else None

    @property
    def log_path(self) -> str:
        return self._log_path

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
    def file_max_bytes(self) -> int:
        return self._file_max_bytes

    @property
    def file_backup_count(self) -> int:
        return self._file_backup_count

    @property
    def csv_logging_enabled(self) -> bool:
        return self._enable_csv_logging

    @property
    def tracked_variable_count(self) -> int:
        return len(self._tracked_vars)

    @property
    def log_format(self) -> str:
        return self._log_format


LOGGER = Logger()
LOG_LEVEL = dict(enumerate(LogLevel.__members__.values()))


_hooks_installed = False


def _snapshot_hooks() -> None:
    """Once per process: an uncaught exception (main thread or any other) writes a snapshot
    of whichever ``.bin`` the drop-in has open, with the traceback, then goes on to the
    previous hook."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous, previous_thread = sys.excepthook, threading.excepthook

    def current() -> Optional[_ttlog.Logger]:
        owner = Logger._bin_owner
        return owner._bin if owner is not None else None

    def to_dot_log(thread: str, exc_type: Any, exc: Any, tb: Any) -> None:
        # The .log gets the exception as logging writes one (a CRITICAL line, then the
        # traceback); the console already has it from the previous hook, the .bin from
        # the end event.
        owner = Logger._instance
        handler = getattr(owner, "_file_handler", None)
        if handler is None:
            return
        try:
            text = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
            record = owner.makeRecord(owner.name, logging.CRITICAL, "", 0,
                                      f"Uncaught exception in thread {thread}: {text}", (),
                                      (exc_type, exc, tb))
            handler.handle(record)
            handler.flush()
        except Exception:
            pass

    def excepthook(exc_type: Any, exc: Any, tb: Any) -> None:
        log = current()
        if not issubclass(exc_type, KeyboardInterrupt):
            to_dot_log(threading.current_thread().name, exc_type, exc, tb)
            if log is not None:
                log._exception_snapshot(exc_type, exc, tb)
        previous(exc_type, exc, tb)

    def thread_excepthook(args: Any) -> None:
        log = current()
        if args.exc_type is not SystemExit:
            name = args.thread.name if args.thread is not None else "unknown"
            to_dot_log(name, args.exc_type, args.exc_value, args.exc_traceback)
            if log is not None:
                log._exception_snapshot(args.exc_type, args.exc_value, args.exc_traceback)
        previous_thread(args)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook


def _flush_at_exit() -> None:
    # A forgotten close(): the rows since the last flush still reach the CSV.
    instance = Logger._instance
    if instance is not None:
        instance.close()


import atexit  # noqa: E402

atexit.register(_flush_at_exit)


# -- routing opensourceleg's own LOGGER here -----------------------------------------------


def _patch(module: Any) -> None:
    """Makes ``module`` (an opensourceleg module) use this ``LOGGER``."""
    if getattr(module, "LOGGER", None) is not None and module.LOGGER is not LOGGER:
        module.LOGGER = LOGGER


def install() -> None:
    """Routes ``opensourceleg.logging.LOGGER`` and every loaded opensourceleg module that
    uses it to this ``LOGGER``, and does the same for modules imported later: the
    library's messages (actuators, sensors, state machines) land in this logger's files,
    not in a stray ``logger_<timestamp>.log``. Idempotent."""
    for name, module in list(sys.modules.items()):
        if name == "opensourceleg" or name.startswith("opensourceleg."):
            _patch(module)
    if not any(isinstance(f, _RouteOpensourceleg) for f in sys.meta_path):
        sys.meta_path.insert(0, _RouteOpensourceleg())


class _RouteOpensourceleg(importlib.abc.MetaPathFinder):
    """Patches each opensourceleg module right after it is executed."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not (fullname == "opensourceleg" or fullname.startswith("opensourceleg.")):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            _patch(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


install()
