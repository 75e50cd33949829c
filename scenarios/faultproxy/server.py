"""Run a fault proxy and its control API together on one event loop (one process)."""

from __future__ import annotations

import asyncio
import random

import uvicorn
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from scenarios.allowlist import AllowList
from scenarios.faultproxy.control import create_control_app
from scenarios.faultproxy.proxy import FaultProxy

__all__ = ["ProxySettings", "serve"]


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


def build(settings: ProxySettings) -> tuple[FaultProxy, uvicorn.Server]:
    """The proxy and the (not yet started) control server for ``settings``."""
    proxy = FaultProxy(
        upstream_host=settings.upstream_host,
        upstream_port=settings.upstream_port,
        listen_port=settings.listen_port,
        allow=AllowList.with_extra(settings.allowed_targets),
        rng=random.Random(settings.seed),  # noqa: S311 - fault jitter, not cryptography
    )
    config = uvicorn.Config(
        create_control_app(proxy, settings.admin_token),
        host="127.0.0.1",
        port=settings.control_port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    return proxy, uvicorn.Server(config)


async def serve(settings: ProxySettings) -> None:
    """Forward and serve the control API until the control server is told to exit."""
    proxy, control = build(settings)
    await proxy.start()
    try:
        await control.serve()
    finally:
        await proxy.stop()


def main_loop(settings: ProxySettings) -> None:
    """Blocking entry point (``python -m scenarios.faultproxy``); SIGTERM stops it cleanly."""
    asyncio.run(serve(settings))
