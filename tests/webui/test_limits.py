"""Budgets of the server: guesses per client, open rooms, events per room, text lengths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drills.clock import VirtualClock
from tests.webui.conftest import ADMIN, FAST, Harness, bearer, start_harness
from webui.limits import Guesses, TooManyGuesses


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Harness]:
    clock = VirtualClock()
    app, client = start_harness(tmp_path, clock, max_rooms=2, max_events=40, max_text=100)
    with client:
        yield Harness(app, client, clock)


def test_ten_wrong_join_codes_in_a_minute_and_the_next_try_is_429_even_with_the_right_code(harness: Harness) -> None:
    room = harness.open_room()
    guesser = harness.browser()
    answers = [guesser.post("/join", data={"code": f"WRONG{i}", "name": "eve"}).status_code for i in range(10)]
    assert answers == [404] * 10
    blocked = guesser.post("/join", data={"code": room.code, "name": "eve"})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    api = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": "eve"})
    assert api.status_code == 429
    assert "eve" not in harness.services.manager.get(room.id).state.participants


def test_wrong_facilitator_keys_and_admin_tokens_share_the_limit(harness: Harness) -> None:
    room = harness.open_room()
    for i in range(5):
        assert harness.client.get(f"/rooms/{room.id}/facilitate", params={"key": f"k{i}"}).status_code == 403
    for i in range(5):
        assert harness.client.get(f"/api/v1/rooms/{room.id}", headers=bearer(f"k{i}")).status_code == 403
    assert harness.client.get(f"/rooms/{room.id}/facilitate", params={"key": room.key}).status_code == 429
    assert harness.client.post("/api/v1/rooms", json={"script": FAST}, headers=bearer(ADMIN)).status_code == 429


def test_right_answers_are_never_counted(harness: Harness) -> None:
    room = harness.open_room()
    for _ in range(30):
        assert harness.client.get(f"/api/v1/rooms/{room.id}", headers=bearer(room.key)).status_code == 200


def test_a_guess_falls_out_of_the_window_after_a_minute() -> None:
    now = [1000.0]
    guesses = Guesses(2, clock=lambda: now[0])
    guesses.wrong("c")
    now[0] += 30
    guesses.wrong("c")
    with pytest.raises(TooManyGuesses) as refused:
        guesses.check("c")
    assert refused.value.retry_after == 30
    guesses.check("another client")
    now[0] += 30.5
    guesses.check("c")


def test_opening_more_rooms_than_the_cap_is_429_until_one_ends(small: Harness) -> None:
    first, _ = small.open_room(), small.open_room()
    over = small.client.post("/api/v1/rooms", json={"script": FAST}, headers=bearer(ADMIN))
    assert over.status_code == 429
    assert "DRILLBIT_MAX_ROOMS" in over.json()["detail"]
    assert len(small.services.store.session_ids()) == 2
    ended = small.client.post(f"/api/v1/rooms/{first.id}/control", json={"command": "end"}, headers=bearer(first.key))
    assert ended.status_code == 204
    small.open_room()


def test_a_room_takes_no_more_events_than_its_cap(small: Harness) -> None:
    room = small.open_room()
    alice = small.participant(room, "alice")
    answers = [alice.act(room.id, type="add_note", text=f"n{i}").status_code for i in range(45)]
    assert 429 in answers
    session = small.services.manager.get(room.id)
    assert session.last_seq() <= 40
    assert set(answers[answers.index(429):]) == {429}


def test_a_note_or_update_longer_than_the_cap_is_refused_with_its_field(small: Harness) -> None:
    room = small.open_room()
    alice = small.participant(room, "alice")
    before = small.services.manager.get(room.id).last_seq()
    response = alice.act(room.id, type="add_note", text="x" * 101)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("text: at most 100 characters")
    assert alice.act(room.id, type="add_note", text="x" * 100).status_code == 204
    assert small.services.manager.get(room.id).last_seq() == before + 1
