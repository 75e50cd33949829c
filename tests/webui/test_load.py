"""``make loadtest``'s figures: exact nearest-rank percentiles over the participants' requests,
the baseline apart; and a small real run in which every workspace user's request succeeds
(joining through the form with its CSRF token, the live panels, the looks, the messages)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from webui.load.runner import percentile, summarise


def test_the_nearest_rank_percentile_of_a_hand_made_list() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20 ms
    # Nearest rank: the ceil(p * n)-th smallest: p50 of 20 is the 10th, p95 the 19th, p99 the 20th.
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (10, 19, 20)
    assert percentile([7.0], 0.95) == 7 and percentile([], 0.95) == 0


def test_the_summary_keeps_the_baseline_apart_and_counts_every_failure() -> None:
    times = {"participants": [10.0, 20.0, 30.0, 40.0], "baseline": [1.0, 3.0]}
    summary = summarise(times, {"participants": 1, "baseline": 1}, seconds=2.0)
    assert (summary.requests, summary.rps, summary.p50, summary.p95) == (4, 2.0, 20, 40)
    assert (summary.baseline_p50, summary.baseline_p95, summary.failures) == (1, 3, 2)
    assert "static baseline p50 1 ms, p95 3 ms (same run)" in summary.text()


def test_a_small_load_run_has_no_failed_request(tmp_path: Path) -> None:
    out = tmp_path / "load"
    run = subprocess.run(
        [sys.executable, "-m", "webui.load", "--rooms", "1", "--participants", "2", "--seconds", "6",
         "--p95-ms", "1000000", "--out", str(out)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "errors 0 of" in run.stdout and "static baseline p50" in run.stdout
    assert "participants (steady state)" in run.stdout


