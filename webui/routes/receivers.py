"""Alert receivers: Alertmanager's webhook and PagerDuty Events API v2, into a drill room.

The bearer token names the room (each room has its own receiver token, shown on the
facilitator's page). PagerDuty senders that cannot set headers send it as ``routing_key``:
the official clients post to ``/v2/enqueue`` of their base URL, so the receiver answers
there too (``DRILLBIT_PAGERDUTY_BASE``/v2/enqueue; no CSRF token, like the rest of the API).
Alerts become injects (:mod:`webui.alerts`), classified by the playbook; the room must be
running (409 otherwise).

Each notification is planned and delivered under the room's lock, so two identical ones
arriving at once are answered 200 both, the second as duplicates: Alertmanager retries only
5xx and drops the rest of a notification on a 4xx. Invalid Alertmanager payloads are 422
with the reason; invalid PagerDuty events are 400 in PagerDuty's own shape
(``{"status": "invalid event", "message": ..., "errors": [...]}``).
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from drills.errors import ActionRefused
from drills.session import DrillSession
from playbook.errors import InvalidDefinition
from webui.alerts import Planned, alertmanager_plan, pagerduty_plan, truncation_log
from webui.deps import ServicesDep
from webui.limits import LimitReached
from webui.payloads import AlertmanagerWebhook, PagerDutyEvent
from webui.rooms import ensure_space
from webui.schemas import AlertOutcome, AlertsAccepted, PagerDutyAccepted
from webui.services import Services

__all__ = ["ENQUEUE", "enqueue", "pagerduty_router", "router"]

ENQUEUE = "/v2/enqueue"
router = APIRouter(prefix="/api/v1/alerts", tags=["alert receivers"])

_scheme = HTTPBearer(
    scheme_name="ReceiverToken",
    description="The room's receiver token (on the facilitator's page; POST /api/v1/rooms returns it).",
    auto_error=False,
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_scheme)]
_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no receiver token"},
    403: {"description": "not a receiver token (or an old one)"},
    409: {"description": "the room is not running"},
    413: {"description": "the body is over the size limit"},
    429: {"description": "the room holds its most events"},
}
_PD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_RESPONSES,
    400: {"description": 'not a valid event: {"status": "invalid event", "message": ..., "errors": [...]}'},
}


def _room_for(services: Services, token: str) -> DrillSession:
    room = services.receivers.room_of(token)
    if room is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not a receiver token of any room (rotated?)")
    return services.manager.get(room)


def _no_token() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "bearer token required: the room's receiver token",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def _receiver_room(services: ServicesDep, credentials: Credentials) -> DrillSession:
    """The room the receiver token opens; checked before the payload is validated."""
    if credentials is None or not credentials.credentials:
        raise _no_token()
    return await run_in_threadpool(_room_for, services, credentials.credentials)


ReceiverRoomDep = Annotated[DrillSession, Depends(_receiver_room)]


def _running(session: DrillSession) -> tuple[set[str], set[str]]:
    """Alert and inject ids delivered in the room, and the alerts already cleared."""
    state = session.state
    if state.status != "running":
        raise ActionRefused("alert", f"the drill is {state.status}: alerts are taken while it runs")
    cleared = {a for a, alert in state.alerts.items() if alert.resolved_at is not None}
    return set(state.alerts) | set(state.delivered), cleared


def _deliver(session: DrillSession, planned: Planned) -> AlertOutcome:
    severity = None
    if planned.outcome == "clear":
        session.clear_alert(planned.alert_id)
    elif planned.inject is not None:
        records = session.inject(planned.inject)
        fired = [r.event for r in records if r.kind == "alert_fired"]
        severity = getattr(fired[0], "severity", None) if fired else None
    return AlertOutcome(alert_id=planned.alert_id, outcome=planned.outcome, severity=severity, reason=planned.reason)


def _notify(services: Services, session: DrillSession, hook: AlertmanagerWebhook) -> AlertsAccepted:
    with session.lock:  # plan and deliver as one step: a twin notification sees this one's alerts
        seen, cleared = _running(session)
        plan = alertmanager_plan(hook, seen=seen, cleared=cleared)
        dropped = truncation_log(hook)
        if dropped is not None and dropped.alert_id not in seen:
            plan.append(dropped)
        ensure_space(services, session, sum(1 for p in plan if p.outcome != "duplicate"))
        outcomes = [_deliver(session, p) for p in plan]
    services.hub.poke(session.id)
    return AlertsAccepted(session_id=session.id, alerts=outcomes, truncated_alerts=hook.truncatedAlerts)


@router.post("/alertmanager", response_model=AlertsAccepted, responses={**_RESPONSES, 422: {"description": "not a valid payload"}})
async def alertmanager(hook: AlertmanagerWebhook, services: ServicesDep, session: ReceiverRoomDep) -> AlertsAccepted:
    """Alertmanager's webhook (version 4): each firing alert becomes a paging alert inject;
    a resolved one clears that alert (its pages stop). ``truncatedAlerts`` is recorded in the
    room's timeline and echoed back."""
    return await run_in_threadpool(_notify, services, session, hook)


# -- PagerDuty Events API v2 ----------------------------------------------------------------------
def _invalid_event(errors: list[str]) -> JSONResponse:
    """PagerDuty's answer to an event it cannot take."""
    body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors[:20]}
    return JSONResponse(body, status_code=status.HTTP_400_BAD_REQUEST)


def _event_errors(exc: ValidationError) -> list[str]:
    out = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"])
        out.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return out


def _trigger_or_clear(services: Services, session: DrillSession, event: PagerDutyEvent, dedup_key: str) -> AlertOutcome:
    with session.lock:
        seen, cleared = _running(session)
        planned = pagerduty_plan(event, dedup_key=dedup_key, seen=seen, cleared=cleared)
        if planned.outcome != "duplicate":
            ensure_space(services, session)
        outcome = _deliver(session, planned)
    services.hub.poke(session.id)
    return outcome


async def enqueue(request: Request, services: ServicesDep, credentials: Credentials) -> Response:
    """A PagerDuty Events API v2 event: ``trigger`` opens an alert, deduplicated by
    ``dedup_key`` while it is open (after a ``resolve`` the same key opens a new one);
    ``resolve`` clears it; ``acknowledge`` is shown in the timeline (the team acknowledges).

    The receiver token is the bearer token or the event's ``routing_key``.
    """
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _invalid_event(["the body is not JSON"])
    if not isinstance(body, dict):
        return _invalid_event(["the body is not a JSON object"])
    token = credentials.credentials if credentials and credentials.credentials else body.get("routing_key")
    if not isinstance(token, str) or not token:
        raise _no_token()
    session = await run_in_threadpool(_room_for, services, token)
    try:
        event = PagerDutyEvent.model_validate(body)
    except ValidationError as exc:
        return _invalid_event(_event_errors(exc))
    dedup_key = event.dedup_key or uuid.uuid4().hex
    try:
        outcome = await run_in_threadpool(_trigger_or_clear, services, session, event, dedup_key)
    except LimitReached:
        raise
    except InvalidDefinition as exc:
        return _invalid_event([exc.one_line()])
    accepted = PagerDutyAccepted(message="Event processed", dedup_key=dedup_key, session_id=session.id, outcome=outcome)
    return JSONResponse(accepted.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)


def _route_events(target: APIRouter, path: str, summary: str) -> None:
    target.add_api_route(
        path,
        enqueue,
        methods=["POST"],
        status_code=status.HTTP_202_ACCEPTED,
        response_model=PagerDutyAccepted,
        responses=_PD_RESPONSES,
        summary=summary,
    )


_route_events(router, "/events", "PagerDuty Events API v2 (also at DRILLBIT_PAGERDUTY_BASE/v2/enqueue)")


def pagerduty_router(base: str) -> APIRouter:
    """The route the official PagerDuty clients post to: ``BASE/v2/enqueue``."""
    enqueue_router = APIRouter(tags=["alert receivers"])
    _route_events(enqueue_router, f"{base}{ENQUEUE}", "PagerDuty Events API v2, where PagerDuty's own clients send events")
    return enqueue_router
