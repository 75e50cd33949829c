"""A person's ``operate`` in the game day's room is carried out on the real target."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from drills.clock import VirtualClock
from scenarios.allowlist import AllowList
from scenarios.gameday.bridge import OperateBridge
from scenarios.gameday.realops import RealSystem
from scenarios.room.drillapi import DrillApi
from tests.scenarios.conftest import RunningTarget
from tests.webui.conftest import Harness, start_harness


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    app, client = start_harness(tmp_path / "web", VirtualClock())
    with client:
        yield Harness(app, client, VirtualClock())


def restarts(target: RunningTarget) -> int:
    answer = httpx.get(f"{target.url}/admin/version", headers={"Authorization": f"Bearer {target.token}"}, trust_env=False)
    return int(answer.json()["restarts"])


def test_an_operation_made_in_the_room_is_carried_out_on_the_target_as_its_maker(
    harness: Harness, target: RunningTarget
) -> None:
    room = harness.open_room("checkout-slow-burn")
    api = DrillApi("http://testserver", allow=AllowList.with_extra(["testserver"]), client=harness.client)
    bob = api.join(room.code, "bob").token
    system = RealSystem(target.url, SecretStr(target.token), allow=AllowList())
    said: list[str] = []
    bridge = OperateBridge(api, room.id, SecretStr(room.key), system, said.append)
    assert bridge.pump() == 0
    before = restarts(target)
    api.act(room.id, {"type": "operate", "verb": "restart", "target": "checkout"}, token=bob)
    api.act(room.id, {"type": "operate", "verb": "scale", "target": "checkout", "replicas": 8}, token=bob)
    assert bridge.pump() == 2
    assert bridge.pump() == 0  # each operation once
    assert restarts(target) == before + 1
    assert [(a.actor, a.label, a.outcome) for a in system.actions] == [
        ("bob", "restart checkout", "done"),
        ("bob", "scale checkout to 8 replicas", "refused"),
    ]
    assert said[1].startswith("  bob's scale checkout to 8 replicas on the real system: refused")
