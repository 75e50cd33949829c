"""Interrupting the runner never leaves a fault behind: signals roll back, kill -9 expires.

A real target process and the stock ``chaos run`` in a child process: the experiment injects
latency (leased for :data:`LEASE` seconds, renewed by the safeguard control), then waits. The
runner is then sent SIGINT, SIGTERM, SIGHUP or SIGKILL, and the time until the target's steady
state returns (no fault switched on) is measured. Signals run the rollbacks; a killed runner
renews nothing, so the lease runs out. ``python -m tests.chaosdrillbit.test_interrupts``
prints the table.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from scenarios.procs import ProcessRecord, python_env, terminate, wait_until
from scenarios.stack import StackState
from tests.scenarios.conftest import RunningTarget, start_target

#: The fault's lease in these runs (the default is 30 s; shorter keeps the test fast).
LEASE = 3.0


def write_stack(tmp: Path, target: RunningTarget) -> Path:
    """A stack record holding only the target (what the safeguard renews leases on)."""
    stack = tmp / "stack"
    stack.mkdir(parents=True, exist_ok=True)
    token_file = stack / "target-admin.token"
    token_file.write_text(target.token)
    state = StackState(
        run_dir=stack,
        started_at=datetime.now(UTC).isoformat(),
        processes={"target": target.record},
        ready_urls={"target": f"{target.url}/healthz"},
        target_url=target.url,
        gateway_url=None,
        proxy_url=None,
        proxy_control_url=None,
        prometheus_url="http://127.0.0.1:9",
        alertmanager_url="http://127.0.0.1:9",
        target_admin_token_file=token_file,
        proxy_admin_token_file=None,
        chaos_env_file=stack / "chaos.env",
        load_dir=stack / "load",
        compression_factor=60.0,
        versions={},
    )
    (stack / "state.json").write_text(state.model_dump_json())
    return stack


def experiment(target_url: str, rollback_pause: float = 0.0) -> dict[str, Any]:
    sleep = {"type": "action", "name": "hold-the-fault", "provider": {"type": "process", "path": "sleep", "arguments": ["60"]}}
    rollbacks: list[dict[str, Any]] = []
    if rollback_pause:
        pause = {"type": "action", "name": "slow-rollback", "provider": {"type": "process", "path": "sleep", "arguments": [f"{rollback_pause:g}"]}}
        rollbacks.append(pause)
    rollbacks.append({"type": "action", "name": "clear-faults", "provider": {
        "type": "python", "module": "chaosdrillbit.actions", "func": "clear_faults", "arguments": {"target_url": target_url}}})
    return {
        "title": "hold a fault", "description": "interrupt me", "version": "1.0.0",
        "runtime": {"rollbacks": {"strategy": "always"}},
        "controls": [{"name": "drillbit-safeguard", "provider": {
            "type": "python", "module": "chaosdrillbit.control", "arguments": {"lease_seconds": LEASE}}}],
        "method": [
            {"type": "action", "name": "inject-latency", "provider": {
                "type": "python", "module": "chaosdrillbit.actions", "func": "inject_fault",
                "arguments": {"target_url": target_url, "latency_ms": 300, "lease_seconds": LEASE}}},
            sleep,
        ],
        "rollbacks": rollbacks,
    }  # fmt: skip


def active_faults(target: RunningTarget) -> list[str]:
    answer = httpx.get(f"{target.url}/admin/faults", headers={"Authorization": f"Bearer {target.token}"}, trust_env=False, timeout=2)
    faults: list[str] = answer.json()["active"]
    return faults


def start_runner(tmp: Path, target: RunningTarget, stack: Path, *, rollback_pause: float = 0.0) -> subprocess.Popen[bytes]:
    path = tmp / "hold.yaml"
    path.write_text(yaml.safe_dump(experiment(target.url, rollback_pause)))
    port = target.url.rsplit(":", 1)[1]
    env = python_env({
        "DRILLBIT_STACK_DIR": str(stack),
        "DRILLBIT_CHAOS_ALLOW": f"127.0.0.1:{port},exec:/usr/bin/sleep",
    })  # fmt: skip
    runner = subprocess.Popen(
        [sys.executable, "-m", "chaostoolkit", "--log-file", str(tmp / "chaos.log"), "run",
         "--journal-path", str(tmp / "journal.json"), str(path)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
        # A shell starts background jobs with SIGINT ignored, and children inherit that: give
        # the runner the default a person's Ctrl-C would find.
        preexec_fn=_default_sigint,  # noqa: PLW1509 - one signal call before exec
    )  # fmt: skip
    try:
        wait_until(lambda: active_faults(target) == ["latency_ms"], timeout=30, what="the fault to go in", interval=0.05)
    except BaseException:
        _stop(runner)
        raise
    return runner


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stop(runner: subprocess.Popen[bytes]) -> None:
    if runner.poll() is None:
        runner.kill()
    runner.communicate(timeout=30)


def interrupt(tmp: Path, target: RunningTarget, stack: Path, sig: signal.Signals) -> tuple[float, int | None, str]:
    """Seconds from ``sig`` to the steady state (no fault), the runner's exit code, its stderr."""
    runner = start_runner(tmp, target, stack)
    try:
        time.sleep(LEASE * 0.6)  # not synchronisation: let at least one renewal pass under the fault
        assert active_faults(target) == ["latency_ms"]
        sent = time.monotonic()
        os.kill(runner.pid, sig)
        wait_until(lambda: active_faults(target) == [], timeout=LEASE + 10, what="the steady state", interval=0.05)
        recovered = time.monotonic() - sent
        _, err = runner.communicate(timeout=30)
    finally:
        _stop(runner)
    return recovered, runner.returncode, err.decode(errors="replace")


@pytest.fixture(scope="module")
def shared_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningTarget, Path]]:
    tmp = tmp_path_factory.mktemp("interrupts")
    target = start_target(tmp)
    try:
        yield target, write_stack(tmp, target)
    finally:
        terminate(target.record)


@pytest.fixture
def staged(tmp_path: Path, shared_target: tuple[RunningTarget, Path]) -> tuple[Path, RunningTarget, Path]:
    target, stack = shared_target
    assert active_faults(target) == []
    return tmp_path, target, stack


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_to_the_runner_rolls_the_fault_back_at_once(sig: signal.Signals, staged: tuple[Path, RunningTarget, Path]) -> None:
    tmp, target, stack = staged
    recovered, _, _ = interrupt(tmp, target, stack, sig)
    assert recovered < 2.0  # the rollback, not the lease
    journal = json.loads((tmp / "journal.json").read_text())
    assert journal["status"] == "interrupted"
    assert [r["activity"]["name"] for r in journal["rollbacks"]] == ["clear-faults"]


def test_a_killed_runner_leaves_a_fault_that_expires_within_its_lease(staged: tuple[Path, RunningTarget, Path]) -> None:
    tmp, target, stack = staged
    recovered, code, _ = interrupt(tmp, target, stack, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert recovered <= LEASE + 5.0
    assert recovered > LEASE / 3  # it did outlive the runner: nothing rolled it back


def test_a_second_ctrl_c_during_the_rollbacks_is_ignored_and_they_finish(staged: tuple[Path, RunningTarget, Path]) -> None:
    tmp, target, stack = staged
    runner = start_runner(tmp, target, stack, rollback_pause=1.5)
    try:
        os.kill(runner.pid, signal.SIGINT)
        log = tmp / "chaos.log"
        wait_until(lambda: log.exists() and "Rollback: slow-rollback" in log.read_text(), timeout=20, what="the rollbacks to start", interval=0.05)
        os.kill(runner.pid, signal.SIGINT)
        _, err = runner.communicate(timeout=30)
    finally:
        _stop(runner)
    assert "SIGINT ignored: the rollbacks are running and will finish" in err.decode()
    assert active_faults(target) == []
    journal = json.loads((tmp / "journal.json").read_text())
    assert [(r["activity"]["name"], r["status"]) for r in journal["rollbacks"]] == [
        ("slow-rollback", "succeeded"),
        ("clear-faults", "succeeded"),
    ]


def main() -> None:
    """Print the interrupt table (one run per signal)."""
    import tempfile

    rows = []
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL):
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            target = start_target(tmp)
            try:
                recovered, code, _ = interrupt(tmp, target, write_stack(tmp, target), sig)
            finally:
                record: ProcessRecord = target.record
                terminate(record)
        rows.append((sig.name, recovered, code))
    print(f"| signal to the runner | steady state back after | runner exit | (lease {LEASE:g} s) |")
    print("|---|---|---|---|")
    for name, seconds, code in rows:
        print(f"| {name} | {seconds:.2f} s | {code} | |")


if __name__ == "__main__":
    main()
