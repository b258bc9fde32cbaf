"""The ``Logger`` class: the native writer plus what Python adds (exception snapshots, fork
safety, ``log``/``exception``)."""

from __future__ import annotations

import os as _os
import sys as _sys
import threading as _threading
import traceback as _traceback
import weakref as _weakref
from typing import Any, Optional, Union

from ._ttlog import Logger as _NativeLogger
from ._ttlog import level_method as _level_method

__all__ = ["Logger"]

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

    Arguments: ``path`` (the ``.bin`` file; its directory is created), ``level`` (a name or
    a ``logging`` level number; default INFO),
    ``service`` (stored in the header and used as the target of messages),
    ``rotate_bytes`` and ``max_files`` (rotation), ``flush_interval`` (seconds; events reach
    the file within it), ``on_full`` (``"block"``: wait, lossless; ``"drop"``: drop and count),
    ``snapshot_dir`` (where snapshots go; default ``snapshots/`` beside the log),
    ``file_level`` (keep lower levels in memory for snapshots only), ``memory_only``,
    ``snapshot_on_signals``, ``snapshot_on_exception`` (install ``sys.excepthook`` and
    ``threading.excepthook`` to write a snapshot with the traceback), ``close_at_exit``,
    ``overwrite``, ``buffer_size`` (bytes of each thread's staging ring),
    ``snapshot_on_panic``, ``recorder_events`` (events the flight recorder keeps). An
    argument left ``None`` takes the writer's default (the Rust ``ttlog::Builder``'s).

    ``path`` holds the run being made: an earlier run's log there is first moved aside,
    renamed with its start time (``trial.20261206T211745Z.bin``; one line on stderr says
    where), never destroyed, unless ``overwrite=True``. While a live process writes
    ``path``, this logger writes ``STEM-2.bin`` instead (``log.path`` says which).

    Messages: ``log.info("motor %s stalled", joint, torque=1.5)``. %-style arguments are
    stored and formatted by readers, not by the caller; keyword fields are stored typed
    (int, float, bool, None, str, bytes, and lists, tuples and dicts of those; anything else
    as its ``repr()``).
    """

    def __new__(cls, path: Union[str, "_os.PathLike[str]", None] = None, level: Union[str, int, None] = None, *,
                service: Optional[str] = None, rotate_bytes: Optional[int] = None, max_files: Optional[int] = None,
                flush_interval: Optional[float] = None, on_full: Optional[str] = None,
                snapshot_dir: Union[str, "_os.PathLike[str]", None] = None, file_level: Union[str, int, None] = None,
                memory_only: bool = False, buffer_size: Optional[int] = None,
                snapshot_on_signals: Optional[bool] = None, snapshot_on_panic: Optional[bool] = None,
                recorder_events: Optional[int] = None, overwrite: Optional[bool] = None,
                snapshot_on_exception: bool = True, close_at_exit: bool = True) -> "Logger":
        if path is not None and not isinstance(path, (str, _os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
        if flush_interval is not None and (isinstance(flush_interval, bool)
                                           or not isinstance(flush_interval, (int, float))):
            raise TypeError(f"flush_interval must be a number of seconds, not {type(flush_interval).__name__}")
        return super().__new__(
            cls, path=None if path is None else _os.fspath(path), level=level, service=service,
            rotate_bytes=rotate_bytes, flush_interval=flush_interval, on_full=on_full,
            snapshot_dir=None if snapshot_dir is None else _os.fspath(snapshot_dir), file_level=file_level,
            memory_only=memory_only, max_files=max_files, buffer_size=buffer_size,
            snapshot_on_signals=snapshot_on_signals, snapshot_on_panic=snapshot_on_panic,
            recorder_events=recorder_events, overwrite=overwrite)

    # The arguments are spelled out once, on __new__ (what help() and IDEs show); __init__
    # takes the two that only Python acts on.
    def __init__(self, *args: Any, snapshot_on_exception: bool = True, close_at_exit: bool = True,
                 **kwargs: Any) -> None:
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
            # The exception ends the logger's run: the trailer records it.
            self._exception_snapshot(exc_type, exc, tb, ends_run=True)
        self.close()

    def exception(self, msg: str, *args: Any, **fields: Any) -> None:
        """Logs at ERROR with the exception being handled as field ``exc_text``, as
        ``logging.Logger.exception`` does; call it from an ``except`` block."""
        if _sys.exc_info()[0] is not None:
            fields["exc_text"] = _traceback.format_exc()
        self.error(msg, *args, **fields)

    def traced(self, fn_or_name: Any = None) -> Any:
        """Decorator: every call of the function is a span (``log.span``), named after the
        function (``@log.traced``) or as given (``@log.traced("estimate")``)."""
        import functools
        import inspect

        def wrap(fn: Any, name: str) -> Any:
            if inspect.iscoroutinefunction(fn):
                @functools.wraps(fn)
                async def traced_async(*args: Any, **kwargs: Any) -> Any:
                    with self.span(name):
                        return await fn(*args, **kwargs)
                return traced_async

            @functools.wraps(fn)
            def traced_call(*args: Any, **kwargs: Any) -> Any:
                with self.span(name):
                    return fn(*args, **kwargs)
            return traced_call

        if callable(fn_or_name):
            return wrap(fn_or_name, fn_or_name.__qualname__)
        if fn_or_name is not None and not isinstance(fn_or_name, str):
            raise TypeError(f"traced takes a function or a name, not {type(fn_or_name).__name__}")
        return lambda fn: wrap(fn, fn_or_name or fn.__qualname__)

    def log(self, level: Union[int, str], msg: str, *args: Any, **fields: Any) -> None:
        """Logs at ``level``: a name (``"WARN"``) or a stdlib number (``logging.WARNING``)."""
        getattr(self, _level_method(level))(msg, *args, **fields)

    # -- crash safety ------------------------------------------------------------------

    def _exception_snapshot(self, exc_type: Any, exc: Any, tb: Any, ends_run: bool = False) -> None:
        """A snapshot of an uncaught exception, then its CRITICAL end event in the log
        itself (SPEC.md 8.8): reason, message, thread, where it was raised, the traceback
        and the snapshot's path; ``ends_run`` when it ends the process."""
        if self.closed:
            return
        text = "".join(_traceback.format_exception(exc_type, exc, tb))
        message = f"{exc_type.__name__}: {exc}"
        path = None
        try:
            path = self.snapshot("exception", message=message, traceback=text)
            print(f"ttlog: exception snapshot written to {path}", file=_sys.stderr)
        except Exception as e:  # never hide the original exception
            print(f"ttlog: exception snapshot failed: {e}", file=_sys.stderr)
        try:
            frames = _traceback.extract_tb(tb) if tb is not None else []
            where = frames[-1] if frames else None
            self._run_end("exception", message, _threading.current_thread().name,
                          where.filename if where else None, where.lineno if where else None,
                          text, path, ends_run)
        except Exception as e:  # never hide the original exception
            print(f"ttlog: recording the exception failed: {e}", file=_sys.stderr)

    def _install_exception_hooks(self) -> None:
        previous = _sys.excepthook
        previous_thread = _threading.excepthook
        me = self

        def excepthook(exc_type: Any, exc: Any, tb: Any) -> None:
            if not issubclass(exc_type, KeyboardInterrupt):
                me._exception_snapshot(exc_type, exc, tb, ends_run=True)
                me.flush()
            previous(exc_type, exc, tb)

        def thread_excepthook(args: Any) -> None:
            if args.exc_type is not SystemExit:
                me._exception_snapshot(args.exc_type, args.exc_value, args.exc_traceback)
            previous_thread(args)

        _sys.excepthook = excepthook
        _threading.excepthook = thread_excepthook
        self._hooks_installed = True
