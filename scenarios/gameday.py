"""A game day end to end: break staging on purpose, page a live drill room, score the team.

:func:`run_gameday` is ``drillbit gameday run``:

1. **Check first.** The experiment is loaded and validated, the drill is found in the library,
   and every URL the run will use (the experiment's configuration, the web UI) is checked
   against the allow-list before anything is started or sent. :func:`plan_gameday` stops here
   and describes the rest (``--dry-run``).
2. **The web UI**: the one at ``web_url`` if it answers, else ``drillbit serve`` in a child
   process on a free loopback port with its own data directory (``out/gameday/webui`` by
   default, kept between runs so scores compare with earlier game days).
3. **The room**: ``POST /api/v1/rooms`` with the admin token; the facilitator link and the join
   code are printed. Its clock starts just before the experiment does.
4. **The stack**: the staging stack in ``stack_dir`` if it is up (its Alertmanager ``drill``
   receiver is pointed at the room and put back afterwards), else started with the room as its
   drill receiver. Alertmanager sends the room's alerts to ``/api/v1/alerts/alertmanager`` with
   the room's receiver token.
5. **The team** (``autopilot``): four scripted people join over the HTTP API and play the room
   (:mod:`scenarios.team`), acknowledging the real pages as they arrive.
6. **The experiment** runs in this process's main thread (Chaos Toolkit installs signal
   handlers), rollbacks always; its events stream into the room (:mod:`.chaosdrill.timeline`).
   The fault raises real alerts in Prometheus; Alertmanager routes them to the room, where the
   playbook classifies them.
7. **After the rollback**: the team gets to finish (bounded), the drill is ended and scored as
   any drill, and the report (``report.md``, ``report.json``) links the journal, the Locust CSV
   statistics and the score. The journal is judged: ``invalid`` when the steady state did not
   hold before the fault.
8. **Everything started is stopped**, in reverse order, also on failure, Ctrl-C or SIGTERM
   (further signals are ignored while it stops).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from chaoslib import experiment as chaos_experiment  # type: ignore[import-untyped]
from chaoslib.configuration import load_configuration  # type: ignore[import-untyped]
from chaoslib.exceptions import ChaosException  # type: ignore[import-untyped]
from chaoslib.loader import load_experiment  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from drills.autopilot import TEAM, Profile, profile
from drills.library import library_paths
from drills.script import DrillScript, load_script
from playbook.errors import InvalidDefinition, RunFailed
from playbook.model import Playbook, default_playbook
from playbook.safeyaml import check_yaml_file
from scenarios.allowlist import AllowList
from scenarios.chaosdrill import actions, probes
from scenarios.chaosdrill.drillapi import (
    ALERTMANAGER_RECEIVER_ROUTE,
    DrillApi,
    DrillRefused,
    Room,
    RoomRequest,
)
from scenarios.chaosdrill.timeline import DrillTimeline
from scenarios.chaosrun import (
    ExperimentRun,
    TimelineHandler,
    environ,
    read_env_file,
    run_experiment,
)
from scenarios.journal import Verdict
from scenarios.monitoring.alertmanager import WebhookTarget
from scenarios.procs import is_running, wait_until
from scenarios.stack import (
    DEFAULT_RUN_DIR,
    StackConfig,
    StackState,
    load_state,
    restore_drill_receiver,
    set_drill_receiver,
    start_stack,
    stop_stack,
)
from scenarios.team import HttpTeam, TeamMove
from scenarios.webserver import start_web_ui, stop_web_ui

__all__ = [
    "DEFAULT_DRILL",
    "DEFAULT_OUT_DIR",
    "GameDayOptions",
    "GameDayPlan",
    "GameDayReport",
    "RoomAlert",
    "plan_gameday",
    "run_gameday",
]

log = logging.getLogger("drillbit.scenarios.gameday")

#: The room's drill when neither ``--drill`` nor the experiment names one.
DEFAULT_DRILL = "checkout-slow-burn"
DEFAULT_OUT_DIR = Path("out/gameday")
#: The provider functions that put a fault in (the instant alerts are timed from).
FAULT_FUNCS = frozenset({"inject_fault", "set_proxy_faults", "crash_target"})
#: Placeholder for an env-typed secret the stack has not provided yet (checks only).
_UNSET_SECRET = "unset-until-the-stack-runs"  # noqa: S105 - a placeholder, not a secret

Say = Callable[[str], None]


class GameDayOptions(BaseModel):
    """How to run a game day (the options of ``drillbit gameday run``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    experiment: Path
    drill: str | None = Field(default=None, description="library drill; default: the experiment's")
    speed: float = Field(default=60.0, ge=1.0, le=60.0, description="drill minutes per minute")
    autopilot: str | None = None
    web_url: str | None = Field(default=None, description="a running web UI; default: start one")
    admin_token: SecretStr | None = Field(default=None, description="the web UI's, for web_url")
    stack_dir: Path = DEFAULT_RUN_DIR
    out_dir: Path = DEFAULT_OUT_DIR
    web_data_dir: Path | None = Field(default=None, description="default: OUT_DIR/webui")
    allowed_targets: tuple[str, ...] = ()
    alert_timeout_seconds: int = Field(default=90, ge=1, description="for the alert to fire")
    recovery_timeout_seconds: float = Field(default=60.0, gt=0)
    team_timeout_seconds: float = Field(default=300.0, gt=0)
    clear_timeout_seconds: float = Field(
        default=30.0, ge=0, description="for the room to hear its real alerts resolve"
    )
    wrap_up_seconds: float = Field(default=0.0, ge=0, description="room kept open (no autopilot)")
    ready_timeout_seconds: float = Field(default=60.0, gt=0)


class GameDayPlan(BaseModel):
    """What a game day will do, checked but not started (``--dry-run`` prints it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    experiment: Path
    title: str
    drill: str
    drill_title: str
    expected_severity: str
    speed: float
    autopilot: str | None
    stack_dir: Path
    stack_running: bool
    web_url: str | None
    web_data_dir: Path
    allow_list: tuple[str, ...]
    targets: tuple[str, ...] = Field(description="every URL checked against the allow-list")
    steps: tuple[str, ...]


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


@dataclass(frozen=True)
class _Checked:
    options: GameDayOptions
    plan: GameDayPlan
    experiment: dict[str, Any]
    script: DrillScript
    playbook: Playbook
    team: Profile | None
    allow: AllowList
    stack: StackState | None


def _stack_if_up(stack_dir: Path) -> StackState | None:
    state = load_state(stack_dir.resolve())
    if state is not None and all(is_running(r) for r in state.processes.values()):
        return state
    return None


def _secret_placeholders(experiment: Mapping[str, Any], known: Mapping[str, str]) -> dict[str, str]:
    """Stand-ins for env-typed secrets not set yet, so the experiment can be validated."""
    missing: dict[str, str] = {}
    for scope in (experiment.get("secrets") or {}).values():
        for spec in (scope or {}).values() if isinstance(scope, dict) else ():
            if isinstance(spec, dict) and spec.get("type") == "env":
                key = str(spec.get("key"))
                if key not in known:
                    missing[key] = _UNSET_SECRET
    return missing


def _urls(configuration: Mapping[str, Any]) -> list[str]:
    return sorted(
        {v for v in configuration.values() if isinstance(v, str) and v.startswith(("http://", "https://"))}
    )


def _resolved(experiment: dict[str, Any], env: Mapping[str, str], source: Path) -> dict[str, Any]:
    """The experiment validated and its configuration resolved, under ``env``."""
    with environ({**env, **_secret_placeholders(experiment, {**os.environ, **env})}):
        try:
            chaos_experiment.ensure_experiment_is_valid(experiment)
            configuration: dict[str, Any] = load_configuration(experiment.get("configuration", {}))
        except ChaosException as exc:
            raise InvalidDefinition(str(exc), source=str(source)) from exc
    return configuration


def _experiment_drill(experiment: Mapping[str, Any]) -> str | None:
    for extension in experiment.get("extensions") or ():
        if isinstance(extension, dict) and extension.get("name") == "drillbit":
            drill = extension.get("drill")
            return str(drill) if drill else None
    return None


def _library_script(drill: str, playbook: Playbook) -> DrillScript:
    """A drill of the library (the web UI opens rooms for library drills only)."""
    paths = {path.stem: path for path in library_paths()}
    if drill not in paths:
        raise InvalidDefinition(
            f"no drill {drill!r} in the library (known: {', '.join(paths)}); "
            "the web UI opens rooms for library drills only",
            field="drill",
        )
    return load_script(paths[drill], playbook=playbook)


def _activities(section: list[dict[str, Any]]) -> str:
    names = [f"{a.get('name')} ({(a.get('provider') or {}).get('func', '?')})" for a in section]
    return "; ".join(names) or "none"


def _check(options: GameDayOptions) -> _Checked:
    """Everything :func:`plan_gameday` checks; raises before anything is started or sent."""
    path = options.experiment
    if not path.is_file():
        raise InvalidDefinition(f"no experiment file {path}", source=str(path))
    check_yaml_file(path)  # bounded before chaoslib's own yaml.safe_load
    try:
        experiment: dict[str, Any] = load_experiment(str(path))
    except ChaosException as exc:
        raise InvalidDefinition(str(exc), source=str(path)) from exc
    stack = _stack_if_up(options.stack_dir)
    env = read_env_file(stack.chaos_env_file) if stack is not None else {}
    configuration = _resolved(experiment, env, path)
    allow = AllowList.from_configuration(configuration)
    allow = AllowList.with_extra([*allow.entries, *options.allowed_targets])
    targets = _urls(configuration)
    if options.web_url is not None:
        targets = sorted({*targets, options.web_url})
    for url in targets:
        allow.check_url(url)
    book = default_playbook()
    drill = options.drill or _experiment_drill(experiment) or DEFAULT_DRILL
    script = _library_script(drill, book)
    team = profile(options.autopilot) if options.autopilot else None
    data_dir = options.web_data_dir or options.out_dir / "webui"
    title = str(experiment.get("title", path.stem))
    steps = [
        (
            f"use the staging stack running in {options.stack_dir}"
            if stack is not None
            else f"start the staging stack in {options.stack_dir} (target, gateway, fault "
            "proxy, Prometheus, Alertmanager on free 127.0.0.1 ports)"
        ),
        (
            f"use the web UI at {options.web_url} if it answers, else start one"
            if options.web_url
            else f"start the web UI (drillbit serve on 127.0.0.1, a free port, data in {data_dir})"
        ),
        f"open a room for the drill {drill!r} ({script.title}) at x{options.speed:g}; "
        "print its facilitator link and join code",
        "point Alertmanager's drill receiver at the room "
        f"(<web UI>{ALERTMANAGER_RECEIVER_ROUTE}, bearer: the room's receiver token)",
    ]
    if team is not None:
        people = ", ".join(person for person, _ in TEAM)
        steps.append(
            f"the {team.name!r} autopilot team ({people}) joins over the HTTP API and plays "
            f"the room: {team.description}"
        )
    hypothesis = (experiment.get("steady-state-hypothesis") or {}).get("probes") or []
    steps += [
        "start the drill clock and run the experiment in this process (rollbacks always), "
        "streaming its events into the room's timeline",
        f"  steady state: {_activities(hypothesis)}",
        f"  method: {_activities(experiment.get('method') or [])}",
        f"  rollbacks: {_activities(experiment.get('rollbacks') or [])}",
        "wait (bounded) for the steady state to come back"
        + (
            f"; let the team finish (at most {options.team_timeout_seconds:g}s)"
            if team
            else (
                f"; keep the room open {options.wrap_up_seconds:g}s"
                if options.wrap_up_seconds
                else ""
            )
        ),
        f"end the drill, score it, write the report under {options.out_dir}/",
        "stop everything started here"
        + ("; put the stack's drill receiver back" if stack is not None else ""),
    ]
    plan = GameDayPlan(
        experiment=path,
        title=title,
        drill=drill,
        drill_title=script.title,
        expected_severity=script.expected_severity(book),
        speed=options.speed,
        autopilot=team.name if team else None,
        stack_dir=options.stack_dir,
        stack_running=stack is not None,
        web_url=options.web_url,
        web_data_dir=data_dir,
        allow_list=allow.entries,
        targets=tuple(targets),
        steps=tuple(steps),
    )
    return _Checked(options, plan, experiment, script, book, team, allow, stack)


def plan_gameday(options: GameDayOptions) -> GameDayPlan:
    """Check everything and say what :func:`run_gameday` would do; start and send nothing."""
    return _check(options).plan


# -- signals ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt (so cleanup runs), in the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM while stopping what was started (a second Ctrl-C must not
    leave processes behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


# -- the run ----------------------------------------------------------------------------------


def _web_ui(
    checked: _Checked, run_dir: Path, cleanup: contextlib.ExitStack, say: Say, stopped: list[str]
) -> tuple[DrillApi, SecretStr]:
    options = checked.options
    if options.web_url is not None:
        api = DrillApi(options.web_url, allow=checked.allow)
        cleanup.callback(api.close)
        if api.healthy():
            if options.admin_token is None:
                raise InvalidDefinition(
                    f"the web UI at {options.web_url} needs its admin token: set "
                    "DRILLBIT_ADMIN_TOKEN or give --admin-token-file",
                    field="admin_token",
                )
            say(f"web UI: {options.web_url} (already running)")
            return api, options.admin_token
        say(f"no web UI answers at {options.web_url}: starting one")
    ui = start_web_ui(checked.plan.web_data_dir, log_path=run_dir / "webui.log")

    def stop() -> None:
        if stop_web_ui(ui):
            stopped.append("webui")

    cleanup.callback(stop)
    say(f"web UI: {ui.url} (started, pid {ui.record.pid}; log {ui.log_path})")
    api = DrillApi(ui.url, allow=checked.allow)
    cleanup.callback(api.close)
    return api, ui.admin_token


def _stack(
    checked: _Checked, room: Room, cleanup: contextlib.ExitStack, say: Say, stopped: list[str]
) -> StackState:
    options = checked.options
    target = WebhookTarget(
        url=room.alert_webhook_url,
        token=SecretStr(room.receiver_token.get_secret_value()),
    )
    state = _stack_if_up(options.stack_dir)
    if state is not None:
        backup = set_drill_receiver(options.stack_dir, target)
        cleanup.callback(_quietly, "put back the drill receiver", restore_drill_receiver, backup)
        cleanup.callback(_quietly, "clear the faults", _clear_faults, state)
        say(f"staging stack: running in {state.run_dir}; drill receiver now the room")
        return state
    say(f"staging stack: starting in {options.stack_dir} ...")

    def stop() -> None:
        stopped.extend(stop_stack(options.stack_dir))

    # Registered before starting: start_stack stops what it started if it fails half-way,
    # and stop_stack is harmless when nothing runs.
    cleanup.callback(stop)
    state = start_stack(
        StackConfig(
            run_dir=options.stack_dir,
            drill_receiver=target,
            allowed_targets=options.allowed_targets,
            ready_timeout_seconds=options.ready_timeout_seconds,
        )
    )
    say(
        f"staging stack: up (target {state.target_url}, Prometheus {state.prometheus_url}, "
        f"Alertmanager {state.alertmanager_url})"
    )
    return state


def _quietly(what: str, action: Callable[..., object], *args: object) -> None:
    """Run a cleanup step; log (never raise) its failure so the next steps still run."""
    try:
        action(*args)
    except Exception:
        log.exception("game day cleanup: could not %s", what)


def _clear_faults(state: StackState) -> None:
    """Clear the target's and the proxy's faults (a reused stack is left as it was found)."""
    token = {"target_admin_token": state.target_admin_token_file.read_text().strip()}
    actions.clear_faults(state.target_url, secrets=token)
    if state.proxy_control_url and state.proxy_admin_token_file:
        proxy = {"proxy_admin_token": state.proxy_admin_token_file.read_text().strip()}
        actions.clear_proxy_faults(state.proxy_control_url, secrets=proxy)


def _wait_for_monitoring(state: StackState, allow: AllowList, timeout: float) -> None:
    """Prometheus scrapes the target, and no critical alert is still firing (a previous
    game day's): otherwise the steady state could not hold and the run would be invalid."""
    configuration = {"drillbit_allowed_targets": list(allow.entries)}
    wait_until(
        lambda: probes.prometheus_query(
            state.prometheus_url, 'up{job="checkout"} == 1', configuration
        ),
        timeout=timeout,
        what="Prometheus to scrape the target",
        interval=0.25,
    )
    wait_until(
        lambda: probes.critical_alerts_firing(state.prometheus_url, configuration) == 0,
        timeout=timeout,
        what="the critical alerts of an earlier run to resolve",
        interval=0.5,
    )


def _outside_alerts(records: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(fired, cleared) ids of the alerts that reached the room from outside."""
    fired = {
        str(r["data"].get("alert_id"))
        for r in records
        if r["kind"] == "alert_fired" and r["source"] == "facilitator"
    }
    cleared = {str(r["data"].get("alert_id")) for r in records if r["kind"] == "alert_resolved"}
    return fired, cleared & fired


def _wait_for_clearance(api: DrillApi, room_id: str, key: SecretStr, timeout: float, say: Say) -> None:
    """Wait (bounded) until every outside alert that fired in the room has cleared there
    (Alertmanager's "resolved" notification), so the timeline shows the end of the alert."""

    def all_cleared() -> bool:
        fired, cleared = _outside_alerts(api.events(room_id, token=key)["records"])
        return fired == cleared

    try:
        wait_until(all_cleared, timeout=timeout, what="the room's alerts to resolve", interval=0.5)
    except RunFailed as exc:
        say(f"  {exc}")


def _rollback_time(journal: Mapping[str, Any]) -> datetime | None:
    rollbacks = journal.get("rollbacks") or []
    if rollbacks and rollbacks[0].get("end"):
        return datetime.fromisoformat(rollbacks[0]["end"])
    return None


def _fault_time(journal: Mapping[str, Any]) -> datetime | None:
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


def _room_alerts(records: list[dict[str, Any]], fault: datetime | None) -> list[RoomAlert]:
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


def _load(journal: Mapping[str, Any]) -> dict[str, Any] | None:
    stats = _output(journal, "stop_load", "rollbacks")
    if not isinstance(stats, dict) or not stats.get("csv_file"):
        return None
    folder = Path(str(stats["csv_file"])).parent
    return {**stats, "csv_files": sorted(str(p) for p in folder.glob("*.csv"))}


def _team_summary(team: HttpTeam | None, finished: bool) -> dict[str, Any] | None:
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


def _cleared_after_rollback(
    journal: Mapping[str, Any], records: list[dict[str, Any]]
) -> float | None:
    rolled_back = _rollback_time(journal)
    fired, _ = _outside_alerts(records)
    walls = [
        datetime.fromisoformat(r["wall"])
        for r in records
        if r["kind"] == "alert_resolved" and str(r["data"].get("alert_id")) in fired
    ]
    if rolled_back is None or not walls:
        return None
    return round((max(walls) - rolled_back).total_seconds(), 2)


def _figures(
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
        "rollback_to_alerts_cleared_in_room_s": _cleared_after_rollback(journal, records),
        "experiment_s": round(float(journal.get("duration") or 0.0), 2),
        "game_day_s": round(time.monotonic() - started, 2),
    }


def run_gameday(options: GameDayOptions, *, say: Say = print) -> GameDayReport:
    """Run a game day (see the module doc); everything started is stopped before it returns."""
    started = time.monotonic()
    checked = _check(options)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = (options.out_dir / stamp).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    stopped: list[str] = []
    cleanup = contextlib.ExitStack()
    with _terminate_as_interrupt(), _logged(run_dir / "gameday.log"):
        try:
            report = _run(checked, run_dir, cleanup, say, stopped, started)
        finally:
            with _shielded():
                cleanup.close()
            say(f"stopped: {', '.join(stopped) or 'nothing (it was all running before)'}")
    report = report.model_copy(update={"stopped": stopped})
    _write_report(report)
    return report


@contextlib.contextmanager
def _logged(path: Path) -> Iterator[None]:
    """Chaos Toolkit's and drillbit's log records go to ``path`` while the game day runs."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in ("chaostoolkit", "drillbit")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        handler.close()


def _run(
    checked: _Checked,
    run_dir: Path,
    cleanup: contextlib.ExitStack,
    say: Say,
    stopped: list[str],
    started: float,
) -> GameDayReport:
    options = checked.options
    api, admin_token = _web_ui(checked, run_dir, cleanup, say, stopped)
    room = api.open_room(
        RoomRequest(script=checked.script.id, speed=options.speed, start=False, source="gameday"),
        admin_token=admin_token,
    )
    key = room.facilitator_key
    say(f"drill room {room.session_id}: {room.title}")
    say(f"  facilitator link: {room.facilitator_url.get_secret_value()}")
    say(f"  join code: {room.join_code} ({room.join_url})")
    state = _stack(checked, room, cleanup, say, stopped)
    env = {
        **read_env_file(state.chaos_env_file),
        "DRILLBIT_ALERT_TIMEOUT": str(options.alert_timeout_seconds),
    }
    for url in _urls(_resolved(checked.experiment, env, options.experiment)):
        checked.allow.check_url(url)
    _wait_for_monitoring(state, checked.allow, options.ready_timeout_seconds)

    team: HttpTeam | None = None
    stop_team = threading.Event()
    thread: threading.Thread | None = None
    if checked.team is not None:
        team = HttpTeam(
            DrillApi(api.base_url, allow=checked.allow),
            room_id=room.session_id,
            join_code=room.join_code,
            facilitator_key=key,
            profile=checked.team,
            script=checked.script,
            playbook=checked.playbook,
        )
        team.join()
        thread = threading.Thread(
            target=team.play,
            args=(stop_team,),
            kwargs={"speed": options.speed, "timeout": options.team_timeout_seconds + 600},
            name="autopilot-team",
            daemon=True,
        )

        def stop_the_team() -> None:
            stop_team.set()
            if thread is not None and thread.is_alive():
                thread.join(timeout=10)
            team.api.close()
            team.close()

        cleanup.callback(stop_the_team)
        say(f"autopilot team {checked.team.name!r} joined: alice, bob, carol, dave")

    api.control(room.session_id, "start", token=key, speed=options.speed)
    if thread is not None:
        thread.start()
    say(f"drill started at x{options.speed:g}; running the experiment: {checked.plan.title}")
    timeline = DrillTimeline(api, room.session_id, key)
    handler = TimelineHandler(timeline)
    outcome = run_experiment(
        options.experiment,
        journal_path=run_dir / "journal.json",
        env=env,
        handler=handler,
        recovery_timeout=options.recovery_timeout_seconds,
    )
    journal: dict[str, Any] = json.loads(outcome.journal_path.read_text())
    interrupted = journal.get("status") == "interrupted"
    say(
        f"experiment {journal.get('status')}: verdict {outcome.judgement.verdict.value}"
        + (f", steady state back after {outcome.recovery_seconds:g}s" if outcome.recovered else "")
    )

    finished = False
    try:
        if not interrupted and outcome.judgement.valid:
            say("waiting for the room to hear its alerts resolve ...")
            _wait_for_clearance(api, room.session_id, key, options.clear_timeout_seconds, say)
        if thread is not None and not interrupted and outcome.judgement.valid:
            say("waiting for the team to finish ...")
            try:
                wait_until(
                    lambda: not thread.is_alive(),
                    timeout=options.team_timeout_seconds,
                    what="the autopilot team to finish",
                    interval=0.25,
                )
            except RunFailed as exc:
                say(f"  {exc}")
            finished = team is not None and team.finished
        elif options.wrap_up_seconds and not interrupted:
            say(f"the room stays open {options.wrap_up_seconds:g}s for the team to wrap up")
            stop_team.wait(options.wrap_up_seconds)
    except KeyboardInterrupt:
        # The experiment is over and rolled back: end and score the room, then stop.
        say("interrupted: ending the drill now")
        interrupted = True
    stop_team.set()

    reason = f"game day over: experiment {outcome.judgement.verdict.value}"
    with contextlib.suppress(DrillRefused):
        api.control(room.session_id, "end", token=key, reason=reason)
    score = api.score(room.session_id, token=key)
    (run_dir / "score.json").write_text(json.dumps(score, indent=2))
    (run_dir / "score.md").write_text(api.score_markdown(room.session_id, token=key))
    records = api.events(room.session_id, token=key)["records"]
    (run_dir / "timeline.json").write_text(json.dumps(records, indent=2))
    alerts = _room_alerts(records, _fault_time(journal))
    judgement = outcome.judgement
    files = {
        "report": str(run_dir / "report.md"),
        "journal": str(outcome.journal_path),
        "score": str(run_dir / "score.md"),
        "score_json": str(run_dir / "score.json"),
        "timeline": str(run_dir / "timeline.json"),
        "log": str(run_dir / "gameday.log"),
        "stack_logs": str(state.run_dir / "logs"),
    }
    load = _load(journal)
    if load is not None:
        files["locust_stats"] = str(load["csv_file"])
    return GameDayReport(
        run_dir=run_dir,
        experiment=options.experiment,
        title=checked.plan.title,
        drill=checked.script.id,
        room=room.public(),
        facilitator_url=room.facilitator_url,
        web_url=api.base_url,
        verdict=judgement.verdict,
        valid=judgement.valid,
        reasons=judgement.reasons,
        findings=judgement.findings,
        recovered=outcome.recovered,
        interrupted=interrupted,
        alerts=alerts,
        figures=_figures(journal, outcome, alerts, records, started),
        score={k: score.get(k) for k in ("total", "max", "criteria", "metrics", "comparison")},
        team=_team_summary(team, finished),
        timeline={"delivered": timeline.delivered, "failed": handler.failures},
        files=files,
        load=load,
        stopped=[],
    )


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


def _write_report(report: GameDayReport) -> None:
    (report.run_dir / "report.json").write_text(report.model_dump_json(indent=2))
    (report.run_dir / "report.md").write_text(render_markdown(report))
