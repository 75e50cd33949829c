"""A restarted server serves every room as it was: state, keys, participants, receiver tokens."""

from __future__ import annotations

from pathlib import Path

from drills.clock import VirtualClock
from tests.webui.conftest import Browser, Harness, bearer, start_harness


def test_a_restart_keeps_every_room_and_every_credential(tmp_path: Path) -> None:
    clock = VirtualClock()
    app, client = start_harness(tmp_path, clock)
    with client:
        first = Harness(app, client, clock)
        room = first.open_room()
        waiting = first.open_room(start=False)
        alice = first.participant(room, "alice")
        alice.act(room.id, type="add_note", text="before the restart")
        first.minutes(room, 5)
        before = first.services.manager.get(room.id).state
        cookies = alice.jar
    app, client = start_harness(tmp_path, clock)
    with client:
        second = Harness(app, client, clock)
        assert second.services.manager.get(room.id).state == before
        assert second.services.manager.get(waiting.id).state.status == "ready"
        again = Browser(client)
        again.jar = cookies
        assert again.act(room.id, type="add_note", text="after").status_code == 204
        assert client.get(f"/api/v1/rooms/{room.id}", headers=bearer(room.key)).status_code == 200
        assert second.services.receivers.room_of(room.receiver) == room.id
        notes = [r.event for r in second.services.manager.get(room.id).records() if r.kind == "note_added"]
        assert [getattr(n, "text", "") for n in notes] == ["before the restart", "after"]
