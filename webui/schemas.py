"""Request and response bodies of the JSON API (what ``/docs`` shows).

Requests refuse unknown fields (a typo is a 422, not a silently ignored option); responses
may grow fields, so clients should ignore what they do not know
(``scenarios/chaosdrill/drillapi.py`` does).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from drills.gameday import GameDaySpec
from drills.session import MAX_SPEED, MIN_SPEED

__all__ = [
    "AlertOutcome",
    "AlertsAccepted",
    "ControlRequest",
    "HintRequest",
    "InjectAccepted",
    "InjectRequest",
    "JoinRequest",
    "Joined",
    "LibraryEntry",
    "PagerDutyAccepted",
    "RemovalRequest",
    "RoomCreated",
    "RoomRequest",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LibraryEntry(BaseModel):
    """A drill of the library (participant-safe: no truth)."""

    id: str
    title: str
    summary: str
    expected_severity: str
    duration_minutes: float
    services: list[str]


class RoomRequest(_Request):
    """Open a drill room (a session of a library drill)."""

    script: str = Field(min_length=1, max_length=100, description="a drill id of GET /api/v1/library")
    speed: float = Field(default=1.0, ge=MIN_SPEED, le=MAX_SPEED, description="drill minutes per wall minute")
    start: bool = Field(default=True, description="start the drill clock at once (alerts need a running room)")
    source: str = Field(default="api", max_length=100, description="who opened it (recorded nowhere else)")
    gameday: GameDaySpec | None = Field(
        default=None,
        description="a game day on the real system: the room has no world and no injects; "
        "`script` (a library drill) gives only its participant briefing",
    )


class RoomCreated(BaseModel):
    """The new room, its links and its secrets (the facilitator key is shown only here)."""

    session_id: str
    title: str
    status: str
    join_code: str
    join_url: str
    facilitator_url: str = Field(description="the secret facilitator link (holds the key)")
    facilitator_key: str
    receiver_token: str = Field(description="bearer token of the alert receivers for this room")
    alert_webhook_url: str = Field(description="Alertmanager webhook URL (with the receiver token)")
    events_url: str = Field(description="PagerDuty Events v2 style URL (with the receiver token)")


class ControlRequest(_Request):
    """A facilitator's clock control."""

    command: Literal["start", "pause", "resume", "speed", "end"]
    speed: float = Field(default=1.0, ge=MIN_SPEED, le=MAX_SPEED, description="for start and speed")
    reason: str = Field(default="", max_length=500, description="for end")


class HintRequest(_Request):
    """A facilitator's hint: the level of the script's hint ladder to send (each once)."""

    level: int = Field(ge=1, le=20)


class RemovalRequest(_Request):
    """Remove a participant from the room (their token and cookie stop working)."""

    person: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=200)


class InjectRequest(_Request):
    """Something added to a running drill now: a named event and its details.

    With ``detail.type`` (``alert``, ``metrics``, ``log``, ``customer_report``,
    ``exec_message``, ``deploy``), ``detail`` is an inject in the drill-script format (``id``
    and ``at`` optional; an alert needs ``summary`` and ``context.service`` and is classified by
    the playbook). Without it, the team sees ``inject`` and the details as a log line.
    """

    inject: str = Field(min_length=1, max_length=200, description="the event's name")
    detail: dict[str, Any] = Field(default_factory=dict)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"inject": "latency-injected", "detail": {"service": "checkout", "latency_ms": 800}},
                {
                    "inject": "checkout errors",
                    "detail": {
                        "type": "alert",
                        "summary": "Checkout error rate 12%",
                        "context": {"service": "checkout", "error_rate": 12, "is_revenue_impacting": True},
                    },
                },
            ]
        },
    )


class InjectAccepted(BaseModel):
    accepted: bool
    inject_id: str
    at: float = Field(description="drill minute it was delivered at")
    records: list[int] = Field(description="seq of the records it produced")


class JoinRequest(_Request):
    join_code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=40, description="display name, unique in the room")


class Joined(BaseModel):
    session_id: str
    name: str
    token: str = Field(description="bearer token for the participant API")
    room_url: str


class AlertOutcome(BaseModel):
    alert_id: str
    outcome: Literal["fire", "clear", "log", "duplicate", "ignored"]
    severity: str | None = Field(default=None, description="the playbook's verdict, for fired alerts")
    reason: str = ""


class AlertsAccepted(BaseModel):
    session_id: str
    alerts: list[AlertOutcome]
    truncated_alerts: int = Field(default=0, description="alerts Alertmanager left out (recorded in the timeline)")


class PagerDutyAccepted(BaseModel):
    """PagerDuty's answer shape, plus what happened in the room."""

    status: Literal["success"] = "success"
    message: str
    dedup_key: str
    session_id: str
    outcome: AlertOutcome
