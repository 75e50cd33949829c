"""The HTTP autopilot team: it plays a web UI room exactly as the in-process autopilot plays
a session, through the real API (the web app on a virtual clock, over the ASGI test client)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from drills.autopilot import FLAWS, PROFILES, profile, run_autopilot
from drills.clock import VirtualClock
from drills.library import find_script
from drills.manager import SessionManager
from drills.scoring import score_session
from drills.state import replay
from drills.store import Store
from playbook.model import default_playbook
from scenarios.allowlist import AllowList
from scenarios.room.drillapi import DrillApi, InjectRequest, RoomRequest
from scenarios.team import HttpTeam, mirror_session
from tests.webui.conftest import ADMIN, start_harness

SCRIPT = "checkout-slow-burn"
#: A SEV2 drill: its comms criteria count, so every flawed profile loses something.
SEV2_SCRIPT = "conn-pool-leak"
SPEED = 60.0


@dataclass
class Web:
    api: DrillApi
    clock: VirtualClock
    manager: SessionManager


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    clock = VirtualClock()
    app, client = start_harness(tmp_path, clock)
    with client:
        # The test client's host is "testserver": allowed explicitly, as a staging would be.
        api = DrillApi("http://testserver", allow=AllowList.with_extra(["testserver"]), client=client)
        yield Web(api, clock, app.state.services.manager)


def play_over_http(web: Web, name: str, script: str) -> tuple[HttpTeam, str, SecretStr]:
    """Open a room, let the team play it to the end on the virtual clock, end it."""
    room = web.api.open_room(RoomRequest(script=script, speed=SPEED, start=False), admin_token=ADMIN)
    key = room.facilitator_key
    book = default_playbook()
    team = HttpTeam(
        web.api,
        room_id=room.session_id,
        join_code=room.join_code,
        facilitator_key=key,
        profile=profile(name),
        script=find_script(script, playbook=book),
        playbook=book,
    )
    team.join()
    web.api.control(room.session_id, "start", token=key, speed=SPEED)
    for _ in range(2_000):
        step = team.step()
        if step.done:
            break
        if step.acted:
            continue
        upcoming = [u["at"] for u in web.api.room(room.session_id, token=key)["upcoming"]]
        times = [t for t in (step.next_at, min(upcoming, default=None)) if t is not None]
        assert times, "nothing left to happen, but the team is not done"
        web.clock.advance(timedelta(minutes=(min(times) - step.now) / SPEED, microseconds=1))
    assert team.finished and team.error is None
    web.api.control(room.session_id, "end", token=key, reason="autopilot finished")
    return team, room.session_id, key


def in_process_criteria(name: str, script: str) -> dict[str, float]:
    book = default_playbook()
    store = Store(":memory:")
    clock = VirtualClock()
    session = SessionManager(store, clock=clock, playbook=book).create(script).session
    run_autopilot(session, profile(name), clock, speed=SPEED)
    report = score_session(
        session.records(),
        session_id=session.id,
        script=session.script,
        playbook=book,
        rubric=session.rubric,
        now=session.now(),
    )
    store.close()
    return {c.id: c.points for c in report.criteria}


# no-mitigation never resolves: in process it stops at the drill's duration, over HTTP it
# would keep waiting for a resolution that never comes.
@pytest.mark.parametrize("name", sorted(set(PROFILES) - {"no-mitigation"}))
def test_an_http_team_scores_what_the_in_process_autopilot_scores(web: Web, name: str) -> None:
    team, room_id, key = play_over_http(web, name, SEV2_SCRIPT)
    score = web.api.score(room_id, token=key)
    over_http = {c["id"]: c["points"] for c in score["criteria"]}
    assert over_http == in_process_criteria(name, SEV2_SCRIPT)
    # A flawed team loses only what its one bad habit covers (some of it, on this drill).
    lost = {c["id"] for c in score["criteria"] if c["points"] < c["max"]}
    assert lost <= FLAWS[name] and bool(lost) is (name != "textbook")
    assert [m for m in team.moves if m.refused] == []
    assert {m.actor for m in team.moves if m.action in ("declare", "assign_role")} == {"alice"}


def test_the_team_acknowledges_a_real_alert_that_arrives_mid_drill(web: Web) -> None:
    room = web.api.open_room(RoomRequest(script=SCRIPT, speed=SPEED), admin_token=ADMIN)
    book = default_playbook()
    team = HttpTeam(
        web.api,
        room_id=room.session_id,
        join_code=room.join_code,
        facilitator_key=room.facilitator_key,
        profile=profile("textbook"),
        script=find_script(SCRIPT, playbook=book),
        playbook=book,
    )
    team.join()
    alert = {
        "type": "alert",
        "id": "am-0123456789abcdef-1",
        "summary": "CheckoutHighLatencyBudgetBurn: checkout slow",
        "context": {"service": "checkout", "latency_p99_ms": 4900, "is_revenue_impacting": True},
    }
    web.api.fire_inject(
        room.session_id,
        InjectRequest(inject="alertmanager", detail=alert),
        token=room.receiver_token,
    )
    assert team.step().next_at == pytest.approx(1.0)  # acknowledge one drill minute later
    web.clock.advance(timedelta(seconds=1, microseconds=1))
    assert team.step().acted
    acked = [m for m in team.moves if m.action == "acknowledge"]
    assert [m.actor for m in acked] == ["alice"]
    state = web.manager.get(room.session_id).state
    assert state.alerts["am-0123456789abcdef-1"].acked_by == "alice"


def test_the_mirror_of_a_room_replays_to_the_room_s_own_state(web: Web) -> None:
    team, room_id, _ = play_over_http(web, "wrong-fix", SCRIPT)
    team.poll()
    session = web.manager.get(room_id)
    mirror = mirror_session(room_id, session.script, session.playbook, team._seen.records, now=0)
    assert mirror.state == replay(session.records())
    assert len(mirror.records()) == len(session.records())
