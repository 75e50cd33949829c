"""A participant's page, its live stream and its actions (cookie: the signed participant token).

Everything here is built from the participant view (:mod:`webui.pages`): no route of this
module can show the truth, the upcoming injects or the score.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from webui.deps import CsrfDep, ParticipantPageDep, RoomDep, ServicesDep, participant_cookie
from webui.forms import action_from_form
from webui.pages import participant_context, participant_panels
from webui.rendering import templates
from webui.responses import done
from webui.rooms import act as act_in_room
from webui.security import participant_of
from webui.streams import event_stream

__all__ = ["router"]

router = APIRouter(prefix="/rooms/{room_id}", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def page(request: Request, room: RoomDep, services: ServicesDep, csrf: CsrfDep) -> Response:
    """The room for someone who joined it; the join form for anyone else."""
    token = request.cookies.get(participant_cookie(room.id), "")
    name = participant_of(services.secret, room.id, token) if token else None
    with room.lock:
        joined = name is not None and name in room.state.participants
    if name is None or not joined:
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
        max_seconds=settings.sse_max_seconds, tick=settings.tick_seconds, page_seq=seq,
    )
    return StreamingResponse(body, media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.post("/act")
async def act(request: Request, participant: ParticipantPageDep, services: ServicesDep) -> Response:
    """Perform an action (acknowledge, declare, post an update...) as this participant."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    action = action_from_form(fields, actor=participant.name)
    room = participant.session
    await run_in_threadpool(act_in_room, services, room, participant.name, action)
    return done(request, f"/rooms/{room.id}")
