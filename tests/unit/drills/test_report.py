"""The drill report, read as a person would: a completed and a failed or aborted drill show their status, the
reason, every step, every expectation's result; hostile strings from the journal stay text; empty or missing
parts render; the timeline picture has one bar per step, a marker per event, and an axis that covers the drill."""
from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from drills import report
from drills.report import timeline

SAMPLE = Path(__file__).resolve().parents[2] / "support" / "drill_journal.json"
SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def journal() -> dict:
    return json.loads(SAMPLE.read_text())


def failed_journal(journal: dict) -> dict:
    j = copy.deepcopy(journal)
    j["status"] = "failed"
    j["reason"] = "expectation 'recovered on the backup within 15 s' not met: 41.0 s"
    j["run"][1].update(status="failed", error="timed out waiting for feed_source == backup after 40 s")
    j["expectations"][1].update(met=False, value=41.0, detail="recovered after the tolerance")
    return j


class Tags(HTMLParser):
    """The elements a browser would build, and the text it would show."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parsed(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    return tags


def svg_of(page: str) -> ET.Element:
    match = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="timeline".*?</svg>', page, re.S)
    assert match, "no timeline SVG in the page"
    return ET.fromstring(match.group())  # well-formed XML, or this raises


def classes(svg: ET.Element, prefix: str) -> list[ET.Element]:
    return [el for el in svg.iter() if (el.get("class") or "").startswith(prefix)]


def section(md: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", md, re.S | re.M)
    assert match, f"no ## {heading} in the Markdown"
    return match.group(1)


# --- status, reason, steps, expectations ----------------------------------------------------------------

def test_a_completed_drill_shows_its_status_facts_steps_and_results(journal):
    page, md = report.html(journal), report.markdown(journal)
    badge = next(attrs for tag, attrs in parsed(page).tags if "badge" in (attrs.get("class") or "").split())
    assert "status-completed" in badge["class"] and "#1a7f37" in badge["style"]  # green
    assert re.search(r'class="badge status-completed"[^>]*>completed</span>', page)
    assert "deviated: yes" in page and "**Deviated:** yes" in md
    assert "**Status:** COMPLETED" in md and "27.1 s" in md and "27.1 s" in page
    assert 'class="reason' not in page and "> **" not in md  # no reason box for a completed drill
    for step in journal["run"] + journal["rollbacks"]:
        assert step["name"] in page and step["name"] in md
    method = section(md, "Method")
    rows = [line for line in method.splitlines() if line.startswith("| ")][1:]  # the header row left out
    assert [row.split("|")[2].strip() for row in rows] == [s["name"] for s in journal["run"]]
    assert page.count("✔ met") == 4 and "not met" not in page
    assert section(md, "Expectations").count("| met |") == 4
    assert '<a href="runbooks/feed-degraded.md">runbooks/feed-degraded.md</a>' in page
    assert "[runbooks/feed-degraded.md](runbooks/feed-degraded.md)" in md
    for tag in journal["tags"]:
        assert f'<span class="tag">{tag}</span>' in page
    assert "drills/feed_failover.yaml" in page and "drills/feed_failover.yaml" in md
    # orders, pages, traces
    assert "| 1520 | 1583 | 0 | 0 |" in md
    assert section(md, "Pages").count("feed_degraded:root/market/feed") == 2
    for trace_id in journal["trace_ids"]:
        assert f"<li><code>{trace_id}</code></li>" in page and f"- {trace_id}" in md
    assert "<code>vigil trace CLORDID</code> opens an order; these are the traces&#x27; ids" in page
    assert "`vigil trace CLORDID` opens an order; these are the traces' ids" in md


def test_a_failed_drill_shows_why_at_the_top_and_what_failed(journal):
    j = failed_journal(journal)
    page, md = report.html(j), report.markdown(j)
    assert re.search(r'class="badge status-failed" style="background:#cf222e">failed</span>', page)
    box = page.index('class="reason reason-failed"')
    assert box < page.index("<h2>Timeline</h2>")  # at the top, before the picture and the tables
    assert "expectation &#x27;recovered on the backup within 15 s&#x27; not met: 41.0 s" in page[box:box + 400]
    assert "> **Failed:** expectation 'recovered on the backup within 15 s' not met: 41.0 s" in md
    assert md.index("> **Failed:**") < md.index("## Timeline")
    assert page.count("✘ not met") == 1 and page.count("✔ met") == 3
    assert section(md, "Expectations").count("**NOT MET**") == 1
    assert "| recovered on the backup within 15 s | **NOT MET** | 41 |" in md
    assert "timed out waiting for feed_source == backup after 40 s" in page
    assert "timed out waiting for feed_source == backup after 40 s" in section(md, "Method")
    assert '<td class="st-failed">failed</td>' in page and "| FAILED |" in md
    # the summary says so first
    assert re.search(r'<li class="bad"><span>expectations</span>3 of 4 met</li>', page)
    assert "- expectations: **3 of 4 met**" in md
    svg = svg_of(page)
    assert [b.get("class") for b in classes(svg, "bar ")][1] == "bar bar-wait status-failed"


@pytest.mark.parametrize("status, colour", [("aborted", "#bc4c00"), ("interrupted", "#6e7781")])
def test_aborted_is_orange_and_interrupted_grey(journal, status, colour):
    j = dict(journal, status=status, reason="stop condition: orders lost > 0" if status == "aborted" else None)
    page, md = report.html(j), report.markdown(j)
    assert re.search(rf'class="badge status-{status}" style="background:{colour}">{status}</span>', page)
    assert f"**Status:** {status.upper()}" in md
    if status == "aborted":
        assert 'class="reason reason-aborted"' in page and "stop condition: orders lost &gt; 0" in page
        assert "> **Aborted:** stop condition: orders lost &gt; 0" in md
    else:
        assert 'class="reason' not in page


def test_a_failed_drill_without_a_reason_still_gets_the_box():
    page, md = report.html({"status": "aborted"}), report.markdown({"status": "aborted"})
    assert 'class="reason reason-aborted"' in page and "no reason recorded" in page
    assert "> **Aborted:** no reason recorded" in md


# --- hostile strings ------------------------------------------------------------------------------------

def hostile_journal(journal: dict) -> dict:
    j = copy.deepcopy(journal)
    j.update(title=f"feed {HOSTILE}", description=HOSTILE, file=f'drills/"{HOSTILE}.yaml', tags=[HOSTILE],
             runbook='javascript:alert("runbook")', status="failed", reason=f"probe said {HOSTILE}",
             trace_ids=[HOSTILE], report=HOSTILE)
    j["steady_state"]["before"][0]["value"] = HOSTILE
    j["steady_state"]["during"][0]["worst"] = {"html": HOSTILE}
    j["steady_state"]["after"][0]["tolerance"] = HOSTILE
    j["run"][0].update(name=f'"><img src=x onerror=alert(1)> {HOSTILE}', error=HOSTILE, output=[HOSTILE],
                       targets=[HOSTILE], kind=HOSTILE)
    j["run"][1]["type"] = '"><svg onload=alert(1)>'
    j["rollbacks"][0]["name"] = HOSTILE
    j["expectations"][0].update(value=HOSTILE, tolerance=HOSTILE, detail=HOSTILE)
    j["pages"][0].update(summary=HOSTILE, dedup_key=HOSTILE, severity=HOSTILE)
    j["orders"]["lost"] = [HOSTILE]
    j["timeline"][0].update(kind=HOSTILE, label=HOSTILE)
    j["timeline"][1]["label"] = HOSTILE
    return j


def test_hostile_strings_are_shown_as_text_never_as_markup(journal):
    page = report.html(hostile_journal(journal))
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<svg onload" not in lowered
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    tags = parsed(page)
    built = {tag for tag, _ in tags.tags}
    assert not built & {"script", "img", "iframe", "object"}
    assert all(not name.startswith("on") for _, attrs in tags.tags for name in attrs)
    assert all(not (attrs.get("href") or "").lower().startswith("javascript") for _, attrs in tags.tags)
    assert 'javascript:alert(&quot;runbook&quot;)' in page  # shown, not linked
    # what a reader sees: the hostile text, as text
    shown = "".join(tags.text)
    assert shown.count(HOSTILE) >= 15
    svg_of(page)  # the picture is still well-formed


def test_hostile_strings_in_markdown_are_escaped(journal):
    md = report.markdown(hostile_journal(journal))
    assert "<script" not in md and "<img" not in md and "<svg" not in md
    assert "&lt;script&gt;alert(\"x\")&lt;/script&gt;" in md
    assert "](javascript" not in md
    # a pipe in a value does not break a table row
    j = copy.deepcopy(journal)
    j["expectations"][0]["value"] = "a | b"
    row = next(line for line in report.markdown(j).splitlines() if line.startswith("| silence detected"))
    assert "a \\| b" in row and len(re.findall(r"(?<!\\)\|", row)) == 6


# --- empty and missing parts ----------------------------------------------------------------------------

@pytest.mark.parametrize("journal_", [
    {},
    {"title": "nothing happened", "status": "interrupted", "steady_state": {"before": [], "during": [], "after": []},
     "run": [], "rollbacks": [], "expectations": [], "pages": [], "orders": {"before": 0, "after": 0, "lost": [],
     "duplicated": []}, "trace_ids": [], "timeline": [], "tags": [], "runbook": None, "reason": None,
     "duration_s": 0.0, "report": None},
    {"title": "nulls", "steady_state": None, "run": None, "timeline": None, "orders": None, "pages": None,
     "tags": None, "duration_s": None},
    {"title": "a skipped step", "run": [{"name": "never ran", "type": "action", "status": "skipped",
                                         "start_s": None, "end_s": None}]},
], ids=["no keys", "empty lists", "nulls", "skipped step"])
def test_empty_or_missing_parts_render(journal_, tmp_path):
    page, md = report.html(journal_), report.markdown(journal_)
    svg = svg_of(page)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert md.startswith("# Drill: ")
    for heading in ("Timeline", "Steady state", "Method", "Rollbacks", "Expectations", "Pages", "Orders", "Traces"):
        assert f"## {heading}\n" in md and f"<h2>{heading}</h2>" in page
    assert classes(svg, "marker") == []
    assert len(classes(svg, "tick")) >= 2
    if not journal_.get("run"):
        assert "no method steps recorded" in page and classes(svg, "bar ") == []
    else:
        assert "never ran" in page and "skipped" in page and classes(svg, "bar ") == []
    html_path, md_path = report.write(journal_, tmp_path, "empty")
    assert html_path.read_text() == page and md_path.read_text() == md


def test_write_puts_stem_html_and_md_in_the_directory(journal, tmp_path):
    html_path, md_path = report.write(journal, tmp_path / "reports", "feed-failover-2025-06-03")
    assert (html_path, md_path) == (tmp_path / "reports" / "feed-failover-2025-06-03.html",
                                    tmp_path / "reports" / "feed-failover-2025-06-03.md")
    assert html_path.read_text(encoding="utf-8") == report.html(journal)
    assert md_path.read_text(encoding="utf-8") == report.markdown(journal)


def test_the_page_is_self_contained(journal):
    page = report.html(journal)
    assert "<style>" in page
    for external in ("<link", "<script", "src=", "@import", "url("):
        assert external not in page
    assert not re.search(r'href="(?!runbooks/)', page)  # the only link is the runbook's


# --- the timeline picture -------------------------------------------------------------------------------

def test_the_svg_has_one_bar_per_step_in_start_order(journal):
    svg = svg_of(report.html(journal))
    bars = classes(svg, "bar ")
    assert len(bars) == len(journal["run"]) + len(journal["rollbacks"])
    actions = [s for s in journal["run"] if s["type"] == "action"]
    assert len(classes(svg, "bar bar-action")) == len(actions) == 1
    assert len(classes(svg, "bar bar-rollback")) == 1
    x = {float(b.get("data-start")): float(b.get("x")) for b in bars}
    assert sorted(x) == sorted({s["start_s"] for s in journal["run"] + journal["rollbacks"]})
    assert [x[t] for t in sorted(x)] == sorted(x.values())  # later starts further right
    # the 20 s silence is 100x as long as the 0.2 s probe
    widths = {b.get("data-start") + "-" + b.get("data-end"): float(b.get("width")) for b in bars}
    assert widths["1-21"] == pytest.approx(100 * widths["9.5-9.7"], rel=0.02)
    # each bar in its own row, labelled with its step's name
    ys = [float(b.get("y")) for b in bars]
    assert len(set(ys)) == len(ys)
    labels = ["".join(t.itertext()) for t in svg.iter(f"{SVG_NS}text") if t.get("class") == "row-label"]
    assert any("silence primary line" in label for label in labels) and len(labels) == len(bars)


def test_the_svg_has_a_marker_per_timeline_event_and_a_legend_for_each_kind(journal):
    svg = svg_of(report.html(journal))
    kinds = [e["kind"] for e in journal["timeline"]]
    assert set(kinds) == {"fault", "deviation", "detect", "recover", "page", "probe", "resolve", "rollback"}
    for kind in set(kinds):
        markers = classes(svg, f"marker marker-{kind}")
        assert len(markers) == kinds.count(kind), kind
        assert markers[0].find(f"{SVG_NS}title").text.split(" ")[2] == f"{kind}:"
    legend = {g.get("data-legend") for g in classes(svg, "legend-item")}
    assert set(kinds) <= legend and {"action", "step", "rollback"} <= legend
    # markers sit where their events happened: the recovery at 9.5 s right of the detection at 2.2 s
    at = {m.get("data-kind"): float(m.get("data-at")) for m in classes(svg, "marker ")}
    assert at["detect"] == 2.2 and at["recover"] == 9.5 and at["page"] == 12.0 and at["resolve"] == 25.0


def test_abort_and_unknown_kinds_get_markers_too():
    j = {"duration_s": 5, "timeline": [{"at_s": 3.0, "kind": "abort", "label": "stop condition"},
                                       {"at_s": 4.0, "kind": "weird thing", "label": "?"}]}
    svg = svg_of(report.html(j))
    assert len(classes(svg, "marker marker-abort")) == 1 and len(classes(svg, "marker marker-weird-thing")) == 1
    assert {"abort", "weird thing"} <= {g.get("data-legend") for g in classes(svg, "legend-item")}


def test_pages_and_deviations_missing_from_the_timeline_are_drawn_from_the_journal(journal):
    j = copy.deepcopy(journal)
    j["timeline"] = [e for e in j["timeline"] if e["kind"] not in ("page", "resolve", "deviation")]
    svg = svg_of(report.html(j))
    assert [float(m.get("data-at")) for m in classes(svg, "marker marker-page")] == [12.0]
    assert [float(m.get("data-at")) for m in classes(svg, "marker marker-resolve")] == [25.0]
    assert [float(m.get("data-at")) for m in classes(svg, "marker marker-deviation")] == [2.0]


@pytest.mark.parametrize("duration, step, label", [
    (0.3, 0.05 * 2, "0.3 s"), (2.0, 0.5, "2 s"), (27.1, 5, "30 s"), (90, 15, "90 s"), (600, 120, "10 min"),
    (3600, 600, "1 h"), (7200, 900, "2 h"), (7300, 1800, "2 h 30 min")])
def test_axis_ticks_cover_the_drill_at_a_sensible_step(duration, step, label):
    ticks = report.axis_ticks(duration)
    assert ticks[0] == 0 and ticks[-1] >= duration and ticks[-2] < duration
    assert 3 <= len(ticks) <= timeline.MAX_TICKS + 1
    assert ticks[1] == pytest.approx(step)
    j = {"duration_s": duration, "run": [{"name": "the whole drill", "type": "action", "start_s": 0,
                                          "end_s": duration, "status": "succeeded"}]}
    svg = svg_of(report.html(j))
    drawn = classes(svg, "tick")
    assert [float(t.get("data-t")) for t in drawn] == pytest.approx(ticks)
    assert "".join(drawn[-1].itertext()) == label
    bar = classes(svg, "bar ")[0]
    right = float(drawn[-1].find(f"{SVG_NS}line").get("x1"))
    assert float(bar.get("x")) + float(bar.get("width")) <= right + 0.2  # the bar fits the axis


def test_events_after_the_recorded_duration_stretch_the_axis():
    ticks = report.axis_ticks(12.5)
    svg = svg_of(report.html({"duration_s": 10.0, "timeline": [{"at_s": 12.5, "kind": "rollback", "label": "late"}]}))
    assert [float(t.get("data-t")) for t in classes(svg, "tick")] == ticks and ticks[-1] >= 12.5


def test_fifty_steps_get_fifty_rows(journal):
    j = copy.deepcopy(journal)
    j["run"] = [dict(j["run"][0], name=f"kill actor {i}", start_s=i * 2.0, end_s=i * 2.0 + 1.5)
                for i in range(50)]
    j["duration_s"] = 101.0
    page = report.html(j)
    svg = svg_of(page)
    assert len(classes(svg, "bar bar-action")) == 50
    assert int(svg.get("height")) > 50 * timeline.ROW_H
    assert all(f"kill actor {i}" in page for i in range(50))
    assert float(classes(svg, "tick")[-1].get("data-t")) >= 101.0


# --- the Markdown timeline ------------------------------------------------------------------------------

def test_the_markdown_timeline_is_sorted_by_time(journal):
    j = copy.deepcopy(journal)
    j["timeline"].reverse()
    lines = [line for line in section(report.markdown(j), "Timeline").splitlines() if line.startswith("- ")]
    assert lines[0] == "- `+1.00 s` **fault** silence primary line"
    assert "- `+2.20 s` **detect** feed marks the primary line stale" in lines
    assert "- `+9.50 s` **recover** quotes flowing from backup" in lines
    assert lines[-1] == "- `+26.4 s` **rollback** unsilence primary line"
    times = [float(re.match(r"- `\+([\d.]+) s`", line).group(1)) for line in lines]
    assert times == sorted(times) and len(lines) == len(j["timeline"])


def test_markdown_has_the_steady_state_tables(journal):
    md = report.markdown(journal)
    steady = section(md, "Steady state")
    assert "| quotes are fresh | md_age | 0.12 | {\"max_s\": 1.0} | ok | +0.20 s |" in steady
    assert "| quotes are fresh | md_age | 27 | **8** | +2.00 s | 8.4 | {\"max_s\": 1.0} |" in steady
    assert "| no orders rejected | reject_rate | 27 | 0 | — | 0 | {\"max\": 0.02} |" in steady
    j = copy.deepcopy(journal)
    j["steady_state"]["after"][0].update(ok=False, value=3.2)
    assert "| quotes are fresh | md_age | 3.2 | {\"max_s\": 1.0} | **NOT OK** | +26.8 s |" in report.markdown(j)
    assert '<td class="notok">✘ not ok</td>' in report.html(j)


def test_long_drills_read_in_minutes_and_hours():
    j = {"duration_s": 7261.0, "run": [{"name": "long soak", "type": "pause", "start_s": 61.0, "end_s": 7200.0,
                                        "status": "succeeded"}]}
    md, page = report.markdown(j), report.html(j)
    assert "**Duration:** 2 h 01 min 01 s" in md and "duration 2 h 01 min 01 s" in page
    assert "| +1 min 01 s | 1 h 58 min 59 s |" in md


def test_what_the_runner_records_besides_is_shown(journal):
    j = copy.deepcopy(journal)
    j["steady_state"]["after"][0].update(ok=False, value=None, error="ConnectionError: the OMS is down")
    j["run"][0]["notes"] = ["recover: quotes fresh not within 15 s"]
    j["pages"][0]["delivered"], j["pages"][1]["delivered"] = True, False
    j["pages_error"] = "RedisError: gone"
    j["orders"].update(after=None, touched=63, error="TimeoutError: no answer from root/trading/oms")
    j["report"] = "/runs/r1/drills/20250603T140211Z-feed_failover.html"
    page, md = report.html(j), report.markdown(j)
    for text in ("error: ConnectionError: the OMS is down", "recover: quotes fresh not within 15 s",
                 "RedisError: gone", "TimeoutError: no answer from root/trading/oms",
                 "/runs/r1/drills/20250603T140211Z-feed_failover.html"):
        assert text in page and text in md, text
    assert "| **NOT OK** | +26.8 s | error: ConnectionError: the OMS is down |" in md
    assert "| yes |" in section(md, "Pages") and "| not yet |" in section(md, "Pages")
    assert "| 1520 | — | 63 | 0 | 0 |" in md
    assert '<td class="notok">not yet</td>' in page


def test_a_step_skipped_as_the_runner_writes_it_is_a_dashed_sliver(journal):
    j = copy.deepcopy(journal)
    j["run"][-1].update(status="skipped", start_s=25.0, end_s=25.0, duration_s=0.0, error="after 'x' failed")
    svg = svg_of(report.html(j))
    [bar] = classes(svg, "bar bar-probe status-skipped")
    assert bar.get("stroke-dasharray") and float(bar.get("width")) >= 2.0
    assert "skipped" in {g.get("data-legend") for g in classes(svg, "legend-item")}
