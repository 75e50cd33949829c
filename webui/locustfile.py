"""Locust users for the drill rooms: participants in their workspace, and a static-page baseline.

Loaded by Locust only (see :mod:`webui.load.runner`), never imported by drillbit. Each
:class:`Participant` joins one of the rooms listed in the JSON file named by
``DRILLBIT_LOAD_ROOMS`` through the join form, as a browser does (rooms are filled
round-robin, so 200 users over 20 rooms make 10 participants each), then works as someone
in the workspace does: the visible live panel (dashboards or logs) re-fetched as the stream
asks once a drill minute, its own queries (a window, a service, a log search: recorded
looks), the change feed and the service map, acknowledgements and messages to the room.
Both are Locust's ``FastHttpUser`` (geventhttpclient), which costs the client less CPU than
``HttpUser`` on a machine it shares with the server. One :class:`Baseline` user fetches a static file in the same run, so the figures can be read
against what the server does with no work at all. A refused action (409: someone else
acknowledged first) is a correct answer, not an error.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser

from drillbit.settings import load_settings


def _rooms() -> list[dict[str, Any]]:
    path = load_settings().load_rooms
    if path is None:
        raise SystemExit("DRILLBIT_LOAD_ROOMS must name the rooms file (webui.load sets it)")
    rooms: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rooms


ROOMS = _rooms()
#: Every response time (ms) and failure of the run, by group, written beside the rooms file
#: when Locust quits: the runner computes exact percentiles from them (Locust's CSV keeps
#: none for a group of routes).
TIMES = (load_settings().load_rooms or Path(".")).with_name("times.json")
_times: dict[str, list[float]] = {"participants": [], "baseline": []}
_failures: dict[str, int] = {"participants": 0, "baseline": 0}
_numbers = itertools.count()
_WINDOWS = ("15m", "1h", "start")
_LEVELS = ("", "warning", "error")
_WORDS = ("timeout", "pool", "503", "deploy", "")
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _group(name: str) -> str:
    return "baseline" if name.startswith("baseline:") else "participants"


def _record(name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
    group = _group(name)
    _times[group].append(float(response_time))
    if exception is not None:
        _failures[group] += 1


_joined = itertools.count(1)
_since = [time.monotonic()]


def _reset(environment: Any) -> None:
    """Once every participant has joined and loaded the page, the steady state starts: the
    ramp-up (200 joins and first page loads within seconds) is forgotten, here and in
    Locust's own statistics."""
    for times in _times.values():
        times.clear()
    for group in _failures:
        _failures[group] = 0
    environment.stats.reset_all()
    _since[0] = time.monotonic()


def _write(**_: Any) -> None:
    seconds = time.monotonic() - _since[0]
    TIMES.write_text(json.dumps({"times": _times, "failures": _failures, "seconds": seconds}), encoding="utf-8")


events.request.add_listener(_record)  # type: ignore[no-untyped-call]  # locust is untyped here
events.quitting.add_listener(_write)  # type: ignore[no-untyped-call]


class Participant(FastHttpUser):
    """One participant of one room, in the web workspace (cookies and the CSRF token)."""

    # A live page re-fetches its visible panel once a drill minute (6 s at x10); with the
    # participant's own queries and messages that is a request every 2 to 4 s (under the server's 5 s keep-alive).
    wait_time = between(2, 4)
    weight = 200

    def on_start(self) -> None:
        number = next(_numbers)
        room = ROOMS[number % len(ROOMS)]
        self.room = room["id"]
        self.services: list[str] = room["services"]
        self.name = f"p{number}"
        self.rng = random.Random(number)  # noqa: S311 - a load pattern, keyed per user
        form = self.client.get("/join", name="/join")
        found = _CSRF.search(form.text or "")
        token = found.group(1) if found else ""
        body = urlencode({"code": room["code"], "name": self.name, "csrf_token": token})
        response = self.client.post("/join", data=body, headers=_FORM, name="/join (post)", allow_redirects=False)
        if response.status_code != 303:
            raise RuntimeError(f"joining failed: {response.status_code} {(response.text or '')[:200]}")
        self.headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        self.client.get(f"/rooms/{self.room}", name="/rooms/[id]")
        if next(_joined) == self.environment.parsed_options.num_users - 1:  # all but the baseline
            _reset(self.environment)

    def _service(self) -> str:
        return self.rng.choice(self.services)

    @task(5)
    def live_dashboards(self) -> None:
        params = urlencode({"service": self._service(), "window": self.rng.choice(_WINDOWS)})
        self.client.get(f"/rooms/{self.room}/dashboards?{params}", headers=self.headers,
                        name="/rooms/[id]/dashboards (live)")

    @task(3)
    def live_logs(self) -> None:
        params = urlencode({"service": self._service(), "level": self.rng.choice(_LEVELS), "window": "15m"})
        self.client.get(f"/rooms/{self.room}/logs?{params}", headers=self.headers, name="/rooms/[id]/logs (live)")

    @task(1)
    def look_dashboards(self) -> None:
        data = {"service": self._service(), "window": self.rng.choice(_WINDOWS)}
        self._post("dashboards", data, "/rooms/[id]/dashboards (look)")

    @task(1)
    def search_logs(self) -> None:
        data = {"service": self.rng.choice(["", *self.services]), "level": self.rng.choice(_LEVELS),
                "q": self.rng.choice(_WORDS), "window": self.rng.choice(_WINDOWS)}
        self._post("logs", data, "/rooms/[id]/logs (look)")

    @task(1)
    def other_panels(self) -> None:
        panel = self.rng.choice(("changes", "dependencies"))
        self.client.get(f"/rooms/{self.room}/{panel}", headers=self.headers, name=f"/rooms/[id]/{panel} (live)")

    @task(2)
    def chat(self) -> None:
        text = f"{self.name}: error rate on {self._service()} looks {self.rng.choice(['flat', 'up', 'down'])}"
        self._post("act", {"type": "chat", "text": text}, "/rooms/[id]/act (chat)")

    @task(1)
    def acknowledge(self) -> None:
        self._post("act", {"type": "acknowledge"}, "/rooms/[id]/act (acknowledge)")

    def _post(self, path: str, data: dict[str, str], name: str) -> None:
        with self.client.post(f"/rooms/{self.room}/{path}", data=urlencode(data), headers={**self.headers, **_FORM},
                              name=name, catch_response=True) as response:
            if response.status_code in (200, 204, 409):
                response.success()
            else:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")


class Baseline(FastHttpUser):
    """The same server serving a static file, once a second: the floor of every figure."""

    wait_time = constant(1.0)
    fixed_count = 1

    @task
    def static(self) -> None:
        self.client.get("/static/app.css", name="baseline: /static/app.css")
