"""Small inline-SVG charts for the report: interval (forest) plots, grouped bars, lines.

No plotting library and no network: each function returns an ``<svg>`` string that the
report embeds directly, so the page works offline. Values that are nan are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["PALETTE", "bars", "forest", "lines"]

PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _nice_max(value: float) -> float:
    if value <= 0 or math.isnan(value):
        return 1.0
    exponent = float(10.0 ** math.floor(math.log10(value)))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * exponent >= value:
            return step * exponent
    return 10.0 * exponent


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def _ticks(lo: float, hi: float) -> int:
    """Tick count giving round steps for an axis from :func:`_nice_max` (2x10^k: 4, else 5)."""
    span = hi - lo
    if span <= 0:
        return 4
    lead = span / 10 ** math.floor(math.log10(span))
    return 4 if abs(lead - 2.0) < 1e-9 else 5


def _axis(
    x0: float, x1: float, y: float, top: float, lo: float, hi: float, ticks: int | None = None
) -> list[str]:
    ticks = ticks or _ticks(lo, hi)
    out = [f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#999"/>']
    for i in range(ticks + 1):
        value = lo + (hi - lo) * i / ticks
        x = x0 + (x1 - x0) * i / ticks
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{y}" stroke="#eee"/>')
        out.append(
            f'<text x="{x:.1f}" y="{y + 13}" text-anchor="middle" {_FONT}>{_fmt(value)}</text>'
        )
    return out


def forest(
    rows: Sequence[tuple[str, float, float, float]],
    *,
    title: str,
    reference: float | None = None,
    width: int = 420,
) -> str:
    """One row per (label, mean, lo, hi): a dot and its interval; a dashed reference line."""
    row_h, left, right, top = 20, 130, 20, 24
    height = top + row_h * len(rows) + 24
    values = [v for _, m, lo, hi in rows for v in (m, lo, hi) if not math.isnan(v)]
    if reference is not None and not math.isnan(reference):
        values.append(reference)
    lo_all = min(values, default=0.0)
    hi_all = max(values, default=1.0)
    lo_axis = 0.0 if lo_all >= 0 else -_nice_max(-lo_all)
    hi_axis = _nice_max(hi_all) if hi_all > 0 else 0.0
    if hi_axis == lo_axis:
        hi_axis = lo_axis + 1.0
    x0, x1 = left, width - right

    def sx(v: float) -> float:
        return x0 + (x1 - x0) * (v - lo_axis) / (hi_axis - lo_axis)

    y_axis = top + row_h * len(rows) + 4
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    out.append(f'<text x="4" y="14" {_FONT} font-weight="bold">{escape(title)}</text>')
    out.extend(_axis(x0, x1, y_axis, top - 4, lo_axis, hi_axis))
    if reference is not None and not math.isnan(reference):
        x = sx(reference)
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{y_axis}" stroke="#888" stroke-dasharray="4 3"/>'
        )
    for i, (label, mean, lo, hi) in enumerate(rows):
        y = top + row_h * i + row_h / 2
        color = PALETTE[i % len(PALETTE)]
        out.append(
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" {_FONT}>{escape(label)}</text>'
        )
        if not (math.isnan(lo) or math.isnan(hi)):
            out.append(
                f'<line x1="{sx(lo):.1f}" y1="{y}" x2="{sx(hi):.1f}" y2="{y}" stroke="{color}" stroke-width="2"/>'
            )
        if not math.isnan(mean):
            out.append(
                f'<circle cx="{sx(mean):.1f}" cy="{y}" r="4" fill="{color}"><title>{escape(label)}: {_fmt(mean)}</title></circle>'
            )
    out.append("</svg>")
    return "".join(out)


def _legend(names: Sequence[str], x: float, y: float) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(names):
        xi = x + 120 * (i % 4)
        yi = y + 14 * (i // 4)
        out.append(
            f'<rect x="{xi}" y="{yi - 8}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        out.append(f'<text x="{xi + 14}" y="{yi + 1}" {_FONT}>{escape(name)}</text>')
    return out


def _y_axis(x0: float, x1: float, y0: float, y1: float, hi: float) -> list[str]:
    out: list[str] = []
    ticks = _ticks(0.0, hi)
    for i in range(ticks + 1):
        value = hi * i / ticks
        y = y0 - (y0 - y1) * i / ticks
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(
            f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>{_fmt(value)}</text>'
        )
    return out


def bars(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    width: int = 720,
    height: int = 240,
) -> str:
    """Grouped vertical bars: one group per category, one bar per series."""
    names = list(series)
    legend_rows = math.ceil(len(names) / 4)
    left, right, top, bottom = 44, 10, 24 + 14 * legend_rows, 40
    values = [v for vs in series.values() for v in vs if not math.isnan(v)]
    hi = _nice_max(max(values, default=1.0))
    x0, x1, y0, y1 = left, width - right, height - bottom, top
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    out.append(f'<text x="4" y="14" {_FONT} font-weight="bold">{escape(title)}</text>')
    out.extend(_legend(names, left, 30))
    out.extend(_y_axis(x0, x1, y0, y1, hi))
    group = (x1 - x0) / max(1, len(categories))
    bar = group * 0.8 / max(1, len(names))
    for c, category in enumerate(categories):
        gx = x0 + group * c + group * 0.1
        for s, name in enumerate(names):
            value = series[name][c]
            if math.isnan(value):
                continue
            h = (y0 - y1) * value / hi
            out.append(
                f'<rect x="{gx + bar * s:.1f}" y="{y0 - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(name)}, {escape(category)}: {_fmt(value)}</title></rect>'
            )
        out.append(
            f'<text x="{gx + group * 0.4:.1f}" y="{y0 + 14}" text-anchor="middle" {_FONT}>{escape(category)}</text>'
        )
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#999"/>')
    out.append("</svg>")
    return "".join(out)


def lines(
    x: Sequence[float],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    x_label: str,
    x_range: tuple[float, float] | None = None,
    width: int = 720,
    height: int = 240,
) -> str:
    """Line chart of several series over shared ``x`` (e.g. histogram densities)."""
    names = list(series)
    legend_rows = math.ceil(len(names) / 4)
    left, right, top, bottom = 44, 10, 24 + 14 * legend_rows, 40
    values = [v for vs in series.values() for v in vs if not math.isnan(v)]
    hi = _nice_max(max(values, default=1.0))
    lo_x, hi_x = x_range or ((min(x), max(x)) if x else (0.0, 1.0))
    if hi_x == lo_x:
        hi_x = lo_x + 1.0
    x0, x1, y0, y1 = left, width - right, height - bottom, top
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    out.append(f'<text x="4" y="14" {_FONT} font-weight="bold">{escape(title)}</text>')
    out.extend(_legend(names, left, 30))
    out.extend(_y_axis(x0, x1, y0, y1, hi))
    out.extend(_axis(x0, x1, y0, y1, lo_x, hi_x))
    out.append(
        f'<text x="{(x0 + x1) / 2}" y="{height - 6}" text-anchor="middle" {_FONT}>{escape(x_label)}</text>'
    )
    for s, name in enumerate(names):
        points = [
            f"{x0 + (x1 - x0) * (xv - lo_x) / (hi_x - lo_x):.1f},{y0 - (y0 - y1) * yv / hi:.1f}"
            for xv, yv in zip(x, series[name], strict=True)
            if not math.isnan(yv)
        ]
        out.append(
            f'<polyline fill="none" stroke="{PALETTE[s % len(PALETTE)]}" stroke-width="1.6" points="{" ".join(points)}"/>'
        )
    out.append("</svg>")
    return "".join(out)
