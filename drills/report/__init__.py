"""A drill's journal as a report a person reads: Markdown, and one self-contained HTML page with a timeline picture.

    markdown(journal) -> str      headings, a text timeline and tables
    html(journal) -> str          inline CSS and an inline SVG timeline; no external assets, no JavaScript
    write(journal, directory, stem) -> (STEM.html, STEM.md)
    svg_timeline(journal) -> str  the timeline picture alone, an <svg> element
    axis_ticks(extent) -> list    the timeline's axis ticks, 0 to at or past extent seconds

The journal is the drill runner's JSON (drills/runner.py; a sample: tests/support/drill_journal.json); every key
is optional here, so a journal cut short (an aborted or interrupted drill) still renders, and its `report`, when
set, is shown as the HTML report's path. All *_s values are seconds since the drill started. Every string from
the journal is escaped (HTML entities; in Markdown, entities and backslashes): a probe's value may hold anything.

The modules: text (the journal's values read tolerantly, and as short text); contents (what both reports say: the
events, the summary, the notes); markdown_report (the Markdown); page (the HTML page, its CSS and its tables);
timeline (the SVG picture and its axis ticks, described there); markers (the events' shapes, in the picture and
beside each event in the page's events table).
"""
from __future__ import annotations

from pathlib import Path

from drills.report.markdown_report import markdown
from drills.report.page import html
from drills.report.timeline import axis_ticks, svg_timeline

__all__ = ["markdown", "html", "write", "svg_timeline", "axis_ticks"]


def write(journal: dict, directory: Path, stem: str) -> tuple[Path, Path]:
    """Write STEM.html and STEM.md into directory (made if missing); returns (html_path, md_path)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    html_path, md_path = directory / f"{stem}.html", directory / f"{stem}.md"
    html_path.write_text(html(journal), encoding="utf-8")
    md_path.write_text(markdown(journal), encoding="utf-8")
    return html_path, md_path
