"""The fault proxy's control API (FastAPI), served on the proxy's own event loop.

=========  ===========  =====================================================
``GET``    ``/healthz`` liveness, no token
``GET``    ``/faults``  the faults applied now
``PUT``    ``/faults``  replace the faults (a full :class:`ProxyFaults` body)
``DELETE`` ``/faults``  clear every fault
``GET``    ``/stats``   connection and byte counters
=========  ===========  =====================================================

Everything but ``/healthz`` needs ``Authorization: Bearer <admin token>``.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from pydantic import SecretStr

from scenarios.bearer import bearer_guard
from scenarios.faultproxy.model import ProxyFaults, ProxyStats
from scenarios.faultproxy.proxy import FaultProxy

__all__ = ["create_control_app"]


def create_control_app(proxy: FaultProxy, admin_token: SecretStr) -> FastAPI:
    """The control API for ``proxy``; it must run on the proxy's event loop."""
    app = FastAPI(title="drillbit fault proxy", docs_url=None, redoc_url=None, openapi_url=None)
    admin = [Depends(bearer_guard(admin_token))]

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/faults", dependencies=admin)
    async def get_faults() -> ProxyFaults:
        return proxy.faults

    @app.put("/faults", dependencies=admin)
    async def put_faults(faults: ProxyFaults) -> ProxyFaults:
        return await proxy.set_faults(faults)

    @app.delete("/faults", dependencies=admin)
    async def clear_faults() -> ProxyFaults:
        return await proxy.set_faults(ProxyFaults())

    @app.get("/stats", dependencies=admin)
    async def stats() -> ProxyStats:
        return proxy.stats()

    return app
