"""The drill report in a real browser: Debian's headless Chromium (scripts/ensure-env.sh installs it) renders the
sample journal's HTML report, through drills/screenshot.py, the one place the Chromium command lives. The
screenshot is a PNG of the window's size and far from blank (a blank page rendered the same way is the
yardstick); the DOM Chromium built holds the title, the status, every step's bar and every event's marker."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drills import report, screenshot

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "support" / "drill_journal.json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.skipif(screenshot.find_chromium() is None,
                                reason="no chromium or chromium-browser binary on PATH "
                                       "(scripts/ensure-env.sh installs Debian's chromium)")


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the PNG's IHDR chunk, which must come first."""
    data = path.read_bytes()[:33]
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def test_chromium_renders_the_report_to_a_screenshot_and_a_dom(tmp_path):
    journal = json.loads(SAMPLE.read_text())
    html_path, _ = report.write(journal, tmp_path, "feed-failover")

    started = time.monotonic()
    png = tmp_path / "report.png"
    # the command-line entry point, as docs/drill-report.png is made
    done = subprocess.run([sys.executable, "-m", "drills.screenshot", str(SAMPLE), str(png)], cwd=REPO,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(png.resolve())
    assert png_size(png) == (screenshot.WIDTH, screenshot.HEIGHT) == (1100, 1400)

    blank_html = tmp_path / "blank.html"
    blank_html.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>blank</title></head>'
                          "<body></body></html>")
    blank = screenshot.screenshot_page(blank_html, tmp_path / "blank.png")
    assert png_size(blank) == (1100, 1400)
    assert png.stat().st_size > 5 * blank.stat().st_size, (png.stat().st_size, blank.stat().st_size)

    dom = screenshot.dump_dom(html_path)
    elapsed = time.monotonic() - started
    assert f'<h1 id="title">{journal["title"]}</h1>' in dom
    assert ">completed</span>" in dom and "deviated: yes" in dom
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="timeline"' in dom
    assert dom.count('class="bar ') == len(journal["run"]) + len(journal["rollbacks"])
    for event in journal["timeline"]:
        assert f'class="marker marker-{event["kind"]}" data-kind="{event["kind"]}" data-at="{event["at_s"]:g}"' in dom
    for step in journal["run"]:
        assert step["name"] in dom
    assert "</html>" in dom
    print(f"three Chromium runs took {elapsed:.1f} s")


def test_a_chromium_that_overruns_its_timeout_is_killed_with_its_helpers(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(report.html(json.loads(SAMPLE.read_text())))
    with pytest.raises(screenshot.ChromiumError, match="did not finish in 0.05 s") as failure:
        screenshot.screenshot_page(page, tmp_path / "late.png", timeout=0.05)
    group = failure.value.pgid
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # its helpers, reparented, may take a moment to be reaped
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"chromium's process group {group} outlived the timeout")


def test_no_binary_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(screenshot, "find_chromium", lambda: None)
    with pytest.raises(screenshot.ChromiumError, match="no Chromium binary .* scripts/ensure-env.sh"):
        screenshot.screenshot_page(tmp_path / "x.html", tmp_path / "x.png")
