"""What the Markdown and the HTML report both say, read from the journal: its status, its steps, the events of its
timeline (pages and steady-state deviations included), the summary's numbers, and the notes of steps, checks and
pages."""
from __future__ import annotations

from typing import Any

from drills.report.text import _clip, _dict, _dicts, _list, _num, _secs, _text, _val

# How to use a trace id, with the commands in {}: `vigil trace` takes an order, not a trace id.
TRACE_HINT = ("{vigil trace CLORDID} opens an order; these are the traces' ids (the TRACE column of "
              "{vigil trace --slowest N}, the trace_id of the run's spans in spans.jsonl or your OTLP backend)")


def _duration(step: dict) -> float | None:
    """A step's duration: as recorded, else from its start and end."""
    duration = _num(step.get("duration_s"))
    if duration is None and _num(step.get("start_s")) is not None and _num(step.get("end_s")) is not None:
        duration = _num(step["end_s"]) - _num(step["start_s"])
    return duration


def _status(journal: dict) -> str:
    return _text(journal.get("status")) or "unknown"


def _steps(journal: dict, key: str) -> list[dict]:
    return _dicts(journal.get(key))


def _targets(step: dict) -> str:
    """The targets a step acted on, comma-separated; "" when none."""
    return ", ".join(_text(t) for t in _list(step.get("targets")))


def _reason(journal: dict) -> Any:
    """Why the drill ended as it did, for the box at the top; None when there is no box: only a failed or aborted
    drill, or one with a reason, gets one."""
    if _status(journal) in ("failed", "aborted") or journal.get("reason"):
        return journal.get("reason") or "no reason recorded"
    return None


def _events(journal: dict) -> list[dict]:
    """The timeline, sorted; plus pages and steady-state deviations the timeline does not already list."""
    events = [{"at_s": _num(e.get("at_s")), "kind": _text(e.get("kind")) or "event", "label": _text(e.get("label"))}
              for e in _dicts(journal.get("timeline")) if _num(e.get("at_s")) is not None]
    kinds = {e["kind"] for e in events}
    if not kinds & {"page", "resolve"}:
        for page in _dicts(journal.get("pages")):
            if _num(page.get("at_s")) is not None:
                kind = "resolve" if page.get("action") == "resolve" else "page"
                label = _text(page.get("summary")) or _text(page.get("dedup_key"))
                events.append({"at_s": _num(page["at_s"]), "kind": kind, "label": label})
    if "deviation" not in kinds:
        for check in _dicts(_dict(journal.get("steady_state")).get("during")):
            if _num(check.get("first_deviation_s")) is not None:
                label = (f"{_text(check.get('name'))}: worst {_val(check.get('worst'))}, "
                         f"tolerance {_val(check.get('tolerance'))}")
                events.append({"at_s": _num(check["first_deviation_s"]), "kind": "deviation", "label": label})
    return sorted(events, key=lambda e: e["at_s"])


def _summary(journal: dict) -> list[tuple[str, str, bool]]:
    """The numbers a reader looks for first: (what, value, bad?)."""
    items: list[tuple[str, str, bool]] = []
    expectations = _dicts(journal.get("expectations"))
    if expectations:
        met = sum(1 for x in expectations if x.get("met") is True)
        items.append(("expectations", f"{met} of {len(expectations)} met", met < len(expectations)))
    steady = _dict(journal.get("steady_state"))
    for phase in ("before", "after"):
        checks = _dicts(steady.get(phase))
        if checks:
            ok = sum(1 for c in checks if c.get("ok") is True)
            items.append((f"steady state {phase}", f"{ok} of {len(checks)} ok", ok < len(checks)))
    during = _dicts(steady.get("during"))
    if during:
        deviations = sum(int(_num(c.get("deviations")) or 0) for c in during)
        samples = sum(int(_num(c.get("samples")) or 0) for c in during)
        items.append(("steady state during", f"{deviations} deviations in {samples} samples", deviations > 0))
    run = _steps(journal, "run")
    if run:
        counts: dict[str, int] = {}
        for step in run:
            counts[_text(step.get("status")) or "unknown"] = counts.get(_text(step.get("status")) or "unknown", 0) + 1
        text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: kv[0] != "succeeded"))
        items.append(("steps", text, any(s != "succeeded" for s in counts)))
    for key, what in (("time_to_detect_s", "time to detect"), ("time_to_recover_s", "time to recover")):
        timed = [(_num(s.get(key)), _text(s.get("name"))) for s in run if _num(s.get(key)) is not None]
        if timed:
            value, name = max(timed)
            items.append((what, f"{_secs(value)} ({_clip(name, 40)})", False))
    pages = _dicts(journal.get("pages"))
    if pages:
        triggered = sum(1 for p in pages if p.get("action") != "resolve")
        items.append(("pages", f"{triggered} triggered, {len(pages) - triggered} resolved", False))
    orders = _dict(journal.get("orders"))
    if orders:
        lost, dup = len(_list(orders.get("lost"))), len(_list(orders.get("duplicated")))
        items.append(("orders", f"{lost} lost, {dup} duplicated", bool(lost or dup)))
    return items


def _step_notes(step: dict) -> list[str]:
    """A step's error, then its notes (a detection or recovery that did not come in time)."""
    notes = [_text(step["error"])] if step.get("error") else []
    return notes + [_val(n) for n in _list(step.get("notes"))]


def _check_note(check: dict) -> str:
    """A probe's error (it could not answer) or its detail, as text; "" when neither."""
    if check.get("error"):
        return f"error: {_text(check['error'])}"
    return _val(check["detail"]) if check.get("detail") not in (None, "", [], {}) else ""


def _delivered(page: dict) -> str:
    return {True: "yes", False: "not yet"}.get(page.get("delivered"), _val(page.get("delivered")))
