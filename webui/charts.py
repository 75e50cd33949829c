"""Inline SVG charts rendered on the server: time series and the service map (no JS library).

A chart is a pure function of its numbers and returns :class:`markupsafe.Markup` the
templates insert as it is; every text in it (titles, labels, service names) is escaped
here. Geometry, so that tests can derive points by hand: the plot area starts at
``(LEFT, TOP)`` and is ``width - LEFT - RIGHT`` by ``height - TOP - BOTTOM``; minute ``m`` of
a series spanning ``m0..m1`` sits at ``x = LEFT + (m - m0) / (m1 - m0) * plot_width`` (a
single minute at ``LEFT``), value ``v`` at ``y = TOP + plot_height * (1 - v / y_max)`` where
``y_max`` is :func:`nice_ceiling` of the largest value (or the threshold), values clipped to
``[0, y_max]``; coordinates are rounded to one decimal.

Charts carry ``role="img"`` and a ``<title>`` that states the last value of every series,
so a screen reader gets the figure the eye gets from the line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = [
    "BOTTOM",
    "LEFT",
    "RIGHT",
    "TOP",
    "MapNode",
    "Series",
    "line_chart",
    "nice_ceiling",
    "service_map",
]

LEFT, RIGHT, TOP, BOTTOM = 48, 10, 10, 22
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Series:
    """One line: its legend label and one value per minute of the chart."""

    label: str
    values: Sequence[float]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value`` (1 for 0)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in _STEPS:
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10 * power  # pragma: no cover - the last step always fits


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def line_chart(
    *,
    title: str,
    minutes: Sequence[int],
    series: Sequence[Series],
    unit: str = "",
    label: Callable[[int], str] = str,
    threshold: float | None = None,
    width: int = 480,
    height: int = 170,
) -> Markup:
    """A time-series chart of ``series`` over ``minutes``; ``label(m)`` names an x tick."""
    for s in series:
        if len(s.values) != len(minutes):
            raise ValueError(f"series {s.label!r} has {len(s.values)} values for {len(minutes)} minutes")
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    peak = max([v for s in series for v in s.values if math.isfinite(v)] + [threshold or 0.0, 0.0])
    y_max = nice_ceiling(peak)
    m0 = minutes[0] if minutes else 0
    span = (minutes[-1] - m0) if minutes else 0

    def x(m: int) -> float:
        return LEFT + ((m - m0) / span * plot_w if span else 0.0)

    def y(v: float) -> float:
        v = min(max(v, 0.0), y_max) if math.isfinite(v) else 0.0
        return TOP + plot_h * (1 - v / y_max)

    suffix = f" {unit}" if unit else ""
    last = "; ".join(f"{s.label} {_fmt(s.values[-1])}{suffix}" for s in series if s.values)
    summary = f"{title}: {last}" if last else f"{title}: no data"
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(summary)}</title>",
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        ty = _num(TOP + plot_h * (1 - frac))
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{ty}" x2="{LEFT + plot_w}" y2="{ty}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 4}" y="{ty}" text-anchor="end" dy="0.35em">'
                     f"{escape(_fmt(y_max * frac))}</text>")
    ticks = sorted({minutes[0], minutes[len(minutes) // 2], minutes[-1]}) if minutes else []
    for m in ticks:
        anchor = "start" if m == m0 else "end" if m == minutes[-1] else "middle"
        parts.append(f'<text class="tick" x="{_num(x(m))}" y="{height - 6}" text-anchor="{anchor}">'
                     f"{escape(label(m))}</text>")
    if threshold is not None:
        ty = _num(y(threshold))
        parts.append(f'<line class="threshold" x1="{LEFT}" y1="{ty}" x2="{LEFT + plot_w}" y2="{ty}"/>')
    for k, s in enumerate(series):
        points = " ".join(f"{_num(x(m))},{_num(y(v))}" for m, v in zip(minutes, s.values, strict=True))
        parts.append(f'<polyline class="line s{k}" points="{points}"><title>{escape(s.label)}</title></polyline>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it was escaped above


@dataclass(frozen=True)
class MapNode:
    """A service on the map: what it calls and its health (``healthy``, ``degraded``, ``down``)."""

    name: str
    calls: Sequence[str]
    health: str


_BOX_W, _BOX_H, _GAP_X, _GAP_Y, _PAD = 150, 44, 60, 18, 8


def _levels(nodes: Sequence[MapNode]) -> dict[str, int]:
    """A column per service: 0 for those nobody calls, else one past its deepest caller."""
    names = {n.name for n in nodes}
    level = {n.name: 0 for n in nodes}
    for _ in range(len(nodes)):  # longest path by relaxation; a cycle stops after n rounds
        changed = False
        for n in nodes:
            for dep in n.calls:
                if dep in names and level[dep] < level[n.name] + 1 <= len(nodes):
                    level[dep] = level[n.name] + 1
                    changed = True
        if not changed:
            break
    return level


def service_map(nodes: Sequence[MapNode]) -> Markup:
    """The services as boxes in columns (callers left of what they call), calls as arrows."""
    level = _levels(nodes)
    columns: dict[int, list[MapNode]] = {}
    for n in nodes:
        columns.setdefault(level[n.name], []).append(n)
    where: dict[str, tuple[float, float]] = {}
    for col, members in columns.items():
        for row, n in enumerate(members):
            where[n.name] = (_PAD + col * (_BOX_W + _GAP_X), _PAD + row * (_BOX_H + _GAP_Y))
    width = _PAD * 2 + (max(columns, default=0) + 1) * (_BOX_W + _GAP_X) - _GAP_X
    height = _PAD * 2 + max((len(m) for m in columns.values()), default=1) * (_BOX_H + _GAP_Y) - _GAP_Y
    health = ", ".join(f"{n.name} {n.health}" for n in nodes)
    parts = [
        f'<svg class="service-map" viewBox="0 0 {width} {height}" role="img">',
        f"<title>{escape('Service map: ' + health)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/></marker></defs>',
    ]
    for n in nodes:
        x1, y1 = where[n.name]
        for dep in n.calls:
            if dep not in where:
                continue
            x2, y2 = where[dep]
            parts.append(f'<line class="call" x1="{_num(x1 + _BOX_W)}" y1="{_num(y1 + _BOX_H / 2)}" '
                         f'x2="{_num(x2)}" y2="{_num(y2 + _BOX_H / 2)}" marker-end="url(#arrow)"/>')
    for n in nodes:
        x0, y0 = where[n.name]
        parts.append(
            f'<g class="node {escape(n.health)}"><rect x="{_num(x0)}" y="{_num(y0)}" width="{_BOX_W}" '
            f'height="{_BOX_H}" rx="6"/><text x="{_num(x0 + 8)}" y="{_num(y0 + 18)}" class="name">'
            f'{escape(n.name)}</text><text x="{_num(x0 + 8)}" y="{_num(y0 + 35)}" class="health">'
            f"{escape(n.health)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it was escaped above
