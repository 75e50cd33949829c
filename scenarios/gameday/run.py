"""The game day itself, a short list of named steps (see :mod:`scenarios.gameday`).

:func:`run_gameday` checks, then :func:`_play` runs the steps in order: open the room, bring up
the stack, let the team join, run the experiment (while :class:`_HaltWatch` turns the room's
end, or its Halt button, into a halt of the experiment), wrap up, and collect the report.
Everything a step starts is registered on ``game.cleanup`` and stopped in reverse order.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from drills.gameday import GameDaySpec
from drills.gamedayroom import gameday_script
from playbook.errors import RunFailed
from scenarios.chaosrun import ExperimentRun, read_env_file, run_experiment
from scenarios.faultstate import HALT_FILE, halt
from scenarios.gameday.bridge import OperateBridge
from scenarios.gameday.feed import RealFeed
from scenarios.gameday.fixwindow import GameDayHandler
from scenarios.gameday.judge import judge_gameday
from scenarios.gameday.kind import gameday_spec
from scenarios.gameday.plan import (
    Checked,
    GameDayOptions,
    Say,
    chaos_allow_env,
    check,
    experiment_urls,
    resolved_configuration,
)
from scenarios.gameday.processes import (
    logged,
    quietly,
    shielded,
    start_or_reuse_stack,
    terminate_as_interrupt,
    wait_for_monitoring,
    web_ui,
)
from scenarios.gameday.proxyops import own_staging_system
from scenarios.gameday.realops import RealSystem
from scenarios.gameday.report import (
    GameDayReport,
    fault_time,
    fault_timeline,
    figures,
    load_summary,
    outside_alerts,
    room_alerts,
    team_summary,
    write_report,
)
from scenarios.gameday.scoring import GameDayScore
from scenarios.gameday.series import SteadyStateSampler, load_series
from scenarios.procs import wait_until
from scenarios.room.drillapi import DrillApi, DrillRefused, Room, RoomRequest
from scenarios.room.timeline import DrillTimeline
from scenarios.stack import StackState
from scenarios.team import HttpTeam, RealPlay

__all__ = ["run_gameday", "wait_for_clearance"]

log = logging.getLogger("drillbit.scenarios.gameday")

def wait_for_clearance(api: DrillApi, room_id: str, key: SecretStr, timeout: float, say: Say) -> None:
    """Wait (bounded) until every outside alert that fired in the room has cleared there
    (Alertmanager's "resolved" notification), so the timeline shows the end of the alert."""

    def all_cleared() -> bool:
        fired, cleared = outside_alerts(api.events(room_id, token=key)["records"])
        return fired == cleared

    try:
        wait_until(all_cleared, timeout=timeout, what="the room's alerts to resolve", interval=0.5)
    except RunFailed as exc:
        say(f"  {exc}")



def run_gameday(options: GameDayOptions, *, say: Say = print) -> GameDayReport:
    """Run a game day (see the module doc); everything started is stopped before it returns."""
    started = time.monotonic()
    checked = check(options)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = (options.out_dir / stamp).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    stopped: list[str] = []
    cleanup = contextlib.ExitStack()
    with terminate_as_interrupt(), logged(run_dir / "gameday.log"):
        try:
            report = _play(_Game(checked, run_dir, cleanup, say, stopped, started))
        finally:
            with shielded():
                cleanup.close()
            say(f"stopped: {', '.join(stopped) or 'nothing (it was all running before)'}")
    report = report.model_copy(update={"stopped": stopped})
    write_report(report)
    return report




@dataclass
class _Game:
    """What the steps share: the checked plan, where files go, what to stop, and the room."""

    checked: Checked
    run_dir: Path
    cleanup: contextlib.ExitStack
    say: Say
    stopped: list[str]
    started: float
    api: DrillApi | None = None
    room: Room | None = None
    state: StackState | None = None
    env: dict[str, str] = field(default_factory=dict)
    team: HttpTeam | None = None
    team_thread: threading.Thread | None = None
    stop_team: threading.Event = field(default_factory=threading.Event)
    configuration: dict[str, Any] = field(default_factory=dict)
    real: RealSystem | None = None
    spec: GameDaySpec | None = None

    @property
    def service(self) -> str:
        """The target's service: your own's ``--service``, else the bundled checkout."""
        return self.options.service if self.options.target is not None else "checkout"

    @property
    def options(self) -> GameDayOptions:
        return self.checked.options

    def key(self) -> SecretStr:
        assert self.room is not None
        return self.room.facilitator_key


def _play(game: _Game) -> GameDayReport:
    _open_room(game)
    _bring_up_stack(game)
    _join_team(game)
    outcome, journal, timeline, handler = _run_the_experiment(game)
    interrupted, finished = _wrap_up(game, outcome, journal)
    return _collect(game, outcome, journal, timeline, handler, interrupted, finished)


def _open_room(game: _Game) -> None:
    """A game-day room (``drills/gameday.py``): the real system's, with no world; the library
    drill gives only its briefing."""
    options, say, checked = game.options, game.say, game.checked
    api, admin_token = web_ui(checked, game.run_dir, game.cleanup, say, game.stopped)
    game.api = api
    game.spec = spec = gameday_spec(checked.experiment, service=game.service, own_target=options.target is not None,
                                    briefing_from=checked.script.id)
    game.room = room = api.open_room(
        RoomRequest(script=checked.script.id, speed=options.speed, start=False, source="gameday", gameday=spec),
        admin_token=admin_token,
    )
    say(f"game-day room {room.session_id}: {room.title}")
    say(f"  facilitator link: {room.facilitator_url.get_secret_value()}")
    say(f"  join code: {room.join_code} ({room.join_url})")


def _bring_up_stack(game: _Game) -> None:
    options = game.options
    assert game.room is not None and game.api is not None
    game.state = state = start_or_reuse_stack(game.checked, game.room, game.cleanup, game.say, game.stopped)
    game.env = {
        **read_env_file(state.chaos_env_file),
        "DRILLBIT_ALERT_TIMEOUT": str(options.alert_timeout_seconds),
        "DRILLBIT_STACK_DIR": str(state.run_dir),
        "DRILLBIT_WEB_URL": game.api.base_url,
        **chaos_allow_env(options),
    }
    game.configuration = resolved_configuration(game.checked.experiment, game.env, options.experiment)
    for url in experiment_urls(game.configuration):
        game.checked.allow.check_url(url)
    game.real = _real_system(game, state)
    wait_for_monitoring(state, game.checked.allow, options.ready_timeout_seconds)
    (state.run_dir / HALT_FILE).unlink(missing_ok=True)
    game.cleanup.callback((state.run_dir / HALT_FILE).unlink, missing_ok=True)


def _real_system(game: _Game, state: StackState) -> RealSystem | None:
    """The staging target as the team operates it (its admin token from the stack's file);
    on own staging, the fault proxy the catalog is mapped onto (``proxyops``)."""
    if state.own_target is not None:
        return own_staging_system(state, game.checked.allow, game.checked.experiment)
    token_file = state.target_admin_token_file
    if token_file is None or not token_file.is_file():
        return None
    token = SecretStr(token_file.read_text().strip())
    return RealSystem(state.target_url, token, allow=game.checked.allow, stack_dir=state.run_dir)


def _join_team(game: _Game) -> None:
    checked, options = game.checked, game.options
    if checked.team is None:
        return
    assert game.api is not None and game.room is not None
    team = game.team = HttpTeam(
        DrillApi(game.api.base_url, allow=checked.allow),
        room_id=game.room.session_id,
        join_code=game.room.join_code,
        facilitator_key=game.key(),
        profile=checked.team,
        script=gameday_script(game.spec, briefing=checked.script) if game.spec else checked.script,
        playbook=checked.playbook,
        # A game-day room's team operates through the room: the bridge carries it out.
        real=None if game.real is None or game.spec is not None else RealPlay(
            game.real, tuple(game.real.fixes_for(checked.experiment))),
    )
    team.join()
    thread = game.team_thread = threading.Thread(
        target=team.play,
        args=(game.stop_team,),
        kwargs={"speed": options.speed, "timeout": options.team_timeout_seconds + 600},
        name="autopilot-team",
        daemon=True,
    )

    def stop_the_team() -> None:
        game.stop_team.set()
        if thread.is_alive():
            thread.join(timeout=10)
        team.api.close()
        team.close()

    game.cleanup.callback(stop_the_team)
    game.say(f"autopilot team {checked.team.name!r} joined: alice, bob, carol, dave")


class _HaltWatch:
    """Turns the room's end (its Halt button, or End) into a halt of the running experiment:
    the halt marker stops it (its stop condition), and the faults are cleared at once."""

    def __init__(self, api: DrillApi, room_id: str, key: SecretStr, stack_dir: Path, say: Say) -> None:
        self._args = (api, room_id, key, stack_dir, say)
        self._stop = threading.Event()
        self.halted_at: float | None = None
        self._thread = threading.Thread(target=self._watch, name="drillbit-halt-watch", daemon=True)

    def __enter__(self) -> _HaltWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        api, room_id, key, stack_dir, say = self._args
        seen = 0
        while not self._stop.wait(0.5):
            try:
                page = api.events(room_id, token=key, after=seen)
            except RunFailed:
                continue
            records = page.get("records") or []
            seen = max([seen, *(int(r.get("seq", 0)) for r in records)])
            if any(r.get("kind") == "drill_ended" for r in records):
                self.halted_at = time.monotonic()
                say("the drill was ended in the room: halting the experiment, clearing the faults")
                quietly("halt the chaos", halt, stack_dir)
                return


def _bridged(game: _Game) -> contextlib.AbstractContextManager[object]:
    """The room's ``operate`` actions carried out on the real system while the experiment runs."""
    if game.real is None or game.api is None or game.room is None:
        return contextlib.nullcontext()
    return OperateBridge(game.api, game.room.session_id, game.key(), game.real, game.say)


def _fed(game: _Game) -> RealFeed:
    """The real system's signals and fault state, posted into the room while the run lasts."""
    assert game.api is not None and game.room is not None and game.state is not None
    return RealFeed(game.api, game.room.session_id, game.key(), service=game.service,
                    prometheus_url=game.state.prometheus_url, stack_dir=game.state.run_dir,
                    allow=game.checked.allow)


def _run_the_experiment(game: _Game) -> tuple[ExperimentRun, dict[str, Any], DrillTimeline, GameDayHandler]:
    options, say = game.options, game.say
    assert game.api is not None and game.room is not None and game.state is not None
    room_id = game.room.session_id
    game.api.control(room_id, "start", token=game.key(), speed=options.speed)
    if game.team_thread is not None:
        game.team_thread.start()
    say(f"drill started at x{options.speed:g}; running the experiment: {game.checked.plan.title}")
    timeline = DrillTimeline(game.api, room_id, game.key())
    halt_file = game.state.run_dir / HALT_FILE
    handler = GameDayHandler(
        timeline,
        SteadyStateSampler(game.checked.experiment, game.configuration),
        window_seconds=options.fix_window_seconds,
        halted=halt_file.exists,
        say=say,
    )
    with _HaltWatch(game.api, room_id, game.key(), game.state.run_dir, say), _bridged(game), _fed(game):
        outcome = run_experiment(
            options.experiment,
            journal_path=game.run_dir / "journal.json",
            env=game.env,
            handler=handler,
            recovery_timeout=options.recovery_timeout_seconds,
        )
    journal: dict[str, Any] = json.loads(outcome.journal_path.read_text())
    say(
        f"experiment {journal.get('status')}: verdict {outcome.judgement.verdict.value}"
        + (f", steady state back after {outcome.recovery_seconds:g}s" if outcome.recovered else "")
    )
    return outcome, journal, timeline, handler


def _wrap_up(game: _Game, outcome: ExperimentRun, journal: dict[str, Any]) -> tuple[bool, bool]:
    """Let the room hear its alerts resolve and the team finish (bounded). Returns
    (interrupted, the team finished)."""
    options, say, thread = game.options, game.say, game.team_thread
    assert game.api is not None and game.room is not None
    interrupted = journal.get("status") == "interrupted"
    finished = False
    try:
        if not interrupted and outcome.judgement.valid:
            say("waiting for the room to hear its alerts resolve ...")
            wait_for_clearance(game.api, game.room.session_id, game.key(), options.clear_timeout_seconds, say)
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
            finished = game.team is not None and game.team.finished
        elif options.wrap_up_seconds and not interrupted:
            say(f"the room stays open {options.wrap_up_seconds:g}s for the team to wrap up")
            game.stop_team.wait(options.wrap_up_seconds)
    except KeyboardInterrupt:
        # The experiment is over and rolled back: end and score the room, then stop.
        say("interrupted: ending the drill now")
        interrupted = True
    game.stop_team.set()
    return interrupted, finished


def _collect(
    game: _Game,
    outcome: ExperimentRun,
    journal: dict[str, Any],
    timeline: DrillTimeline,
    handler: GameDayHandler,
    interrupted: bool,
    finished: bool,
) -> GameDayReport:
    """End the drill, score it, save the room's files, and build the report."""
    api, room, state, run_dir, key = game.api, game.room, game.state, game.run_dir, game.key()
    assert api is not None and room is not None and state is not None
    reason = f"game day over: experiment {outcome.judgement.verdict.value}"
    with contextlib.suppress(DrillRefused):
        api.control(room.session_id, "end", token=key, reason=reason)
    score = api.score(room.session_id, token=key)
    (run_dir / "score.json").write_text(json.dumps(score, indent=2))
    (run_dir / "score.md").write_text(api.score_markdown(room.session_id, token=key))
    records = api.events(room.session_id, token=key)["records"]
    (run_dir / "timeline.json").write_text(json.dumps(records, indent=2))
    alerts = room_alerts(records, fault_time(journal), journal)
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
    load = load_summary(journal)
    if load is not None:
        files["locust_stats"] = str(load["csv_file"])
    files["report_html"] = str(run_dir / "report.html")
    real = _score_on_the_real_system(game, outcome, journal, handler, records, score)
    return GameDayReport(
        run_dir=run_dir,
        experiment=game.options.experiment,
        title=game.checked.plan.title,
        drill=game.checked.script.id,
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
        figures=figures(journal, outcome, alerts, records, game.started),
        score={k: score.get(k) for k in ("total", "max", "criteria", "metrics", "comparison")},
        team=team_summary(game.team, finished),
        timeline={"delivered": timeline.delivered, "failed": handler.failures},
        safeguard=journal.get("drillbit_safeguard"),
        files=files,
        load=load,
        stopped=[],
        timeline_entries=fault_timeline(journal),
        actions=[] if game.real is None else list(game.real.actions),
        probes=handler.sampler.samples,
        load_series=load_series(_history_csv(load)),
        gameday_score=real,
    )


def _history_csv(load: dict[str, Any] | None) -> Path | None:
    """Locust's per-second history beside its statistics file."""
    if load is None:
        return None
    stats = Path(str(load["csv_file"]))
    return stats.with_name(stats.name.replace("_stats.csv", "_stats_history.csv"))


def _score_on_the_real_system(
    game: _Game, outcome: ExperimentRun, journal: dict[str, Any], handler: GameDayHandler,
    records: list[dict[str, Any]], room_score: dict[str, Any],
) -> GameDayScore:  # fmt: skip
    """The room's score with its mitigation criteria read from the real probe series."""
    return judge_gameday(
        room_score,
        records=records,
        journal=journal,
        experiment_valid=outcome.judgement.valid,
        samples=handler.sampler.samples,
        actions=[] if game.real is None else list(game.real.actions),
        playbook=game.checked.playbook,
        expected_severity=game.checked.script.expected_severity(game.checked.playbook),
        speed=game.options.speed,
    )
