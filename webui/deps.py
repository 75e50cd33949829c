"""Route dependencies as named ``Annotated`` aliases: who is asking, and for which room.

Browser pages authenticate with cookies scoped to the room's path (``/rooms/ID``):

- the facilitator cookie holds the room's facilitator key (set by the secret facilitator
  link, checked against the stored hash in constant time on every request);
- the participant cookie holds a signed participant token (room and display name).

Facilitators sign in once (``/signin``, with the admin token): the sign-in cookie
(HttpOnly, SameSite=Strict, path ``/``) opens rooms from the home page and the studies pages
(:data:`SignedInDep`); without it a page redirects to the sign-in form and anything else is
401. Participants never sign in: they join a room by its code.

The JSON API under ``/api/`` reads only ``Authorization: Bearer`` tokens, never cookies, so
it needs no CSRF protection. Its schemes (one per kind of token) appear in the OpenAPI docs.
A missing token is 401, a wrong one 403.

Wrong join codes, facilitator keys and admin tokens count against the client's guesses
(:class:`~webui.limits.Guesses`): past the limit every attempt is 429 for a while.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, cast
from urllib.parse import quote

from fastapi import Depends, HTTPException, Path, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from drills.session import DrillSession
from webui.security import (
    constant_time_equal,
    facilitator_session,
    facilitator_session_valid,
    participant_of,
)
from webui.services import Services

__all__ = [
    "SIGNIN_COOKIE",
    "AdminDep",
    "CsrfDep",
    "FacilitatorApiDep",
    "FacilitatorPageDep",
    "InjectorDep",
    "Participant",
    "ParticipantApiDep",
    "ParticipantPageDep",
    "ReaderDep",
    "RoomDep",
    "ServicesDep",
    "SignInRequired",
    "SignedInDep",
    "client_of",
    "facilitator_cookie",
    "guarded",
    "is_signed_in",
    "participant_cookie",
    "remember_facilitator",
    "remember_participant",
    "remember_sign_in",
    "room_path",
    "signed_in",
]

SIGNIN_COOKIE = "drillbit_facilitator"
_SIGNIN_HOURS = 12


def facilitator_cookie(room: str) -> str:
    return f"drillbit_f_{room}"


def participant_cookie(room: str) -> str:
    return f"drillbit_p_{room}"


def room_path(room: str) -> str:
    """The path every page of a room lives under (its cookies are scoped to it)."""
    return f"/rooms/{room}"


_COOKIE_DAYS = 30


def remember_facilitator(response: Response, room: str, key: str) -> None:
    """Keep the facilitator key in a cookie only the room's pages receive."""
    response.set_cookie(
        facilitator_cookie(room), key, max_age=_COOKIE_DAYS * 86400, path=room_path(room),
        httponly=True, samesite="lax",
    )


def remember_participant(response: Response, room: str, token: str) -> None:
    response.set_cookie(
        participant_cookie(room), token, max_age=_COOKIE_DAYS * 86400, path=room_path(room),
        httponly=True, samesite="lax",
    )


def _services(request: Request) -> Services:
    return cast(Services, request.app.state.services)


ServicesDep = Annotated[Services, Depends(_services)]


def client_of(request: Request) -> str:
    """The client a guess is counted against: its address."""
    return request.client.host if request.client else "unknown"


def guarded(services: Services, request: Request, right: bool) -> bool:
    """``right``, after refusing a client that guessed too often (429) and counting a miss."""
    client = client_of(request)
    services.guesses.check(client)
    if not right:
        services.guesses.wrong(client)
    return right


# -- the facilitator's sign-in (cookie) -------------------------------------------------------
class SignInRequired(Exception):
    """No valid sign-in: pages redirect to the sign-in form, everything else is 401."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in as a facilitator first (the admin token, at /signin)")
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"/signin?next={quote(self.next_path, safe='/')}"


def is_signed_in(request: Request, services: Services) -> bool:
    token = request.cookies.get(SIGNIN_COOKIE, "")
    return bool(token) and facilitator_session_valid(
        services.secret, services.admin_token, token, now=time.time()
    )


def remember_sign_in(response: Response, request: Request, services: Services) -> None:
    """Sign this browser in for a few hours (HttpOnly, SameSite=Strict, every path)."""
    expires = int(time.time()) + _SIGNIN_HOURS * 3600
    response.set_cookie(
        SIGNIN_COOKIE, facilitator_session(services.secret, services.admin_token, expires=expires),
        max_age=_SIGNIN_HOURS * 3600, path="/", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )


def signed_in(request: Request, services: ServicesDep) -> None:
    """The dependency of facilitator-only pages: SignInRequired without a valid sign-in."""
    if not is_signed_in(request, services):
        raise SignInRequired(request.url.path)


SignedInDep = Annotated[None, Depends(signed_in)]


def _csrf(request: Request) -> str:
    """The CSRF token the page's forms must echo (see :class:`webui.middleware.CsrfProtect`)."""
    return str(getattr(request.state, "csrf_token", ""))


CsrfDep = Annotated[str, Depends(_csrf)]


def _room(
    room_id: Annotated[str, Path(description="the room's id", max_length=64)],
    services: ServicesDep,
) -> DrillSession:
    return services.manager.get(room_id)


RoomDep = Annotated[DrillSession, Depends(_room)]


@dataclass(frozen=True)
class Participant:
    """Someone who joined a room, by display name."""

    session: DrillSession
    name: str


def _joined(services: Services, room: DrillSession, token: str) -> Participant | None:
    name = participant_of(services.secret, room.id, token)
    if name is None:
        return None
    with room.lock:
        known = name in room.state.participants
    return Participant(room, name) if known else None


# -- pages (cookies) --------------------------------------------------------------------------
def _page_facilitator(room: RoomDep, request: Request, services: ServicesDep) -> DrillSession:
    key = request.cookies.get(facilitator_cookie(room.id), "")
    if not key or not guarded(services, request, services.is_facilitator(room.id, key)):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "this page is the facilitator's: open the room with its facilitator link",
        )
    return room


FacilitatorPageDep = Annotated[DrillSession, Depends(_page_facilitator)]


def _page_participant(room: RoomDep, request: Request, services: ServicesDep) -> Participant:
    token = request.cookies.get(participant_cookie(room.id), "")
    found = _joined(services, room, token) if token else None
    if found is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "join this room first (with its join code)")
    return found


ParticipantPageDep = Annotated[Participant, Depends(_page_participant)]


# -- the JSON API (bearer tokens) -------------------------------------------------------------
_admin_scheme = HTTPBearer(
    scheme_name="AdminToken",
    description="The server's admin token (DRILLBIT_ADMIN_TOKEN, or DATA_DIR/admin.token).",
    auto_error=False,
)
_facilitator_scheme = HTTPBearer(
    scheme_name="FacilitatorKey",
    description="The room's facilitator key (shown once when the room is created), or the admin token.",
    auto_error=False,
)
_participant_scheme = HTTPBearer(
    scheme_name="ParticipantToken",
    description="The token POST /api/v1/join returns; or, to read events, a facilitator key.",
    auto_error=False,
)
_injector_scheme = HTTPBearer(
    scheme_name="InjectToken",
    description="The room's facilitator key, its receiver token, or the admin token.",
    auto_error=False,
)
Credentials = HTTPAuthorizationCredentials | None


def _token(credentials: Credentials, what: str) -> str:
    if credentials is None or not credentials.credentials:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"bearer token required: {what}",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return credentials.credentials


def _is_admin(services: Services, token: str) -> bool:
    return constant_time_equal(token, services.admin_token)


def _forbidden(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, reason)


def _api_admin(
    request: Request, services: ServicesDep, credentials: Annotated[Credentials, Depends(_admin_scheme)]
) -> None:
    token = _token(credentials, "the admin token")
    if not guarded(services, request, _is_admin(services, token)):
        raise _forbidden("wrong admin token")


AdminDep = Annotated[None, Depends(_api_admin)]


def _api_facilitator(
    room: RoomDep,
    request: Request,
    services: ServicesDep,
    credentials: Annotated[Credentials, Depends(_facilitator_scheme)],
) -> DrillSession:
    token = _token(credentials, "the room's facilitator key")
    right = _is_admin(services, token) or services.is_facilitator(room.id, token)
    if not guarded(services, request, right):
        raise _forbidden("not this room's facilitator key")
    return room


FacilitatorApiDep = Annotated[DrillSession, Depends(_api_facilitator)]


def _api_participant(
    room: RoomDep,
    services: ServicesDep,
    credentials: Annotated[Credentials, Depends(_participant_scheme)],
) -> Participant:
    found = _joined(services, room, _token(credentials, "a participant token"))
    if found is None:
        raise _forbidden("not a participant token of this room")
    return found


ParticipantApiDep = Annotated[Participant, Depends(_api_participant)]


def _api_reader(
    room: RoomDep,
    request: Request,
    services: ServicesDep,
    credentials: Annotated[Credentials, Depends(_participant_scheme)],
) -> tuple[DrillSession, bool]:
    """(room, as facilitator?) for a participant token, a facilitator key or the admin token."""
    token = _token(credentials, "a participant token or the facilitator key")
    if _joined(services, room, token) is not None:  # the common case first: no store read
        return room, False
    if guarded(services, request, _is_admin(services, token) or services.is_facilitator(room.id, token)):
        return room, True
    raise _forbidden("not a token of this room")


ReaderDep = Annotated[tuple[DrillSession, bool], Depends(_api_reader)]


def _api_injector(
    room: RoomDep,
    request: Request,
    services: ServicesDep,
    credentials: Annotated[Credentials, Depends(_injector_scheme)],
) -> DrillSession:
    token = _token(credentials, "the facilitator key, the receiver token or the admin token")
    allowed = (
        _is_admin(services, token)
        or services.is_facilitator(room.id, token)
        or services.receivers.room_of(token) == room.id
    )
    if not guarded(services, request, allowed):
        raise _forbidden("not a token that may inject into this room")
    return room


InjectorDep = Annotated[DrillSession, Depends(_api_injector)]
