"""Time bounds for reading: the forms Python users have, to ns since the epoch."""

from __future__ import annotations

import datetime as _datetime
from typing import Optional, Union

from ._ttlog import parse_time as _parse_time

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
