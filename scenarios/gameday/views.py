"""The game-day report's side-by-side sections as rows, shared by ``report.md`` and
``report.html``: one table per concern, every time in seconds from the experiment's start (the
``t`` column), so the fault, the alerts, the team's actions and the series line up.

Pure functions of a :class:`~scenarios.gameday.report.GameDayReport`-like value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from scenarios.gameday.charts import Line, Mark

if TYPE_CHECKING:
    from scenarios.gameday.report import GameDayReport

__all__ = [
    "Table",
    "action_table",
    "alert_table",
    "load_lines",
    "load_table",
    "marks",
    "ok_line",
    "origin",
    "probe_lines",
    "probe_table",
    "score_table",
    "seconds",
    "thin",
    "timeline_table",
    "x_range",
]

#: (header, rows)
Table = tuple[list[str], list[list[str]]]
T = TypeVar("T")


def origin(report: GameDayReport) -> datetime | None:
    """The experiment's start (the x axis' zero)."""
    starts = [e.at for e in report.timeline_entries[:1]] + [s.started for s in report.probes[:1]]
    return min(starts) if starts else None


def seconds(report: GameDayReport, at: datetime | None) -> float | None:
    zero = origin(report)
    return None if at is None or zero is None else round((at - zero).total_seconds(), 1)


def _t(report: GameDayReport, at: datetime | None) -> str:
    value = seconds(report, at)
    return "" if value is None else f"{value:g}"


def thin(items: Sequence[T], most: int) -> list[T]:
    """At most ``most`` items, evenly spread, the first and the last kept."""
    if len(items) <= most:
        return list(items)
    step = (len(items) - 1) / (most - 1)
    return [items[round(i * step)] for i in range(most)]


def timeline_table(report: GameDayReport) -> Table:
    rows = [[_t(report, e.at), e.phase, e.what] for e in report.timeline_entries]
    return ["t (s)", "phase", "what"], rows


def alert_table(report: GameDayReport) -> Table:
    rows = [
        [
            a.alertname,
            a.severity or "",
            _t(report, a.fired_at),
            f"{_t(report, a.wall)} ({', '.join(a.receivers) or 'receiver not checked'})",
            f"{_t(report, a.acknowledged_at)} {a.acknowledged_by or ''}".strip() or "not acknowledged",
            _t(report, a.resolved_at) or "open",
        ]
        for a in report.alerts
    ]
    header = ["alert", "severity", "fired in Prometheus", "routed to the room", "acknowledged", "resolved"]
    return header, rows


def action_table(report: GameDayReport) -> Table:
    rows = [[_t(report, a.wall), a.actor, a.label, a.outcome, a.detail] for a in report.actions]
    return ["t (s)", "who", "operation on the real system", "outcome", "detail"], rows


def probe_table(report: GameDayReport, most: int = 14) -> Table:
    names = list(report.probes[0].values) if report.probes else []
    rows = [
        [_t(report, s.started), "ok" if s.ok else "FAIL", *(_value(s.values.get(n)) for n in names)]
        for s in thin(report.probes, most)
    ]
    return ["t (s)", "steady state", *names], rows


def load_table(report: GameDayReport, most: int = 14) -> Table:
    rows = [
        [_t(report, p.at), str(p.users), f"{p.requests_per_s:.1f}", f"{p.failures_per_s:.1f}", _value(p.p50_ms), _value(p.p95_ms)]
        for p in thin(report.load_series, most)
    ]
    return ["t (s)", "users", "requests/s", "failures/s", "p50 (ms)", "p95 (ms)"], rows


def score_table(report: GameDayReport) -> Table:
    criteria = report.gameday_score.criteria if report.gameday_score else report.score.get("criteria") or []
    rows = [
        [
            str(c["id"]) + (" (real system)" if c.get("judged_on") else ""),
            f"{float(c['points']):g}/{float(c['max']):g}",
            str(c["rating"]),
            str(c["explanation"]),
        ]
        for c in criteria
    ]
    return ["criterion", "points", "rating", "explanation"], rows


def _value(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _x(report: GameDayReport, at: datetime) -> float:
    value = seconds(report, at)
    return 0.0 if value is None else value


def marks(report: GameDayReport) -> list[Mark]:
    """The fault, the first real alert, the team's done actions and the rollback."""
    out = []
    fault = next((e for e in report.timeline_entries if e.phase == "fault"), None)
    if fault is not None:
        out.append(Mark(_x(report, fault.at), "fault"))
    if report.alerts:
        out.append(Mark(_x(report, report.alerts[0].wall), "alert"))
    out += [Mark(_x(report, a.wall), str(a.operation.get("verb", "action")).replace("_", " ")) for a in report.actions if a.done]
    rollback = next((e for e in report.timeline_entries if e.phase == "rollback"), None)
    if rollback is not None:
        out.append(Mark(_x(report, rollback.at), "rollback"))
    return out


def x_range(report: GameDayReport) -> tuple[float, float]:
    """One time axis for every chart: from the experiment's start to the last point or mark."""
    ends = [_x(report, e.at) for e in report.timeline_entries[-1:]]
    ends += [_x(report, s.started) for s in report.probes[-1:]] + [_x(report, p.at) for p in report.load_series[-1:]]
    return 0.0, max([1.0, *ends])


def probe_lines(report: GameDayReport) -> list[Line]:
    names = list(report.probes[0].values) if report.probes else []
    return [
        Line(name, [(_x(report, s.started), s.values.get(name)) for s in report.probes])
        for name in names
    ]


def ok_line(report: GameDayReport) -> Line:
    return Line("steady state ok", [(_x(report, s.started), 1.0 if s.ok else 0.0) for s in report.probes])


def load_lines(report: GameDayReport) -> tuple[Line, Line]:
    points = report.load_series
    latency = Line("p95 latency", [(_x(report, p.at), p.p95_ms) for p in points], " ms")
    errors = Line("failures/s", [(_x(report, p.at), p.failures_per_s) for p in points])
    return latency, errors
