"""``report.md``: a game day side by side, in text.

Verdict and validity first, then the fault timeline, the real alerts (fired, routed,
acknowledged, resolved), the team's actions on the real system, the steady-state probe series
and Locust's latency and error series (each a sparkline over the whole run and a compact table
of evenly spread samples), the figures, the score, the team and the files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scenarios.gameday.charts import sparkline
from scenarios.gameday.views import (
    Table,
    action_table,
    alert_table,
    load_table,
    probe_table,
    score_table,
    timeline_table,
)

if TYPE_CHECKING:
    from scenarios.gameday.report import GameDayReport

__all__ = ["render_markdown", "table"]


def table(t: Table, empty: str) -> list[str]:
    header, rows = t
    if not rows:
        return [empty]
    cell = [" | ".join(c.replace("|", "\\|") for c in row) for row in rows]
    return [f"| {' | '.join(header)} |", "|" + "---|" * len(header), *(f"| {c} |" for c in cell)]


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g} s"


def _head(report: GameDayReport) -> list[str]:
    lines = [
        f"# Game day: {report.title}",
        "",
        f"- experiment: `{report.experiment}`",
        f"- game-day room (the real system, no world; briefing from `{report.drill}`), room "
        f"`{report.room.get('session_id')}`, join code `{report.room.get('join_code')}`",
        f"- experiment verdict: **{report.verdict.value}**"
        + ("" if report.valid else " (the fault was never really tested)"),
    ]
    lines += [f"  - {reason}" for reason in report.reasons]
    lines += [f"  - finding: {finding}" for finding in report.findings]
    score = report.gameday_score
    if score is not None:
        if not score.valid:
            lines.append("- game day: **INVALID**, not scored")
            lines += [f"  - {reason}" for reason in score.reasons]
        recovery = score.recovery
        if recovery.by_team and recovery.by is not None:
            lines.append(f"- the steady state came back after the team's **{recovery.by.label}**, before the rollback")
        elif recovery.by_rollback:
            lines.append("- the steady state came back only after the experiment's rollback (the safety net)")
    back = "n/a" if report.recovered is None else ("yes" if report.recovered else "NO")
    return [*lines, f"- steady state at the end: {back}", ""]


def _series(report: GameDayReport) -> list[str]:
    lines = ["## Steady-state probes (the real system)", ""]
    if report.probes:
        names = list(report.probes[0].values)
        lines.append("```")
        lines.append(f"{'steady state':<40} {''.join('█' if s.ok else '·' for s in report.probes)}")
        for name in names:
            lines.append(f"{name:<40} {sparkline([s.values.get(name) for s in report.probes])}")
        lines += ["```", "(█ within tolerance, · not)", ""]
    lines += [*table(probe_table(report), "No samples were recorded."), ""]
    lines += ["## Load (Locust, a point a second)", ""]
    if report.load_series:
        lines += [
            "```",
            f"{'p95 latency':<12} {sparkline([p.p95_ms for p in report.load_series])}",
            f"{'failures/s':<12} {sparkline([p.failures_per_s for p in report.load_series])}",
            "```",
            "",
        ]
    return [*lines, *table(load_table(report), "No load history was recorded."), ""]


def _score(report: GameDayReport) -> list[str]:
    lines = ["## Score", ""]
    score = report.gameday_score
    if score is None:
        lines.append(f"**{report.score.get('total')} / {report.score.get('max')}**")
    elif score.valid:
        lines.append(f"**{score.total:g} / {score.max:g}** (mitigation judged on the real system)")
    else:
        lines.append(f"**INVALID**: {'; '.join(score.reasons)}. The criteria below are shown, not totalled.")
    return [*lines, "", *table(score_table(report), "No criteria."), ""]


def _tail(report: GameDayReport) -> list[str]:
    lines: list[str] = []
    if report.team is not None:
        lines += [
            "## Team",
            "",
            f"autopilot `{report.team['profile']}`: {len(report.team['moves'])} moves, "
            f"{report.team['refused']} refused, "
            + ("finished" if report.team["finished"] else "did not finish"),
        ]
        if report.team.get("error"):
            lines.append(f"error: {report.team['error']}")
        lines.append("")
    lines += ["## Files", ""]
    lines += [f"- {name}: `{path}`" for name, path in report.files.items()]
    if report.load is not None:
        lines += [
            f"- Locust CSV: `{path}`"
            for path in report.load.get("csv_files", [])
            if path != report.files.get("locust_stats")
        ]
    return [
        *lines,
        "",
        f"Chaos events in the room's timeline: {report.timeline['delivered']} "
        f"({report.timeline['failed']} failed). Stopped afterwards: "
        f"{', '.join(report.stopped) or 'nothing'}.",
        "",
    ]


def render_markdown(report: GameDayReport) -> str:
    """``report.md`` (see the module doc)."""
    lines = _head(report)
    lines += ["## Fault timeline", "", *table(timeline_table(report), "No journal entries."), ""]
    lines += ["## Real alerts (t in s from the experiment's start)", ""]
    lines += [*table(alert_table(report), "None arrived."), ""]
    lines += ["## The team's actions on the real system", ""]
    lines += [*table(action_table(report), "None."), ""]
    lines += _series(report)
    lines += ["## Figures", "", "| figure | value |", "|---|---|"]
    lines += [f"| {name} | {_seconds(value)} |" for name, value in report.figures.items()]
    lines.append("")
    return "\n".join([*lines, *_score(report), *_tail(report)])
