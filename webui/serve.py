"""Serving the web UI with uvicorn: ``python -m webui`` and ``drillbit serve``.

The socket is bound here (so ``--port 0`` picks a free port and the printed URL is the real
one). On shutdown the live streams are ended first, so uvicorn does not wait on open pages.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from typing import TextIO

import uvicorn

from webui.app import create_app
from webui.services import Services
from webui.settings import Settings

__all__ = ["bind", "serve"]


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv6 hosts included)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn, ending the app's live streams before it waits for connections to close."""

    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_shutdown = on_shutdown

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._on_shutdown()
        await super().shutdown(sockets)


def serve(settings: Settings, *, out: TextIO = sys.stdout, log_level: str = "warning") -> None:
    """Serve until interrupted, printing the URL first."""
    app = create_app(settings)

    def end_streams() -> None:
        services: Services | None = getattr(app.state, "services", None)
        if services is not None:
            services.hub.close()

    sock = bind(settings.host, settings.port)
    with sock:
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"drillbit web UI on http://{shown}:{port}/", file=out, flush=True)
        print(
            f"  rooms in {settings.db_path}; facilitators sign in at http://{shown}:{port}/signin "
            f"with the admin token in "
            f"{'DRILLBIT_ADMIN_TOKEN' if settings.admin_token else settings.data_dir / 'admin.token'}",
            file=out,
            flush=True,
        )
        config = uvicorn.Config(
            app, log_level=log_level, timeout_graceful_shutdown=3, access_log=False, lifespan="on"
        )
        _Server(config, end_streams).run(sockets=[sock])
