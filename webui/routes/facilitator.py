"""The facilitator's pages: the secret link, the console, its live stream, the room controls
(clock, injects, hints, removing a participant, releasing the debrief) and the exports; and
uploading a drill file to run.

Every room route but the link itself needs the room's facilitator cookie
(:data:`~webui.deps.FacilitatorPageDep`): participants get 403 here. An upload needs the
facilitator's sign-in (:data:`~webui.deps.SignedInDep`); the file is read through the
bounded YAML reader and validated exactly as ``drillbit drill check`` validates it, so a bad
file is a 422 naming ``file:line: field``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from drills.script import load_script
from playbook.safeyaml import MAX_BYTES, decode_definition
from webui.deps import (
    CsrfDep,
    FacilitatorPageDep,
    RoomDep,
    ServicesDep,
    SignedInDep,
    facilitator_cookie,
    guarded,
    remember_facilitator,
)
from webui.forms import inject_from_form
from webui.pages import Links, facilitator_context, facilitator_panels
from webui.rendering import templates
from webui.responses import attachment, done
from webui.rooms import (
    apply_control,
    create_room,
    deliver_inject,
    ensure_space,
    links,
    postmortem_export,
    score_export,
)
from webui.schemas import ControlRequest
from webui.services import Services
from webui.streams import event_stream

__all__ = ["router", "upload_router"]

router = APIRouter(prefix="/rooms/{room_id}", include_in_schema=False)
upload_router = APIRouter(include_in_schema=False)

_MEDIA = {"md": "text/markdown; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8"}


def _links(request: Request, services: Services, room: FacilitatorPageDep) -> Links:
    key = request.cookies.get(facilitator_cookie(room.id), "")
    return links(str(request.base_url), services, room, key)


@router.get("/facilitate")
def facilitate(request: Request, room: RoomDep, services: ServicesDep, key: str = "") -> Response:
    """The secret facilitator link: keeps the key in a cookie and drops it from the URL."""
    if not key or not guarded(services, request, services.is_facilitator(room.id, key)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this facilitator link is not valid for this room")
    response = RedirectResponse(f"/rooms/{room.id}/facilitator", status_code=303)
    remember_facilitator(response, room.id, key)
    return response


@router.get("/facilitator", response_class=HTMLResponse)
def console(request: Request, room: FacilitatorPageDep, services: ServicesDep, csrf: CsrfDep) -> Response:
    context = facilitator_context(room, csrf=csrf, links=_links(request, services, room))
    return templates().TemplateResponse(request, "facilitator/page.html", context)


@router.get("/facilitator/stream")
def stream(
    request: Request, room: FacilitatorPageDep, services: ServicesDep, csrf: CsrfDep, seq: int | None = None
) -> StreamingResponse:
    """Live panels; ``seq``: the log position the page was rendered at."""
    render = facilitator_panels(room, csrf=csrf, links=_links(request, services, room))
    settings = services.settings
    body = event_stream(
        services.hub, room.id, render,
        max_seconds=settings.sse_max_seconds, tick=settings.tick_seconds, page_seq=seq,
    )
    return StreamingResponse(body, media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.post("/facilitator/control")
def control(
    request: Request,
    room: FacilitatorPageDep,
    services: ServicesDep,
    command: Annotated[Literal["start", "pause", "resume", "speed", "end"], Form()],
    speed: Annotated[float, Form()] = 1.0,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    apply_control(services, room, ControlRequest(command=command, speed=speed, reason=reason))
    return done(request, f"/rooms/{room.id}/facilitator")


@router.post("/facilitator/inject")
async def inject(request: Request, room: FacilitatorPageDep, services: ServicesDep) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    await run_in_threadpool(deliver_inject, services, room, inject_from_form(fields))
    return done(request, f"/rooms/{room.id}/facilitator")


@router.post("/facilitator/receiver-token")
def rotate_receiver_token(request: Request, room: FacilitatorPageDep, services: ServicesDep) -> Response:
    """A new receiver token for the room; the old one stops working."""
    services.receivers.rotate(room.id)
    return RedirectResponse(f"/rooms/{room.id}/facilitator", status_code=303)


@router.get("/facilitator/report.{fmt}")
def report(room: FacilitatorPageDep, services: ServicesDep, fmt: Literal["md", "json", "html"]) -> Response:
    """The score report (with the comparison against earlier sessions of the drill)."""
    text = score_export(services, room, fmt)
    if fmt == "html":
        return HTMLResponse(text)
    return attachment(text, _MEDIA[fmt], f"drill-{room.id}-score.{fmt}")


@router.get("/facilitator/postmortem.{fmt}")
def postmortem(room: FacilitatorPageDep, fmt: Literal["md", "json"]) -> Response:
    return attachment(postmortem_export(room, fmt), _MEDIA[fmt], f"drill-{room.id}-postmortem.{fmt}")


@router.post("/facilitator/hint")
def hint(
    request: Request, room: FacilitatorPageDep, services: ServicesDep, level: Annotated[int, Form(ge=1, le=20)]
) -> Response:
    """Send the room the script's hint ``level`` (a message everyone sees in the timeline)."""
    ensure_space(services, room)
    room.send_hint(level)
    services.hub.poke(room.id)
    return done(request, f"/rooms/{room.id}/facilitator")


@router.post("/facilitator/remove")
def remove(
    request: Request,
    room: FacilitatorPageDep,
    services: ServicesDep,
    person: Annotated[str, Form(min_length=1, max_length=200)],
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Remove a participant: their cookie stops opening the room and they cannot act."""
    ensure_space(services, room, 1 + len(room.state.roles_of(person)))
    room.remove(person, reason)
    services.hub.poke(room.id)
    return done(request, f"/rooms/{room.id}/facilitator")


@router.post("/facilitator/release")
def release(request: Request, room: FacilitatorPageDep, services: ServicesDep) -> Response:
    """Release the debrief (and the truth in it) to the participants: only after the end."""
    room.release_debrief()
    services.hub.poke(room.id)
    return done(request, f"/rooms/{room.id}/facilitator")


def _source(filename: str | None) -> str:
    """The name errors cite for an upload: its base name only (never a client's path)."""
    name = PurePath((filename or "").replace("\\", "/")).name
    return name[:100] or "upload.yaml"


@upload_router.post("/drills/upload")
async def upload(request: Request, file: UploadFile, services: ServicesDep, _: SignedInDep) -> Response:
    """Check an uploaded drill file as ``drillbit drill check`` does and open a room for it."""
    source = _source(file.filename)
    text = decode_definition(await file.read(MAX_BYTES + 1), source=source)  # refuses past MAX_BYTES
    script = await run_in_threadpool(load_script, source, playbook=services.playbook, text=text)
    created = await run_in_threadpool(create_room, services, script)
    location = f"/rooms/{created.session.id}/facilitator"
    response: Response = RedirectResponse(location, status_code=303)
    if request.headers.get("hx-request"):
        response = Response(status_code=204, headers={"HX-Redirect": location})
    remember_facilitator(response, created.session.id, created.facilitator_key)
    return response
