"""The front door: the drill library, opening a room, joining one, and a health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from webui.deps import CsrfDep, ServicesDep, remember_facilitator, remember_participant
from webui.rendering import templates
from webui.rooms import create_room
from webui.security import participant_token

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, csrf: CsrfDep) -> Response:
    book = services.playbook
    drills = [(s, s.expected_severity(book)) for s in services.library]
    return templates().TemplateResponse(request, "home.html", {"drills": drills, "csrf": csrf})


@router.post("/rooms")
def open_room(script: Annotated[str, Form(max_length=100)], services: ServicesDep) -> Response:
    """Open a room for a library drill; the browser becomes its facilitator."""
    created = create_room(services, script)
    room = created.session.id
    response = RedirectResponse(f"/rooms/{room}/facilitator", status_code=303)
    remember_facilitator(response, room, created.facilitator_key)
    return response


@router.get("/join", response_class=HTMLResponse)
def join_page(request: Request, csrf: CsrfDep, code: str = "") -> Response:
    return templates().TemplateResponse(request, "join.html", {"code": code[:20], "csrf": csrf})


@router.get("/join/{code}", response_class=HTMLResponse)
def join_link(request: Request, code: str, csrf: CsrfDep) -> Response:
    return templates().TemplateResponse(request, "join.html", {"code": code[:20], "csrf": csrf})


@router.post("/join")
def join(
    code: Annotated[str, Form(max_length=20)],
    name: Annotated[str, Form(max_length=40)],
    services: ServicesDep,
) -> Response:
    """Join a room by its code under a display name (unique in the room)."""
    session = services.manager.by_join_code(code)
    record = session.join(name)
    services.hub.poke(session.id)
    response = RedirectResponse(f"/rooms/{session.id}", status_code=303)
    remember_participant(response, session.id, participant_token(services.secret, session.id, record.actor or name))
    return response


@router.get("/healthz")
def health(services: ServicesDep) -> dict[str, object]:
    return {"status": "ok", "rooms": len(services.store.session_ids())}
