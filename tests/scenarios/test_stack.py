"""The stack's bookkeeping: records that never kill strangers, clean failure, the chaos env file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from chaosdrillbit import actions
from playbook.errors import RunFailed
from scenarios import stack, stackplan, stackstate
from scenarios.procs import ProcessRecord, is_running, spawn, terminate, wait_until
from scenarios.stack import (
    StackConfig,
    StackState,
    chaos_env,
    restart_process,
    stack_status,
    stop_stack,
)
from tests.scenarios.conftest import RunningTarget, start_target


def sleeper() -> list[str]:
    return [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_stale_record_never_signals_the_process_that_reused_its_pid(tmp_path: Path) -> None:
    record = spawn("sleeper", sleeper())
    stale = record.model_copy(update={"start_ticks": record.start_ticks - 1})
    try:
        assert not is_running(stale)
        assert terminate(stale) is False
        assert is_running(record)
    finally:
        assert terminate(record) is True
    assert not is_running(record)


def test_waiting_is_bounded_and_names_what_it_waited_for() -> None:
    with pytest.raises(RunFailed, match=r"timed out after 0\.1s waiting for the moon"):
        wait_until(lambda: False, timeout=0.1, what="the moon")


def test_nothing_recorded_means_nothing_to_stop_and_nothing_running(tmp_path: Path) -> None:
    assert stop_stack(tmp_path) == []
    assert stack_status(tmp_path) == {}
    with pytest.raises(RunFailed, match="no staging stack"):
        restart_process(tmp_path, "target")


def test_a_process_that_dies_while_starting_stops_the_others_and_shows_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    plan = stackplan.Plan(
        argv={
            "gateway": sleeper(),
            "target": [sys.executable, "-c", "import sys; print('boom: bad db'); sys.exit(3)"],
        },
        ready={"gateway": "http://127.0.0.1:9/never", "target": "http://127.0.0.1:9/never"},
        urls={},
        versions={},
    )

    records: list[ProcessRecord] = []

    def recording_spawn(name: str, argv: list[str], **kwargs: Any) -> ProcessRecord:
        record = spawn(name, argv, **kwargs)
        started.append(name)
        records.append(record)
        return record

    monkeypatch.setattr(stack, "plan_stack", lambda config, run_dir: plan)
    monkeypatch.setattr(stack, "write_configs", lambda config, run_dir, plan: None)
    monkeypatch.setattr(stack, "spawn", recording_spawn)
    with pytest.raises(RunFailed) as caught:
        stack.start_stack(StackConfig(run_dir=tmp_path, ready_timeout_seconds=10))
    assert started == ["gateway", "target"]
    assert all(not is_running(record) for record in records)
    assert "target exited while starting" in str(caught.value)
    assert "boom: bad db" in str(caught.value)
    assert not (tmp_path / "state.json").exists()


def test_the_chaos_env_file_carries_urls_and_tokens_and_skips_what_is_absent(
    tmp_path: Path,
) -> None:
    state = StackState(
        run_dir=tmp_path,
        started_at="2026-01-01T00:00:00+00:00",
        processes={},
        ready_urls={},
        target_url="http://127.0.0.1:1",
        gateway_url=None,
        proxy_url=None,
        proxy_control_url=None,
        prometheus_url="http://127.0.0.1:2",
        alertmanager_url="http://127.0.0.1:3",
        target_admin_token_file=tmp_path / "t",
        proxy_admin_token_file=None,
        chaos_env_file=tmp_path / "chaos.env",
        load_dir=tmp_path / "load",
        compression_factor=60,
        versions={},
    )
    text = chaos_env(state, {"target_admin_token": SecretStr("secret-token-123456")}, ())
    assert text.splitlines() == [
        "DRILLBIT_TARGET_URL=http://127.0.0.1:1",
        "DRILLBIT_PROMETHEUS_URL=http://127.0.0.1:2",
        "DRILLBIT_ALERTMANAGER_URL=http://127.0.0.1:3",
        f"DRILLBIT_LOAD_DIR={tmp_path / 'load'}",
        f"DRILLBIT_STACK_DIR={tmp_path}",
        "DRILLBIT_TARGET_ADMIN_TOKEN=secret-token-123456",
    ]


def test_a_crashed_target_is_restarted_from_its_record_and_the_record_follows(
    tmp_path: Path,
) -> None:
    running = start_target(tmp_path)
    state = _state(tmp_path, running)
    stackstate.save_state(state)
    try:
        actions.crash_target(running.url, secrets={"target_admin_token": running.token})
        fresh = restart_process(tmp_path, "target")
        assert fresh.pid != running.record.pid and is_running(fresh)
        assert restart_process(tmp_path, "target") == fresh  # already up: left alone
        assert stack_status(tmp_path) == {"target": True}
    finally:
        assert stop_stack(tmp_path) == ["target"]
    assert not is_running(running.record)


def _state(tmp_path: Path, running: RunningTarget) -> StackState:
    return StackState(
        run_dir=tmp_path.resolve(),
        started_at="2026-01-01T00:00:00+00:00",
        processes={"target": running.record},
        ready_urls={"target": f"{running.url}/healthz"},
        target_url=running.url,
        gateway_url=None,
        proxy_url=None,
        proxy_control_url=None,
        prometheus_url="http://127.0.0.1:2",
        alertmanager_url="http://127.0.0.1:3",
        target_admin_token_file=tmp_path / "admin.token",
        proxy_admin_token_file=None,
        chaos_env_file=tmp_path / "chaos.env",
        load_dir=tmp_path / "load",
        compression_factor=60,
        versions={},
    )
