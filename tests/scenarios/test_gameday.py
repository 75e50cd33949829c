"""``drillbit gameday run``: the dry run, refusals before anything is sent, the web UI it
starts, and the chaos run's events in the drill timeline."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import yaml

from drillbit.cli import main
from drills.clock import VirtualClock
from scenarios.allowlist import AllowList
from scenarios.chaosrun import EXPERIMENTS_DIR, ChaosEvent, TimelineHandler
from scenarios.procs import is_running, port_is_open
from scenarios.room.drillapi import DrillApi, RoomRequest
from scenarios.room.timeline import DrillTimeline, describe_event
from scenarios.webserver import start_web_ui, stop_web_ui
from tests.scenarios.conftest import ConnectionRecorder
from tests.webui.conftest import ADMIN, Harness, start_harness

LATENCY = EXPERIMENTS_DIR / "latency-injection.yaml"


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    """The web app on a virtual clock, over the ASGI test client."""
    clock = VirtualClock()
    app, client = start_harness(tmp_path, clock)
    with client:
        yield Harness(app, client, clock)


@pytest.fixture
def no_traffic(recorder: ConnectionRecorder, monkeypatch: pytest.MonkeyPatch) -> ConnectionRecorder:
    """Anything sent anyway, through an environment proxy, would reach the recorder."""
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(variable, recorder.url)
    return recorder


def gameday(tmp_path: Path, *args: str) -> list[str]:
    return [
        "gameday", "run", *args,
        "--stack-dir", str(tmp_path / "staging"),
        "--out-dir", str(tmp_path / "out"),
    ]  # fmt: skip


def test_a_dry_run_shows_the_whole_game_day_and_starts_and_sends_nothing(
    tmp_path: Path, no_traffic: ConnectionRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    main(gameday(tmp_path, str(LATENCY), "--autopilot", "textbook", "--dry-run"))
    out = capsys.readouterr().out
    assert out.startswith("dry run: nothing is started and nothing is sent")
    for expected in (
        "start the staging stack in",
        "start the web UI (drillbit serve on 127.0.0.1",
        "open a room for the drill 'checkout-slow-burn'",
        "point Alertmanager's drill receiver at the room (<web UI>/api/v1/alerts/alertmanager",
        "the 'textbook' autopilot team (alice, bob, carol, dave) joins over the HTTP API",
        "method: start-shopper-load (start_load); inject-2500ms-latency (inject_fault)",
        "rollbacks: clear-faults (clear_faults); stop-shopper-load (stop_load)",
        "chaos allow-list (DRILLBIT_CHAOS_ALLOW): 127.0.0.1, ::1",
    ):
        assert expected in out, expected
    assert no_traffic.accepted == []
    assert list(tmp_path.iterdir()) == []  # no stack, no report, no web UI data


def test_a_dry_run_can_answer_in_json(
    tmp_path: Path, no_traffic: ConnectionRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    main(gameday(tmp_path, str(LATENCY), "--drill", "dropped-index", "--speed", "30", "--json", "--dry-run"))
    plan = json.loads(capsys.readouterr().out)
    assert plan["drill"] == "dropped-index" and plan["speed"] == 30
    assert plan["stack_running"] is False and plan["autopilot"] is None
    assert plan["expected_severity"] == "SEV2"
    assert no_traffic.accepted == []


def refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as caught:
        main(gameday(tmp_path, *args))
    assert caught.value.code == 2
    return capsys.readouterr().err


def test_a_web_ui_off_the_allow_list_is_refused_by_name_before_any_request(
    tmp_path: Path, no_traffic: ConnectionRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(tmp_path, capsys, str(LATENCY), "--web-url", "http://staging.example.invalid:8000")
    assert "'staging.example.invalid' is not on the allow-list" in err
    assert no_traffic.accepted == []
    assert list(tmp_path.iterdir()) == []


def test_an_experiment_aimed_off_the_allow_list_is_refused_before_anything_starts(
    tmp_path: Path, no_traffic: ConnectionRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    experiment = yaml.safe_load(LATENCY.read_text())
    experiment["configuration"]["target_url"] = "http://staging.example.invalid:8081"
    path = tmp_path / "elsewhere.yaml"
    path.write_text(yaml.safe_dump(experiment))
    err = refused(tmp_path, capsys, str(path), "--autopilot", "textbook")
    assert "'staging.example.invalid' is not on the allow-list" in err
    assert no_traffic.accepted == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.yaml"]


def test_the_operators_allow_file_lets_a_named_target_through_the_checks(
    tmp_path: Path, no_traffic: ConnectionRecorder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DRILLBIT_CHAOS_ALLOW")
    experiment = yaml.safe_load(LATENCY.read_text())
    experiment["configuration"]["target_url"] = "http://localhost:8081"
    path = tmp_path / "named.yaml"
    path.write_text(yaml.safe_dump(experiment))
    allow = tmp_path / "allow.txt"
    allow.write_text("# staging\nlocalhost:8081\n127.0.0.1:9090\n127.0.0.1:9093\n")
    main(gameday(tmp_path, str(path), "--allow", str(allow), "--dry-run"))
    out = capsys.readouterr().out
    assert f"chaos allow-list ({allow.resolve()}): localhost:8081" in out
    assert "http://localhost:8081" in out
    assert no_traffic.accepted == []


def test_an_experiment_can_not_widen_the_allow_list(
    tmp_path: Path, no_traffic: ConnectionRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    experiment = yaml.safe_load(LATENCY.read_text())
    experiment["configuration"]["target_url"] = "http://127.0.0.2:8081"
    experiment["configuration"]["drillbit_allowed_targets"] = "0.0.0.0/0"
    path = tmp_path / "wider.yaml"
    path.write_text(yaml.safe_dump(experiment))
    err = refused(tmp_path, capsys, str(path))
    assert "'127.0.0.2' is not on the allow-list for port 8081 (127.0.0.1, ::1)" in err
    assert no_traffic.accepted == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--drill", "no-such-drill"], "no drill 'no-such-drill' in the library"),
        (["--autopilot", "heroes"], "unknown autopilot profile 'heroes'"),
        (["--speed", "0.5"], "speed: Input should be greater than or equal to 1"),
        (["--web-url", "ftp://127.0.0.1/"], "unsupported URL scheme"),
    ],
)
def test_a_bad_option_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    err = refused(tmp_path, capsys, str(LATENCY), *args)
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_experiment_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "no experiment file" in refused(tmp_path, capsys, str(tmp_path / "nope.yaml"))


def test_the_web_ui_a_game_day_starts_listens_on_loopback_and_stops(tmp_path: Path) -> None:
    ui = start_web_ui(tmp_path / "webui", log_path=tmp_path / "webui.log")
    try:
        url = httpx.URL(ui.url)
        assert url.host == "127.0.0.1"
        with DrillApi(ui.url) as api:
            room = api.open_room(RoomRequest(script="checkout-slow-burn"), admin_token=ui.admin_token)
        assert room.join_url.startswith(f"{ui.url}/join/")
        assert (tmp_path / "webui" / "drillbit.db").exists()
    finally:
        assert stop_web_ui(ui)
    assert not is_running(ui.record)
    assert not port_is_open(url.port or 0)


def event(
    kind: str, name: str | None = None, status: str | None = None, detail: dict[str, object] | None = None
) -> ChaosEvent:
    return ChaosEvent(
        kind=kind, at=datetime(2026, 1, 1, tzinfo=UTC), name=name, status=status, detail=detail or {}
    )


def test_chaos_events_read_as_a_timeline() -> None:
    assert describe_event(event("steady_state_before", status="not met")) == (
        "Steady state did NOT hold before the fault: the run is invalid",
        "error",
    )
    probe = event(
        "probe_completed",
        name="checkout-p95-at-most-500ms",
        status="succeeded",
        detail={"phase": "hypothesis_after", "output": 2.5134},
    )
    assert describe_event(probe) == (
        "Chaos steady-state probe (after) probe checkout-p95-at-most-500ms = 2.51",
        "info",
    )
    failed = event("action_completed", name="inject", status="failed", detail={"phase": "method"})
    assert describe_event(failed) == ("Chaos action inject: failed", "error")


def test_a_chaos_run_streams_into_the_room_and_a_closed_room_is_logged_not_raised(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    room = harness.open_room("checkout-slow-burn")
    api = DrillApi("http://testserver", allow=AllowList.with_extra(["testserver"]), client=harness.client)
    handler = TimelineHandler(DrillTimeline(api, room.id, room.data["facilitator_key"]))
    handler.started({"title": "Latency"}, {})
    handler.start_method({})
    handler.activity_completed(
        {"type": "action", "name": "inject-2500ms-latency"}, {"status": "succeeded", "output": {}}
    )
    api.control(room.id, "end", token=room.key)
    with caplog.at_level(logging.ERROR, logger="drillbit.scenarios"):
        handler.finish({"status": "completed", "deviated": True})
    lines = [
        r["data"]["content"]["line"]
        for r in api.events(room.id, token=ADMIN)["records"]
        if r["kind"] == "inject_delivered" and r["data"]["content"].get("service") == "chaos-toolkit"
    ]
    assert lines == [
        "Chaos experiment started: Latency",
        "Chaos method started: load and fault go in now",
        "Chaos action inject-2500ms-latency: succeeded",
    ]
    assert handler.failures == 1
    assert "drill timeline sink failed on finished event" in caplog.text
