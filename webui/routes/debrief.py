"""The debrief page and its downloads, and the team's collaborative postmortem.

The debrief holds the truth (the root cause, the faults, the red herrings, what fixes it), so
it opens for the room's facilitator at any time and for its participants only once the
facilitator released it (``debrief_released``, after the end): before that a participant gets
403 from every route here that shows it. The page and the downloads (Markdown, HTML, JSON and
the HSEEP after-action report) are all built by :mod:`drills.debrief`.

The postmortem is participant-safe and readable by everyone in the room; participants edit it
together. Every save carries the revision it was based on; a save on a stale revision is
refused (409) with both texts on the page, so its author merges (:mod:`drills.postmortem`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from drills.actions import WritePostmortem
from drills.debrief import Debrief, debrief, render_aar, render_debrief
from drills.postmortem import Draft, DraftConflict
from drills.session import DrillSession
from webui.deps import (
    CsrfDep,
    RoomDep,
    ServicesDep,
    facilitator_cookie,
    guarded,
    participant_cookie,
)
from webui.rendering import render, templates
from webui.rooms import act, ensure_space
from webui.security import participant_of
from webui.services import Services
from webui.streams import event_stream

__all__ = ["router"]

router = APIRouter(prefix="/rooms/{room_id}", include_in_schema=False)

_MEDIA = {"md": "text/markdown; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8"}
_POSTMORTEM_FACTOR = 25  # a postmortem may be this many times DRILLBIT_MAX_TEXT (as an action's)


class _Reader:
    """Who is reading a room's debrief pages: its facilitator, or a participant by name."""

    def __init__(self, room: DrillSession, name: str | None) -> None:
        self.room = room
        self.name = name

    @property
    def facilitator(self) -> bool:
        return self.name is None


def _reader(room: RoomDep, request: Request, services: ServicesDep) -> _Reader:
    token = request.cookies.get(participant_cookie(room.id), "")
    name = participant_of(services.secret, room.id, token) if token else None
    with room.lock:
        if name is not None and name in room.state.participants:
            return _Reader(room, name)
    key = request.cookies.get(facilitator_cookie(room.id), "")
    if key and guarded(services, request, services.is_facilitator(room.id, key)):
        return _Reader(room, None)
    raise HTTPException(status.HTTP_403_FORBIDDEN, "join this room first (with its join code)")


ReaderDep = Annotated[_Reader, Depends(_reader)]


def _released(reader: ReaderDep) -> _Reader:
    with reader.room.lock:
        released = reader.room.state.debrief_released
    if not reader.facilitator and not released:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "the facilitator has not released the debrief yet (it comes after the drill ends)")
    return reader


ReleasedDep = Annotated[_Reader, Depends(_released)]

# The debrief replays the drill with the textbook autopilot: keep the last few, by log position.
_CACHE: OrderedDict[tuple[str, int], Debrief] = OrderedDict()
_CACHE_SIZE = 16
_CACHE_LOCK = threading.Lock()


def _debrief(room: DrillSession) -> Debrief:
    with room.lock:
        records = room.records()
    key = (room.id, records[-1].seq if records else 0)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is None:
        found = debrief(records, session_id=room.id, script=room.script, playbook=room.playbook, rubric=room.rubric)
        with _CACHE_LOCK:
            _CACHE[key] = found
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return found


@router.get("/debrief", response_class=HTMLResponse)
async def page(request: Request, reader: ReleasedDep, csrf: CsrfDep) -> Response:
    """The debrief: timeline beside the ideal path, gaps, evidence, score with its evidence."""
    d = await run_in_threadpool(_debrief, reader.room)
    anchors = {line.seq for line in d.timeline}
    context = {"d": d, "room": reader.room.id, "csrf": csrf, "anchors": anchors, "you": reader.name}
    return templates().TemplateResponse(request, "debrief/page.html", context)


@router.get("/debrief.{fmt}")
async def download(reader: ReleasedDep, fmt: Literal["md", "html", "json"]) -> Response:
    """The debrief as Markdown, HTML or JSON (a download)."""
    d = await run_in_threadpool(_debrief, reader.room)
    return _attachment(render_debrief(d, fmt), fmt, f"drill-{reader.room.id}-debrief.{fmt}")


@router.get("/debrief/aar.md")
async def aar(reader: ReleasedDep) -> Response:
    """The HSEEP after-action report / improvement plan (Markdown)."""
    d = await run_in_threadpool(_debrief, reader.room)
    return _attachment(render_aar(d), "md", f"drill-{reader.room.id}-after-action-report.md")


def _attachment(text: str, fmt: str, filename: str) -> Response:
    return Response(text, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# -- the collaborative postmortem ---------------------------------------------------------
def _postmortem_page(
    request: Request, reader: _Reader, csrf: str, *, conflict: DraftConflict | None = None, code: int = 200
) -> Response:
    draft: Draft = reader.room.postmortem_draft()
    with reader.room.lock:
        state = reader.room.state
        context = {
            "room": reader.room.id, "csrf": csrf, "you": reader.name, "draft": draft, "conflict": conflict,
            "resolved": state.resolved, "written": state.postmortem is not None, "status": state.status,
            "title": reader.room.script.title,
        }
    return templates().TemplateResponse(request, "debrief/postmortem.html", context, status_code=code)


@router.get("/postmortem/stream")
def postmortem_stream(reader: ReaderDep, services: ServicesDep, base: int = 0) -> StreamingResponse:
    """The draft's revision line, live: it says so as soon as someone saves on top of ``base``
    (the revision the page is editing), before its reader saves and meets the conflict."""
    room = reader.room

    def panels(full: bool) -> tuple[int, dict[str, str]]:
        draft = room.postmortem_draft()
        return room.last_seq(), {"revision": render("debrief/_revision.html", draft=draft, base=base)}

    settings = services.settings
    body = event_stream(services.hub, room.id, panels, max_seconds=settings.sse_max_seconds,
                        tick=settings.tick_seconds)
    return StreamingResponse(body, media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.get("/postmortem", response_class=HTMLResponse)
def postmortem(request: Request, reader: ReaderDep, csrf: CsrfDep) -> Response:
    """The postmortem as it stands (everyone in the room reads it; participants edit it)."""
    return _postmortem_page(request, reader, csrf)


def _save(services: Services, reader: _Reader, text: str, base: int, publish: bool) -> None:
    room, name = reader.room, reader.name
    assert name is not None
    limit = services.settings.max_text * _POSTMORTEM_FACTOR
    if len(text) > limit:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"at most {limit} characters (DRILLBIT_MAX_TEXT x {_POSTMORTEM_FACTOR})")
    ensure_space(services, room, 2)
    with room.lock:  # the revision check and the write as one step
        saved = room.edit_postmortem(name, text, base=base)
        if publish:
            act(services, room, name, WritePostmortem(text=saved.text))
    services.hub.poke(room.id)


@router.post("/postmortem")
async def save(
    request: Request,
    reader: ReaderDep,
    services: ServicesDep,
    csrf: CsrfDep,
    text: Annotated[str, Form(max_length=1_000_000)],
    base: Annotated[int, Form(ge=0)],
    publish: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Save a draft edited from revision ``base`` (and, with ``publish``, write it as the
    team's postmortem); a stale ``base`` is 409 with both texts for a merge."""
    if reader.facilitator:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "participants write the postmortem; the facilitator reads it")
    text = text.replace("\r\n", "\n")
    try:
        await run_in_threadpool(_save, services, reader, text, base, bool(publish))
    except DraftConflict as conflict:
        return _postmortem_page(request, reader, csrf, conflict=conflict, code=status.HTTP_409_CONFLICT)
    return RedirectResponse(f"/rooms/{reader.room.id}/postmortem", status_code=303)
