"""The web UI's drill API, as a game day calls it: rooms, injects, players, scores.

This is the client side of the JSON API in ``webui/routes/api.py`` (``/api/v1/...``). Every
URL is checked against the allow-list before anything is sent (the base URL already when a
:class:`DrillApi` is made), requests carry ``Authorization: Bearer <token>``, proxies from the
environment are ignored and redirects are never followed.

==========  ======================================  ================  ==================
method      route                                   token             answer
==========  ======================================  ================  ==================
``POST``    ``/api/v1/rooms``                       admin             201 :class:`Room`
``POST``    ``/api/v1/rooms/{id}/control``          facilitator key   204
``POST``    ``/api/v1/rooms/{id}/injects``          facilitator key,  202
                                                    receiver token    :class:`InjectAccepted`
                                                    or admin
``POST``    ``/api/v1/join``                        none (join code)  201 :class:`Joined`
``POST``    ``/api/v1/rooms/{id}/actions``          participant       200 events page
``GET``     ``/api/v1/rooms/{id}/events?after=N``   participant or    200 events page
                                                    facilitator key
``GET``     ``/api/v1/rooms/{id}/score``            facilitator key   200 JSON or Markdown
==========  ======================================  ================  ==================

``Room.alert_webhook_url`` is where Alertmanager sends the room's alerts; with
``Room.receiver_token`` as its bearer token it becomes the stack's ``drill`` receiver
(``StackConfig.drill_receiver``). Answers are read leniently (unknown fields ignored) so the
web UI can add fields without breaking game days; requests are strict. A refusal by a drill
rule (409) is :class:`DrillRefused`, carrying the web UI's reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from drills.gameday import GameDaySpec
from playbook.errors import RunFailed
from scenarios.allowlist import AllowList
from scenarios.httpcall import UnexpectedStatus

__all__ = [
    "ALERTMANAGER_RECEIVER_ROUTE",
    "JOIN_ROUTE",
    "ROOMS_ROUTE",
    "DrillApi",
    "DrillApiMissing",
    "DrillRefused",
    "InjectAccepted",
    "InjectRequest",
    "Joined",
    "Room",
    "RoomRequest",
    "fire_inject",
    "injects_route",
    "room_route",
    "start_session",
]

ROOMS_ROUTE = "/api/v1/rooms"
JOIN_ROUTE = "/api/v1/join"
ALERTMANAGER_RECEIVER_ROUTE = "/api/v1/alerts/alertmanager"

#: The drill clock's speed range (``drills.session.MIN_SPEED`` / ``MAX_SPEED``).
MIN_SPEED = 1.0
MAX_SPEED = 60.0

Command = Literal["start", "pause", "resume", "speed", "end"]


def room_route(room_id: str, tail: str = "") -> str:
    return f"{ROOMS_ROUTE}/{room_id}{tail}"


def injects_route(room_id: str) -> str:
    return room_route(room_id, "/injects")


class DrillApiMissing(RunFailed):
    """The server does not serve the drill API (not the web UI, or an older one)."""


class DrillRefused(RunFailed):
    """A drill rule refused the request (409); nothing changed in the room."""

    def __init__(self, message: str, reason: str) -> None:
        self.reason = reason
        super().__init__(message)


class RoomRequest(BaseModel):
    """Open a drill room (``POST /api/v1/rooms``) for a drill of the web UI's library."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    script: str = Field(min_length=1, max_length=100, description="a library drill id")
    speed: float = Field(default=1.0, ge=MIN_SPEED, le=MAX_SPEED)
    start: bool = Field(default=True, description="start the drill clock at once")
    source: str = Field(default="chaos-experiment", max_length=100)
    gameday: GameDaySpec | None = Field(
        default=None, description="a game-day room on the real system (``script``: its briefing only)"
    )


class Room(BaseModel):
    """The room that was opened. Its secrets are :class:`SecretStr` (never dumped in clear)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    session_id: str
    title: str = ""
    status: str = ""
    join_code: str
    join_url: str
    facilitator_url: SecretStr = Field(description="the secret facilitator link")
    facilitator_key: SecretStr
    receiver_token: SecretStr
    alert_webhook_url: str

    def public(self) -> dict[str, str]:
        """What may be written to a journal or a report: no key, no token, no secret link."""
        return {
            "session_id": self.session_id,
            "title": self.title,
            "status": self.status,
            "join_code": self.join_code,
            "join_url": self.join_url,
            "alert_webhook_url": self.alert_webhook_url,
        }


class InjectRequest(BaseModel):
    """An inject: something the facilitator (or the experiment) adds to a running drill.

    With ``detail["type"]`` the detail is a drill-script inject (``log``, ``alert``...);
    without, the team sees ``inject`` and the details as a log line.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    inject: str = Field(min_length=1, max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict)


class InjectAccepted(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    accepted: bool
    inject_id: str | None = None
    at: float | None = Field(default=None, description="minutes on the drill's timeline")


class Joined(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    session_id: str
    name: str
    token: SecretStr


class DrillApi:
    """A client of one web UI. ``client`` may be given (tests pass an ASGI test client)."""

    def __init__(
        self,
        base_url: str,
        *,
        allow: AllowList | None = None,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.allow = allow or AllowList()
        self.base_url = self.allow.check_url(base_url).rstrip("/")
        self._own = client is None
        self._client = client or httpx.Client(
            trust_env=False, follow_redirects=False, timeout=timeout
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._own:
            self._client.close()

    def url(self, route: str) -> str:
        return self.base_url + route

    def _send(
        self,
        method: str,
        route: str,
        *,
        token: SecretStr | str | None,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        expect: int = 200,
    ) -> httpx.Response:
        url = self.allow.check_url(self.url(route))
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        try:
            response = self._client.request(
                method, url, json=body, params=params, headers=headers, follow_redirects=False
            )
        except httpx.HTTPError as exc:
            raise RunFailed(f"{method} {url} failed: {type(exc).__name__}: {exc}") from exc
        if response.status_code == expect:
            return response
        reason = _detail(response)
        if response.status_code == httpx.codes.CONFLICT:
            raise DrillRefused(f"{method} {route} refused: {reason}", reason)
        raise UnexpectedStatus(
            f"{method} {url} answered {response.status_code}: {reason}", response.status_code
        )

    # -- the server -------------------------------------------------------------------------
    def healthy(self) -> bool:
        """Whether the web UI answers ``/healthz`` (False when nothing listens)."""
        try:
            return self._send("GET", "/healthz", token=None).status_code == httpx.codes.OK
        except (RunFailed, UnexpectedStatus):
            return False

    # -- facilitator ------------------------------------------------------------------------
    def open_room(self, request: RoomRequest, *, admin_token: SecretStr | str) -> Room:
        """``POST /api/v1/rooms``: a room for a library drill, its links, code and secrets."""
        try:
            response = self._send(
                "POST", ROOMS_ROUTE, token=admin_token, body=request.model_dump(mode="json", exclude_none=True), expect=201
            )
        except UnexpectedStatus as exc:
            if exc.status in {404, 405}:
                raise DrillApiMissing(
                    f"{self.base_url} does not serve POST {ROOMS_ROUTE}: is it drillbit's web UI?"
                ) from exc
            raise
        return Room.model_validate(response.json())

    def control(
        self,
        room_id: str,
        command: Command,
        *,
        token: SecretStr | str,
        speed: float | None = None,
        reason: str = "",
    ) -> None:
        """Start, pause, resume, change the speed of, or end the drill."""
        body: dict[str, Any] = {"command": command}
        if speed is not None:
            body["speed"] = speed
        if reason:
            body["reason"] = reason[:500]
        self._send("POST", room_route(room_id, "/control"), token=token, body=body, expect=204)

    def fire_inject(
        self, room_id: str, request: InjectRequest, *, token: SecretStr | str
    ) -> InjectAccepted:
        """Deliver an inject now (the drill must be running)."""
        response = self._send(
            "POST", injects_route(room_id), token=token, body=request.model_dump(), expect=202
        )
        return InjectAccepted.model_validate(response.json())

    def room(self, room_id: str, *, token: SecretStr | str) -> dict[str, Any]:
        """The facilitator's view: truth, look-ahead, the whole log and the score so far."""
        body: dict[str, Any] = self._send("GET", room_route(room_id), token=token).json()
        return body

    def score(self, room_id: str, *, token: SecretStr | str) -> dict[str, Any]:
        """The score report (JSON), with the comparison against earlier sessions."""
        body: dict[str, Any] = self._send(
            "GET", room_route(room_id, "/score"), token=token, params={"format": "json"}
        ).json()
        return body

    def score_markdown(self, room_id: str, *, token: SecretStr | str) -> str:
        return self._send(
            "GET", room_route(room_id, "/score"), token=token, params={"format": "md"}
        ).text

    # -- anyone in the room -----------------------------------------------------------------
    def events(self, room_id: str, *, token: SecretStr | str, after: int = 0) -> dict[str, Any]:
        """Records after ``after`` (all of them, with the truth, for the facilitator key)."""
        body: dict[str, Any] = self._send(
            "GET", room_route(room_id, "/events"), token=token, params={"after": str(after)}
        ).json()
        return body

    def join(self, join_code: str, name: str) -> Joined:
        """Join a room by its code; the answer's token is the participant's bearer token."""
        response = self._send(
            "POST", JOIN_ROUTE, token=None, body={"join_code": join_code, "name": name}, expect=201
        )
        return Joined.model_validate(response.json())

    def act(
        self, room_id: str, action: Mapping[str, Any], *, token: SecretStr | str
    ) -> dict[str, Any]:
        """Perform an action as the participant whose token this is."""
        body: dict[str, Any] = self._send(
            "POST", room_route(room_id, "/actions"), token=token, body=action
        ).json()
        return body


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail if detail is not None else body)[:300]


def start_session(
    base_url: str, request: RoomRequest, *, allow: AllowList, token: str
) -> Room:
    """``POST /api/v1/rooms`` with the web UI's admin token: open (and start) a room."""
    with DrillApi(base_url, allow=allow) as api:
        return api.open_room(request, admin_token=token)


def fire_inject(
    base_url: str, session_id: str, request: InjectRequest, *, allow: AllowList, token: str
) -> InjectAccepted:
    """``POST /api/v1/rooms/{id}/injects``: add an inject to a running drill."""
    with DrillApi(base_url, allow=allow) as api:
        return api.fire_inject(session_id, request, token=token)
