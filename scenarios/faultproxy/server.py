"""Run the fault proxies and their control API together on one event loop (one process).

The process starts with one proxy, :data:`~scenarios.faultproxy.control.DEFAULT_PROXY`
(``--listen-port`` → ``--upstream``); Toxiproxy clients may add more. A background task
clears every fault whose lease ran out (:meth:`ProxyRegistry.expire`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import UTC, datetime

import uvicorn
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from scenarios.allowlist import AllowList
from scenarios.faultproxy.control import DEFAULT_PROXY, create_control_app
from scenarios.faultproxy.httpmeter import HttpMetrics
from scenarios.faultproxy.registry import ProxyRegistry
from scenarios.faultproxy.toxics import ProxyCreate
from scenarios.lease import DEFAULT_LEASE_SECONDS

__all__ = ["ProxySettings", "build", "expire_leases", "serve", "start_default_proxy"]

log = logging.getLogger("drillbit.faultproxy")


class ProxySettings(BaseModel):
    """Where the proxy listens, what it forwards to, and who may control it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    listen_port: int = Field(ge=0, le=65535)
    upstream_host: str
    upstream_port: int = Field(ge=1, le=65535)
    control_port: int = Field(ge=0, le=65535)
    admin_token: SecretStr
    allowed_targets: tuple[str, ...] = ()
    seed: int | None = None
    lease_seconds: float = Field(default=DEFAULT_LEASE_SECONDS, gt=0)
    http_service: str | None = Field(default=None, description="meter HTTP requests under this service label")


def build(settings: ProxySettings) -> tuple[ProxyRegistry, uvicorn.Server]:
    """The registry (no proxy started yet) and the (not yet started) control server."""
    registry = ProxyRegistry(
        AllowList.with_extra(settings.allowed_targets),
        random.Random(settings.seed),  # noqa: S311 - fault jitter, not cryptography
        lease_seconds=settings.lease_seconds,
        metrics=HttpMetrics(settings.http_service) if settings.http_service else None,
    )
    config = uvicorn.Config(
        create_control_app(registry, settings.admin_token),
        host="127.0.0.1",
        port=settings.control_port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    return registry, uvicorn.Server(config)


async def start_default_proxy(registry: ProxyRegistry, settings: ProxySettings) -> None:
    """Start the stack's proxy (``--listen-port`` → ``--upstream``)."""
    upstream = settings.upstream_host
    upstream = f"[{upstream}]" if ":" in upstream else upstream
    await registry.add(
        ProxyCreate(
            name=DEFAULT_PROXY,
            listen=f"127.0.0.1:{settings.listen_port}",
            upstream=f"{upstream}:{settings.upstream_port}",
        ),
        datetime.now(UTC),
    )


async def expire_leases(registry: ProxyRegistry, interval: float = 0.2) -> None:
    """Clear the faults whose lease ran out, for as long as the process runs."""
    while True:
        await asyncio.sleep(interval)
        for name in await registry.expire(datetime.now(UTC)):
            log.warning("fault lease of proxy %r expired: faults cleared", name)


async def serve(settings: ProxySettings) -> None:
    """Forward and serve the control API until the control server is told to exit."""
    registry, control = build(settings)
    await start_default_proxy(registry, settings)
    expiry = asyncio.create_task(expire_leases(registry))
    try:
        await control.serve()
    finally:
        expiry.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await expiry
        await registry.stop()


def main_loop(settings: ProxySettings) -> None:
    """Blocking entry point (``python -m scenarios.faultproxy``); SIGTERM stops it cleanly."""
    asyncio.run(serve(settings))
