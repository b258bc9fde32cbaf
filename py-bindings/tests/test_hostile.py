"""The Python reader on files built to explode (fixtures/hostile/): bounded memory, the
cut event marked, never a crash."""

import pathlib
import subprocess
import sys
import textwrap

import pytest

HOSTILE = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "hostile"

# Address space the child may use: well above the reader's bound, far below what an
# unbounded reader took on these files (4 to 5 GB, then an abort).
LIMIT = 1 << 30


@pytest.mark.parametrize("name", ["refs.bin", "items.bin", "keys.bin"])
def test_the_python_reader_cuts_an_amplified_event(name):
    code = textwrap.dedent(f"""
        import json, resource, sys, warnings
        resource.setrlimit(resource.RLIMIT_AS, ({LIMIT}, {LIMIT}))
        import ttlog
        events = list(ttlog.open({str(HOSTILE / name)!r}))
        assert len(events) == 1, len(events)
        assert events[0].get("truncated") is True, list(events[0])
        n = ttlog.to_json({str(HOSTILE / name)!r}, sys.argv[1])
        assert n == 1
        line = open(sys.argv[1]).read()
        assert line.endswith(',"truncated":true}}\\n'), line[-60:]
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(line))
    """)
    out_json = pathlib.Path(sys.prefix).parent / "hostile-out.jsonl"
    done = subprocess.run([sys.executable, "-c", code, str(out_json)], capture_output=True, text=True)
    out_json.unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr
    peak_kb, line_len = map(int, done.stdout.split())
    assert peak_kb < 256 * 1024, peak_kb
    assert line_len < 4 << 20, line_len
