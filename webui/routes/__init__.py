"""The web UI's routes, one small module per audience; :data:`ROUTERS` in mounting order."""

from fastapi import APIRouter

from webui.routes import api, debrief, facilitator, home, participant, receivers, studies, workspace

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    home.router,
    facilitator.router,
    facilitator.upload_router,
    debrief.router,
    participant.router,
    api.router,
    receivers.router,
    studies.router,
    workspace.router,
)
