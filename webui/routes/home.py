"""The front door: signing in, the drill library, opening a room, joining one, a health check.

Anyone may join a room by its code; only a signed-in facilitator sees the library (with each
drill's expected severity, which is part of its truth) and opens rooms.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from drills.errors import SessionNotFound
from drills.session import DrillSession
from webui.deps import (
    SIGNIN_COOKIE,
    CsrfDep,
    ServicesDep,
    SignedInDep,
    guarded,
    is_signed_in,
    remember_facilitator,
    remember_participant,
    remember_sign_in,
)
from webui.names import MAX_NAME
from webui.rendering import templates
from webui.rooms import create_room, join_room
from webui.security import constant_time_equal, participant_token
from webui.services import Services

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _local(path: str) -> str:
    """``path`` if it is a path of this server (never another site), else ``/``."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, csrf: CsrfDep) -> Response:
    signed_in = is_signed_in(request, services)
    book = services.playbook
    drills = [(s, s.expected_severity(book)) for s in services.library] if signed_in else []
    context = {"drills": drills, "csrf": csrf, "signed_in": signed_in}
    return templates().TemplateResponse(request, "home.html", context)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, csrf: CsrfDep, next: str = "/") -> Response:
    context = {"csrf": csrf, "next": _local(next)}
    return templates().TemplateResponse(request, "signin.html", context)


@router.post("/signin")
def signin(
    request: Request,
    services: ServicesDep,
    token: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Sign in as a facilitator with the admin token (counted as a guess when wrong)."""
    if not guarded(services, request, constant_time_equal(token.strip(), services.admin_token)):
        context = {"csrf": getattr(request.state, "csrf_token", ""), "next": _local(next), "wrong": True}
        return templates().TemplateResponse(request, "signin.html", context, status_code=403)
    response = RedirectResponse(_local(next), status_code=303)
    remember_sign_in(response, request, services)
    return response


@router.post("/signout")
def signout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SIGNIN_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.post("/rooms")
def open_room(script: Annotated[str, Form(max_length=100)], services: ServicesDep, _: SignedInDep) -> Response:
    """Open a room for a library drill (signed-in facilitators); the browser becomes its facilitator."""
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


def room_by_code(services: Services, request: Request, code: str) -> DrillSession:
    """The room a join code opens; a wrong code counts as a guess (429 past the limit)."""
    guarded(services, request, True)
    try:
        return services.manager.by_join_code(code)
    except SessionNotFound:
        guarded(services, request, False)
        raise


@router.post("/join")
async def join(
    request: Request,
    code: Annotated[str, Form(max_length=20)],
    name: Annotated[str, Form(max_length=MAX_NAME * 4)],
    services: ServicesDep,
) -> Response:
    """Join a room by its code under a display name (unique in the room, ignoring case)."""
    session = room_by_code(services, request, code)
    shown = await run_in_threadpool(join_room, services, session, name)
    response = RedirectResponse(f"/rooms/{session.id}", status_code=303)
    remember_participant(response, session.id, participant_token(services.secret, session.id, shown))
    return response


@router.get("/healthz")
def health(services: ServicesDep) -> dict[str, object]:
    return {"status": "ok", "rooms": len(services.store.session_ids())}
