"""Locust users for the drill rooms: participants who poll their room and act in it.

Loaded by Locust only (see :mod:`webui.load.runner`), never imported by drillbit. Each user
joins one of the rooms listed in the JSON file named by ``DRILLBIT_LOAD_ROOMS`` (rooms are
filled round-robin, so 200 users over 20 rooms make 10 participants each), then once a second
polls the room's new events (as a live page does), now and then reads the whole participant
view, and acts: notes, acknowledgements, updates. A refused action (409: someone else
acknowledged first) is a correct answer, not an error.
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

from locust import HttpUser, constant, task

from drillbit.settings import load_settings


def _rooms() -> list[dict[str, str]]:
    path = load_settings().load_rooms
    if path is None:
        raise SystemExit("DRILLBIT_LOAD_ROOMS must name the rooms file (webui.load sets it)")
    rooms: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return rooms


ROOMS = _rooms()
_numbers = itertools.count()


class Participant(HttpUser):
    """One participant of one room."""

    wait_time = constant(1.0)

    def on_start(self) -> None:
        number = next(_numbers)
        room = ROOMS[number % len(ROOMS)]
        self.room = room["id"]
        self.offset = 0
        self.name = f"p{number}"
        response = self.client.post(
            "/api/v1/join", json={"join_code": room["code"], "name": self.name}, name="/api/v1/join"
        )
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['token']}"

    @task(12)
    def poll(self) -> None:
        response = self.client.get(
            f"/api/v1/rooms/{self.room}/events",
            params={"after": self.offset},
            name="/api/v1/rooms/[id]/events",
        )
        if response.ok:
            self.offset = int(response.json()["next_offset"])

    @task(2)
    def view(self) -> None:
        self.client.get(f"/api/v1/rooms/{self.room}/view", name="/api/v1/rooms/[id]/view")

    @task(2)
    def note(self) -> None:
        self._act({"type": "add_note", "text": f"{self.name}: checked dashboards ({random.randint(1, 99)})"})  # noqa: S311

    @task(1)
    def acknowledge(self) -> None:
        self._act({"type": "acknowledge"})

    def _act(self, action: dict[str, Any]) -> None:
        with self.client.post(
            f"/api/v1/rooms/{self.room}/actions",
            json=action,
            name=f"/api/v1/rooms/[id]/actions ({action['type']})",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 409):
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
