"""``Handler``: stdlib ``logging`` records into a ttlog ``Logger``."""

from __future__ import annotations

import logging as _logging
import traceback as _traceback
from typing import TYPE_CHECKING

from ._ttlog import Logger as _NativeLogger

if TYPE_CHECKING:
    from ._logger import Logger

__all__ = ["Handler"]


class Handler(_logging.Handler):
    """A ``logging.Handler`` writing stdlib log records into ttlog: level, logger name as
    target, the formatted message, ``extra`` fields, and exception text."""

    _STANDARD = set(vars(_logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

    def __init__(self, logger: "Logger", level: int = _logging.NOTSET) -> None:
        if not isinstance(logger, _NativeLogger):
            raise TypeError("Handler needs a ttlog.Logger")
        super().__init__(level)
        self._log = logger

    def emit(self, record: _logging.LogRecord) -> None:
        try:
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
            self._log.log_record(record.levelno, record.name, message, fields or None)
        except Exception:
            self.handleError(record)
