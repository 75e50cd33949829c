"""A game day's plan: its options, and every check made before anything starts or is sent.

:func:`plan_gameday` (``--dry-run``) loads and validates the experiment, finds the drill in the
library, reads the operator's allow-list and checks every URL the run will use against it,
and refuses a reused stack that still holds a fault or has an alert firing (saying which).
"""

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaoslib import experiment as chaos_experiment  # type: ignore[import-untyped]
from chaoslib.configuration import load_configuration  # type: ignore[import-untyped]
from chaoslib.exceptions import ChaosException  # type: ignore[import-untyped]
from chaoslib.loader import load_experiment  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from chaosdrillbit.stops import stop_probes
from drills.autopilot import TEAM, Profile, profile
from drills.library import library_paths
from drills.script import DrillScript, load_script
from playbook.errors import InvalidDefinition
from playbook.model import Playbook, default_playbook
from playbook.safeyaml import check_yaml_file
from scenarios.allowlist import AllowList
from scenarios.chaosallow import ALLOW_FILE_ENV, operator_allow
from scenarios.chaosrun import (
    environ,
    read_env_file,
)
from scenarios.faultstate import fault_status, firing_alerts
from scenarios.gameday.proxyops import team_actions
from scenarios.procs import is_running
from scenarios.room.drillapi import (
    ALERTMANAGER_RECEIVER_ROUTE,
)
from scenarios.stackplan import split_target
from scenarios.stackstate import DEFAULT_RUN_DIR, StackState, load_state

__all__ = [
    "DEFAULT_DRILL",
    "DEFAULT_OUT_DIR",
    "Checked",
    "GameDayOptions",
    "GameDayPlan",
    "Say",
    "chaos_allow_env",
    "check",
    "experiment_urls",
    "plan_gameday",
    "refuse_dirty_stack",
    "resolved_configuration",
    "stack_if_up",
]

log = logging.getLogger("drillbit.scenarios.gameday")

#: The room's drill when neither ``--drill`` nor the experiment names one.
DEFAULT_DRILL = "checkout-slow-burn"
DEFAULT_OUT_DIR = Path("out/gameday")
#: Placeholder for an env-typed secret the stack has not provided yet (checks only).
UNSET_SECRET = "unset-until-the-stack-runs"  # noqa: S105 - a placeholder, not a secret

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
    allowed_targets: tuple[str, ...] = Field(default=(), description="hosts the stack's own parts may reach")
    allow_file: Path | None = Field(default=None, description="the operator's chaos allow-list (--allow FILE)")
    alert_timeout_seconds: int = Field(default=90, ge=1, description="for the alert to fire")
    recovery_timeout_seconds: float = Field(default=60.0, gt=0)
    team_timeout_seconds: float = Field(default=300.0, gt=0)
    fix_window_seconds: float = Field(
        default=45.0, ge=0, description="the rollback waits this long for the team's fix"
    )
    clear_timeout_seconds: float = Field(
        default=30.0, ge=0, description="for the room to hear its real alerts resolve"
    )
    wrap_up_seconds: float = Field(default=0.0, ge=0, description="room kept open (no autopilot)")
    ready_timeout_seconds: float = Field(default=60.0, gt=0)
    target: str | None = Field(default=None, description="own staging: the user's HTTP service")
    service: str = Field(default="staging", pattern=r"^[a-z][a-z0-9_-]{0,39}$", description="its service label")
    prometheus_url: str | None = Field(default=None, description="own staging: the user's Prometheus")
    alertmanager_url: str | None = Field(default=None, description="own staging: the user's Alertmanager")


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
    allow_source: str = Field(description="where the chaos allow-list comes from")
    targets: tuple[str, ...] = Field(description="every URL checked against the allow-list")
    steps: tuple[str, ...]
    own_target: str | None = None


@dataclass(frozen=True)
class Checked:
    options: GameDayOptions
    plan: GameDayPlan
    experiment: dict[str, Any]
    script: DrillScript
    playbook: Playbook
    team: Profile | None
    allow: AllowList
    stack: StackState | None


def stack_if_up(stack_dir: Path) -> StackState | None:
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
                    missing[key] = UNSET_SECRET
    return missing


def experiment_urls(configuration: Mapping[str, Any]) -> list[str]:
    return sorted(
        {v for v in configuration.values() if isinstance(v, str) and v.startswith(("http://", "https://"))}
    )


def resolved_configuration(experiment: dict[str, Any], env: Mapping[str, str], source: Path) -> dict[str, Any]:
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


def check(options: GameDayOptions) -> Checked:
    """Everything :func:`plan_gameday` checks; raises before anything is started or sent."""
    path = options.experiment
    if not path.is_file():
        raise InvalidDefinition(f"no experiment file {path}", source=str(path))
    check_yaml_file(path)  # bounded before chaoslib's own yaml.safe_load
    try:
        experiment: dict[str, Any] = load_experiment(str(path))
    except ChaosException as exc:
        raise InvalidDefinition(str(exc), source=str(path)) from exc
    try:
        stop_probes(experiment)  # the stop conditions' syntax, before anything starts
        team_actions(experiment)  # and the team actions' (own staging)
    except InvalidDefinition as exc:
        raise InvalidDefinition(exc.message, source=str(path), field=exc.field) from None
    stack = stack_if_up(options.stack_dir)
    env = read_env_file(stack.chaos_env_file) if stack is not None else {}
    configuration = resolved_configuration(experiment, env, path)
    allow = AllowList.with_extra(options.allowed_targets)
    targets = experiment_urls(configuration)
    if options.web_url is not None:
        targets = sorted({*targets, options.web_url})
        allow.check_url(options.web_url)
    chaos_env = {**env, **chaos_allow_env(options)}
    if options.web_url is not None:
        chaos_env["DRILLBIT_WEB_URL"] = options.web_url
    operator = operator_allow({**os.environ, **chaos_env, "DRILLBIT_STACK_DIR": str(options.stack_dir)})
    if stack is not None or operator.targets.entries:
        for url in experiment_urls(configuration):
            operator.targets.resolve(url)
    own = _check_own_staging(options, operator.targets, stack)
    if own:
        targets = sorted({*targets, *own})
    if stack is not None:
        refuse_dirty_stack(stack)
    book = default_playbook()
    drill = options.drill or _experiment_drill(experiment) or DEFAULT_DRILL
    script = _library_script(drill, book)
    team = profile(options.autopilot) if options.autopilot else None
    data_dir = options.web_data_dir or options.out_dir / "webui"
    title = str(experiment.get("title", path.stem))
    steps = [
        _stack_step(options, stack),
        (
            f"use the web UI at {options.web_url} if it answers, else start one"
            if options.web_url
            else f"start the web UI (drillbit serve on 127.0.0.1, a free port, data in {data_dir})"
        ),
        f"open a room for the drill {drill!r} ({script.title}) at x{options.speed:g}; "
        "print its facilitator link and join code",
        (
            "print the drill receiver to paste into your Alertmanager "
            f"(<web UI>{ALERTMANAGER_RECEIVER_ROUTE}, bearer: the room's receiver token)"
            if options.alertmanager_url
            else "point Alertmanager's drill receiver at the room "
            f"(<web UI>{ALERTMANAGER_RECEIVER_ROUTE}, bearer: the room's receiver token)"
        ),
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
        allow_list=operator.targets.entries,
        allow_source=operator.source if operator.targets.entries else "the stack's own ports, once it runs",
        targets=tuple(targets),
        steps=tuple(steps),
        own_target=options.target,
    )
    return Checked(options, plan, experiment, script, book, team, allow, stack)


def _check_own_staging(options: GameDayOptions, allow: AllowList, stack: StackState | None) -> list[str]:
    """Own staging: the target is a plain ``http://HOST:PORT`` the operator's allow-list
    names (refused otherwise, before anything starts), the user's monitoring comes as a
    pair, and a running stack must be the one fronting this target. Returns the URLs checked."""
    if options.target is None:
        if options.prometheus_url or options.alertmanager_url:
            raise InvalidDefinition("--prometheus and --alertmanager need --target", field="target")
        return []
    split_target(options.target)
    if (options.prometheus_url is None) != (options.alertmanager_url is None):
        raise InvalidDefinition("give both --prometheus and --alertmanager, or neither", field="prometheus")
    if stack is not None and stack.own_target != options.target:
        raise InvalidDefinition(
            f"the stack running in {options.stack_dir} does not front {options.target}: "
            "stop it first (python -m scenarios.stack down) or give another --stack-dir",
            field="stack",
        )
    urls = [options.target, *(u for u in (options.prometheus_url, options.alertmanager_url) if u)]
    for url in urls:
        allow.resolve(url)
    return urls


def _stack_step(options: GameDayOptions, stack: StackState | None) -> str:
    if stack is not None:
        return f"use the staging stack running in {options.stack_dir}"
    if options.target is None:
        return (
            f"start the staging stack in {options.stack_dir} (target, gateway, fault "
            "proxy, Prometheus, Alertmanager on free 127.0.0.1 ports)"
        )
    monitoring = (
        f"your Prometheus ({options.prometheus_url}) scrapes the proxy's /metrics"
        if options.prometheus_url
        else "the bundled Prometheus and Alertmanager, with burn-rate rules for "
        f"service={options.service!r} on the proxy's own request metrics"
    )
    return f"start the fault proxy in front of {options.target} (in {options.stack_dir}); {monitoring}"


def chaos_allow_env(options: GameDayOptions) -> dict[str, str]:
    """The environment that hands the operator's allow file to the run's safeguard."""
    return {ALLOW_FILE_ENV: str(options.allow_file.resolve())} if options.allow_file else {}


def refuse_dirty_stack(state: StackState) -> None:
    """Refuse to start on a stack that still holds a fault or has an alert firing: the
    experiment's steady state could not hold, and its alerts would be someone else's."""
    faults = [f for f in fault_status(state.run_dir)["faults"] if f["kind"] != "unreachable"]
    if faults:
        held = ", ".join(f"{f['kind']} on {f['target']} (until {f['expires_at']})" for f in faults)
        raise InvalidDefinition(f"a fault is still injected: {held}; clear it with drillbit chaos halt", field="stack")
    firing = sorted({a["labels"].get("alertname", "?") for a in firing_alerts(state.prometheus_url)})
    if firing:
        raise InvalidDefinition(f"an alert is already firing: {', '.join(firing)}; wait until it resolves", field="stack")


def plan_gameday(options: GameDayOptions) -> GameDayPlan:
    """Check everything and say what :func:`run_gameday` would do; start and send nothing."""
    return check(options).plan
