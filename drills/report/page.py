"""The journal as one self-contained HTML page: inline CSS, the inline SVG timeline, and the tables; no external
assets, no JavaScript. Every string from the journal is escaped as HTML."""
from __future__ import annotations

from html import escape
from typing import Any

from drills.report.contents import (
    TRACE_HINT,
    _check_note,
    _delivered,
    _duration,
    _events,
    _reason,
    _status,
    _steps,
    _summary,
    _targets,
)
from drills.report.markers import _shape
from drills.report.text import _clip, _dict, _dicts, _kind_class, _list, _num, _offset, _safe_href, _secs, _text, _val
from drills.report.timeline import svg_timeline

STATUS_COLOURS = {"completed": "#1a7f37", "failed": "#cf222e", "aborted": "#bc4c00", "interrupted": "#6e7781"}

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#fff;color:#1f2328;
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 0 48px}
h1{font-size:26px;margin:0 0 8px}
h2{font-size:19px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid #d0d7de}
h3{font-size:15px;margin:16px 0 6px}
.badges{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin:6px 0 12px}
.badge{display:inline-block;padding:3px 12px;border-radius:999px;color:#fff;font-weight:700;text-transform:uppercase;
 letter-spacing:.04em;font-size:13px}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;border:1px solid #d0d7de;font-size:13px}
.pill.bad{border-color:#cf222e;color:#a40e26;background:#ffebe9}
.pill.good{border-color:#1a7f37;color:#116329;background:#dafbe1}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
.facts dt{color:#57606a}
.facts dd{margin:0}
.tag{display:inline-block;background:#ddf4ff;color:#0550ae;border-radius:4px;padding:0 6px;margin-right:4px;
 font-size:12px}
.reason{margin:14px 0;padding:12px 16px;border:2px solid;border-radius:6px;font-size:15px}
.reason strong{text-transform:capitalize}
.description{margin:12px 0;color:#31363c}
.summary{display:flex;flex-wrap:wrap;gap:8px;margin:14px 0;padding:0;list-style:none}
.summary li{border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;background:#f6f8fa}
.summary li span{display:block;font-size:11px;color:#57606a;text-transform:uppercase;letter-spacing:.04em}
.summary li.bad{border-color:#cf222e;background:#ffebe9;color:#a40e26;font-weight:600}
.figure{overflow-x:auto}
svg.timeline{display:block;max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;margin:4px 0 10px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.detail td{background:#fbfcfd;font-size:12px;border-top:none}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.ok{color:#116329;font-weight:700}
.notok{color:#a40e26;font-weight:700;background:#ffebe9}
.st-succeeded{color:#116329}
.st-failed{color:#a40e26;font-weight:700}
.st-skipped{color:#6e7781;font-style:italic}
.error{color:#a40e26}
.none{color:#6e7781;font-style:italic}
.hint{color:#57606a;font-size:13px}
ul.traces{margin:4px 0;padding-left:20px}
@media print{
 main{padding:0}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 h2{break-after:avoid}
 tr,.reason,svg.timeline{break-inside:avoid}
 a{color:inherit}
}
"""


def _cell(value: Any, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{escape(value if isinstance(value, str) else _val(value))}</td>"


def _table(headers: list[str], rows: list[str], empty: str = "none") -> str:
    if not rows:
        return f'<p class="none">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _ok_cell(ok: Any, yes: str = "✔ ok", no: str = "✘ not ok") -> str:
    return f'<td class="ok">{yes}</td>' if ok is True else f'<td class="notok">{no}</td>'


def _html_checks(checks: list[dict]) -> str:
    noted = any(_check_note(c) for c in checks)
    rows = [("<tr>" + _cell(_text(c.get("name"))) + _cell(_text(c.get("probe")), "mono")
             + _cell(_clip(_val(c.get("value")), 300), "mono") + _cell(_clip(_val(c.get("tolerance")), 300), "mono")
             + _ok_cell(c.get("ok")) + _cell(_offset(c.get("at_s")), "num")
             + (_cell(_clip(_check_note(c), 600), "error" if c.get("error") else "") if noted else "") + "</tr>")
            for c in checks]
    return _table(["check", "probe", "value", "tolerance", "ok", "at"] + (["detail"] if noted else []), rows)


def _html_steps(steps: list[dict], empty: str) -> str:
    rows = []
    for i, s in enumerate(steps, 1):
        status = _text(s.get("status")) or "unknown"
        targets = _targets(s)
        kind = " · ".join(x for x in (_text(s.get("type")), _text(s.get("kind"))) if x)
        rows.append("<tr>" + _cell(str(i), "num") + _cell(_text(s.get("name"))) + _cell(kind, "mono")
                    + _cell(targets or "—", "mono") + _cell(_offset(s.get("start_s")), "num")
                    + _cell(_secs(_duration(s)), "num")
                    + f'<td class="st-{escape(_kind_class(status))}">{escape(status)}</td>'
                    + _cell(_secs(s.get("time_to_detect_s")), "num") + _cell(_secs(s.get("time_to_recover_s")), "num")
                    + "</tr>")
        details = []
        if s.get("error"):
            details.append(f'<span class="error"><strong>error:</strong> '
                           f'{escape(_clip(_text(s["error"]), 2000))}</span>')
        for note in _list(s.get("notes")):
            details.append(f'<strong>note:</strong> {escape(_clip(_val(note), 600))}')
        if s.get("output") is not None:
            details.append(f'<strong>output:</strong> <code>{escape(_clip(_val(s["output"]), 600))}</code>')
        if details:
            rows.append(f'<tr class="detail"><td></td><td colspan="8">{"<br>".join(details)}</td></tr>')
    return _table(["#", "step", "type · kind", "targets", "start", "duration", "status", "detect", "recover"],
                  rows, empty)


def html(journal: dict) -> str:
    """The journal as one self-contained HTML page."""
    journal = _dict(journal)
    status = _status(journal)
    colour = STATUS_COLOURS.get(status, "#6e7781")
    title = _text(journal.get("title")) or "untitled drill"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>Drill report: {escape(title)}</title><style>{CSS}</style></head><body><main>"]

    out.append(f'<header><h1 id="title">{escape(title)}</h1><div class="badges">'
               f'<span class="badge status-{escape(_kind_class(status))}" style="background:{colour}">'
               f'{escape(status)}</span>')
    deviated = bool(journal.get("deviated"))
    out.append(f'<span class="pill {"bad" if deviated else "good"}">deviated: {"yes" if deviated else "no"}'
               f'{" — the steady state was violated" if deviated else ""}</span>'
               f'<span class="pill">duration {escape(_secs(journal.get("duration_s")))}</span></div>')
    facts = []
    if journal.get("started_at") or journal.get("ended_at"):
        facts.append(("started – ended", f'{escape(_text(journal.get("started_at")) or "—")} – '
                                         f'{escape(_text(journal.get("ended_at")) or "—")}'))
    if journal.get("file"):
        facts.append(("file", f'<code>{escape(_text(journal["file"]))}</code>'))
    tags = _list(journal.get("tags"))
    if tags:
        facts.append(("tags", "".join(f'<span class="tag">{escape(_text(t))}</span>' for t in tags)))
    runbook = _text(journal.get("runbook"))
    if runbook:
        href = _safe_href(runbook)
        facts.append(("runbook", f'<a href="{escape(href)}">{escape(runbook)}</a>' if href else escape(runbook)))
    if journal.get("report"):
        facts.append(("report", f'<code>{escape(_text(journal["report"]))}</code>'))
    if facts:
        out.append('<dl class="facts">' + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
    out.append("</header>")

    reason = _reason(journal)
    if reason is not None:
        out.append(f'<div class="reason reason-{escape(_kind_class(status))}" role="alert" '
                   f'style="border-color:{colour};background:{colour}14"><strong style="color:{colour}">'
                   f'{escape(status)}:</strong> {escape(_text(reason))}</div>')
    if journal.get("description"):
        out.append(f'<p class="description">{escape(_text(journal["description"]))}</p>')
    summary = _summary(journal)
    if summary:
        out.append('<ul class="summary">' + "".join(
            f'<li class="{"bad" if bad else ""}"><span>{escape(what)}</span>{escape(value)}</li>'
            for what, value, bad in summary) + "</ul>")

    out.append(f'<section><h2>Timeline</h2><div class="figure">{svg_timeline(journal)}</div>')
    events = _events(journal)
    rows = [f'<tr><td class="num">{escape(_offset(e["at_s"]))}</td>'
            f'<td>{_shape_html(e["kind"])} {escape(e["kind"])}</td>'
            f'<td>{escape(e["label"])}</td></tr>' for e in events]
    out.append(_table(["at", "event", "what"], rows, "no events recorded") + "</section>")

    steady = _dict(journal.get("steady_state"))
    out.append("<section><h2>Steady state</h2><h3>Before the method</h3>" + _html_checks(_dicts(steady.get("before"))))
    during_rows = []
    for c in _dicts(steady.get("during")):
        deviations = _num(c.get("deviations"))
        during_rows.append("<tr>" + _cell(_text(c.get("name"))) + _cell(_text(c.get("probe")), "mono")
                           + _cell(_val(c.get("samples")), "num")
                           + _cell(_val(c.get("deviations")), "num notok" if deviations else "num")
                           + _cell(_offset(c.get("first_deviation_s")), "num")
                           + _cell(_clip(_val(c.get("worst")), 300), "mono")
                           + _cell(_clip(_val(c.get("tolerance")), 300), "mono") + "</tr>")
    out.append("<h3>During the method</h3>" + _table(
        ["check", "probe", "samples", "deviations", "first deviation", "worst", "tolerance"], during_rows))
    out.append("<h3>After the method</h3>" + _html_checks(_dicts(steady.get("after"))) + "</section>")

    out.append("<section><h2>Method</h2>" + _html_steps(_steps(journal, "run"), "no method steps recorded")
               + "</section>")
    out.append("<section><h2>Rollbacks</h2>" + _html_steps(_steps(journal, "rollbacks"), "no rollbacks")
               + "</section>")

    rows = [("<tr>" + _cell(_text(x.get("name"))) + _ok_cell(x.get("met"), "✔ met", "✘ not met")
             + _cell(_clip(_val(x.get("value")), 300), "mono") + _cell(_clip(_val(x.get("tolerance")), 300), "mono")
             + _cell(_text(x.get("detail"))) + "</tr>") for x in _dicts(journal.get("expectations"))]
    out.append("<section><h2>Expectations</h2>"
               + _table(["expectation", "result", "value", "tolerance", "detail"], rows, "no expectations")
               + "</section>")

    pages = _dicts(journal.get("pages"))
    delivered = any("delivered" in p for p in pages)
    rows = [("<tr>" + _cell(_offset(p.get("at_s")), "num") + _cell(_text(p.get("action")))
             + _cell(_text(p.get("severity"))) + _cell(_text(p.get("summary")))
             + _cell(_text(p.get("dedup_key")), "mono")
             + (_cell(_delivered(p), "" if p.get("delivered") is not False else "notok") if delivered else "")
             + "</tr>") for p in pages]
    out.append("<section><h2>Pages</h2>"
               + _table(["at", "action", "severity", "summary", "dedup key"] + (["delivered"] if delivered else []),
                        rows, "no pages"))
    if journal.get("pages_error"):
        out.append(f'<p class="error"><strong>The pages could not be read:</strong> '
                   f'{escape(_text(journal["pages_error"]))}</p>')
    out.append("</section>")

    orders = _dict(journal.get("orders"))
    out.append("<section><h2>Orders</h2>")
    if orders:
        lost, dup = _list(orders.get("lost")), _list(orders.get("duplicated"))

        def ids(items: list) -> str:
            if not items:
                return '<td class="num ok">0</td>'
            return (f'<td class="notok">{len(items)}: <span class="mono">'
                    f'{escape(_clip(", ".join(_val(i) for i in items), 2000))}</span></td>')
        touched = "touched" in orders
        out.append(_table(["before", "after"] + (["new in the drill"] if touched else []) + ["lost", "duplicated"],
                          ["<tr>" + _cell(_val(orders.get("before")), "num") + _cell(_val(orders.get("after")), "num")
                           + (_cell(_val(orders.get("touched")), "num") if touched else "")
                           + ids(lost) + ids(dup) + "</tr>"]))
        if "fills_before" in orders:
            out.append(f"<p>Fills at the venue: {escape(_val(orders.get('fills_before')))} before, "
                       f"{escape(_val(orders.get('fills_after')))} after.</p>")
        if orders.get("error"):
            out.append(f'<p class="error"><strong>The books could not be read:</strong> '
                       f'{escape(_text(orders["error"]))}</p>')
    else:
        out.append('<p class="none">not recorded</p>')
    out.append("</section>")

    trace_ids = _list(journal.get("trace_ids"))
    out.append("<section><h2>Traces</h2>")
    if trace_ids:
        hint = escape(TRACE_HINT).replace("{", "<code>").replace("}", "</code>")
        out.append(f'<p class="hint">{hint}</p><ul class="traces">'
                   + "".join(f'<li><code>{escape(_text(t))}</code></li>' for t in trace_ids) + "</ul>")
    else:
        out.append('<p class="none">none</p>')
    out.append("</section>")

    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _shape_html(kind: str) -> str:
    return (f'<svg width="14" height="14" viewBox="0 0 14 14" style="vertical-align:-2px" aria-hidden="true">'
            f'{_shape(kind, 7, 7, 5.5)}</svg>')
