"""Plots for the game-day report: inline SVG line charts (HTML) and text sparklines (Markdown).

Both are pure functions of their points. A chart's x axis is seconds since the experiment
started; vertical marks show the fault, the alert, the team's actions and the rollback, so the
series read side by side with the timeline. Gaps (``None``) break a line rather than drawing it
through zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Line", "Mark", "sparkline", "svg_chart"]

_BLOCKS = "▁▂▃▄▅▆▇█"
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


@dataclass(frozen=True)
class Line:
    name: str
    points: Sequence[tuple[float, float | None]]
    unit: str = ""


@dataclass(frozen=True)
class Mark:
    x: float
    label: str


def sparkline(values: Sequence[float | None]) -> str:
    """One block character per value, scaled from 0 to the largest (a space for a gap)."""
    known = [v for v in values if v is not None]
    top = max(known, default=0.0)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif top <= 0:
            out.append(_BLOCKS[0])
        else:
            out.append(_BLOCKS[min(len(_BLOCKS) - 1, int(v / top * (len(_BLOCKS) - 1) + 0.5))])
    return "".join(out)


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    segments: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append((x, y))
    return [s for s in segments if s]


def svg_chart(
    title: str,
    lines: Sequence[Line],
    marks: Sequence[Mark] = (),
    *,
    x_range: tuple[float, float] | None = None,
    width: int = 640,
    height: int = 170,
) -> str:
    """An inline ``<svg>`` line chart of ``lines`` (each scaled to its own maximum, stated in
    its legend line under the title) with ``marks`` as labelled vertical lines. ``x_range``
    (default: the points' and marks' extent) lets charts share one time axis."""
    left, right, top, bottom = 8, 8, 18 + 13 * len(lines), 20
    xs = [x for line in lines for x, _ in line.points] + [m.x for m in marks]
    x0, x1 = x_range or ((min(xs), max(xs)) if xs else (0.0, 1.0))
    span = (x1 - x0) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return round(left + (x - x0) / span * plot_w, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gameday-chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    for i, line in enumerate(lines):
        color = _COLORS[i % len(_COLORS)]
        top_value = max((y for _, y in line.points if y is not None), default=0.0)
        scale = top_value or 1.0
        for segment in _segments(line.points):
            coords = " ".join(f"{px(x)},{round(top + plot_h - y / scale * plot_h, 1)}" for x, y in segment)
            parts.append(
                f'<polyline class="series" data-series="{escape(line.name)}" fill="none" '
                f'stroke="{color}" stroke-width="1.5" points="{coords}"/>'
            )
        legend = f"{line.name} (max {top_value:.3g}{line.unit})"
        parts.append(f'<text x="{left + 12}" y="{27 + 13 * i}" font-size="11" fill="{color}">{escape(legend)}</text>')
    for mark in marks:
        x = px(mark.x)
        anchor = "end" if x > left + 0.85 * plot_w else "start"
        parts.append(f'<line class="mark" x1="{x}" y1="{top}" x2="{x}" y2="{top + plot_h}" stroke="#888" stroke-dasharray="3,3"/>')
        parts.append(f'<text x="{x}" y="{height - 6}" font-size="10" fill="#555" text-anchor="{anchor}">{escape(mark.label)}</text>')
    parts.append(f'<text x="{left + plot_w}" y="14" font-size="10" text-anchor="end">{x0:.0f} to {x1:.0f} s</text>')
    parts.append("</svg>")
    return "\n".join(parts)
