"""The JSON API: rooms for scripts and game days, participants, injects, scores.

Authentication is by bearer token only (see :mod:`webui.deps`); nothing here reads cookies.
``/api/drills`` and ``/api/drills/{id}/injects`` are the routes the chaos scenarios' client
(``scenarios/chaosdrill/drillapi.py``) calls; they are the same handlers as the
``/api/v1/rooms`` ones.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

from drills.actions import Action
from drills.gamedayroom import gameday_script
from drills.script import DrillScript
from drills.views import (
    EventsPage,
    FacilitatorView,
    ParticipantView,
    events_since,
    participant_view,
)
from drills.views import facilitator_view as full_view
from playbook.errors import InvalidDefinition
from webui.deps import (
    AdminDep,
    FacilitatorApiDep,
    InjectorDep,
    ParticipantApiDep,
    ReaderDep,
    ServicesDep,
)
from webui.forms import inject_from_request
from webui.rooms import act as act_in_room
from webui.rooms import (
    apply_control,
    create_room,
    deliver_inject,
    ensure_space,
    join_room,
    links,
    postmortem_export,
    score_export,
)
from webui.routes.home import room_by_code
from webui.schemas import (
    ControlRequest,
    HintRequest,
    InjectAccepted,
    InjectRequest,
    Joined,
    JoinRequest,
    LibraryEntry,
    RemovalRequest,
    RoomCreated,
    RoomRequest,
)
from webui.security import participant_token

__all__ = ["router"]

router = APIRouter(tags=["drills"])

Responses = dict[int | str, dict[str, Any]]
_AUTH: Responses = {401: {"description": "no bearer token"}, 403: {"description": "a token that does not open this"}}
_ROOM: Responses = {**_AUTH, 404: {"description": "no such room"}}
_REFUSED: Responses = {409: {"description": "a drill rule refused it (the reason says which); nothing changed"}}


@router.get("/api/v1/library", response_model=list[LibraryEntry], responses=_AUTH)
def library(services: ServicesDep, _: AdminDep) -> list[LibraryEntry]:
    """The drills a room can be opened for, with their expected severity (admin token: truth)."""
    book = services.playbook
    return [
        LibraryEntry(
            id=s.id,
            title=s.title,
            summary=s.summary,
            expected_severity=s.expected_severity(book),
            duration_minutes=s.duration_minutes,
            services=list(s.services),
        )
        for s in services.library
    ]


@router.post(
    "/api/v1/rooms", status_code=status.HTTP_201_CREATED, response_model=RoomCreated, responses=_AUTH
)
def open_room(body: RoomRequest, request: Request, services: ServicesDep, _: AdminDep) -> RoomCreated:
    """Open a room (admin token): its links, join code, facilitator key and receiver token."""
    script: str | DrillScript = body.script
    if body.gameday is not None:  # a game day: only the library drill's briefing, never its world
        briefing = services.script(body.script)
        if briefing is None:
            raise InvalidDefinition(f"no drill {body.script!r} in the library", field="script")
        script = gameday_script(body.gameday, briefing=briefing)
    created = create_room(services, script, speed=body.speed, start=body.start)
    session = created.session
    room_links = links(str(request.base_url), services, session, created.facilitator_key)
    token = room_links.receiver_token
    return RoomCreated(
        session_id=session.id,
        title=session.script.title,
        status=session.state.status,
        join_code=created.join_code,
        join_url=room_links.join,
        facilitator_url=room_links.facilitator,
        facilitator_key=created.facilitator_key,
        receiver_token=token,
        alert_webhook_url=room_links.alertmanager,
        events_url=room_links.events,
    )


router.add_api_route(
    "/api/drills",
    open_room,
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=RoomCreated,
    responses=_AUTH,
    deprecated=True,
    summary="Open a room (alias of POST /api/v1/rooms for scenarios.chaosdrill)",
)


@router.get("/api/v1/rooms/{room_id}", response_model=FacilitatorView, responses=_ROOM)
def room_state(room: FacilitatorApiDep) -> FacilitatorView:
    """Everything about the room (facilitator): truth, look-ahead, log and score so far."""
    return full_view(room)


@router.post("/api/v1/rooms/{room_id}/control", status_code=status.HTTP_204_NO_CONTENT, responses={**_ROOM, **_REFUSED})
def control(body: ControlRequest, room: FacilitatorApiDep, services: ServicesDep) -> Response:
    """Start, pause, resume, change the speed of, or end the drill (facilitator)."""
    apply_control(services, room, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api/v1/rooms/{room_id}/hints", status_code=status.HTTP_204_NO_CONTENT, responses={**_ROOM, **_REFUSED})
def hint(body: HintRequest, room: FacilitatorApiDep, services: ServicesDep) -> Response:
    """Send the room the script's hint ``level``, as the console's button does (each level once)."""
    ensure_space(services, room)
    room.send_hint(body.level)
    services.hub.poke(room.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api/v1/rooms/{room_id}/removals", status_code=status.HTTP_204_NO_CONTENT, responses={**_ROOM, **_REFUSED})
def remove(body: RemovalRequest, room: FacilitatorApiDep, services: ServicesDep) -> Response:
    """Remove a participant (facilitator): their token stops working and their stream ends."""
    ensure_space(services, room, 1 + len(room.state.roles_of(body.person)))
    room.remove(body.person, body.reason)
    services.hub.poke(room.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api/v1/rooms/{room_id}/debrief/release", status_code=status.HTTP_204_NO_CONTENT, responses={**_ROOM, **_REFUSED})
def release(room: FacilitatorApiDep, services: ServicesDep) -> Response:
    """Release the debrief, and the truth in it, to the participants (only once the drill ended)."""
    room.release_debrief()
    services.hub.poke(room.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/v1/rooms/{room_id}/injects",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InjectAccepted,
    responses={**_ROOM, **_REFUSED, 422: {"description": "not a valid inject"}},
)
def inject(body: InjectRequest, room: InjectorDep, services: ServicesDep) -> InjectAccepted:
    """Deliver an inject now (facilitator key, receiver token or admin token; drill running)."""
    spec = inject_from_request(body.inject, body.detail)
    seqs = deliver_inject(services, room, spec)
    return InjectAccepted(accepted=True, inject_id=str(spec["id"]), at=room.now(), records=seqs)


router.add_api_route(
    "/api/drills/{room_id}/injects",
    inject,
    methods=["POST"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InjectAccepted,
    responses={**_ROOM, **_REFUSED},
    deprecated=True,
    summary="Deliver an inject (alias of POST /api/v1/rooms/{room_id}/injects for scenarios.chaosdrill)",
)


@router.get("/api/v1/rooms/{room_id}/score", responses={**_ROOM, 200: {"content": {"application/json": {}, "text/markdown": {}}}})
def score(
    room: FacilitatorApiDep,
    services: ServicesDep,
    fmt: Annotated[Literal["json", "md"], Query(alias="format")] = "json",
) -> Response:
    """The score report so far (facilitator), with the comparison against earlier sessions."""
    text = score_export(services, room, fmt)
    media = "application/json" if fmt == "json" else "text/markdown; charset=utf-8"
    return Response(text, media_type=media)


@router.get("/api/v1/rooms/{room_id}/postmortem", responses={**_ROOM, 200: {"content": {"application/json": {}, "text/markdown": {}}}})
def postmortem(
    room: FacilitatorApiDep,
    fmt: Annotated[Literal["json", "md"], Query(alias="format")] = "json",
) -> Response:
    """The team's postmortem, or the draft from the timeline before it is written (facilitator)."""
    if fmt == "md":
        return PlainTextResponse(postmortem_export(room, "md"), media_type="text/markdown; charset=utf-8")
    return Response(postmortem_export(room, "json"), media_type="application/json")


@router.post("/api/v1/join", status_code=status.HTTP_201_CREATED, response_model=Joined, responses={404: {"description": "no room with that join code"}, **_REFUSED})
def join(body: JoinRequest, request: Request, services: ServicesDep) -> Joined:
    """Join a room by its code; the answer's token is the participant's bearer token.

    Names are NFKC-normalised, unique ignoring case, and refused with look-alike characters."""
    session = room_by_code(services, request, body.join_code)
    name = join_room(services, session, body.name)
    return Joined(
        session_id=session.id,
        name=name,
        token=participant_token(services.secret, session.id, name),
        room_url=f"{str(request.base_url).rstrip('/')}/rooms/{session.id}",
    )


def _json(model: BaseModel) -> Response:
    """A model as JSON, serialised once (the hot polling routes skip re-validation)."""
    return Response(model.model_dump_json(), media_type="application/json")


@router.get("/api/v1/rooms/{room_id}/view", response_model=ParticipantView, responses=_ROOM)
def view(participant: ParticipantApiDep) -> Response:
    """What the participant's page shows (participant token)."""
    return _json(participant_view(participant.session, participant.name))


@router.get("/api/v1/rooms/{room_id}/events", response_model=EventsPage, responses=_ROOM)
def events(
    reader: ReaderDep,
    after: Annotated[int, Query(ge=0, description="the next_offset of the previous answer")] = 0,
) -> Response:
    """Records after an offset, for polling: the participant view, or everything for the facilitator."""
    room, as_facilitator = reader
    return _json(events_since(room, after, facilitator=as_facilitator))


@router.post("/api/v1/rooms/{room_id}/actions", response_model=EventsPage, responses={**_ROOM, **_REFUSED})
def act(
    participant: ParticipantApiDep,
    services: ServicesDep,
    action: Annotated[Action, Body(description="an action, dispatched on its type")],
) -> Response:
    """Perform an action as the participant; the records it produced, as participants see them."""
    room = participant.session
    records = act_in_room(services, room, participant.name, action)
    return _json(events_since(room, records[0].seq - 1 if records else room.last_seq()))
