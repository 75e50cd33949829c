"""Processes a game-day runner starts end with it, even when it is killed with kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from scenarios.procs import ProcessRecord, is_running, python_env, terminate, wait_until

# A runner stand-in: starts a long sleeper through drillbit's spawn, prints its record, waits.
RUNNER = textwrap.dedent(
    """
    import sys, time
    from scenarios.procs import spawn
    record = spawn("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"],
                   die_with_us=sys.argv[1] == "yes")
    print(record.model_dump_json(), flush=True)
    time.sleep(600)
    """
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def _runner_and_child(die_with_us: bool) -> tuple[subprocess.Popen[str], ProcessRecord]:
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, "yes" if die_with_us else "no"],
        stdout=subprocess.PIPE, text=True, env=python_env(),
    )  # fmt: skip
    assert runner.stdout is not None
    record = ProcessRecord.model_validate(json.loads(runner.stdout.readline()))
    wait_until(lambda: is_running(record), timeout=30, what="the sleeper to start")
    return runner, record


def _kill_9(runner: subprocess.Popen[str]) -> None:
    os.kill(runner.pid, signal.SIGKILL)
    runner.wait()
    assert runner.stdout is not None
    runner.stdout.close()


def test_a_child_started_to_die_with_its_runner_stops_when_the_runner_is_killed_with_kill_9() -> None:
    runner, child = _runner_and_child(die_with_us=True)
    assert child.argv[1:] == ("-c", "import time; time.sleep(600)")  # the record keeps the command as given
    _kill_9(runner)
    try:
        wait_until(lambda: not is_running(child), timeout=30, what="the sleeper to stop with its runner")
    finally:
        terminate(child)


def test_without_it_the_child_outlives_a_killed_runner() -> None:
    # The control: what the stack did before (and still does when started on its own).
    runner, child = _runner_and_child(die_with_us=False)
    _kill_9(runner)
    try:
        assert is_running(child)
    finally:
        terminate(child)
        wait_until(lambda: not is_running(child), timeout=30, what="the sleeper to stop")


def test_the_launcher_starts_nothing_for_a_parent_that_is_not_its_own() -> None:
    marker = "scenarios-deathsig-ran"
    done = subprocess.run(
        [sys.executable, "-m", "scenarios.deathsig", str(os.getppid()), "--", sys.executable, "-c", f"print({marker!r})"],
        capture_output=True, text=True, env=python_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 1 and marker not in done.stdout


def test_the_launcher_runs_the_command_for_its_own_parent_and_refuses_bad_usage() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import os, subprocess, sys; sys.exit(subprocess.run([sys.executable, '-m', "
         "'scenarios.deathsig', str(os.getpid()), '--', sys.executable, '-c', 'print(42)']).returncode)"],
        capture_output=True, text=True, env=python_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "42"
    usage = subprocess.run([sys.executable, "-m", "scenarios.deathsig", "x"], capture_output=True, text=True,
                           env=python_env(), check=False)  # fmt: skip
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1
