"""The timeline picture: one inline SVG of the drill's events and steps on a time axis, and the axis's ticks.

One time axis across the top, ticks every 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30 s or 1, 2, 5, 10, 15, 30 min, 1 h ...
so a 2-second drill and a 2-hour drill both get a handful (at most 8 intervals, the last tick at or past the end);
an events band with a marker for each timeline event (fault, detect, recover, page, resolve, deviation, abort,
rollback, probe), a dashed guide line from each down through the steps; then one row per method step with a bar
from its start to its end, and one per rollback; a legend at the bottom. Pages and steady-state deviations the
timeline does not list are drawn from the journal's pages and steady_state.during.
"""
from __future__ import annotations

import math
from html import escape

from drills.report.contents import _duration, _events, _steps, _targets
from drills.report.markers import KINDS, OTHER_KIND, _shape
from drills.report.text import _clip, _dict, _dicts, _kind_class, _num, _offset, _secs, _text

BAR_STYLES = {  # (fill, stroke, legend)
    "action": ("#0969da", "#0550ae", "action"),
    "step": ("#b6d4f7", "#0969da", "probe / wait / pause"),
    "failed": ("#cf222e", "#a40e26", "failed step"),
    "skipped": ("#eaeef2", "#8c959f", "skipped step"),
    "rollback": ("#1b7c83", "#115e63", "rollback"),
}

# Axis tick steps, seconds: 1, 2, 5, 10, 15, 30 s; 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h; a day.
TICK_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
              3600, 7200, 10800, 21600, 43200, 86400)
MAX_TICKS = 8

# SVG geometry, px.
WIDTH = 1000
PLOT_X0 = 240          # left of it: the row labels
PLOT_X1 = WIDTH - 56   # right of it: room for a duration label after a bar that ends the drill
AXIS_H = 36
LANE_H = 18
MAX_LANES = 6
ROW_H = 22
BAR_H = 14


def _extent(journal: dict, events: list[dict]) -> float:
    """How far the time axis must reach: the drill's duration, and anything recorded after it."""
    times = [_num(journal.get("duration_s"))]
    for key in ("run", "rollbacks"):
        for step in _steps(journal, key):
            times += [_num(step.get("start_s")), _num(step.get("end_s"))]
    times += [e["at_s"] for e in events]
    for phase in ("before", "after"):
        times += [_num(c.get("at_s")) for c in _dicts(_dict(journal.get("steady_state")).get(phase))]
    known = [t for t in times if t is not None]
    return max(known, default=0.0)


def axis_ticks(extent: float) -> list[float]:
    """Ticks from 0 past `extent`, a sensible step apart: at most MAX_TICKS intervals, the last tick >= extent."""
    extent = max(extent, 0.0) or 1.0
    step = next((s for s in TICK_STEPS if extent / s <= MAX_TICKS), None)
    if step is None:
        step = 86400 * math.ceil(extent / MAX_TICKS / 86400)
    count = max(1, math.ceil(extent / step - 1e-9))
    return [round(i * step, 6) for i in range(count + 1)]


def _tick_label(t: float, step: float) -> str:
    if step < 60:
        return f"{t:g} s"
    if t < 3600:
        return f"{t / 60:g} min"
    hours, minutes = divmod(round(t / 60), 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def _bar_style(step: dict, rollback: bool) -> str:
    status = _text(step.get("status"))
    if status == "failed":
        return "failed"
    if status == "skipped":
        return "skipped"
    if rollback:
        return "rollback"
    return "action" if step.get("type") == "action" else "step"


def _text_width(text: str, size: float) -> float:
    return len(text) * size * 0.6


def svg_timeline(journal: dict) -> str:
    """The timeline picture as an inline SVG element."""
    journal = _dict(journal)
    events = _events(journal)
    run, rollbacks = _steps(journal, "run"), _steps(journal, "rollbacks")
    ticks = axis_ticks(_extent(journal, events))
    end, step = ticks[-1], (ticks[1] - ticks[0] if len(ticks) > 1 else ticks[-1])

    def sx(t: float) -> float:
        return PLOT_X0 + min(max(t, 0.0), end) / end * (PLOT_X1 - PLOT_X0)

    # Events: spread over lanes so their labels do not overlap; a label that fits nowhere is left to the title.
    lane_ends: list[float] = []
    placed = []
    for e in events:
        x = sx(e["at_s"])
        label = _clip(e["label"], 42)
        width = _text_width(label, 11) + 12
        right = x + width <= WIDTH - 4
        start, stop = (x - 7, x + width) if right else (x - width, x + 7)
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end + 10 <= start), None)
        if lane is None and len(lane_ends) < MAX_LANES:
            lane_ends.append(-1e9)
            lane = len(lane_ends) - 1
        show_label = lane is not None
        if lane is None:  # no room for the label (the events table below has it): room for the marker alone?
            lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end + 2 <= x - 8), None)
            if lane is None:
                lane = min(range(len(lane_ends)), key=lambda i: lane_ends[i])
            lane_ends[lane] = max(lane_ends[lane], x + 8)
        else:
            lane_ends[lane] = stop
        placed.append((e, x, lane, label if show_label else "", right))

    events_y0 = AXIS_H + 6
    events_h = max(1, len(lane_ends)) * LANE_H + 6
    rows_y0 = events_y0 + events_h + 4
    row_count = len(run) + (len(rollbacks) + 1 if rollbacks else 0)
    rows_y1 = rows_y0 + max(row_count, 1) * ROW_H
    rows: list[str] = []

    # Row stripes and labels, and the bars.
    def row(index: int, y: float, s: dict, rollback: bool, number: str) -> None:
        if index % 2:
            rows.append(f'<rect x="0" y="{y:.1f}" width="{WIDTH}" height="{ROW_H}" fill="#f6f8fa"/>')
        name = _text(s.get("name")) or "(unnamed)"
        label = f"{number} {name}"
        rows.append(f'<text class="row-label" x="{PLOT_X0 - 10}" y="{y + ROW_H / 2 + 4:.1f}" text-anchor="end" '
                     f'font-size="12" fill="#1f2328">{escape(_clip(label, 36))}<title>{escape(label)}</title></text>')
        start, stop = _num(s.get("start_s")), _num(s.get("end_s"))
        if start is None:
            rows.append(f'<text x="{PLOT_X0 + 6}" y="{y + ROW_H / 2 + 4:.1f}" font-size="11" font-style="italic" '
                         f'fill="#6e7781">{escape(_text(s.get("status")) or "not run")}</text>')
            return
        if stop is None:
            stop = start + (_num(s.get("duration_s")) or 0.0)
        style = _bar_style(s, rollback)
        fill, stroke, _ = BAR_STYLES[style]
        x0, x1 = sx(start), sx(max(stop, start))
        w = max(x1 - x0, 2.0)
        bar_type = "rollback" if rollback else _kind_class(_text(s.get("type")) or "step")
        status = _kind_class(_text(s.get("status")) or "unknown")
        tooltip = (f"{name} — {_text(s.get('type'))} {_text(s.get('kind'))} on "
                   f"{_targets(s) or '—'}: {_offset(start)} to {_offset(stop)}, "
                   f"{_text(s.get('status'))}")
        if s.get("error"):
            tooltip += f"; error: {_text(s.get('error'))}"
        dash = ' stroke-dasharray="3 2"' if style == "skipped" else ""
        rows.append(f'<rect class="bar bar-{bar_type} status-{status}" data-start="{start:g}" data-end="{stop:g}" '
                     f'x="{x0:.1f}" y="{y + (ROW_H - BAR_H) / 2:.1f}" width="{w:.1f}" height="{BAR_H}" rx="2" '
                     f'fill="{fill}" stroke="{stroke}"{dash}><title>{escape(tooltip)}</title></rect>')
        duration = _secs(_duration(s) if _duration(s) is not None else stop - start)
        if style == "failed":
            duration += " failed"
        tw = _text_width(duration, 10)
        ty = y + ROW_H / 2 + 3.5
        if x0 + w + 4 + tw <= WIDTH - 2:
            rows.append(f'<text x="{x0 + w + 4:.1f}" y="{ty:.1f}" font-size="10" '
                         f'fill="#57606a">{escape(duration)}</text>')
        elif x0 - 4 - tw >= PLOT_X0:
            rows.append(f'<text x="{x0 - 4:.1f}" y="{ty:.1f}" font-size="10" text-anchor="end" '
                         f'fill="#57606a">{escape(duration)}</text>')
        else:
            rows.append(f'<text x="{x0 + w - 4:.1f}" y="{ty:.1f}" font-size="10" text-anchor="end" '
                         f'fill="#fff">{escape(duration)}</text>')

    y = rows_y0
    for i, s in enumerate(run):
        row(i, y, s, False, f"{i + 1}.")
        y += ROW_H
    if rollbacks:
        rows.append(f'<text x="{PLOT_X0 - 10}" y="{y + ROW_H / 2 + 4:.1f}" text-anchor="end" font-size="11" '
                     f'font-weight="600" fill="#57606a">rollbacks</text>'
                     f'<line x1="{PLOT_X0}" x2="{PLOT_X1}" y1="{y + ROW_H / 2:.1f}" y2="{y + ROW_H / 2:.1f}" '
                     f'stroke="#d0d7de"/>')
        y += ROW_H
        for i, s in enumerate(rollbacks):
            row(len(run) + 1 + i, y, s, True, "↺")
            y += ROW_H
    if not run and not rollbacks:
        rows.append(f'<text x="{PLOT_X0 + 6}" y="{rows_y0 + ROW_H / 2 + 4:.1f}" font-size="12" font-style="italic" '
                     f'fill="#6e7781" stroke="#fff" stroke-width="3" paint-order="stroke">'
                     f'no method steps recorded</text>')

    # The axis: tick labels across the top, grid lines down through everything.
    grid = [f'<rect x="{PLOT_X0}" y="{AXIS_H}" width="{PLOT_X1 - PLOT_X0}" height="{rows_y1 - AXIS_H:.1f}" '
            f'fill="none" stroke="#d0d7de"/>']
    for i, t in enumerate(ticks):
        x = sx(t)
        anchor = "start" if i == 0 else "end" if i == len(ticks) - 1 else "middle"
        grid.append(f'<g class="tick" data-t="{t:g}"><line x1="{x:.1f}" x2="{x:.1f}" y1="{AXIS_H - 5}" '
                    f'y2="{rows_y1:.1f}" stroke="#d8dee4" stroke-width="1"/>'
                    f'<text x="{x:.1f}" y="{AXIS_H - 9}" text-anchor="{anchor}" font-size="11" '
                    f'fill="#57606a">{escape(_tick_label(t, step))}</text></g>')
    duration = _num(journal.get("duration_s"))
    if duration is not None and 0 < duration:
        x = sx(duration)
        text = f"drill ended {_offset(duration)}"
        anchor = "end" if x + _text_width(text, 10) / 2 > WIDTH - 2 else "middle"
        grid.append(f'<line class="drill-end" x1="{x:.1f}" x2="{x:.1f}" y1="{AXIS_H:.1f}" y2="{rows_y1:.1f}" '
                    f'stroke="#1f2328" stroke-width="1.5"/>'
                    f'<text x="{x:.1f}" y="{rows_y1 + 13:.1f}" text-anchor="{anchor}" font-size="10" '
                    f'fill="#1f2328">{escape(text)}</text>')
    grid.append(f'<text x="{PLOT_X0 - 10}" y="{AXIS_H - 9}" text-anchor="end" font-size="11" '
                f'fill="#57606a">seconds since start</text>' if step < 60 else
                f'<text x="{PLOT_X0 - 10}" y="{AXIS_H - 9}" text-anchor="end" font-size="11" '
                f'fill="#57606a">time since start</text>')

    # The events band, and a guide line from each event down through the steps.
    band = [f'<rect x="{PLOT_X0}" y="{events_y0 - 2}" width="{PLOT_X1 - PLOT_X0}" height="{events_h:.1f}" '
            f'fill="#fbfcfd"/>',
            f'<text x="{PLOT_X0 - 10}" y="{events_y0 + LANE_H / 2 + 4:.1f}" text-anchor="end" font-size="12" '
            f'font-weight="600" fill="#1f2328">events</text>']
    guides, markers = [], []
    for e, x, lane, label, right in placed:
        kind = e["kind"]
        colour = KINDS.get(kind, OTHER_KIND)[0]
        my = events_y0 + lane * LANE_H + LANE_H / 2
        guides.append(f'<line class="guide" x1="{x:.1f}" x2="{x:.1f}" y1="{my:.1f}" y2="{rows_y1:.1f}" '
                      f'stroke="{colour}" stroke-opacity="0.55" stroke-dasharray="3 3"/>')
        title = f"{_offset(e['at_s'])} {kind}: {e['label']}"
        text = ""
        if label:
            anchor, tx = ("start", x + 9) if right else ("end", x - 9)
            text = (f'<text x="{tx:.1f}" y="{my + 4:.1f}" text-anchor="{anchor}" font-size="11" fill="#1f2328" '
                    f'stroke="#fbfcfd" stroke-width="3" paint-order="stroke">{escape(label)}</text>')
        markers.append(f'<g class="marker marker-{_kind_class(kind)}" data-kind="{escape(kind)}" '
                       f'data-at="{e["at_s"]:g}"><title>{escape(title)}</title>'
                       f'<rect x="{x - 8:.1f}" y="{my - 8:.1f}" width="16" height="16" fill="#fbfcfd" '
                       f'fill-opacity="0.9"/>{_shape(kind, x, my)}{text}</g>')

    # The legend: the event kinds present, then the bar styles present.
    legend_items: list[tuple[str, str]] = []
    seen = []
    for e in events:
        if e["kind"] not in seen:
            seen.append(e["kind"])
    order = [k for k in KINDS if k in seen] + [k for k in seen if k not in KINDS]
    for kind in order:
        legend_items.append(("kind", kind))
    styles = {_bar_style(s, False) for s in run if _num(s.get("start_s")) is not None}
    styles |= {_bar_style(s, True) for s in rollbacks if _num(s.get("start_s")) is not None}
    for style in BAR_STYLES:
        if style in styles:
            legend_items.append(("bar", style))
    legend = []
    lx, ly = 12.0, rows_y1 + 34
    for what, key in legend_items:
        text = (KINDS.get(key, OTHER_KIND)[2] if key in KINDS else key) if what == "kind" else BAR_STYLES[key][2]
        width = 22 + _text_width(text, 11) + 18
        if lx + width > WIDTH - 8:
            lx, ly = 12.0, ly + 20
        if what == "kind":
            icon = _shape(key, lx + 7, ly - 4)
        else:
            fill, stroke, _ = BAR_STYLES[key]
            dash = ' stroke-dasharray="3 2"' if key == "skipped" else ""
            icon = (f'<rect x="{lx:.1f}" y="{ly - 10:.1f}" width="16" height="11" rx="2" fill="{fill}" '
                    f'stroke="{stroke}"{dash}/>')
        legend.append(f'<g class="legend-item" data-legend="{escape(key)}">{icon}<text x="{lx + 22:.1f}" '
                      f'y="{ly:.1f}" font-size="11" fill="#1f2328">{escape(text)}</text></g>')
        lx += width
    height = (ly + 12) if legend_items else rows_y1 + 22

    title = f"Timeline of the drill {_text(journal.get('title'))}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" width="{WIDTH}" '
            f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" font-family="system-ui, -apple-system, '
            f'Segoe UI, Helvetica, Arial, sans-serif"><title>{escape(title)}</title>'
            + "".join(rows) + "".join(grid) + "".join(band) + "".join(guides) + "".join(markers)
            + "".join(legend) + "</svg>")
