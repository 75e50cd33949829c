"""A study run's page is pushed, not polled: a real server streams the progress fragment each
time the run's child process reports a replication, the queue moves or a run is cancelled,
and ends the stream with the finished run. Waiting is reading the stream (each read has a
timeout), never sleeping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.webui.conftest import Harness
from tests.webui.live_server import LiveServer, live_server, sse_events

# mmc.yaml: one scenario, 10 warm-up days: 110 more days make a replication a third of a year.
THIRD_OF_A_YEAR = {"seed": "1", "horizon_days": "110"}
YEARS = {"seed": "1", "horizon_days": "365"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own per test: a run's process may outlive its last status by a moment,
    holding the only slot, and the queue test counts places from an empty queue."""
    with live_server(tmp_path, DRILLBIT_STUDY_CONCURRENCY="1") as running:
        yield running


def _start(web: httpx.Client, replications: int, form: dict[str, str]) -> str:
    response = web.post("/studies/mmc/runs", data={**form, "replications": str(replications)})
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).rsplit("/", 1)[1]


def _done(data: str) -> int | None:
    found = re.search(r'data-testid="progress">(\d+) / \d+<', data)
    return int(found.group(1)) if found else None


def test_a_runs_stream_pushes_each_replication_then_the_result_and_ends(server: LiveServer) -> None:
    with server.signed_in() as web:
        run = _start(web, 3, THIRD_OF_A_YEAR)
        page = web.get(f"/studies/runs/{run}").text
        assert f'sse-connect="/studies/runs/{run}/stream?seq=' in page
        assert "hx-trigger" not in page  # nothing on the page polls
        with web.stream("GET", f"/studies/runs/{run}/stream") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = list(sse_events(stream.iter_lines()))  # the server ends it, not a timeout
    names = [name for name, _ in events]
    assert names[-2:] == ["progress", "end"]
    assert set(names[:-1]) == {"progress"}
    counts = [n for n in (_done(data) for _, data in events) if n is not None]
    assert counts == sorted(set(counts))  # each push is news, in order
    assert any(0 < n < 3 for n in counts), counts  # pushed while the run was still going
    final = events[-2][1]
    assert "Verdict" in final and "Cancel this run" not in final
    with server.signed_in() as web:
        ended = web.get(f"/studies/runs/{run}").text
    assert "sse-connect" not in ended  # an ended run's page does not listen at all


def test_a_queued_runs_place_and_its_cancel_reach_its_page_as_they_happen(server: LiveServer) -> None:
    with server.signed_in() as web:
        first = _start(web, 100, YEARS)
        second = _start(web, 1, YEARS)
        third = _start(web, 1, YEARS)
        with web.stream("GET", f"/studies/runs/{third}/stream") as stream:
            events = sse_events(stream.iter_lines())
            name, data = next(events)
            assert name == "progress" and 'data-testid="queue-position">number 2</span> in line' in data
            assert f'action="/studies/runs/{third}/cancel"' in data
            assert web.post(f"/studies/runs/{second}/cancel").status_code == 303
            assert 'data-testid="queue-position">number 1</span> in line' in next(events)[1]
            assert web.post(f"/studies/runs/{first}/cancel").status_code == 303
            assert "Running:" in next(events)[1]
            assert web.post(f"/studies/runs/{third}/cancel").status_code == 303
            rest = list(events)
        assert [name for name, _ in rest][-2:] == ["progress", "end"]
        assert 'data-testid="run-state">cancelled<' in rest[-2][1]


def test_a_run_page_works_without_javascript(harness: Harness) -> None:
    browser = harness.signed_in()
    started = browser.post("/studies/mmc/runs", data={**YEARS, "replications": "100"})
    run = started.headers["location"].rsplit("/", 1)[1]
    page = browser.get(f"/studies/runs/{run}").text
    assert f'<noscript><p class="meta"><a href="/studies/runs/{run}">Reload this page</a>' in page
    form = re.search(r'<form action="/studies/runs/[^"]+/cancel" method="post"[^>]*>(.*?)</form>', page, re.S)
    assert form is not None and 'name="csrf_token"' in form.group(1) and 'type="submit"' in form.group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(1))
    assert token is not None
    cancelled = browser.post(f"/studies/runs/{run}/cancel", data={"csrf_token": token.group(1)}, csrf=False)
    assert cancelled.status_code == 303 and cancelled.headers["location"] == f"/studies/runs/{run}"
    after = browser.get(f"/studies/runs/{run}").text
    assert 'data-testid="run-state">cancelled<' in after and "noscript" not in after


def test_a_runs_stream_is_for_facilitators_404_when_unknown_and_ends_at_once_when_ended(harness: Harness) -> None:
    browser = harness.signed_in()
    assert browser.get("/studies/runs/nope/stream").status_code == 404
    started = browser.post("/studies/mmc/runs", data={**YEARS, "replications": "100"})
    run = started.headers["location"].rsplit("/", 1)[1]
    browser.post(f"/studies/runs/{run}/cancel")
    body = browser.get(f"/studies/runs/{run}/stream").text  # returns: the stream ended itself
    assert [name for name, _ in sse_events(iter(body.splitlines()))] == ["progress", "end"]
    assert browser.get("/studies/runs/nope/stream", headers={"Host": "evil.example"}).status_code == 400
    anonymous = harness.browser().get(f"/studies/runs/{run}/stream", headers={"Accept": "text/event-stream"})
    assert anonymous.status_code == 401  # a run's progress is for signed-in facilitators only
