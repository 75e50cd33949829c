"""A game day's outcome: the report model, the figures read from the journal and the room's
timeline, and ``report.md``. Pure functions of their inputs, except :func:`write_report`."""

import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from scenarios.chaosrun import (
    ExperimentRun,
)
from scenarios.journal import Verdict
from scenarios.team import HttpTeam, TeamMove

__all__ = [
    "FAULT_FUNCS",
    "GameDayReport",
    "RoomAlert",
    "fault_time",
    "figures",
    "load_summary",
    "outside_alerts",
    "render_markdown",
    "room_alerts",
    "team_summary",
    "write_report",
]

#: The provider functions that put a fault in (the instant alerts are timed from).
FAULT_FUNCS = frozenset({"inject_fault", "set_proxy_faults", "crash_target", "create_toxic", "create_latency_toxic", "disable_proxy"})

class RoomAlert(BaseModel):
    """A real alert as it arrived in the room."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_id: str
    alertname: str
    severity: str | None
    summary: str
    context: dict[str, Any] | None
    minute: float
    wall: datetime
    after_fault_seconds: float | None


class GameDayReport(BaseModel):
    """The outcome of a game day (``report.json``; ``report.md`` renders it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_dir: Path
    experiment: Path
    title: str
    drill: str
    room: dict[str, str]
    facilitator_url: SecretStr
    web_url: str
    verdict: Verdict
    valid: bool
    reasons: tuple[str, ...]
    findings: tuple[str, ...]
    recovered: bool | None
    interrupted: bool
    alerts: list[RoomAlert]
    figures: dict[str, float | None]
    score: dict[str, Any]
    team: dict[str, Any] | None
    timeline: dict[str, int]
    safeguard: dict[str, Any] | None = None
    files: dict[str, str]
    load: dict[str, Any] | None
    stopped: list[str]

    @property
    def exit_code(self) -> int:
        """0 when the loop worked (valid run, alert in the room, system back), 130 if
        interrupted, else 1."""
        if self.interrupted:
            return 130
        return 0 if self.valid and self.alerts and self.recovered else 1


# -- checking before anything runs ------------------------------------------------------------


def outside_alerts(records: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(fired, cleared) ids of the alerts that reached the room from outside."""
    fired = {
        str(r["data"].get("alert_id"))
        for r in records
        if r["kind"] == "alert_fired" and r["source"] == "facilitator"
    }
    cleared = {str(r["data"].get("alert_id")) for r in records if r["kind"] == "alert_resolved"}
    return fired, cleared & fired



def rollback_time(journal: Mapping[str, Any]) -> datetime | None:
    rollbacks = journal.get("rollbacks") or []
    if rollbacks and rollbacks[0].get("end"):
        return datetime.fromisoformat(rollbacks[0]["end"])
    return None


def fault_time(journal: Mapping[str, Any]) -> datetime | None:
    for run in journal.get("run") or []:
        activity = run.get("activity") or {}
        if (activity.get("provider") or {}).get("func") in FAULT_FUNCS and run.get("end"):
            return datetime.fromisoformat(run["end"])
    return None


def _output(journal: Mapping[str, Any], func: str, section: str = "run") -> Any:
    for run in journal.get(section) or []:
        if ((run.get("activity") or {}).get("provider") or {}).get("func") == func:
            return run.get("output")
    return None


def room_alerts(records: list[dict[str, Any]], fault: datetime | None) -> list[RoomAlert]:
    """The alerts that reached the room from outside (not the script's), in order."""
    alerts = []
    for record in records:
        if record["kind"] != "alert_fired" or record["source"] != "facilitator":
            continue
        data = record["data"]
        wall = datetime.fromisoformat(record["wall"])
        summary = str(data.get("summary", ""))
        alerts.append(
            RoomAlert(
                alert_id=str(data.get("alert_id")),
                alertname=summary.split(":", 1)[0],
                severity=data.get("severity"),
                summary=summary,
                context=data.get("context"),
                minute=float(record["at"]),
                wall=wall,
                after_fault_seconds=(
                    round((wall - fault).total_seconds(), 2) if fault is not None else None
                ),
            )
        )
    return alerts


def load_summary(journal: Mapping[str, Any]) -> dict[str, Any] | None:
    stats = _output(journal, "stop_load", "rollbacks")
    if not isinstance(stats, dict) or not stats.get("csv_file"):
        return None
    folder = Path(str(stats["csv_file"])).parent
    return {**stats, "csv_files": sorted(str(p) for p in folder.glob("*.csv"))}


def team_summary(team: HttpTeam | None, finished: bool) -> dict[str, Any] | None:
    if team is None:
        return None
    moves: list[TeamMove] = team.moves
    return {
        "profile": team.profile.name,
        "finished": finished,
        "moves": [m.model_dump(mode="json") for m in moves],
        "refused": sum(1 for m in moves if m.refused),
        "error": None if team.error is None else f"{type(team.error).__name__}: {team.error}",
    }


def cleared_after_rollback(
    journal: Mapping[str, Any], records: list[dict[str, Any]]
) -> float | None:
    rolled_back = rollback_time(journal)
    fired, _ = outside_alerts(records)
    walls = [
        datetime.fromisoformat(r["wall"])
        for r in records
        if r["kind"] == "alert_resolved" and str(r["data"].get("alert_id")) in fired
    ]
    if rolled_back is None or not walls:
        return None
    return round((max(walls) - rolled_back).total_seconds(), 2)


def figures(
    journal: Mapping[str, Any],
    outcome: ExperimentRun,
    alerts: list[RoomAlert],
    records: list[dict[str, Any]],
    started: float,
) -> dict[str, float | None]:
    fired = _output(journal, "wait_for_alert")
    routed = _output(journal, "wait_for_routed_alert")
    return {
        "fault_to_prometheus_firing_s": fired.get("waited_seconds") if isinstance(fired, dict) else None,
        "firing_to_routed_s": routed.get("waited_seconds") if isinstance(routed, dict) else None,
        "fault_to_alert_in_room_s": alerts[0].after_fault_seconds if alerts else None,
        "rollback_to_steady_state_s": outcome.recovery_seconds,
        "rollback_to_alerts_cleared_in_room_s": cleared_after_rollback(journal, records),
        "experiment_s": round(float(journal.get("duration") or 0.0), 2),
        "game_day_s": round(time.monotonic() - started, 2),
    }


# -- the report -------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g} s"


def render_markdown(report: GameDayReport) -> str:
    """``report.md``: verdict, alerts, figures, score, team and the files it links."""
    lines = [
        f"# Game day: {report.title}",
        "",
        f"- experiment: `{report.experiment}`",
        f"- drill room: {report.room.get('title')} (`{report.drill}`), room "
        f"`{report.room.get('session_id')}`, join code `{report.room.get('join_code')}`",
        f"- verdict: **{report.verdict.value}**"
        + ("" if report.valid else " (the fault was never really tested)"),
    ]
    lines += [f"  - {reason}" for reason in report.reasons]
    lines += [f"  - finding: {finding}" for finding in report.findings]
    back = "n/a" if report.recovered is None else ("yes" if report.recovered else "NO")
    lines += [f"- steady state back after the rollback: {back}", ""]
    lines += ["## Real alerts in the room", ""]
    if report.alerts:
        lines += [
            "| alert | severity (playbook) | context | drill minute | after the fault |",
            "|---|---|---|---|---|",
        ]
        for a in report.alerts:
            context = ", ".join(f"{k}={v}" for k, v in (a.context or {}).items() if v not in (0, 0.0, False, [], None))
            lines.append(
                f"| {a.alertname} | {a.severity} | {context} | {a.minute:.1f} | "
                f"{_seconds(a.after_fault_seconds)} |"
            )
    else:
        lines.append("None arrived.")
    lines += ["", "## Figures", "", "| figure | value |", "|---|---|"]
    lines += [f"| {name} | {_seconds(value)} |" for name, value in report.figures.items()]
    lines += ["", "## Score", ""]
    lines.append(f"**{report.score.get('total')} / {report.score.get('max')}**")
    lines += ["", "| criterion | points | rating | explanation |", "|---|---|---|---|"]
    for c in report.score.get("criteria") or []:
        lines.append(f"| {c['id']} | {c['points']:g}/{c['max']:g} | {c['rating']} | {c['explanation']} |")
    if report.team is not None:
        lines += [
            "",
            "## Team",
            "",
            f"autopilot `{report.team['profile']}`: {len(report.team['moves'])} moves, "
            f"{report.team['refused']} refused, "
            + ("finished" if report.team["finished"] else "did not finish"),
        ]
        if report.team.get("error"):
            lines.append(f"error: {report.team['error']}")
    lines += ["", "## Files", ""]
    lines += [f"- {name}: `{path}`" for name, path in report.files.items()]
    if report.load is not None:
        lines += [
            f"- Locust CSV: `{path}`"
            for path in report.load.get("csv_files", [])
            if path != report.files.get("locust_stats")
        ]
    lines += [
        "",
        f"Chaos events in the room's timeline: {report.timeline['delivered']} "
        f"({report.timeline['failed']} failed). Stopped afterwards: "
        f"{', '.join(report.stopped) or 'nothing'}.",
        "",
    ]
    return "\n".join(lines)


def write_report(report: GameDayReport) -> None:
    (report.run_dir / "report.json").write_text(report.model_dump_json(indent=2))
    (report.run_dir / "report.md").write_text(render_markdown(report))
