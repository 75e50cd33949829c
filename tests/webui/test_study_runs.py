"""Study budgets: the work cap, the queue with its visible position, cancelling, and runs
that stop with the server."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from drills.clock import VirtualClock
from tests.webui.conftest import ADMIN, Harness, start_harness

# mmc.yaml: no variants (one scenario), 10 warm-up days. With horizon_days 172.5 a
# replication simulates 182.5 days, half a year: 4 replications are 2.0 replication-years.
HALF_YEAR = {"seed": "1", "horizon_days": "172.5"}


def _gone_within(pid: int, seconds: float) -> bool:
    """Whether process ``pid`` has ended within ``seconds`` (waits on a pidfd, no polling)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], seconds)
        return bool(ready)
    finally:
        os.close(fd)


@pytest.fixture
def budgeted(tmp_path: Path) -> Iterator[Harness]:
    app, client = start_harness(tmp_path, VirtualClock(), study_budget=2.0, study_concurrency=1)
    with client:
        yield Harness(app, client, VirtualClock())


def _run_id(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def test_a_run_over_the_work_budget_is_refused_before_anything_starts(budgeted: Harness) -> None:
    browser = budgeted.signed_in()
    over = browser.post("/studies/mmc/runs", data={**HALF_YEAR, "replications": "5"})
    assert over.status_code == 422
    assert "over the budget of 2 (DRILLBIT_STUDY_BUDGET)" in over.json()["detail"]
    assert not budgeted.services.studies.runs.exists()
    huge = browser.post("/studies/reference/runs", data={"replications": "1000", "seed": "1", "horizon_days": "3650"})
    assert huge.status_code == 422


def test_runs_past_the_concurrency_wait_in_line_and_show_their_place(budgeted: Harness) -> None:
    browser = budgeted.signed_in()
    studies = budgeted.services.studies
    first = _run_id(browser.post("/studies/mmc/runs", data={**HALF_YEAR, "replications": "4"}))
    second = _run_id(browser.post("/studies/mmc/runs", data={**HALF_YEAR, "replications": "4"}))
    third = _run_id(browser.post("/studies/mmc/runs", data={**HALF_YEAR, "replications": "1"}))
    assert studies.status(first).state == "running"
    assert (studies.status(second).state, studies.status(second).position) == ("queued", 1)
    assert studies.status(third).position == 2
    assert 'data-testid="queue-position">number 2</span> in line' in browser.get(f"/studies/runs/{third}").text
    assert browser.post(f"/studies/runs/{second}/cancel").status_code == 303
    assert studies.status(second).state == "cancelled"
    assert studies.status(second).pid is None
    assert studies.status(third).position == 1
    for run in (first, third):
        browser.post(f"/studies/runs/{run}/cancel")


def test_cancelling_a_running_run_stops_its_process(budgeted: Harness) -> None:
    browser = budgeted.signed_in()
    studies = budgeted.services.studies
    run = _run_id(browser.post("/studies/mmc/runs", data={**HALF_YEAR, "replications": "4"}))
    pid = studies.status(run).pid
    assert pid is not None
    page = browser.get(f"/studies/runs/{run}").text
    assert f'action="/studies/runs/{run}/cancel"' in page
    assert browser.post(f"/studies/runs/{run}/cancel").status_code == 303
    assert _gone_within(pid, 10)
    assert studies.status(run).state == "cancelled"
    assert browser.post("/studies/runs/nope/cancel").status_code == 404


def test_closing_the_server_stops_queued_and_running_runs(tmp_path: Path) -> None:
    app, client = start_harness(tmp_path, VirtualClock(), study_budget=2.0, study_concurrency=1)
    with client:
        browser = Harness(app, client, VirtualClock()).signed_in()
        running = _run_id(browser.post("/studies/mmc/runs", data={**HALF_YEAR, "replications": "4"}))
        queued = _run_id(browser.post("/studies/mmc/runs", data={**HALF_YEAR, "replications": "4"}))
        studies = app.state.services.studies
        pid = studies.status(running).pid
        assert pid is not None
    assert _gone_within(pid, 10)
    assert studies.status(queued).state == "interrupted"


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["terminated", "killed"])
def test_a_run_stops_when_its_server_process_dies(tmp_path: Path, how: signal.Signals) -> None:
    env = {**os.environ, "DRILLBIT_DATA_DIR": str(tmp_path), "DRILLBIT_ADMIN_TOKEN": ADMIN}
    server = subprocess.Popen(
        [sys.executable, "-m", "webui", "--port", "0"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    try:
        url = re.search(r"http://[\d.]+:\d+", server.stdout.readline())
        assert url, "no URL printed"
        with httpx.Client(base_url=url.group(0)) as web:
            web.get("/signin")
            csrf = {"X-CSRF-Token": web.cookies["csrftoken"]}
            assert web.post("/signin", data={"token": ADMIN}, headers=csrf).status_code == 303
            started = web.post("/studies/mmc/runs", data={"replications": "100", "seed": "1"}, headers=csrf)
        run = _run_id(started)
        status = (tmp_path / "studies" / "runs" / run / "status.json").read_text(encoding="utf-8")
        pid = int(re.search(r'"pid":(\d+)', status).group(1))  # type: ignore[union-attr]
        server.send_signal(how)
        server.wait(15)
        assert _gone_within(pid, 10), f"the run (pid {pid}) outlived its server"
    finally:
        if server.poll() is None:
            server.kill()
        server.stdout.close()
