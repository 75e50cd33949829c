"""Alert receivers: Alertmanager's webhook and PagerDuty-style events, into a drill room.

The bearer token names the room (each room has its own receiver token, shown on the
facilitator's page). PagerDuty senders that cannot set headers may send the token as
``routing_key``. Alerts become injects (:mod:`webui.alerts`), classified by the playbook; the
room must be running (409 otherwise). Bad payloads are 422 with the reason, oversized ones 413.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from drills.errors import ActionRefused
from drills.session import DrillSession
from webui.alerts import Planned, alertmanager_plan, pagerduty_plan
from webui.deps import ServicesDep
from webui.payloads import AlertmanagerWebhook, PagerDutyEvent
from webui.schemas import AlertOutcome, AlertsAccepted, PagerDutyAccepted
from webui.services import Services

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/alerts", tags=["alert receivers"])

_scheme = HTTPBearer(
    scheme_name="ReceiverToken",
    description="The room's receiver token (on the facilitator's page; POST /api/v1/rooms returns it).",
    auto_error=False,
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_scheme)]
_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "no receiver token"},
    403: {"description": "not a receiver token (or an old one)"},
    409: {"description": "the room is not running"},
    413: {"description": "the body is over the size limit"},
    422: {"description": "not a valid payload (the reason says which field)"},
}


def _room_for(services: Services, token: str) -> DrillSession:
    room = services.receivers.room_of(token)
    if room is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not a receiver token of any room (rotated?)")
    return services.manager.get(room)


async def _receiver_room(request: Request, services: ServicesDep, credentials: Credentials) -> DrillSession:
    """The room the receiver token opens; checked before the payload is validated."""
    token = credentials.credentials if credentials else ""
    if not token and request.url.path.endswith("/events"):
        try:
            body = await request.json()
        except ValueError:
            body = None
        key = body.get("routing_key") if isinstance(body, dict) else None
        token = key if isinstance(key, str) else ""
    if not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "bearer token required: the room's receiver token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return await run_in_threadpool(_room_for, services, token)


ReceiverRoomDep = Annotated[DrillSession, Depends(_receiver_room)]


def _seen(session: DrillSession) -> tuple[set[str], set[str]]:
    """Alert and inject ids delivered in the room, and the alerts already cleared."""
    with session.lock:
        state = session.state
        if state.status != "running":
            raise ActionRefused("alert", f"the drill is {state.status}: alerts are taken while it runs")
        cleared = {a for a, alert in state.alerts.items() if alert.resolved_at is not None}
        return set(state.alerts) | set(state.delivered), cleared


def _deliver(services: Services, session: DrillSession, planned: Planned) -> AlertOutcome:
    severity = None
    if planned.outcome == "clear":
        session.clear_alert(planned.alert_id)
    elif planned.inject is not None:
        records = session.inject(planned.inject)
        fired = [r.event for r in records if r.kind == "alert_fired"]
        severity = getattr(fired[0], "severity", None) if fired else None
    return AlertOutcome(alert_id=planned.alert_id, outcome=planned.outcome, severity=severity, reason=planned.reason)


@router.post("/alertmanager", response_model=AlertsAccepted, responses=_RESPONSES)
def alertmanager(hook: AlertmanagerWebhook, services: ServicesDep, session: ReceiverRoomDep) -> AlertsAccepted:
    """Alertmanager's webhook (version 4): each firing alert becomes a paging alert inject;
    a resolved one clears that alert (its pages stop)."""
    seen, cleared = _seen(session)
    plan = alertmanager_plan(hook, seen=seen, cleared=cleared)
    outcomes = [_deliver(services, session, p) for p in plan]
    services.hub.poke(session.id)
    return AlertsAccepted(session_id=session.id, alerts=outcomes)


@router.post(
    "/events", status_code=status.HTTP_202_ACCEPTED, response_model=PagerDutyAccepted, responses=_RESPONSES
)
def events(event: PagerDutyEvent, services: ServicesDep, session: ReceiverRoomDep) -> PagerDutyAccepted:
    """A PagerDuty Events API v2 event: ``trigger`` fires an alert, deduplicated by ``dedup_key``;
    ``resolve`` clears it; ``acknowledge`` is shown in the timeline (the team acknowledges).

    The token may also come as ``routing_key`` (PagerDuty's integration key field).
    """
    dedup_key = event.dedup_key or uuid.uuid4().hex
    seen, cleared = _seen(session)
    planned = pagerduty_plan(event, dedup_key=dedup_key, seen=seen, cleared=cleared)
    outcome = _deliver(services, session, planned)
    services.hub.poke(session.id)
    return PagerDutyAccepted(
        message="Event processed", dedup_key=dedup_key, session_id=session.id, outcome=outcome
    )
