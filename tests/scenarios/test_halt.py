"""Halting: the room's Halt button, ``drillbit chaos halt``/``status``, and refusing a dirty stack.

A real target process holds a real (leased) fault; the stack record points at it. The web UI
runs in the ASGI test client, the facilitator clicks the console's Halt form.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from drillbit.cli import main
from drills.clock import VirtualClock
from playbook.errors import InvalidDefinition
from scenarios.allowlist import AllowList
from scenarios.faultstate import HALT_FILE, fault_status, halt_requested
from scenarios.gameday.plan import refuse_dirty_stack
from scenarios.gameday.run import _HaltWatch
from scenarios.procs import terminate, wait_until
from scenarios.room.drillapi import DrillApi
from scenarios.stack import load_state
from tests.chaosdrillbit.test_interrupts import active_faults, write_stack
from tests.scenarios.conftest import RunningTarget, http_recorder, start_target
from tests.webui.conftest import Harness, start_harness

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def shared_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTarget]:
    target = start_target(tmp_path_factory.mktemp("halt"))
    try:
        yield target
    finally:
        terminate(target.record)


@pytest.fixture
def target(shared_target: RunningTarget) -> Iterator[RunningTarget]:
    yield shared_target
    httpx.delete(f"{shared_target.url}/admin/faults", headers=auth(shared_target), trust_env=False)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    app, client = start_harness(tmp_path / "web", VirtualClock())
    with client:
        yield Harness(app, client, VirtualClock())


def auth(target: RunningTarget) -> dict[str, str]:
    return {"Authorization": f"Bearer {target.token}"}


def inject(target: RunningTarget, lease: float = 30) -> None:
    httpx.put(
        f"{target.url}/admin/faults", params={"lease_seconds": lease}, json={"latency_ms": 200},
        headers=auth(target), trust_env=False,
    ).raise_for_status()  # fmt: skip


def test_the_halt_button_ends_the_drill_and_the_game_day_halts_its_chaos(
    harness: Harness, target: RunningTarget, tmp_path: Path
) -> None:
    stack = write_stack(tmp_path, target)
    room = harness.open_room("checkout-slow-burn")
    fac = harness.facilitator(room)
    page = fac.get(f"/rooms/{room.id}/facilitator").text
    form = re.search(r'<form[^>]*id="halt"[^>]*>(.*?)</form>', page, re.S)
    assert form is not None and ">Halt</button>" in form.group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(1)))
    inject(target)
    api = DrillApi("http://testserver", allow=AllowList.with_extra(["testserver"]), client=harness.client)
    said: list[str] = []
    with _HaltWatch(api, room.id, room.key, stack, said.append) as watch:
        clicked = time.monotonic()
        assert fac.post(f"/rooms/{room.id}/facilitator/control", data=fields, headers=HX).status_code == 204
        wait_until(lambda: watch.halted_at is not None, timeout=10, what="the halt", interval=0.05)
    assert halt_requested(stack)  # the experiment's stop condition sees it
    assert active_faults(target) == []  # cleared at once, not when the lease runs out
    assert time.monotonic() - clicked < 5
    assert said == ["the drill was ended in the room: halting the experiment, clearing the faults"]


def test_chaos_status_lists_the_faults_with_their_expiry_and_halt_clears_them(
    target: RunningTarget, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = write_stack(tmp_path, target)
    inject(target, lease=30)
    main(["chaos", "status", "--stack-dir", str(stack), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["load"] == []
    [fault] = report["faults"]
    assert (fault["target"], fault["kind"]) == (target.url, "latency_ms")
    assert fault["since"] < fault["expires_at"]
    main(["chaos", "halt", "--stack-dir", str(stack)])
    assert capsys.readouterr().out == "halted: faults cleared on target; load was not running\n"
    assert (stack / HALT_FILE).exists()
    assert fault_status(stack)["faults"] == []
    main(["chaos", "status", "--stack-dir", str(stack)])
    assert capsys.readouterr().out == "no fault is injected\n"


def test_chaos_commands_without_a_stack_exit_2_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("status", "halt"):
        with pytest.raises(SystemExit) as caught:
            main(["chaos", command, "--stack-dir", str(tmp_path)])
        assert caught.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "no staging stack recorded in" in err


def test_a_game_day_refuses_a_stack_that_still_holds_a_fault(target: RunningTarget, tmp_path: Path) -> None:
    state = load_state(write_stack(tmp_path, target))
    assert state is not None
    inject(target)
    with pytest.raises(InvalidDefinition, match=rf"a fault is still injected: latency_ms on {re.escape(target.url)}"):
        refuse_dirty_stack(state)


def test_a_game_day_refuses_a_stack_whose_alert_is_already_firing(target: RunningTarget, tmp_path: Path) -> None:
    firing = {"status": "success", "data": {"alerts": [
        {"labels": {"alertname": "ServiceDown"}, "state": "firing"},
        {"labels": {"alertname": "SlowResponseTime"}, "state": "pending"},
    ]}}  # fmt: skip
    with http_recorder({("GET", "/api/v1/alerts"): (200, firing)}) as prometheus:
        state = load_state(write_stack(tmp_path, target))
        assert state is not None
        state = state.model_copy(update={"prometheus_url": prometheus.url})
        with pytest.raises(InvalidDefinition, match=r"an alert is already firing: ServiceDown; wait"):
            refuse_dirty_stack(state)
