"""The stdlib logging.Handler."""

import logging

import pytest

import ttlog
from conftest import events


def test_stdlib_handler(logdir):
    path = logdir / "h.bin"
    with ttlog.Logger(path, level="DEBUG") as log:
        lib = logging.getLogger("thirdparty.driver")
        lib.setLevel(logging.DEBUG)
        handler = ttlog.Handler(log)
        lib.addHandler(handler)
        lib.warning("bus voltage %.1f V", 11.2, extra={"bus": "can0"})
        try:
            1 / 0
        except ZeroDivisionError:
            lib.exception("failed")
        lib.removeHandler(handler)
    ev = events(path)
    assert ev[0]["target"] == "thirdparty.driver"
    assert ev[0]["level"] == "WARN"
    assert ev[0]["msg"] == "bus voltage 11.2 V"
    assert ev[0]["fields"] == {"bus": "can0"}
    assert ev[1]["level"] == "ERROR"
    assert "ZeroDivisionError" in ev[1]["fields"]["exc_text"]
    with pytest.raises(TypeError):
        ttlog.Handler("not a logger")
