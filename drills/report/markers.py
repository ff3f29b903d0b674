"""The timeline's event markers: each event kind's colour, shape and legend text, and the marker as SVG shapes
(drawn in the timeline picture, and as an icon beside each event in the HTML page's events table)."""
from __future__ import annotations

import math

# Each timeline event kind: (colour, how it is drawn, what the legend says).
KINDS: dict[str, tuple[str, str, str]] = {
    "fault": ("#cf222e", "diamond", "fault injected"),
    "detect": ("#9a6700", "triangle", "detected"),
    "recover": ("#1a7f37", "circle", "recovered"),
    "page": ("#8250df", "square", "page triggered"),
    "resolve": ("#8250df", "hollow-square", "page resolved"),
    "deviation": ("#bf3989", "cross", "steady state violated"),
    "abort": ("#bc4c00", "octagon", "aborted"),
    "rollback": ("#0969da", "left-triangle", "rollback"),
    "probe": ("#6e7781", "hollow-circle", "probe"),
}
OTHER_KIND = ("#57606a", "dot", "other")


def _shape(kind: str, x: float, y: float, r: float = 6.0) -> str:
    colour, shape, _ = KINDS.get(kind, OTHER_KIND)
    if shape == "diamond":
        return (f'<polygon points="{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}" '
                f'fill="{colour}"/>')
    if shape == "triangle":
        return (f'<polygon points="{x:.1f},{y - r:.1f} {x + r:.1f},{y + r * 0.8:.1f} {x - r:.1f},{y + r * 0.8:.1f}" '
                f'fill="{colour}"/>')
    if shape == "left-triangle":
        return (f'<polygon points="{x - r:.1f},{y:.1f} {x + r * 0.8:.1f},{y - r:.1f} {x + r * 0.8:.1f},{y + r:.1f}" '
                f'fill="{colour}"/>')
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 0.85:.1f}" fill="{colour}"/>'
    if shape == "hollow-circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 0.75:.1f}" fill="#fff" stroke="{colour}" stroke-width="2"/>'
    if shape == "square":
        s = r * 0.8
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" fill="{colour}"/>'
    if shape == "hollow-square":
        s = r * 0.75
        return (f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" fill="#fff" '
                f'stroke="{colour}" stroke-width="2"/>')
    if shape == "cross":
        s = r * 0.75
        return (f'<path d="M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}'
                f'M{x - s:.1f},{y + s:.1f}L{x + s:.1f},{y - s:.1f}" '
                f'stroke="{colour}" stroke-width="2.6" stroke-linecap="round"/>')
    if shape == "octagon":
        pts = " ".join(f"{x + r * math.cos(math.pi / 8 + i * math.pi / 4):.1f},"
                       f"{y + r * math.sin(math.pi / 8 + i * math.pi / 4):.1f}" for i in range(8))
        return (f'<polygon points="{pts}" fill="{colour}"/>'
                f'<rect x="{x - r * 0.55:.1f}" y="{y - 1:.1f}" width="{r * 1.1:.1f}" height="2" fill="#fff"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 0.6:.1f}" fill="{colour}"/>'
