"""The session manager: rooms with join codes and facilitator keys, reopened after a restart,
ticked by a timer, and the history of a script's sessions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from drills.autopilot import PROFILES, run_autopilot
from drills.clock import VirtualClock
from drills.errors import SessionNotFound
from drills.manager import SessionManager, rubric_of
from drills.script import DrillScript
from drills.store import Store
from playbook.model import Playbook
from playbook.rubric import default_rubric


def test_a_room_has_a_join_code_and_a_secret_facilitator_key(tmp_path: Path) -> None:
    manager = SessionManager(Store(tmp_path / "d.db"), clock=VirtualClock())
    created = manager.create("conn-pool-leak")
    sid = created.session.id
    assert manager.by_join_code(created.join_code.lower()) is created.session
    assert manager.is_facilitator(sid, created.facilitator_key)
    assert not manager.is_facilitator(sid, "guess")
    assert not manager.is_facilitator("nope", created.facilitator_key)
    assert created.facilitator_key not in (tmp_path / "d.db").read_bytes().decode("latin-1")
    with pytest.raises(SessionNotFound):
        manager.by_join_code("ZZZZZZ")


def test_a_restarted_server_reopens_every_room_as_it_was(tmp_path: Path) -> None:
    clock = VirtualClock()
    before = SessionManager(Store(tmp_path / "d.db"), clock=clock)
    done = before.create("conn-pool-leak").session
    run_autopilot(done, PROFILES["no-comms"], clock)
    live = before.create("alert-storm").session
    live.join("alice")
    live.start(speed=10)
    clock.advance(timedelta(minutes=1))
    live.sync()
    after = SessionManager(Store(tmp_path / "d.db"), clock=clock)
    reopened = {s.id: s for s in after.open_all()}
    assert reopened.keys() == {done.id, live.id}
    assert reopened[done.id].state == done.state
    assert reopened[live.id].state == live.state
    assert reopened[live.id].now() == live.now() == 10


def test_tick_delivers_due_injects_in_every_running_room(leak: DrillScript) -> None:
    clock = VirtualClock()
    manager = SessionManager(Store(":memory:"), clock=clock)
    rooms = [manager.create(leak).session for _ in range(3)]
    for room in rooms[:2]:
        room.start()
    clock.advance(timedelta(minutes=5))
    assert manager.tick() == 2  # m1 at minute 5 in each running room
    assert manager.tick() == 0
    assert [r.state.last_at for r in rooms] == [5, 5, 0]


def test_history_scores_earlier_sessions_of_the_same_script_oldest_first() -> None:
    clock = VirtualClock()
    manager = SessionManager(Store(":memory:"), clock=clock)
    ids = []
    for name in ("no-comms", "textbook", "wrong-fix"):
        session = manager.create("conn-pool-leak").session
        run_autopilot(session, PROFILES[name], clock)
        ids.append(session.id)
        clock.advance(timedelta(seconds=1))
    history = manager.history("conn-pool-leak", before=ids[2])
    # no-comms loses status_page (6), internal_updates (7) and update_content (7).
    assert [(h.session_id, h.total) for h in history] == [(ids[0], 80), (ids[1], 100)]


def test_history_leaves_out_rooms_that_never_started_or_have_not_ended() -> None:
    clock = VirtualClock()
    manager = SessionManager(Store(":memory:"), clock=clock)
    played = manager.create("conn-pool-leak").session
    run_autopilot(played, PROFILES["textbook"], clock)
    manager.create("conn-pool-leak")  # never started
    running = manager.create("conn-pool-leak").session
    running.start()
    assert [h.session_id for h in manager.history("conn-pool-leak")] == [played.id]


def test_a_playbook_without_a_rubric_uses_the_default(book: Playbook) -> None:
    assert rubric_of(book) == default_rubric()
