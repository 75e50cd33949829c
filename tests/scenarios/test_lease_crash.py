"""The process-crash fault holds a lease: a killed runner's crashed target comes back.

A real target process recorded as the stack's, and the stock ``chaos run`` in a child
process: the experiment crashes the target (leased for :data:`LEASE` seconds, renewed by the
safeguard control), then waits. Killed with SIGKILL, the runner renews nothing and rolls
nothing back, so the keeper restarts the target once the lease runs out: it answers again
within the lease plus 5 s. With SIGTERM the rollback restarts it at once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from scenarios.crashwatch import crash_lease
from scenarios.faultstate import fault_status
from scenarios.procs import is_running, python_env, terminate, wait_until
from scenarios.stackstate import load_state
from tests.chaosdrillbit.test_interrupts import write_stack
from tests.scenarios.conftest import RunningTarget, start_target

LEASE = 3.0


def experiment(target_url: str, stack: Path) -> dict[str, Any]:
    return {
        "title": "crash and hold", "description": "interrupt me", "version": "1.0.0",
        "runtime": {"rollbacks": {"strategy": "always"}},
        "controls": [{"name": "drillbit-safeguard", "provider": {
            "type": "python", "module": "chaosdrillbit.control", "arguments": {"lease_seconds": LEASE}}}],
        "method": [
            {"type": "action", "name": "crash", "provider": {
                "type": "python", "module": "chaosdrillbit.actions", "func": "crash_target",
                "arguments": {"target_url": target_url, "lease_seconds": LEASE}}},
            {"type": "action", "name": "hold", "provider": {"type": "process", "path": "sleep", "arguments": ["60"]}},
        ],
        "rollbacks": [{"type": "action", "name": "restart", "provider": {
            "type": "python", "module": "chaosdrillbit.actions", "func": "restart_target",
            "arguments": {"stack_dir": str(stack)}}}],
    }  # fmt: skip


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", trust_env=False, timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def staged(tmp_path: Path) -> Iterator[tuple[Path, RunningTarget, Path]]:
    target = start_target(tmp_path)
    stack = write_stack(tmp_path, target)
    try:
        yield tmp_path, target, stack
    finally:
        state = load_state(stack)
        for record in (state.processes.values() if state else ()):
            terminate(record)
        terminate(target.record)


def crash_and_signal(tmp: Path, target: RunningTarget, stack: Path, sig: signal.Signals) -> float:
    """Seconds from ``sig`` to the target answering again."""
    path = tmp / "crash.yaml"
    path.write_text(yaml.safe_dump(experiment(target.url, stack)))
    port = target.url.rsplit(":", 1)[1]
    env = python_env({"DRILLBIT_STACK_DIR": str(stack), "DRILLBIT_CHAOS_ALLOW": f"127.0.0.1:{port},exec:/usr/bin/sleep"})
    runner = subprocess.Popen(
        [sys.executable, "-m", "chaostoolkit", "--log-file", str(tmp / "chaos.log"), "run",
         "--journal-path", str(tmp / "journal.json"), str(path)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_until(lambda: not is_running(target.record), timeout=30, what="the crash", interval=0.05)
        wait_until(lambda: not healthy(target.url), timeout=10, what="the target to go down", interval=0.05)
        time.sleep(LEASE * 0.6)  # not synchronisation: let a renewal pass while it is down
        assert not healthy(target.url)
        assert [f["kind"] for f in fault_status(stack)["faults"] if f["kind"] == "process_crash"] == ["process_crash"]
        sent = time.monotonic()
        os.kill(runner.pid, sig)
        wait_until(lambda: healthy(target.url), timeout=LEASE + 30, what="the target to answer again", interval=0.05)
        back = time.monotonic() - sent
        runner.wait(timeout=30)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait(timeout=30)
    return back


@pytest.mark.integration
def test_a_killed_runner_s_crashed_target_is_restarted_within_the_lease_plus_5s(staged: tuple[Path, RunningTarget, Path]) -> None:
    tmp, target, stack = staged
    back = crash_and_signal(tmp, target, stack, signal.SIGKILL)
    assert back <= LEASE + 5.0
    assert back > LEASE / 3  # the keeper waited for the lease: nothing rolled it back
    wait_until(lambda: crash_lease(stack) is None, timeout=10, what="the lease to be dropped", interval=0.05)
    state = load_state(stack)
    assert state is not None and state.processes["target"].pid != target.record.pid


@pytest.mark.integration
def test_a_terminated_runner_restarts_its_crashed_target_in_the_rollback(staged: tuple[Path, RunningTarget, Path]) -> None:
    tmp, target, stack = staged
    crash_and_signal(tmp, target, stack, signal.SIGTERM)
    journal = json.loads((tmp / "journal.json").read_text())
    assert [(r["activity"]["name"], r["status"]) for r in journal["rollbacks"]] == [("restart", "succeeded")]
    assert journal["rollbacks"][0]["output"]["restarted"] is True
    assert crash_lease(stack) is None


def main() -> None:
    """Print the crash fault's interrupt table (one run per signal)."""
    import tempfile

    print("| signal to the runner (process crash) | target answers again after |")
    print("|---|---|")
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with tempfile.TemporaryDirectory() as scratch:
            tmp = Path(scratch)
            target = start_target(tmp)
            stack = write_stack(tmp, target)
            try:
                back = crash_and_signal(tmp, target, stack, sig)
            finally:
                state = load_state(stack)
                for record in state.processes.values() if state else ():
                    terminate(record)
                terminate(target.record)
        print(f"| {sig.name} | {back:.2f} s (lease {LEASE:g} s) |")


if __name__ == "__main__":
    main()
