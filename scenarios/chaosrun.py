"""Run Chaos Toolkit experiments from drillbit: in this process, or as the stock ``chaos run``.

Chaos Toolkit installs signal handlers while it runs, so :func:`run_experiment` must be called
from the main thread (a web server should use :func:`run_experiment_subprocess`, which runs
the unmodified ``chaos run`` command in a child process). Either way:

* the rollback strategy is ``always`` (from settings in-process, ``--rollback-strategy``
  for the command): rollbacks also run when the method fails or the run is interrupted;
* the journal is written to ``journal_path`` and judged by :func:`~scenarios.journal.judge_journal`;
* afterwards the steady-state hypothesis is polled (bounded) to confirm the system came back
  once the rollbacks ran (``recovered``), since Chaos Toolkit checks it only *before* them.

In-process runs stream their events to an optional sink through :class:`TimelineHandler`, a
``RunEventHandler``. Chaos Toolkit swallows its handlers' exceptions, so the handler catches
and logs the sink's errors itself: the drill timeline can never break a run, and never fails
silently.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chaoslib import experiment as chaos_experiment  # type: ignore[import-untyped]
from chaoslib.configuration import load_configuration  # type: ignore[import-untyped]
from chaoslib.exceptions import ChaosException, InterruptExecution  # type: ignore[import-untyped]
from chaoslib.hypothesis import run_steady_state_hypothesis  # type: ignore[import-untyped]
from chaoslib.loader import load_experiment  # type: ignore[import-untyped]
from chaoslib.run import EventHandlerRegistry, RunEventHandler  # type: ignore[import-untyped]
from chaoslib.secret import load_secrets  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict

from playbook.errors import InvalidDefinition, RunFailed
from playbook.safeyaml import check_yaml_file
from scenarios.journal import Judgement, judge_journal
from scenarios.procs import python_env

__all__ = [
    "EXPERIMENTS_DIR",
    "SAFEGUARD_CONTROL",
    "ChaosEvent",
    "EventSink",
    "ExperimentRun",
    "TimelineHandler",
    "environ",
    "experiment_paths",
    "load_checked_experiment",
    "read_env_file",
    "run_experiment",
    "run_experiment_subprocess",
    "wait_for_steady_state",
    "with_safeguard",
]

log = logging.getLogger("drillbit.scenarios")

#: The shipped experiments.
EXPERIMENTS_DIR = Path(__file__).with_name("experiments")

ROLLBACKS_ALWAYS: dict[str, Any] = {"runtime": {"rollbacks": {"strategy": "always"}}}

#: The safeguard control drillbit adds to every experiment it runs (``chaosdrillbit.control``).
SAFEGUARD_CONTROL: dict[str, Any] = {
    "name": "drillbit-safeguard",
    "provider": {"type": "python", "module": "chaosdrillbit.control"},
}


def with_safeguard(experiment: dict[str, Any]) -> dict[str, Any]:
    """``experiment`` with the safeguard control first among its controls (added if missing)."""
    controls = [c for c in experiment.get("controls") or [] if c.get("name") != SAFEGUARD_CONTROL["name"]]
    return {**experiment, "controls": [SAFEGUARD_CONTROL, *controls]}


class ChaosEvent(BaseModel):
    """One thing that happened during a run, for the drill timeline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    at: datetime
    name: str | None = None
    status: str | None = None
    detail: dict[str, Any] = {}


EventSink = Callable[[ChaosEvent], None]


class ExperimentRun(BaseModel):
    """The outcome of one run: its journal, the verdict, and whether the system came back."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    journal_path: Path
    judgement: Judgement
    status: str | None
    recovered: bool | None
    recovery_seconds: float | None
    exit_code: int | None = None


def experiment_paths() -> list[Path]:
    """The experiments shipped in ``scenarios/experiments``, sorted."""
    return sorted(EXPERIMENTS_DIR.glob("*.yaml"))


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (the stack's ``chaos.env``), comments and blanks skipped."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


@contextlib.contextmanager
def environ(extra: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration (env-typed configuration reads them).

    Chaos Toolkit reads env-typed configuration and secrets from ``os.environ``; this is how a
    stack's ``chaos.env`` reaches an in-process run.
    """
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_checked_experiment(path: Path) -> dict[str, Any]:
    """Load and validate an experiment completely (imports and signatures included).

    Env-typed secrets must be resolvable, as with ``chaos run``. Raises
    :class:`InvalidDefinition` naming the file.
    """
    check_yaml_file(path)  # bounded before chaoslib's own yaml.safe_load
    try:
        experiment: dict[str, Any] = load_experiment(str(path))
        chaos_experiment.ensure_experiment_is_valid(experiment)
    except ChaosException as exc:
        raise InvalidDefinition(str(exc), source=str(path)) from exc
    return experiment


class TimelineHandler(RunEventHandler):  # type: ignore[misc]
    """Forwards a run's events to ``sink``; a failing sink is logged, never raised.

    Events, in order: ``started``; ``steady_state_before`` (``met`` / ``not met``);
    ``method_started``; one ``action_completed`` / ``probe_completed`` per activity, with its
    ``phase`` (``hypothesis_before``, ``method``, ``hypothesis_after``, ``rollbacks``) in the
    detail (and its output when it is a number or a string); ``steady_state_after``; ``rollbacks_started``; ``rollbacks_completed``;
    ``interrupted`` (if so); ``finished``. ``failures`` counts the sink's errors.
    """

    def __init__(
        self, sink: EventSink, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._sink = sink
        self._clock = clock
        self._phase = "started"
        self.failures = 0

    def _emit(
        self, kind: str, name: str | None = None, status: str | None = None, **detail: Any
    ) -> None:
        try:
            self._sink(
                ChaosEvent(kind=kind, at=self._clock(), name=name, status=status, detail=detail)
            )
        except InterruptExecution as exc:
            # SIGTERM or SIGHUP landed while the sink posted (Chaos Toolkit's handlers raise
            # this in the main thread), and Chaos Toolkit's handler registry would swallow it
            # (the run went on with the fault in): as an interrupt, the rollbacks run at once.
            raise KeyboardInterrupt(str(exc)) from exc
        except Exception:
            self.failures += 1
            log.exception("drill timeline sink failed on %s event", kind)

    def started(self, experiment: dict[str, Any], journal: dict[str, Any]) -> None:
        self._emit("started", experiment.get("title"))

    def start_hypothesis_before(self, experiment: dict[str, Any]) -> None:
        self._phase = "hypothesis_before"

    def hypothesis_before_completed(
        self, experiment: dict[str, Any], state: dict[str, Any] | None, journal: dict[str, Any]
    ) -> None:
        met = bool(state and state.get("steady_state_met"))
        self._emit("steady_state_before", status="met" if met else "not met")

    def start_method(self, experiment: dict[str, Any]) -> None:
        self._phase = "method"
        self._emit("method_started")

    def start_hypothesis_after(self, experiment: dict[str, Any]) -> None:
        self._phase = "hypothesis_after"

    def activity_completed(self, activity: dict[str, Any], run: dict[str, Any]) -> None:
        output = (run or {}).get("output")
        scalar = output if isinstance(output, (int, float, str, bool)) else None
        self._emit(
            f"{activity.get('type', 'activity')}_completed",
            activity.get("name"),
            run.get("status") if run else None,
            phase=self._phase,
            output=scalar,
        )

    def hypothesis_after_completed(
        self, experiment: dict[str, Any], state: dict[str, Any] | None, journal: dict[str, Any]
    ) -> None:
        met = bool(state and state.get("steady_state_met"))
        self._emit("steady_state_after", status="met" if met else "not met")

    def start_rollbacks(self, experiment: dict[str, Any]) -> None:
        self._phase = "rollbacks"
        self._emit("rollbacks_started")

    def rollbacks_completed(self, experiment: dict[str, Any], journal: dict[str, Any]) -> None:
        self._emit("rollbacks_completed")

    def interrupted(self, experiment: dict[str, Any], journal: dict[str, Any]) -> None:
        self._emit("interrupted")

    def signal_exit(self) -> None:
        self._emit("interrupted", reason="signal (Ctrl-C or SIGTERM)")

    def finish(self, journal: dict[str, Any]) -> None:
        self._emit("finished", status=journal.get("status"), deviated=journal.get("deviated"))


def wait_for_steady_state(
    experiment: Mapping[str, Any], *, timeout: float, env: Mapping[str, str] | None = None
) -> float | None:
    """Seconds until the steady-state hypothesis holds again, or None if not within ``timeout``."""
    started = time.monotonic()
    with environ(env or {}):
        configuration = load_configuration(experiment.get("configuration", {}))
        secrets = load_secrets(experiment.get("secrets", {}), configuration)
        while True:
            state = run_steady_state_hypothesis(
                dict(experiment), configuration, secrets, None, EventHandlerRegistry()
            )
            if state is None or state.get("steady_state_met"):
                return round(time.monotonic() - started, 3)
            if time.monotonic() - started >= timeout:
                return None
            time.sleep(0.5)


def _finish(
    journal_path: Path,
    journal: dict[str, Any],
    experiment: Mapping[str, Any],
    env: Mapping[str, str] | None,
    recovery_timeout: float | None,
    exit_code: int | None,
) -> ExperimentRun:
    judgement = judge_journal(journal)
    recovery = None
    if recovery_timeout is not None and judgement.valid:
        recovery = wait_for_steady_state(experiment, timeout=recovery_timeout, env=env)
    return ExperimentRun(
        journal_path=journal_path,
        judgement=judgement,
        status=journal.get("status"),
        recovered=None if recovery_timeout is None or not judgement.valid else recovery is not None,
        recovery_seconds=recovery,
        exit_code=exit_code,
    )


def run_experiment(
    path: Path,
    *,
    journal_path: Path,
    env: Mapping[str, str] | None = None,
    sink: EventSink | None = None,
    handler: TimelineHandler | None = None,
    recovery_timeout: float | None = 30.0,
) -> ExperimentRun:
    """Run ``path`` in this process (main thread only), rollbacks always, and judge it.

    Events go to ``sink`` (through a new :class:`TimelineHandler`) or to ``handler``.
    """
    if threading.current_thread() is not threading.main_thread():
        raise RunFailed(
            "Chaos Toolkit installs signal handlers: run experiments from the main thread, "
            "or use run_experiment_subprocess"
        )
    with environ(env or {}):
        experiment = with_safeguard(load_checked_experiment(path))
        handlers = [handler] if handler is not None else []
        if sink is not None:
            handlers.append(TimelineHandler(sink))
        journal: dict[str, Any] = chaos_experiment.run_experiment(
            experiment, settings=ROLLBACKS_ALWAYS, event_handlers=handlers
        )
    journal_path.parent.mkdir(parents=True, exist_ok=True)
    journal_path.write_text(json.dumps(journal, indent=2, default=str))
    return _finish(journal_path, journal, experiment, env, recovery_timeout, None)


def run_experiment_subprocess(
    path: Path,
    *,
    journal_path: Path,
    env_file: Path | None = None,
    timeout: float = 600.0,
    recovery_timeout: float | None = 30.0,
) -> ExperimentRun:
    """Run ``path`` with the stock ``chaos run`` in a child process, and judge its journal.

    On ``timeout`` the run is interrupted like a Ctrl-C (SIGINT), so its rollbacks still run.
    """
    journal_path.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "chaostoolkit",
        "--log-file",
        str(journal_path.with_suffix(".log")),
    ]
    argv += ["run", "--journal-path", str(journal_path), "--rollback-strategy", "always"]
    if env_file is not None:
        argv += ["--var-file", str(env_file)]
    argv.append(str(path))
    with subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        argv,
        env=python_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as process:
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=60)
    if not journal_path.exists():
        raise RunFailed(
            f"chaos run wrote no journal (exit {process.returncode}): {err.decode()[-2000:]}"
        )
    journal = json.loads(journal_path.read_text())
    env = read_env_file(env_file) if env_file is not None else None
    with environ(env or {}):
        experiment = load_checked_experiment(path)
    return _finish(journal_path, journal, experiment, env, recovery_timeout, process.returncode)
