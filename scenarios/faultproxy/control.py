"""The fault proxy's control API (FastAPI): Toxiproxy's HTTP API, plus drillbit's own routes.

Toxiproxy's routes, as ``chaostoolkit-toxiproxy`` calls them (status codes as Toxiproxy's):

==========  ========================================  =========================================
``GET``     ``/proxies``                              every proxy, by name
``POST``    ``/proxies``                              create (201; 409 if it exists)
``GET``     ``/proxies/{proxy}``                      one proxy with its toxics
``POST``    ``/proxies/{proxy}``                      change ``enabled``/``listen``/``upstream``
``DELETE``  ``/proxies/{proxy}``                      remove (204)
``GET``     ``/proxies/{proxy}/toxics``               its toxics
``POST``    ``/proxies/{proxy}/toxics``               add a toxic (200; 409 if it exists)
``GET``     ``/proxies/{proxy}/toxics/{toxic}``       one toxic
``POST``    ``/proxies/{proxy}/toxics/{toxic}``       change its toxicity or attributes
``DELETE``  ``/proxies/{proxy}/toxics/{toxic}``       remove it (204)
``POST``    ``/reset``                                every proxy enabled, every toxic removed
``GET``     ``/version``                              this implementation's version
==========  ========================================  =========================================

Toxiproxy has no authentication; here every route but ``/healthz`` needs the admin token,
either as ``Authorization: Bearer <token>`` or as a path prefix ``/key/<token>`` (so a
``toxiproxy_url`` of ``http://127.0.0.1:PORT/key/<token>`` lets the unchanged Toxiproxy
client in). drillbit's own routes act on the stack's proxy (named ``gateway``):
``GET/PUT/DELETE /faults`` (:class:`ProxyFaults`, ``?lease_seconds=``; ``DELETE
/faults?kinds=latency,down`` clears only those kinds, on every proxy), ``GET /stats``,
``GET /leases`` and ``POST /leases`` (renew every fault's lease, :class:`LeaseRenewal`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr

from scenarios.bearer import bearer_guard
from scenarios.faultproxy.model import FAULT_KINDS, ProxyFaults, ProxyStats
from scenarios.faultproxy.registry import Conflict, NoSuchProxy, ProxyRegistry
from scenarios.faultproxy.toxics import ProxyCreate, ProxyUpdate, ProxyView, Toxic, ToxicCreate
from scenarios.lease import DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS, LeaseRenewal

__all__ = ["DEFAULT_PROXY", "VERSION", "create_control_app"]

#: The name of the proxy the stack starts (in front of the payment gateway).
DEFAULT_PROXY = "gateway"
VERSION = "drillbit-faultproxy 2 (Toxiproxy API)"

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


async def _answer(call: Awaitable[T]) -> T:
    """Registry errors as Toxiproxy's statuses: 404 unknown, 409 exists, 400 invalid."""
    try:
        return await call
    except NoSuchProxy as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc.args[0])) from None
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None


def _toxiproxy_router(registry: ProxyRegistry) -> APIRouter:
    router = APIRouter()

    @router.get("/proxies")
    async def list_proxies() -> dict[str, ProxyView]:
        return registry.views()

    @router.post("/proxies", status_code=status.HTTP_201_CREATED)
    async def create_proxy(spec: ProxyCreate) -> ProxyView:
        return await _answer(registry.add(spec, _now()))

    @router.get("/proxies/{name}")
    async def read_proxy(name: str) -> ProxyView:
        return await _answer(_view(registry, name))

    @router.post("/proxies/{name}")
    @router.patch("/proxies/{name}")
    async def update_proxy(name: str, update: ProxyUpdate) -> ProxyView:
        return await _answer(registry.update(name, update, _now()))

    @router.delete("/proxies/{name}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_proxy(name: str) -> Response:
        await _answer(registry.remove(name))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get("/proxies/{name}/toxics")
    async def list_toxics(name: str) -> list[Toxic]:
        return (await _answer(_view(registry, name))).toxics

    @router.post("/proxies/{name}/toxics")
    async def create_toxic(name: str, spec: ToxicCreate) -> Toxic:
        return await _answer(registry.add_toxic(name, spec, _now()))

    @router.get("/proxies/{name}/toxics/{toxic}")
    async def read_toxic(name: str, toxic: str) -> Toxic:
        view = await _answer(_view(registry, name))
        for item in view.toxics:
            if item.name == toxic:
                return item
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"toxic {toxic!r} does not exist")

    @router.post("/proxies/{name}/toxics/{toxic}")
    @router.patch("/proxies/{name}/toxics/{toxic}")
    async def update_toxic(name: str, toxic: str, spec: ToxicCreate) -> Toxic:
        return await _answer(registry.update_toxic(name, toxic, spec, _now()))

    @router.delete("/proxies/{name}/toxics/{toxic}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_toxic(name: str, toxic: str) -> Response:
        await _answer(registry.remove_toxic(name, toxic, _now()))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post("/reset", status_code=status.HTTP_204_NO_CONTENT)
    async def reset() -> Response:
        await registry.reset(_now())
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get("/version")
    async def version() -> dict[str, str]:
        return {"version": VERSION}

    return router


async def _view(registry: ProxyRegistry, name: str) -> ProxyView:
    return registry.view(name)


LeaseSeconds = Annotated[float, Query(gt=0, le=MAX_LEASE_SECONDS)]


def _drillbit_router(registry: ProxyRegistry) -> APIRouter:
    router = APIRouter()

    @router.get("/faults")
    async def get_faults() -> ProxyFaults:
        return await _answer(_entry_faults(registry))

    @router.put("/faults")
    async def put_faults(faults: ProxyFaults, lease_seconds: LeaseSeconds = DEFAULT_LEASE_SECONDS) -> ProxyFaults:
        return await _answer(registry.set_direct(DEFAULT_PROXY, faults, _now(), lease_seconds))

    @router.delete("/faults")
    async def clear_faults(kinds: Annotated[str | None, Query(max_length=200)] = None) -> ProxyFaults:
        if kinds is None:
            await registry.reset(_now())
        else:
            await _answer(registry.clear_kinds(_kinds(kinds), _now()))
        return await _answer(_entry_faults(registry))

    @router.get("/stats")
    async def stats() -> ProxyStats:
        return registry.entry(DEFAULT_PROXY).proxy.stats()

    @router.get("/leases")
    async def leases() -> list[dict[str, Any]]:
        return [
            {"proxy": name, "faults": faults, "since": lease.since, "expires_at": lease.expires_at}
            for name, (faults, lease) in registry.leases().items()
        ]

    @router.post("/leases")
    async def renew(renewal: LeaseRenewal) -> dict[str, Any]:
        renewed = await registry.renew(_now(), renewal.seconds)
        return {name: lease.model_dump(mode="json") for name, lease in renewed.items()}

    return router


def _kinds(text: str) -> list[str]:
    """``latency,down`` into its kinds; an unknown one is a 400 with the known ones."""
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown or not kinds:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=f"kinds: {unknown[0] if unknown else 'none'} is not a fault kind (known: {', '.join(FAULT_KINDS)})")
    return kinds


async def _entry_faults(registry: ProxyRegistry) -> ProxyFaults:
    return registry.entry(DEFAULT_PROXY).effective()


def _path_key_guard(expected: SecretStr) -> Callable[[str], None]:
    wanted = expected.get_secret_value().encode()

    def guard(key: str) -> None:
        if not hmac.compare_digest(key.encode(), wanted):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="invalid key")

    return guard


def create_control_app(registry: ProxyRegistry, admin_token: SecretStr) -> FastAPI:
    """The control API for ``registry``; it must run on the proxies' event loop."""
    app = FastAPI(title="drillbit fault proxy", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    if registry.metrics is not None:
        metrics = registry.metrics

        @app.get("/metrics")
        async def exposition() -> Response:
            """The forwarded HTTP requests, for Prometheus (counts only: no token needed)."""
            return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(NoSuchProxy)
    async def missing(_request: object, exc: NoSuchProxy) -> JSONResponse:
        return JSONResponse({"detail": str(exc.args[0])}, status_code=status.HTTP_404_NOT_FOUND)

    bearer = [Depends(bearer_guard(admin_token))]
    keyed = [Depends(_path_key_guard(admin_token))]
    for router in (_toxiproxy_router(registry), _drillbit_router(registry)):
        app.include_router(router, dependencies=bearer)
        app.include_router(router, prefix="/key/{key}", dependencies=keyed)
    return app
