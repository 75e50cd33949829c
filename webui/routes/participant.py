"""A participant's page, its live stream, its actions, the triage preview and the rejoin link
(cookie: the signed participant token).

Everything here is built from the participant view (:mod:`webui.pages`) and the playbook:
no route of this module can show the truth, the upcoming injects or the score.

- ``POST /act`` performs a form's action. A destructive verb of the generic catalog
  (:data:`drills.actions.DESTRUCTIVE`) is first answered with a confirmation (the same
  fields, plus ``confirm=yes``); only the confirmed post runs it. An action from the catalog
  answers htmx with a receipt for the actions panel.
- ``GET /triage`` classifies what the participant observed with the playbook's own
  classifier and shows its verdict, rule and reason (the team then declares).
- ``GET /prefill?box=...`` refills a Comms Lead's update box from what the team has seen
  by now (the box keeps what was typed otherwise).
- ``GET /rejoin`` shows the participant their personal rejoin link; ``GET /rejoin/TOKEN``
  opens the room as them in another browser. A forged token, one of another room, or one of
  a participant no longer in the room is 403 and counts as a guess.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from drills.actions import DESTRUCTIVE, Operate
from drills.errors import ActionRefused
from drills.narrative import clock_time
from drills.views import participant_view, refusal
from webui.deps import (
    CsrfDep,
    Participant,
    ParticipantPageDep,
    RoomDep,
    ServicesDep,
    guarded,
    participant_cookie,
    remember_participant,
)
from webui.forms import action_from_form, observation_from_form
from webui.pages import REMOVED, participant_context, participant_panels
from webui.rendering import templates
from webui.responses import done
from webui.rooms import act as act_in_room
from webui.rooms import is_participant
from webui.security import CSRF_FIELD, participant_of, participant_token, rejoin_of, rejoin_token
from webui.services import Services
from webui.streams import event_stream

__all__ = ["router"]

router = APIRouter(prefix="/rooms/{room_id}", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def page(request: Request, room: RoomDep, services: ServicesDep, csrf: CsrfDep) -> Response:
    """The room for someone who joined it; the join form for anyone else."""
    token = request.cookies.get(participant_cookie(room.id), "")
    name = participant_of(services.secret, room.id, token) if token else None
    if name is None or not is_participant(room, name):
        return templates().TemplateResponse(
            request, "join.html", {"code": "", "csrf": csrf, "title": room.script.title}
        )
    context = participant_context(room, name, csrf=csrf)
    return templates().TemplateResponse(request, "participant/page.html", context)


@router.get("/stream")
def stream(
    participant: ParticipantPageDep, services: ServicesDep, csrf: CsrfDep, seq: int | None = None
) -> StreamingResponse:
    """Live panels; ``seq``: the log position the page was rendered at."""
    room = participant.session
    render = participant_panels(room, participant.name, csrf=csrf)
    settings = services.settings
    body = event_stream(
        services.hub, room.id, render,
        max_seconds=settings.sse_max_seconds, tick=settings.tick_seconds, page_seq=seq, closes=REMOVED,
    )
    return StreamingResponse(body, media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.post("/act")
async def act(request: Request, participant: ParticipantPageDep, services: ServicesDep, csrf: CsrfDep) -> Response:
    """Perform an action (acknowledge, declare, post an update...) as this participant."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    action = action_from_form(fields, actor=participant.name)
    room = participant.session
    if isinstance(action, Operate):
        return await _operate(request, services, participant, action, fields, csrf)
    await run_in_threadpool(act_in_room, services, room, participant.name, action)
    return done(request, f"/rooms/{room.id}")


async def _operate(
    request: Request, services: Services, participant: Participant, action: Operate, fields: dict[str, str],
    csrf: str,
) -> Response:
    """Run a catalog action, after a confirmation when its verb is destructive."""
    room = participant.session
    htmx = bool(request.headers.get("hx-request"))
    why = DESTRUCTIVE.get(action.verb)
    if why is not None and fields.get("confirm") != "yes":
        reason = await run_in_threadpool(refusal, room, participant.name, action)
        if reason is not None:
            raise ActionRefused(action.type, reason)  # say so now, not after the confirmation
        context = {
            "room": room.id, "title": room.script.title, "csrf": csrf, "standalone": not htmx,
            "label": action.operation().label(), "why": why,
            "fields": {k: v for k, v in fields.items() if k not in (CSRF_FIELD, "confirm")},
        }
        name = "participant/_confirm.html" if htmx else "participant/confirm.html"
        return templates().TemplateResponse(request, name, context)
    records = await run_in_threadpool(act_in_room, services, room, participant.name, action)
    if not htmx:
        return done(request, f"/rooms/{room.id}")
    ran = records[0]
    context = {"label": action.operation().label(), "time": clock_time(room.script.clock_start, ran.at)}
    return templates().TemplateResponse(request, "participant/_receipt.html", context)


@router.get("/triage", response_class=HTMLResponse)
def triage(request: Request, participant: ParticipantPageDep) -> Response:
    """The playbook's verdict on what the participant observed (its rule and reason)."""
    room = participant.session
    params = request.query_params
    services = room.script.services_shown
    observed = observation_from_form(
        {k: params[k] for k in params if k != "dependent"}, params.getlist("dependent")[:50], services=services
    )
    context: dict[str, object] = {"verdict": None}
    if observed is not None:
        context = {
            "verdict": room.playbook.classify(observed),
            "observed_service": observed.service,
            "tier": room.playbook.classifier.tier_of(observed.service),
        }
    return templates().TemplateResponse(request, "participant/_triage_verdict.html", context)


@router.get("/prefill", response_class=HTMLResponse)
def prefill(
    request: Request, participant: ParticipantPageDep, box: Literal["comms-status", "comms-internal"]
) -> Response:
    """A Comms Lead's update box, refilled from what the team has observed by now."""
    text = participant_view(participant.session, participant.name).prefill["status_update"]
    return templates().TemplateResponse(request, "participant/_prefill.html", {"box": box, "text": text})


@router.get("/rejoin", response_class=HTMLResponse)
def rejoin_page(request: Request, participant: ParticipantPageDep, services: ServicesDep, csrf: CsrfDep) -> Response:
    """This participant's personal link, to open the room as them from another browser."""
    room = participant.session
    token = rejoin_token(services.secret, room.id, participant.name)
    link = f"{str(request.base_url).rstrip('/')}/rooms/{room.id}/rejoin/{token}"
    context = {"title": room.script.title, "room": room.id, "you": participant.name, "link": link, "csrf": csrf}
    response = templates().TemplateResponse(request, "participant/rejoin.html", context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/rejoin/{token}")
def rejoin(
    request: Request, room: RoomDep, services: ServicesDep,
    token: Annotated[str, Path(max_length=400)],
) -> Response:
    """Open the room as the participant the link was made for (sets the participant cookie)."""
    name = rejoin_of(services.secret, room.id, token)
    if not guarded(services, request, is_participant(room, name)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not a rejoin link of a participant of this room")
    assert name is not None
    response = RedirectResponse(f"/rooms/{room.id}", status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    remember_participant(response, room.id, participant_token(services.secret, room.id, name))
    return response
