"""A drill report as a picture: the journal's HTML report rendered by a real headless Chromium.

    python -m drills.screenshot JOURNAL.json OUT.png [--width 1100] [--height 1400]

Writes OUT.png, the report at that window size; the HTML it renders lives in a temporary directory meanwhile.
The Chromium command lives here only (tests/integration/test_drill_report_browser.py uses it too):

    chromium --headless --no-sandbox --disable-gpu --screenshot=PATH --window-size=W,H file://...

with a throw-away profile directory, run with a timeout; on a timeout its whole process group is killed.
Debian's package is `chromium` (scripts/ensure-env.sh installs it); some systems call it chromium-browser.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

BINARIES = ("chromium", "chromium-browser")
WIDTH, HEIGHT = 1100, 1400
TIMEOUT_S = 90.0


class ChromiumError(RuntimeError):
    def __init__(self, message: str, pgid: int | None = None) -> None:
        super().__init__(message)
        self.pgid = pgid  # the process group Chromium ran in, when it ran


def find_chromium() -> str | None:
    """The path of a Chromium binary on PATH, or None."""
    for name in BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_command(binary: str, url: str, profile: Path, *, screenshot: Path | None = None,
                     dump_dom: bool = False, width: int = WIDTH, height: int = HEIGHT) -> list[str]:
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={width},{height}",
               "--hide-scrollbars", "--force-device-scale-factor=1", "--no-first-run", "--no-default-browser-check",
               "--disable-dev-shm-usage", "--disable-extensions", f"--user-data-dir={profile}"]
    if screenshot is not None:
        command.append(f"--screenshot={screenshot}")
    if dump_dom:
        command.append("--dump-dom")
    return command + [url]


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run Chromium in its own process group; on a timeout kill that group (Chromium and its helpers)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise ChromiumError(f"chromium did not finish in {timeout:g} s (killed): {' '.join(command)}\n"
                            f"{err.decode(errors='replace')[-2000:]}", proc.pid) from None
    finally:
        try:  # helpers left behind in the group (a crash handler) go with it
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def _chromium(page: Path, timeout: float, binary: str | None, **options) -> subprocess.CompletedProcess:
    binary = binary or find_chromium()
    if binary is None:
        raise ChromiumError(f"no Chromium binary ({' or '.join(BINARIES)}) on PATH: scripts/ensure-env.sh installs "
                            "Debian's chromium")
    with tempfile.TemporaryDirectory(prefix="vigil-chromium-") as profile:
        result = _run(chromium_command(binary, Path(page).resolve().as_uri(), Path(profile), **options), timeout)
    if result.returncode != 0:
        raise ChromiumError(f"chromium exited {result.returncode}: {' '.join(result.args)}\n"
                            f"{result.stderr.decode(errors='replace')[-2000:]}")
    return result


def screenshot_page(page: Path, png: Path, *, width: int = WIDTH, height: int = HEIGHT,
                    timeout: float = TIMEOUT_S, binary: str | None = None) -> Path:
    """Screenshot an HTML file at width x height into png."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    result = _chromium(page, timeout, binary, screenshot=png, width=width, height=height)
    if not png.is_file() or png.stat().st_size == 0:
        raise ChromiumError(f"chromium wrote no screenshot to {png}\n{result.stderr.decode(errors='replace')[-2000:]}")
    return png


def dump_dom(page: Path, *, width: int = WIDTH, height: int = HEIGHT, timeout: float = TIMEOUT_S,
             binary: str | None = None) -> str:
    """The DOM of an HTML file as Chromium rendered it (serialized)."""
    return _chromium(page, timeout, binary, dump_dom=True, width=width, height=height).stdout.decode()


def screenshot_journal(journal: dict, png: Path, **options) -> Path:
    """Render the journal's HTML report and screenshot it into png."""
    from drills import report

    with tempfile.TemporaryDirectory(prefix="vigil-drill-report-") as tmp:
        html_path, _ = report.write(journal, Path(tmp), "report")
        return screenshot_page(html_path, png, **options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drills.screenshot", description=__doc__.split("\n")[0])
    parser.add_argument("journal", type=Path, help="a drill journal (JSON)")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--width", type=int, default=WIDTH)
    parser.add_argument("--height", type=int, default=HEIGHT)
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds Chromium may take")
    args = parser.parse_args(argv)
    journal = json.loads(args.journal.read_text(encoding="utf-8"))
    try:
        png = screenshot_journal(journal, args.out, width=args.width, height=args.height, timeout=args.timeout)
    except ChromiumError as exc:
        print(f"drills.screenshot: {exc}", file=sys.stderr)
        return 1
    print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
