"""The facilitator console through the JSON API: hints, removing a participant, releasing the
debrief, with the same rules as the console's buttons."""

from __future__ import annotations

from tests.webui.conftest import Harness, Room, bearer


def _join(harness: Harness, room: Room, name: str) -> str:
    response = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": name})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def test_a_hint_sent_through_the_api_reaches_the_team_once_and_only_the_facilitator_may_send_it(
    harness: Harness,
) -> None:
    room = harness.open_room()
    alice = _join(harness, room, "alice")
    url = f"/api/v1/rooms/{room.id}/hints"
    assert harness.client.post(url, json={"level": 1}, headers=bearer(alice)).status_code == 403
    assert harness.client.post(url, json={"level": 1}, headers=bearer(room.key)).status_code == 204
    view = harness.client.get(f"/api/v1/rooms/{room.id}/view", headers=bearer(alice)).text
    assert "Is it us or them?" in view  # the script's first hint (payment-provider-outage)
    again = harness.client.post(url, json={"level": 1}, headers=bearer(room.key))
    assert again.status_code == 409 and "already been sent" in again.json()["detail"]
    assert harness.client.post(url, json={"level": 0}, headers=bearer(room.key)).status_code == 422
    assert harness.client.post(url, json={"level": 1, "to": "x"}, headers=bearer(room.key)).status_code == 422


def test_a_participant_removed_through_the_api_can_no_longer_read_or_act(harness: Harness) -> None:
    room = harness.open_room()
    carol = _join(harness, room, "carol")
    view = f"/api/v1/rooms/{room.id}/view"
    assert harness.client.get(view, headers=bearer(carol)).status_code == 200
    url = f"/api/v1/rooms/{room.id}/removals"
    assert harness.client.post(url, json={"person": "carol"}, headers=bearer(carol)).status_code == 403
    body = {"person": "carol", "reason": "joined the wrong room"}
    assert harness.client.post(url, json=body, headers=bearer(room.key)).status_code == 204
    assert harness.client.get(view, headers=bearer(carol)).status_code == 403
    acted = harness.client.post(
        f"/api/v1/rooms/{room.id}/actions", json={"type": "add_note", "text": "still here"}, headers=bearer(carol)
    )
    assert acted.status_code == 403


def test_the_debrief_is_released_through_the_api_only_after_the_end(harness: Harness) -> None:
    room = harness.open_room()
    dave = harness.participant(room, "dave")
    url = f"/api/v1/rooms/{room.id}/debrief/release"
    early = harness.client.post(url, headers=bearer(room.key))
    assert early.status_code == 409 and early.json()["detail"] == "the drill is running"
    control = f"/api/v1/rooms/{room.id}/control"
    assert harness.client.post(control, json={"command": "end"}, headers=bearer(room.key)).status_code == 204
    assert dave.get(f"/rooms/{room.id}/debrief.json").status_code == 403
    assert harness.client.post(url, headers=bearer(room.key)).status_code == 204
    released = dave.get(f"/rooms/{room.id}/debrief.json")
    assert released.status_code == 200 and released.json()["session_id"] == room.id
