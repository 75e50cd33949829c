"""The participant workspace's evidence panels as htmx partials (cookie: the participant token).

``GET /rooms/{id}/{panel}`` re-renders a panel for the live view and records nothing;
``POST /rooms/{id}/{panel}`` is the participant asking (opening the tab, searching, changing
the window): a ``look`` in the drill, answered with what the look recorded. Both take the
same parameters (query string or form): ``service``, ``window`` (``15m``, ``1h``, ``start``),
``level`` and ``q`` for the logs, ``name`` for a runbook. A bad parameter is a 422 naming it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from webui.deps import ParticipantPageDep, ServicesDep
from webui.workspace import PANELS, Panel, show
from webui.workspace import Query as PanelQuery

__all__ = ["router"]

router = APIRouter(prefix="/rooms/{room_id}", include_in_schema=False)

_Service = Annotated[str, Query(max_length=100)]
_Window = Annotated[str, Query(max_length=10)]
_Level = Annotated[str, Query(max_length=10)]
_Text = Annotated[str, Query(max_length=200)]
_FService = Annotated[str, Form(max_length=100)]
_FWindow = Annotated[str, Form(max_length=10)]
_FLevel = Annotated[str, Form(max_length=10)]
_FText = Annotated[str, Form(max_length=200)]
_HEADERS = {"Cache-Control": "no-store"}


async def _answer(participant: ParticipantPageDep, services: ServicesDep, panel: Panel, query: PanelQuery,
                  *, record: bool) -> HTMLResponse:
    html = await run_in_threadpool(show, services, participant.session, participant.name, panel, query,
                                   record=record)
    return HTMLResponse(html, headers=_HEADERS)


def _routes(panel: Panel) -> None:
    async def live(participant: ParticipantPageDep, services: ServicesDep, service: _Service = "",
                   window: _Window = "15m", level: _Level = "", q: _Text = "", name: _Text = "") -> HTMLResponse:
        query = PanelQuery(service=service, window=window, level=level, q=q, name=name)
        return await _answer(participant, services, panel, query, record=False)

    async def look(participant: ParticipantPageDep, services: ServicesDep, service: _FService = "",
                   window: _FWindow = "15m", level: _FLevel = "", q: _FText = "", name: _FText = "") -> HTMLResponse:
        query = PanelQuery(service=service, window=window, level=level, q=q, name=name)
        return await _answer(participant, services, panel, query, record=True)

    live.__doc__ = f"The {panel} panel as of now, for the live view: nothing is recorded."
    look.__doc__ = f"The participant opens or queries the {panel} panel: a look, recorded while the drill runs."
    router.add_api_route(f"/{panel}", live, methods=["GET"], response_class=HTMLResponse, name=f"{panel}_live")
    router.add_api_route(f"/{panel}", look, methods=["POST"], response_class=HTMLResponse, name=f"{panel}_look")


for _panel in PANELS:
    _routes(_panel)
