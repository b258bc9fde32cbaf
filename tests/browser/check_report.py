"""Checks a ttlog report in a real browser (headless Chromium): the page's scripts ran
without an error, every chart was drawn by plotly.js, the events table has rows and
filters them, and a screenshot is not blank.

    python tests/browser/check_report.py CHROMIUM REPORT.html CHARTS
"""

import os
import re
import subprocess
import sys
import tempfile
import zlib


def chromium(browser, *args):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--virtual-time-budget=15000", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            depth, color = body[8], body[9]
            assert depth == 8 and color in (2, 6), f"PNG depth {depth} color type {color}"
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    browser, report, charts = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3])
    url = "file://" + report
    dom_run = chromium(browser, "--dump-dom", url)
    dom = dom_run.stdout
    assert dom_run.returncode == 0, dom_run.stderr[-2000:]
    errors = [line for line in dom_run.stderr.splitlines() if "Uncaught" in line]
    assert not errors, "script errors in the console:\n" + "\n".join(errors)
    assert 'data-ready="yes"' in dom, "the page's script did not finish"
    box = re.search(r'<div id="script-errors"[^>]*>(.*?)</div>', dom, re.S)
    assert box is not None and "hidden" in box.group(0) and not box.group(1).strip(), \
        f"script errors on the page: {box.group(1) if box else '?'}"
    drawn = len(re.findall(r'class="chart js-plotly-plot"', dom))
    assert drawn == charts, f"{drawn} of {charts} charts drawn by plotly.js"
    assert dom.count('class="main-svg"') >= charts, "plotly drew no SVG"
    body = re.search(r'<tbody id="events-body">(.*?)</tbody>', dom, re.S)
    rows = body.group(1).count("<tr>") if body else 0
    assert rows > 0, "the events table is empty"
    shown = re.search(r'<span id="events-shown"[^>]*>(.*?)</span>', dom)
    assert shown and "matching events" in shown.group(1), "the events filter did not run"
    print(f"browser: {drawn} charts drawn, {rows} event rows shown ({shown.group(1)}), no script error")

    with tempfile.TemporaryDirectory() as tmp:
        shot = os.path.join(tmp, "shot.png")
        run = chromium(browser, f"--screenshot={shot}", "--window-size=1280,1800", url)
        assert os.path.exists(shot), "no screenshot: " + run.stderr[-2000:]
        width, height, bpp, rows_px = png_pixels(shot)
        colors = set()
        non_white = 0
        for row in rows_px[::4]:
            for x in range(0, width * bpp, bpp * 4):
                px = row[x:x + 3]
                colors.add(px)
                if px != b"\xff\xff\xff":
                    non_white += 1
        sampled = (height // 4 + 1) * (width // 4 + 1)
        assert len(colors) > 50 and non_white > sampled * 0.02, \
            f"the screenshot looks blank: {len(colors)} colours, {non_white} of {sampled} pixels not white"
        print(f"browser: screenshot {width}x{height}, {len(colors)} colours, {non_white * 100 // sampled}% not white")


if __name__ == "__main__":
    main()
