"""A game day's outcome: the report model, the figures read from the journal and the room's
timeline, and ``report.md`` (``report.html`` is :mod:`scenarios.gameday.html`). Pure functions
of their inputs, except :func:`write_report`.

The report puts side by side what happened on the real system and in the room: the fault
timeline (the journal's activities), the real alerts (fired in Prometheus, routed by
Alertmanager, paged and acknowledged in the room, resolved), the team's actions on the real
system, the steady-state probe series, Locust's latency and error series, and the score (the
room's criteria, mitigation judged on the real system: :mod:`scenarios.gameday.scoring`).
"""

import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from scenarios.chaosrun import (
    ExperimentRun,
)
from scenarios.gameday.html import render_html
from scenarios.gameday.markdown import render_markdown
from scenarios.gameday.realops import RealAction
from scenarios.gameday.scoring import GameDayScore
from scenarios.gameday.series import LoadPoint, ProbeSample
from scenarios.journal import Verdict
from scenarios.team import HttpTeam, TeamMove

__all__ = [
    "FAULT_FUNCS",
    "GameDayReport",
    "RoomAlert",
    "TimelineEntry",
    "fault_time",
    "fault_timeline",
    "figures",
    "load_summary",
    "outside_alerts",
    "render_html",
    "render_markdown",
    "rollback_time",
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
    fired_at: datetime | None = Field(default=None, description="active in Prometheus")
    receivers: tuple[str, ...] = Field(default=(), description="where Alertmanager routed it")
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None


class TimelineEntry(BaseModel):
    """One step of the experiment, from its journal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    phase: str
    what: str


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
    timeline_entries: list[TimelineEntry] = Field(default_factory=list)
    actions: list[RealAction] = Field(default_factory=list)
    probes: list[ProbeSample] = Field(default_factory=list)
    load_series: list[LoadPoint] = Field(default_factory=list)
    gameday_score: GameDayScore | None = None

    @property
    def exit_code(self) -> int:
        """0 when the loop worked (valid run, alert in the room, system back), 130 if
        interrupted, else 1."""
        if self.interrupted:
            return 130
        valid = self.valid and (self.gameday_score is None or self.gameday_score.valid)
        return 0 if valid and self.alerts and self.recovered else 1


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


def _first_wall(records: list[dict[str, Any]], kind: str, ref: str) -> dict[str, Any] | None:
    return next((r for r in records if r["kind"] == kind and r.get("ref") == ref), None)


def _wall(record: Mapping[str, Any] | None) -> datetime | None:
    return None if record is None else datetime.fromisoformat(str(record["wall"]))


def room_alerts(
    records: list[dict[str, Any]], fault: datetime | None, journal: Mapping[str, Any] | None = None
) -> list[RoomAlert]:
    """The alerts that reached the room from outside (not the script's), in order, each with
    when Prometheus fired it and where Alertmanager routed it (the experiment's probes saw
    those, for the alert they waited for), and when it was acknowledged and resolved."""
    fired = _output(journal or {}, "wait_for_alert")
    routed = _output(journal or {}, "wait_for_routed_alert")
    alerts = []
    for record in records:
        if record["kind"] != "alert_fired" or record["source"] != "facilitator":
            continue
        data = record["data"]
        wall = datetime.fromisoformat(record["wall"])
        summary = str(data.get("summary", ""))
        name = summary.split(":", 1)[0]
        alert_id = str(data.get("alert_id"))
        ack = _first_wall(records, "acknowledged", alert_id)
        prometheus = fired if isinstance(fired, dict) and fired.get("alertname") == name else {}
        route = routed if isinstance(routed, dict) and routed.get("alertname") == name else {}
        alerts.append(
            RoomAlert(
                alert_id=alert_id,
                alertname=name,
                severity=data.get("severity"),
                summary=summary,
                context=data.get("context"),
                minute=float(record["at"]),
                wall=wall,
                after_fault_seconds=(
                    round((wall - fault).total_seconds(), 2) if fault is not None else None
                ),
                fired_at=datetime.fromisoformat(str(prometheus["active_at"])) if prometheus.get("active_at") else None,
                receivers=tuple(route.get("receivers") or ()),
                acknowledged_at=_wall(ack),
                acknowledged_by=None if ack is None else ack.get("actor"),
                resolved_at=_wall(_first_wall(records, "alert_resolved", alert_id)),
            )
        )
    return alerts


def fault_timeline(journal: Mapping[str, Any]) -> list[TimelineEntry]:
    """The experiment's steps from its journal: start, steady state before, each method
    activity (phase ``fault`` for those that put a fault in), steady state after, each
    rollback, end."""
    entries = []
    if journal.get("start"):
        entries.append(TimelineEntry(at=datetime.fromisoformat(journal["start"]), phase="start", what="experiment started"))
    states = journal.get("steady_states") or {}
    for phase, section in (("before", None), ("method", "run"), ("after", None), ("rollback", "rollbacks")):
        if section is None:
            state = states.get(phase) or {}
            probes = state.get("probes") or []
            if probes and probes[-1].get("end"):
                held = "held" if state.get("steady_state_met") else "did NOT hold"
                entries.append(TimelineEntry(at=datetime.fromisoformat(probes[-1]["end"]), phase=phase, what=f"steady state {held}"))
            continue
        for run in journal.get(section) or []:
            activity = run.get("activity") or {}
            func = (activity.get("provider") or {}).get("func", "?")
            if run.get("end"):
                what = f"{activity.get('name')} ({func}): {run.get('status')}"
                step = "fault" if phase == "method" and func in FAULT_FUNCS else phase
                entries.append(TimelineEntry(at=datetime.fromisoformat(run["end"]), phase=step, what=what))
    if journal.get("end"):
        entries.append(TimelineEntry(at=datetime.fromisoformat(journal["end"]), phase="end", what=f"experiment {journal.get('status')}"))
    return sorted(entries, key=lambda e: e.at)


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


def write_report(report: GameDayReport) -> None:
    (report.run_dir / "report.json").write_text(report.model_dump_json(indent=2))
    (report.run_dir / "report.md").write_text(render_markdown(report))
    (report.run_dir / "report.html").write_text(render_html(report))
