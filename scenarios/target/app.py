"""The staging "checkout" service: orders and payments over SQLite, instrumented, breakable.

==========  ========================  ===============================================
``GET``     ``/orders?limit=N``       latest orders
``POST``    ``/orders``               place an order (201)
``GET``     ``/orders/{order_id}``    one order (404 if unknown)
``POST``    ``/payments``             pay an order through the payment gateway (201);
                                      502 when the gateway fails, 504 when it hangs
``GET``     ``/healthz``              liveness (not instrumented, never faulted)
``GET``     ``/metrics``              Prometheus exposition
``*``       ``/admin/...``            fault switches, bearer token (:mod:`.admin`);
                                      version, rollback and restart (:mod:`.releases`)
==========  ========================  ===============================================

Only the business routes are instrumented and faulted: scrapes and admin calls are not user
traffic, so they never dilute the error rate the alerts compute.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from scenarios.target import store
from scenarios.target.admin import admin_router, expire_leases
from scenarios.target.faults import injected_error
from scenarios.target.metrics import TargetMetrics
from scenarios.target.pool import ConnectionPool, PoolExhausted
from scenarios.target.releases import releases_router
from scenarios.target.settings import TargetSettings
from scenarios.target.state import Releases, StateDep, TargetState, get_state

__all__ = ["create_app", "handler_label"]

log = logging.getLogger("drillbit.target")


def handler_label(path: str) -> str | None:
    """The route template of a business path, or None for everything else."""
    if path in {"/orders", "/payments"}:
        return path
    if path.startswith("/orders/") and path.count("/") == 2:
        return "/orders/{order_id}"
    return None


async def authorize(state: TargetState, order: store.Order) -> str:
    """Ask the payment gateway to authorize ``order``; HTTP 502/504 when it fails."""
    timeout = state.settings.dependency_timeout_seconds
    if state.faults.dependency_hang:
        await asyncio.sleep(timeout)
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, "payment gateway timed out")
    if state.gateway is None or state.settings.gateway_url is None:
        return f"local-{order.id}"
    try:
        response = await state.gateway.post(
            state.settings.gateway_url.rstrip("/") + "/authorize",
            json={"order_id": order.id, "amount_cents": order.amount_cents},
            timeout=timeout,
        )
    except httpx.TimeoutException:
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, "payment gateway timed out") from None
    except httpx.HTTPError as exc:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"payment gateway unreachable ({type(exc).__name__})"
        ) from None
    if response.status_code != status.HTTP_200_OK:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"payment gateway answered {response.status_code}"
        )
    code = response.json().get("auth_code")
    if not isinstance(code, str):
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "payment gateway sent no auth code")
    return code


def _business_routes(app: FastAPI) -> None:
    @app.get("/orders")
    def list_orders(state: StateDep, limit: int = 10) -> list[store.Order]:
        return store.list_orders(state.pool, max(1, min(limit, 100)))

    @app.post("/orders", status_code=status.HTTP_201_CREATED)
    def create_order(new: store.NewOrder, state: StateDep) -> store.Order:
        return store.create_order(state.pool, new)

    @app.get("/orders/{order_id}")
    def get_order(order_id: int, state: StateDep) -> store.Order:
        order = store.get_order(state.pool, order_id)
        if order is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no order {order_id}")
        return order

    @app.post("/payments", status_code=status.HTTP_201_CREATED)
    async def pay(new: store.NewPayment, state: StateDep) -> store.Payment:
        order = await run_in_threadpool(store.get_order, state.pool, new.order_id)
        if order is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no order {new.order_id}")
        auth_code = await authorize(state, order)
        return await run_in_threadpool(store.record_payment, state.pool, order, auth_code)


def _operational_routes(app: FastAPI) -> None:
    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def metrics(state: StateDep) -> Response:
        body = generate_latest(state.metrics.registry)
        return Response(content=body, media_type=CONTENT_TYPE_LATEST)


def _middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def instrument_and_inject(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        handler = handler_label(request.url.path)
        if handler is None:
            return await call_next(request)
        state = get_state(request)
        started = time.perf_counter()
        code = status.HTTP_500_INTERNAL_SERVER_ERROR
        try:
            faults = state.faults
            if faults.latency_ms:
                await asyncio.sleep(faults.latency_ms / 1000.0)
            if injected_error(faults, state.rng.random()):
                response: Response = JSONResponse(
                    {"detail": "injected error (drillbit error_rate fault)"}, status_code=code
                )
            else:
                response = await call_next(request)
            code = response.status_code
            return response
        finally:
            state.metrics.observe(
                method=request.method,
                handler=handler,
                status=code,
                seconds=time.perf_counter() - started,
            )

    @app.exception_handler(PoolExhausted)
    async def pool_exhausted(_request: Request, exc: PoolExhausted) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)


def create_app(
    settings: TargetSettings,
    *,
    exit_process: Callable[[int], object] = os._exit,
) -> FastAPI:
    """The service for ``settings``. ``exit_process`` is what a crash calls (tests pass a fake)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = ConnectionPool(
            settings.db_path, size=settings.pool_size, timeout=settings.pool_timeout_seconds
        )
        gateway = (
            httpx.AsyncClient(trust_env=False, follow_redirects=False)
            if settings.gateway_url
            else None
        )
        state = TargetState(
            settings=settings,
            pool=pool,
            metrics=TargetMetrics(settings.service, pool.stats, lambda: state.faults),
            gateway=gateway,
            rng=random.Random(settings.seed),  # noqa: S311 - fault sampling, not cryptography
            exit_process=exit_process,
            releases=Releases(version=settings.version, previous=settings.previous_versions),
        )
        store.create_schema(pool)
        app.state.target = state
        expiry = asyncio.create_task(expire_leases(state))
        log.info("checkout target serving on %s:%s", settings.host, settings.port)
        try:
            yield
        finally:
            expiry.cancel()
            state.burner.stop()
            if gateway is not None:
                await gateway.aclose()
            pool.close()

    app = FastAPI(
        title="drillbit staging checkout",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    _middleware(app)
    _business_routes(app)
    _operational_routes(app)
    app.include_router(admin_router(settings.admin_token))
    app.include_router(releases_router(settings.admin_token))
    return app
