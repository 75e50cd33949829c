"""The fault proxy forwards bytes; it applies latency, bandwidth, resets, blackholes, outages."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from playbook.errors import InvalidDefinition
from scenarios.allowlist import TargetNotAllowed
from scenarios.faultproxy import FaultProxy, ProxyFaults, ProxySettings
from scenarios.faultproxy.control import DEFAULT_PROXY
from scenarios.faultproxy.model import chunk_delay, chunk_size, pacing_delay, should_reset
from scenarios.faultproxy.server import build, start_default_proxy
from scenarios.procs import free_port


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def echo_behind_proxy(**faults: object) -> AsyncIterator[FaultProxy]:
    upstream = await asyncio.start_server(_echo, "127.0.0.1", 0)
    proxy = FaultProxy(
        upstream_host="127.0.0.1", upstream_port=upstream.sockets[0].getsockname()[1]
    )
    await proxy.start()
    await proxy.set_faults(ProxyFaults.model_validate(faults))
    try:
        yield proxy
    finally:
        await proxy.stop()
        upstream.close()
        await upstream.wait_closed()


@contextlib.asynccontextmanager
async def connect(port: int) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def roundtrip(port: int, payload: bytes) -> bytes:
    async with connect(port) as (reader, writer):
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(len(payload)), timeout=5)


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def test_without_faults_bytes_pass_both_ways_untouched() -> None:
    async def scenario() -> None:
        async with echo_behind_proxy() as proxy:
            assert await roundtrip(proxy.port, b"hello checkout") == b"hello checkout"
            stats = proxy.stats()
            assert stats.bytes_to_upstream == stats.bytes_to_client == 14

    run(scenario)


def test_latency_holds_each_downstream_chunk() -> None:
    async def scenario() -> None:
        async with echo_behind_proxy(latency_ms=200) as proxy:
            started = time.perf_counter()
            await roundtrip(proxy.port, b"ping")
            assert time.perf_counter() - started >= 0.2

    run(scenario)


def test_bandwidth_limit_paces_the_downstream_stream() -> None:
    async def scenario() -> None:
        async with echo_behind_proxy(bandwidth_bytes_per_s=40_000) as proxy:
            started = time.perf_counter()
            assert await roundtrip(proxy.port, b"x" * 20_000) == b"x" * 20_000
            assert time.perf_counter() - started >= 0.45

    run(scenario)


def test_a_reset_fault_resets_new_connections() -> None:
    async def scenario() -> None:
        async with echo_behind_proxy(reset_probability=1.0) as proxy:
            with pytest.raises(ConnectionResetError):
                await roundtrip(proxy.port, b"ping")
            assert proxy.stats().resets == 1

    run(scenario)


def test_a_blackhole_accepts_but_never_answers() -> None:
    async def scenario() -> None:
        async with echo_behind_proxy(blackhole=True) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            try:
                writer.write(b"anyone there?")
                await writer.drain()
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(reader.read(1), timeout=0.3)
            finally:
                writer.close()
                await writer.wait_closed()

    run(scenario)


def test_down_refuses_new_connections_resets_open_ones_and_comes_back_on_the_same_port() -> None:
    async def scenario() -> None:
        async with echo_behind_proxy() as proxy:
            port = proxy.port
            async with connect(port) as (reader, writer):
                writer.write(b"a")
                await writer.drain()
                assert await reader.readexactly(1) == b"a"
                await proxy.set_faults(ProxyFaults(down=True))
                with pytest.raises(ConnectionResetError):
                    await asyncio.wait_for(reader.read(1), timeout=2)
            with pytest.raises(ConnectionRefusedError):
                await roundtrip(port, b"c")
            await proxy.set_faults(ProxyFaults())
            assert proxy.port == port
            assert await roundtrip(port, b"d") == b"d"

    run(scenario)


def test_a_dead_upstream_resets_the_client_and_is_counted() -> None:
    async def scenario() -> None:
        proxy = FaultProxy(upstream_host="127.0.0.1", upstream_port=free_port())
        await proxy.start()
        try:
            with pytest.raises(ConnectionError):
                await roundtrip(proxy.port, b"ping")
            assert proxy.stats().upstream_failures == 1
        finally:
            await proxy.stop()

    run(scenario)


def test_the_proxy_listens_on_loopback_only_and_forwards_to_allowed_hosts_only() -> None:
    with pytest.raises(InvalidDefinition, match="loopback only"):
        FaultProxy(upstream_host="127.0.0.1", upstream_port=1, listen_host="0.0.0.0")
    with pytest.raises(TargetNotAllowed, match=r"staging\.example\.invalid"):
        FaultProxy(upstream_host="staging.example.invalid", upstream_port=80)


def test_fault_decisions_are_pure_functions_of_the_faults_and_a_draw() -> None:
    faults = ProxyFaults(
        latency_ms=100, jitter_ms=50, bandwidth_bytes_per_s=1000, reset_probability=0.25
    )
    assert chunk_delay(faults, 0.0) == pytest.approx(0.05)
    assert chunk_delay(faults, 1.0) == pytest.approx(0.15)
    assert chunk_size(faults) == 100
    assert pacing_delay(faults, 500) == pytest.approx(0.5)
    assert should_reset(faults, 0.2) and not should_reset(faults, 0.3)
    assert faults.active() == [
        "latency_ms",
        "jitter_ms",
        "bandwidth_bytes_per_s",
        "reset_probability",
    ]


def test_the_control_api_needs_the_token_and_switches_faults() -> None:
    token = secrets.token_urlsafe(24)

    async def scenario() -> None:
        upstream = await asyncio.start_server(_echo, "127.0.0.1", 0)
        settings = ProxySettings(
            listen_port=0,
            upstream_host="127.0.0.1",
            upstream_port=upstream.sockets[0].getsockname()[1],
            control_port=free_port(),
            admin_token=SecretStr(token),
        )
        registry, control = build(settings)
        await start_default_proxy(registry, settings)
        serving = asyncio.create_task(control.serve())
        base = f"http://127.0.0.1:{settings.control_port}"
        try:
            async with httpx.AsyncClient(base_url=base, trust_env=False) as client:
                async with asyncio.timeout(10):
                    while not control.started:
                        await asyncio.sleep(0.01)
                assert (await client.get("/healthz")).status_code == 200
                assert (await client.get("/faults")).status_code == 401
                bad = {"Authorization": "Bearer wrong-token-wrong-token"}
                assert (
                    await client.put("/faults", json={"down": True}, headers=bad)
                ).status_code == 403
                auth = {"Authorization": f"Bearer {token}"}
                put = await client.put("/faults", json={"latency_ms": 50}, headers=auth)
                assert put.json()["latency_ms"] == 50
                assert registry.entry(DEFAULT_PROXY).proxy.faults == ProxyFaults(latency_ms=50)
                assert (
                    await client.put("/faults", json={"latncy": 1}, headers=auth)
                ).status_code == 422
                assert (
                    await client.delete("/faults", headers=auth)
                ).json() == ProxyFaults().model_dump()
                assert (await client.get("/stats", headers=auth)).json()["listening"] is True
        finally:
            control.should_exit = True
            await serving
            await registry.stop()
            upstream.close()
            await upstream.wait_closed()

    run(scenario)
