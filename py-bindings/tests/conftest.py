"""Shared fixtures and helpers of the Python tests."""

import subprocess
import sys
import textwrap

import pytest

import ttlog


@pytest.fixture
def logdir(tmp_path):
    """A fresh directory for a test's logs."""
    return tmp_path


def events(path, **kw):
    """Every event of the file(s) at ``path``, as dicts."""
    return list(ttlog.open(str(path), **kw))


def run_child(code, cwd, **kw):
    """Runs ``code`` in a fresh Python process in ``cwd``; returns the CompletedProcess."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, **kw)
