"""The drill API a game day calls: the contract the web UI (issue 5) is to serve.

This module is the client side, complete and real: it sends the requests below to
``DRILL_API_URL`` with ``Authorization: Bearer <drill API token>``. It does not fake a drill:
until the web UI serves these routes, calls fail with :class:`DrillApiMissing` saying which
route is missing.

========  ==================================  ==================  =====================
method    route                               request body        answer
========  ==================================  ==================  =====================
``POST``  ``/api/drills``                     ``SessionRequest``  201 ``DrillSession``
``POST``  ``/api/drills/{session_id}/injects`` ``InjectRequest``   202 ``InjectAccepted``
========  ==================================  ==================  =====================

``DrillSession.alert_webhook_url`` is where Alertmanager should send the room's alerts; with
the room's bearer token it becomes the stack's ``drill`` receiver
(``StackConfig.drill_receiver``). Answers are read leniently (unknown fields ignored) so the
web UI can add fields without breaking game days; requests are strict.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from playbook.errors import RunFailed
from scenarios.allowlist import AllowList
from scenarios.chaosdrill.guard import UnexpectedStatus, call

__all__ = [
    "SESSIONS_ROUTE",
    "DrillApiMissing",
    "DrillSession",
    "InjectAccepted",
    "InjectRequest",
    "SessionRequest",
    "fire_inject",
    "injects_route",
    "start_session",
]

SESSIONS_ROUTE = "/api/drills"


def injects_route(session_id: str) -> str:
    return f"{SESSIONS_ROUTE}/{session_id}/injects"


class DrillApiMissing(RunFailed):
    """The drill API does not serve a route yet (the web UI is not there)."""


class SessionRequest(BaseModel):
    """Open a drill room for a game day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    script: str = Field(min_length=1, description="drill script name or path")
    speed: float = Field(default=1.0, gt=0)
    source: str = "chaos-experiment"


class DrillSession(BaseModel):
    """The room that was opened."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    session_id: str
    facilitator_url: str
    alert_webhook_url: str | None = None


class InjectRequest(BaseModel):
    """An inject: something the facilitator (or the experiment) adds to the drill."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inject: str = Field(min_length=1)
    detail: dict[str, Any] = Field(default_factory=dict)


class InjectAccepted(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    accepted: bool
    at: float | None = Field(default=None, description="minutes on the drill's timeline")


def _post(base: str, route: str, body: BaseModel, *, allow: AllowList, token: str, ok: int) -> Any:
    url = base.rstrip("/") + route
    try:
        return call("POST", url, allow=allow, token=token, body=body.model_dump(), expect=(ok,))
    except UnexpectedStatus as exc:
        if exc.status in {404, 405}:
            raise DrillApiMissing(
                f"the drill API at {base} does not serve POST {route} yet "
                "(the web UI provides it; see scenarios.chaosdrill.drillapi)"
            ) from exc
        raise


def start_session(
    base_url: str, request: SessionRequest, *, allow: AllowList, token: str
) -> DrillSession:
    """``POST /api/drills``: open a room; returns its id and links."""
    body = _post(base_url, SESSIONS_ROUTE, request, allow=allow, token=token, ok=201)
    return DrillSession.model_validate(body)


def fire_inject(
    base_url: str, session_id: str, request: InjectRequest, *, allow: AllowList, token: str
) -> InjectAccepted:
    """``POST /api/drills/{id}/injects``: add an inject to a running drill."""
    body = _post(base_url, injects_route(session_id), request, allow=allow, token=token, ok=202)
    return InjectAccepted.model_validate(body)
