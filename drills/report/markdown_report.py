"""The journal as Markdown: headings, the reason, a summary, a text timeline, then the tables.

Every string from the journal is escaped (HTML entities and backslashes): a probe's value may hold anything.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from drills.report.contents import (
    TRACE_HINT,
    _check_note,
    _delivered,
    _duration,
    _events,
    _reason,
    _status,
    _step_notes,
    _steps,
    _summary,
    _targets,
)
from drills.report.text import _clip, _dict, _dicts, _list, _num, _offset, _safe_href, _secs, _text, _val

_MD_SPECIAL = re.compile(r"([\\`*\[\]|])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_URL_SAFE = ":/?#@!$&'*+,;=%~"  # kept in a Markdown link's URL; spaces, parentheses, <, > are %-quoted


def _md(value: Any, limit: int | None = None) -> str:
    """Journal text for Markdown: one line, nothing in it read as markup, and no HTML: <script> becomes &lt;script&gt;,
    which every Markdown renderer shows as the text <script>."""
    text = " ".join((value if isinstance(value, str) else _val(value)).split())
    if limit:
        text = _clip(text, limit)
    text = re.sub(r"[&<>]", lambda m: _MD_ENTITIES[m.group()], text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["_none_", ""]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines + [""]


def _md_steps(steps: list[dict]) -> list[str]:
    rows = []
    for i, s in enumerate(steps, 1):
        rows.append([str(i), _md(s.get("name")), _md(s.get("type")), _md(s.get("kind")), _md(_targets(s)),
                     _offset(s.get("start_s")), _secs(_duration(s)), _md(_text(s.get("status")).upper()),
                     _secs(s.get("time_to_detect_s")), _secs(s.get("time_to_recover_s")),
                     _md("; ".join(_step_notes(s)), 200),
                     _md(s.get("output"), 80) if s.get("output") is not None else ""])
    return _md_table(["#", "step", "type", "kind", "targets", "start", "duration", "status",
                      "detect", "recover", "error / notes", "output"], rows)


def markdown(journal: dict) -> str:
    """The journal as Markdown: header facts, the reason, a summary, a text timeline, then the tables."""
    journal = _dict(journal)
    status = _status(journal)
    out = [f"# Drill: {_md(journal.get('title') or 'untitled drill')}", ""]
    facts = [f"**Status:** {_md(status.upper())}",
             f"**Deviated:** {'yes' if journal.get('deviated') else 'no'}",
             f"**Duration:** {_secs(journal.get('duration_s'))}"]
    out += [" · ".join(facts), ""]
    details = []
    if journal.get("started_at") or journal.get("ended_at"):
        details.append(f"- Started {_md(journal.get('started_at') or '—')}, "
                       f"ended {_md(journal.get('ended_at') or '—')}")
    if journal.get("file"):
        details.append(f"- File: {_md(journal['file'])}")
    tags = [_md(t) for t in _list(journal.get("tags"))]
    if tags:
        details.append(f"- Tags: {', '.join(tags)}")
    runbook = _text(journal.get("runbook"))
    if runbook:
        href = _safe_href(runbook)
        link = f"[{_md(runbook)}]({quote(href, safe=_URL_SAFE)})" if href else _md(runbook)
        details.append(f"- Runbook: {link}")
    if journal.get("report"):
        details.append(f"- Report: {_md(journal['report'])}")
    if details:
        out += details + [""]
    reason = _reason(journal)
    if reason is not None:
        out += [f"> **{_md(status.capitalize())}:** {_md(reason)}", ""]
    if journal.get("description"):
        out += [_md(journal["description"]), ""]

    summary = _summary(journal)
    if summary:
        out += ["## Summary", ""]
        out += [f"- {what}: {'**' + _md(value) + '**' if bad else _md(value)}" for what, value, bad in summary]
        out.append("")

    out += ["## Timeline", ""]
    events = _events(journal)
    out += [f"- `{_offset(e['at_s'])}` **{_md(e['kind'])}** {_md(e['label'])}" for e in events]
    out += [] if events else ["_no events recorded_"]
    out.append("")

    steady = _dict(journal.get("steady_state"))
    out += ["## Steady state", ""]
    out += ["### Before", ""] + _md_checks(_dicts(steady.get("before")))
    out += ["### During", ""]
    out += _md_table(["check", "probe", "samples", "deviations", "first deviation", "worst", "tolerance"],
                     [[_md(c.get("name")), _md(c.get("probe")), _val(c.get("samples")),
                       (f"**{_val(c.get('deviations'))}**" if _num(c.get("deviations")) else _val(c.get("deviations"))),
                       _offset(c.get("first_deviation_s")), _md(c.get("worst"), 80), _md(c.get("tolerance"), 80)]
                      for c in _dicts(steady.get("during"))])
    out += ["### After", ""] + _md_checks(_dicts(steady.get("after")))

    out += ["## Method", ""] + _md_steps(_steps(journal, "run"))
    out += ["## Rollbacks", ""] + _md_steps(_steps(journal, "rollbacks"))

    out += ["## Expectations", ""]
    out += _md_table(["expectation", "result", "value", "tolerance", "detail"],
                     [[_md(x.get("name")), "met" if x.get("met") is True else "**NOT MET**",
                       _md(x.get("value"), 80), _md(x.get("tolerance"), 80),
                       _md(x.get("detail"), 200) if x.get("detail") else ""]
                      for x in _dicts(journal.get("expectations"))])

    out += ["## Pages", ""]
    pages = _dicts(journal.get("pages"))
    delivered = any("delivered" in p for p in pages)
    out += _md_table(["at", "action", "severity", "summary", "dedup key"] + (["delivered"] if delivered else []),
                     [[_offset(p.get("at_s")), _md(p.get("action")), _md(p.get("severity")),
                       _md(p.get("summary"), 200), _md(p.get("dedup_key"))]
                      + ([_delivered(p)] if delivered else []) for p in pages])
    if journal.get("pages_error"):
        out += [f"**The pages could not be read:** {_md(journal['pages_error'], 300)}", ""]

    out += ["## Orders", ""]
    orders = _dict(journal.get("orders"))
    if orders:
        lost, dup = _list(orders.get("lost")), _list(orders.get("duplicated"))
        touched = "touched" in orders
        out += _md_table(["before", "after"] + (["new in the drill"] if touched else []) + ["lost", "duplicated"],
                         [[_val(orders.get("before")), _val(orders.get("after"))]
                          + ([_val(orders.get("touched"))] if touched else [])
                          + [str(len(lost)) if not lost else f"**{len(lost)}**: " + ", ".join(_md(o) for o in lost),
                             str(len(dup)) if not dup else f"**{len(dup)}**: " + ", ".join(_md(o) for o in dup)]])
        if "fills_before" in orders:
            out += [f"Fills at the venue: {_val(orders.get('fills_before'))} before, "
                    f"{_val(orders.get('fills_after'))} after.", ""]
        if orders.get("error"):
            out += [f"**The books could not be read:** {_md(orders['error'], 300)}", ""]
    else:
        out += ["_not recorded_", ""]

    out += ["## Traces", ""]
    trace_ids = [_md(t) for t in _list(journal.get("trace_ids"))]
    if trace_ids:
        out += [TRACE_HINT.replace("{", "`").replace("}", "`"), ""] + [f"- {t}" for t in trace_ids] + [""]
    else:
        out += ["_none_", ""]

    return "\n".join(out).rstrip() + "\n"


def _md_checks(checks: list[dict]) -> list[str]:
    noted = any(_check_note(c) for c in checks)
    rows = [[_md(c.get("name")), _md(c.get("probe")), _md(c.get("value"), 80), _md(c.get("tolerance"), 80),
             "ok" if c.get("ok") is True else "**NOT OK**", _offset(c.get("at_s"))]
            + ([_md(_check_note(c), 200)] if noted else []) for c in checks]
    return _md_table(["check", "probe", "value", "tolerance", "ok", "at"] + (["detail"] if noted else []), rows)
