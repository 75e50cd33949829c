"""The web app: ``create_app(settings)``.

The lifespan opens the :class:`~webui.services.Services` (the session store, every room
reopened as it was, the receiver tokens, the study runner), binds the live-update hub to the
event loop and starts the ticker (timed injects in running rooms, every ``tick_seconds``); at
shutdown it stops the ticker, ends the live streams, stops study runs and closes the store.

Middleware, outermost first: the Host allow-list (400), the body size limit (413), then CSRF
checks for browser forms (the bearer-token API under ``/api/`` and the PagerDuty-compatible
endpoint are exempt), then security headers (CSP).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from drills.clock import WallClock
from playbook.errors import DrillbitError
from webui.errors import install_handlers
from webui.middleware import BodyLimit, CsrfProtect, HostAllowList, SecurityHeaders
from webui.responses import CSP, DOCS_CSP
from webui.routes import ROUTERS
from webui.routes.receivers import ENQUEUE, pagerduty_router
from webui.services import Services, open_services
from webui.settings import Settings

__all__ = ["API_DESCRIPTION", "create_app"]

log = logging.getLogger("drillbit.webui")

STATIC_DIR = Path(__file__).parent / "static"

API_DESCRIPTION = """\
Drill rooms for game days: open a room for a drill of the library, let people join it,
deliver injects, receive real alerts, read the score.

**Tokens** (all `Authorization: Bearer ...`):

* *AdminToken*: opens rooms and lists the library (`DRILLBIT_ADMIN_TOKEN`, or the file
  `DATA_DIR/admin.token`); the same token signs facilitators in at `/signin`.
* *FacilitatorKey*: one room's facilitator key, returned once by `POST /api/v1/rooms`.
* *ParticipantToken*: returned by `POST /api/v1/join`.
* *ReceiverToken*: one room's alert-receiver token (also on the facilitator's page).

Errors are `{"detail": reason}`: 400 a Host that is not this server's, 401 no token,
403 wrong token, 404 no such room, 409 a drill rule refused the request (nothing changed),
413 body too large, 422 invalid input, 429 a budget used up or too many wrong guesses
(`Retry-After`). The PagerDuty receiver answers invalid events PagerDuty's way:
400 `{"status": "invalid event", "message": ..., "errors": [...]}`.
"""


async def _tick_forever(services: Services) -> None:
    """Deliver timed injects in every running room and wake the pages of rooms that changed."""
    while True:
        await asyncio.sleep(services.settings.tick_seconds)
        try:
            changed = await anyio.to_thread.run_sync(services.tick)
        except DrillbitError as exc:  # a store hiccup must not stop the clock for every room
            log.warning("tick failed: %s", exc)
            continue
        for room in changed:
            services.hub.poke(room)


def _lifespan(
    settings: Settings, clock: WallClock | None
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await anyio.to_thread.run_sync(partial(open_services, settings, clock=clock))
        services.hub.bind(asyncio.get_running_loop())
        app.state.services = services
        ticker = asyncio.create_task(_tick_forever(services), name="drillbit-ticker")
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            services.hub.close()
            await anyio.to_thread.run_sync(services.close)

    return lifespan


def create_app(settings: Settings | None = None, *, clock: WallClock | None = None) -> FastAPI:
    """The drillbit web UI and JSON API on ``settings`` (default: from the environment).

    ``clock`` is the rooms' wall clock (default: the system's; tests pass a virtual one).
    """
    settings = settings or Settings()
    app = FastAPI(
        title="drillbit",
        summary="Game-day drills, alert receivers and what-if studies",
        description=API_DESCRIPTION,
        version="0.1.0",
        lifespan=_lifespan(settings, clock),
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(pagerduty_router(settings.pagerduty_base))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        """Swagger UI from the vendored copy in static/: the docs work offline."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="drillbit API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
        )

    app.add_middleware(SecurityHeaders, csp=CSP, relaxed={"/docs": DOCS_CSP})
    app.add_middleware(CsrfProtect, exempt_prefixes=("/api/", f"{settings.pagerduty_base}{ENQUEUE}"))
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(HostAllowList, allowed=settings.host_allowed)
    return app
