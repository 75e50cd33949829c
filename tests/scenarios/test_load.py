"""Locust runs headless in its own process, for a duration, and leaves CSV statistics."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from playbook.errors import RunFailed
from scenarios.load import LoadSpec, run_load, start_load, stop_load
from scenarios.load.runner import locust_argv
from scenarios.procs import is_running, wait_until
from tests.chaosdrillbit.test_control import allowed_server
from tests.scenarios.conftest import ConnectionRecorder, RunningTarget


def test_a_timed_run_loads_the_target_and_saves_csv_statistics(
    target: RunningTarget, tmp_path: Path
) -> None:
    stats = run_load(
        LoadSpec(
            target_url=target.url, users=4, spawn_rate=4, duration_seconds=3, output_dir=tmp_path
        )
    )
    # Every user sent requests; how many fit in 3 s depends on the machine's load, and
    # throughput is measured by `make loadtest`, not here.
    assert stats.requests >= 4 and stats.failures == 0
    assert stats.csv_file.exists() and stats.csv_file.name == "stats_stats.csv"
    assert not (tmp_path / "current.json").exists()


def test_a_started_run_can_be_stopped_early_and_still_reports(
    target: RunningTarget, tmp_path: Path
) -> None:
    run = start_load(
        LoadSpec(target_url=target.url, users=2, duration_seconds=300, output_dir=tmp_path)
    )
    with pytest.raises(RunFailed, match="already going"):
        start_load(LoadSpec(target_url=target.url, output_dir=tmp_path))
    csv = run.csv_prefix.with_name("stats_stats.csv")
    wait_until(lambda: csv.exists() and "Aggregated" in csv.read_text(), timeout=20, what="CSV")
    stats = stop_load(tmp_path)
    assert not is_running(run.process)
    assert stats is not None and stats.csv_file.exists()
    assert stop_load(tmp_path) is None


def test_locust_runs_headless_without_its_web_ui() -> None:
    argv = locust_argv(LoadSpec(target_url="http://127.0.0.1:1", output_dir=Path("o")), Path("o/s"))
    assert argv[:3] == [sys.executable, "-m", "locust"]
    assert "--headless" in argv and "--csv" in argv and "--web-host" not in argv


def test_this_process_never_imports_locust() -> None:
    assert "locust" not in sys.modules and "gevent" not in sys.modules


def test_shoppers_never_follow_a_redirect_to_another_target(recorder: ConnectionRecorder, tmp_path: Path) -> None:
    with allowed_server(redirect_to=f"{recorder.url}/stolen") as allowed:
        allowed_everything_redirects = LoadSpec(
            target_url=f"{allowed.url}/redirect", users=2, spawn_rate=2, duration_seconds=3, output_dir=tmp_path
        )
        stats = run_load(allowed_everything_redirects)
    assert allowed.paths and all(p.startswith("/redirect") for p in allowed.paths)
    assert recorder.accepted == []
    assert 0 < stats.requests <= len(allowed.paths)  # a 3xx is an answer, counted once
