"""Running experiments from Python: rollbacks always run, and a broken-before run is invalid."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from chaoslib.exceptions import InterruptExecution
from chaoslib.run import EventHandlerRegistry

from chaosdrillbit import actions, probes
from playbook.errors import RunFailed
from scenarios.chaosrun import (
    EXPERIMENTS_DIR,
    ChaosEvent,
    TimelineHandler,
    read_env_file,
    run_experiment,
)
from scenarios.journal import Verdict
from tests.scenarios.conftest import RunningTarget


def test_a_run_whose_steady_state_fails_before_the_fault_is_invalid_and_still_rolls_back(
    target: RunningTarget, tmp_path: Path
) -> None:
    secrets = {"target_admin_token": target.token}
    actions.inject_fault(target.url, error_rate=1.0, secrets=secrets)  # broken before we start
    events: list[ChaosEvent] = []
    outcome = run_experiment(
        EXPERIMENTS_DIR / "error-spike.yaml",
        journal_path=tmp_path / "journal.json",
        env={
            "DRILLBIT_TARGET_URL": target.url,
            "DRILLBIT_TARGET_ADMIN_TOKEN": target.token,
            "DRILLBIT_LOAD_DIR": str(tmp_path / "load"),
        },
        sink=events.append,
    )
    journal = json.loads(outcome.journal_path.read_text())
    assert journal["status"] == "completed" and journal["deviated"] is False  # looks fine...
    assert outcome.judgement.verdict is Verdict.INVALID  # ...but the fault was never tested
    assert journal["run"] == []
    assert [run["activity"]["name"] for run in journal["rollbacks"]] == [
        "clear-faults",
        "stop-shopper-load",
    ]
    assert probes.target_faults(target.url, secrets=secrets)["active"] == []
    kinds = [event.kind for event in events]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert ("steady_state_before", "not met") in [(e.kind, e.status) for e in events]
    assert "rollbacks_started" in kinds and "method_started" not in kinds


def test_a_failing_timeline_sink_is_logged_and_never_breaks_the_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(event: ChaosEvent) -> None:
        raise ValueError("room closed")

    handler = TimelineHandler(broken, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    with caplog.at_level(logging.ERROR, logger="drillbit.scenarios"):
        handler.start_method({"title": "t"})
    assert "drill timeline sink failed on method_started event" in caplog.text


def test_a_signal_that_lands_while_the_sink_posts_still_interrupts_the_run() -> None:
    """Chaos Toolkit's SIGTERM handler (and drillbit-safeguard's SIGHUP one) raise
    InterruptExecution wherever the main thread is, a sink's HTTP post included; Chaos
    Toolkit's handler registry swallows every Exception a handler raises (chaoslib/run.py),
    so it must leave the handler as an interrupt the run stops on (rollbacks run)."""

    def interrupted(event: ChaosEvent) -> None:
        raise InterruptExecution("SIGTERM signal received")

    handler = TimelineHandler(interrupted, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    registry = EventHandlerRegistry()
    registry.register(handler)
    with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
        registry.start_method({"title": "t"})
    assert handler.failures == 0


def test_experiments_are_run_from_the_main_thread_only(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            run_experiment(EXPERIMENTS_DIR / "error-spike.yaml", journal_path=tmp_path / "j.json")
        except RunFailed as exc:
            errors.append(exc)

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(timeout=10)
    assert len(errors) == 1 and "main thread" in str(errors[0])


def test_env_files_are_read_as_chaos_toolkit_reads_them(tmp_path: Path) -> None:
    env = tmp_path / "chaos.env"
    env.write_text("# stack\nDRILLBIT_TARGET_URL=http://127.0.0.1:1\n\nTOKEN=a=b\n")
    assert read_env_file(env) == {"DRILLBIT_TARGET_URL": "http://127.0.0.1:1", "TOKEN": "a=b"}
