"""``ttlog.osl``'s message path without a ``LogRecord``: when the logger is as
``ttlog.osl`` set it up (its console, ``.log`` and ``.bin`` handlers and nothing else, no
filters, no rollover by size, a plain ``%``-style format of ``asctime``, ``levelname``,
``name``, ``levelno`` and ``message``), a message is formatted once and written to the
console and the ``.log`` exactly as ``logging`` would write it, and recorded in the
``.bin`` as ``ttlog.Handler`` would record it. Anything else (a user's handler or filter,
``%(funcName)s``, ``exc_info``, ``extra``, text that is not ASCII, a ``%`` error) takes
``logging``'s own path, which is always right; this one only skips its overhead (a
``LogRecord``, the caller's frame walk, one format per handler)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any

_KEYS = re.compile(r"%\((\w+)\)")
_FAST_KEYS = {"asctime", "levelname", "message", "name", "levelno"}
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class _Formats:
    """Which formatters are plain enough, remembered by identity and format text."""

    def __init__(self) -> None:
        self.formatter: Any = None
        self.fmt: Any = None
        self.ok = False

    def plain(self, f: Any) -> bool:
        if f is self.formatter and f._fmt is self.fmt:
            return self.ok
        self.formatter, self.fmt = f, f._fmt
        self.ok = (
            type(f) is logging.Formatter
            and type(f._style) is logging.PercentStyle
            and f.datefmt is None
            and f.converter is time.localtime
            and f.default_time_format == _TIME_FORMAT
            and f.default_msec_format == "%s,%03d"
            and isinstance(f._fmt, str)
            and set(_KEYS.findall(f._fmt)) <= _FAST_KEYS
        )
        return self.ok


_formats = _Formats()
_second = [-1, ""]


def _asctime() -> str:
    # As logging.Formatter.formatTime with its defaults; the date text made once a second.
    ct = time.time()
    sec = int(ct)
    if sec != _second[0]:
        _second[0], _second[1] = sec, time.strftime(_TIME_FORMAT, time.localtime(ct))
    return "%s,%03d" % (_second[1], int((ct - sec) * 1000))


def emit(logger: Any, levelno: int, msg: Any, args: tuple) -> bool:
    """Writes one message the fast way; False (having done nothing) when ``logging``'s own
    path must write it."""
    hs = logger.handlers
    d = logger.__dict__
    sh = d.get("_stream_handler")
    fh = d.get("_file_handler")
    bh = d.get("_bin_handler")
    if (
        len(hs) != 3 or hs[0] is not sh or hs[1] is not fh or hs[2] is not bh or bh is None
        or logger.filters or sh.filters or fh.filters or bh.filters or logger.disabled
        or logger.parent is not None or fh.maxBytes > 0 or fh.stream is None
    ):
        return False
    if not logger.isEnabledFor(levelno):
        return True
    f = sh.formatter
    if f is not fh.formatter or not _formats.plain(f):
        return False
    if args and len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
        args = args[0]
    try:
        message = str(msg)
        if args:
            message = message % args
    except Exception:
        return False
    if not message.isascii():
        return False
    line = f._fmt % {
        "asctime": _asctime(),
        "levelname": logging.getLevelName(levelno),
        "message": message,
        "name": logger.name,
        "levelno": levelno,
    }
    for h in (sh, fh):
        if levelno >= h.level:
            try:
                with h.lock:
                    h.stream.write(line + h.terminator)
                    h.stream.flush()
            except Exception:
                h.handleError(logger.makeRecord(logger.name, levelno, "", 0, msg, args, None))
    if levelno >= bh.level:
        bh._log.log_record(levelno, logger.name, message, None)
    return True
