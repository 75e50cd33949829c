"""Fixtures for the web UI tests: an app on a virtual clock in a temporary data directory,
browsers with their own cookie jars, and rooms opened through the admin API."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 fork for its test client; httpx (a dev dependency
    # already) works the same. Installing httpx2 makes this filter a no-op.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from drills.clock import VirtualClock
from webui.app import create_app
from webui.services import Services
from webui.settings import Settings

ADMIN = "admin-token-for-tests-0123456789"
SECRET = "s" * 48
FAST = "payment-provider-outage"  # SEV1; its first real alert fires at drill minute 2


def make_settings(data_dir: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "secret": SECRET,
        "admin_token": ADMIN,
        "sse_max_seconds": 0,
        "tick_seconds": 5,
        "allowed_hosts": ("testserver", "127.0.0.1", "localhost"),  # the test client's name
        **changes,
    }
    return Settings(**values)


class Browser:
    """One person's browser: its own cookies over the shared test client."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.jar = type(client.cookies)()  # httpx's or httpx2's, whichever the client uses

    def request(self, method: str, url: str, *, csrf: bool = True, **kwargs: Any) -> httpx.Response:
        self.client.cookies = self.jar
        headers = dict(kwargs.pop("headers", {}))
        if csrf and method != "GET":
            if "csrftoken" not in self.client.cookies:
                self.client.get("/join")
            headers.setdefault("X-CSRF-Token", self.client.cookies.get("csrftoken", ""))
        response = self.client.request(method, url, headers=headers, follow_redirects=False, **kwargs)
        self.jar = type(self.client.cookies)(self.client.cookies)
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def act(self, room: str, **fields: str) -> httpx.Response:
        """A participant's form post, as htmx sends it."""
        return self.post(f"/rooms/{room}/act", data=fields, headers={"HX-Request": "true"})


@dataclass
class Room:
    id: str
    key: str
    code: str
    receiver: str
    data: dict[str, Any]


@dataclass
class Harness:
    app: FastAPI
    client: TestClient
    clock: VirtualClock

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def browser(self) -> Browser:
        return Browser(self.client)

    def signed_in(self) -> Browser:
        """A facilitator's browser, signed in with the admin token."""
        browser = self.browser()
        response = browser.post("/signin", data={"token": ADMIN, "next": "/"})
        assert response.status_code == 303, response.text
        return browser

    def open_room(self, script: str = FAST, *, speed: float = 60, start: bool = True) -> Room:
        response = self.client.post(
            "/api/v1/rooms",
            json={"script": script, "speed": speed, "start": start},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
        assert response.status_code == 201, response.text
        data = response.json()
        return Room(data["session_id"], data["facilitator_key"], data["join_code"], data["receiver_token"], data)

    def facilitator(self, room: Room) -> Browser:
        browser = self.browser()
        assert browser.get(f"/rooms/{room.id}/facilitate?key={room.key}").status_code == 303
        return browser

    def participant(self, room: Room, name: str) -> Browser:
        browser = self.browser()
        response = browser.post("/join", data={"code": room.code, "name": name})
        assert response.status_code == 303, response.text
        return browser

    def minutes(self, room: Room, minutes: float, *, speed: float = 60) -> None:
        """Move the drill clock of a room running at ``speed`` on by ``minutes``, delivering what is due."""
        self.clock.advance(timedelta(minutes=minutes / speed))
        self.services.manager.get(room.id).sync()


def start_harness(data_dir: Path, clock: VirtualClock, **changes: Any) -> tuple[FastAPI, TestClient]:
    app = create_app(make_settings(data_dir, **changes), clock=clock)
    return app, TestClient(app)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    clock = VirtualClock()
    app, client = start_harness(tmp_path, clock)
    with client:
        yield Harness(app, client, clock)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
