"""An asyncio TCP proxy that applies :class:`~scenarios.faultproxy.model.ProxyFaults`.

Place it in front of any TCP service (``client → proxy → upstream``) and switch faults on and
off while traffic flows. It listens on loopback only; its upstream must be on the allow-list.
All decisions (how long to hold a chunk, whether to reset) are the pure functions of
:mod:`scenarios.faultproxy.model`; this module only moves bytes and keeps counters.

*Down* is Toxiproxy's disabled proxy: the listener is closed (new connections refused) and
open connections are cut. A proxy that meters HTTP (``metrics``) cannot count a connection
the kernel refuses, so an outage would be invisible to Prometheus; it therefore keeps its
port open while down, reads each new connection's request for
:data:`METERED_RESET_SECONDS`, counts it as a failed request (``502``) and resets it (TCP
RST): the client still gets a failed connection, a reset instead of a refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import time
from dataclasses import dataclass, field

from playbook.errors import InvalidDefinition
from scenarios.allowlist import AllowList, is_loopback_host
from scenarios.faultproxy.httpmeter import ExchangeMeter, HttpMetrics
from scenarios.faultproxy.model import (
    MAX_CHUNK,
    ProxyFaults,
    ProxyStats,
    chunk_delay,
    chunk_size,
    pacing_delay,
    should_reset,
)

__all__ = ["METERED_RESET_SECONDS", "FaultProxy"]

#: How long a metered proxy reads a request it is about to reset (so the request is counted).
METERED_RESET_SECONDS = 0.1


def _clock() -> float:
    return time.monotonic()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0) rather than a polite FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, asyncio.CancelledError):
        await writer.wait_closed()


@dataclass(eq=False)
class _Connection:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    meter: ExchangeMeter | None = None

    def reset(self) -> None:
        for writer in (self.client, self.upstream):
            if writer is not None and not writer.transport.is_closing():
                _reset(writer)


@dataclass
class _Counters:
    connections_total: int = 0
    resets: int = 0
    upstream_failures: int = 0
    bytes_to_upstream: int = 0
    bytes_to_client: int = 0
    open: set[_Connection] = field(default_factory=set)


class FaultProxy:
    """One listening port forwarding to one upstream, with switchable faults."""

    def __init__(
        self,
        *,
        upstream_host: str,
        upstream_port: int,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        allow: AllowList | None = None,
        rng: random.Random | None = None,
        connect_timeout: float = 5.0,
        metrics: HttpMetrics | None = None,
    ) -> None:
        if not is_loopback_host(listen_host):
            raise InvalidDefinition(
                f"the fault proxy listens on loopback only, not {listen_host!r}",
                field="listen_host",
            )
        (allow or AllowList()).check_host(upstream_host)
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.listen_host = listen_host
        self._port = listen_port
        self._rng = rng or random.Random()  # noqa: S311 - fault jitter, not cryptography
        self._connect_timeout = connect_timeout
        self._faults = ProxyFaults()
        self._server: asyncio.Server | None = None
        self._counters = _Counters()
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._metrics = metrics

    @property
    def port(self) -> int:
        """The listening port (known once started)."""
        return self._port

    @property
    def faults(self) -> ProxyFaults:
        return self._faults

    def stats(self) -> ProxyStats:
        c = self._counters
        return ProxyStats(
            listening=self._server is not None,
            connections_total=c.connections_total,
            connections_open=len(c.open),
            resets=c.resets,
            upstream_failures=c.upstream_failures,
            bytes_to_upstream=c.bytes_to_upstream,
            bytes_to_client=c.bytes_to_client,
        )

    async def start(self) -> None:
        """Start listening (unless the faults say the upstream is down and nothing meters it)."""
        async with self._lock:
            if self._listens_when(self._faults):
                await self._listen()

    async def stop(self) -> None:
        """Stop listening, reset open connections and wait for their handlers."""
        async with self._lock:
            await self._unlisten()
        await self._drain_tasks()

    async def set_faults(self, faults: ProxyFaults) -> ProxyFaults:
        """Apply ``faults`` now; going down cuts open connections and closes the port (a
        metering proxy keeps it open to count the attempts), coming back reopens it."""
        async with self._lock:
            going_down = faults.down and not self._faults.down
            self._faults = faults
            if not self._listens_when(faults):
                await self._unlisten()
            else:
                if going_down:
                    self._cut_open_connections()
                if self._server is None:
                    await self._listen()
        return faults

    def _listens_when(self, faults: ProxyFaults) -> bool:
        return not faults.down or self._metrics is not None

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._accepted, host=self.listen_host, port=self._port, reuse_address=True
        )
        self._port = self._server.sockets[0].getsockname()[1]

    async def _unlisten(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        # Reset before waiting: since Python 3.12, wait_closed() also waits for every open
        # connection, so it would never return while clients are still attached.
        self._cut_open_connections()
        if server is not None:
            await server.wait_closed()

    def _cut_open_connections(self) -> None:
        for connection in list(self._counters.open):
            connection.reset()
            self._counters.resets += 1

    async def _drain_tasks(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        connection = _Connection(client=writer)
        if self._metrics is not None:
            connection.meter = ExchangeMeter(self._metrics)
        self._counters.connections_total += 1
        self._counters.open.add(connection)
        try:
            await self._serve(connection, reader)
        finally:
            self._counters.open.discard(connection)
            if connection.meter is not None:
                connection.meter.closed(_clock())
            for end in (connection.client, connection.upstream):
                if end is not None:
                    await _close(end)

    async def _serve(self, connection: _Connection, reader: asyncio.StreamReader) -> None:
        faults = self._faults
        if faults.down and connection.meter is not None:
            # Down, but metered: count the attempt as a failed request, then refuse it.
            await self._meter_briefly(reader, connection.meter, METERED_RESET_SECONDS)
            self._counters.resets += 1
            connection.reset()
            return
        if should_reset(faults, self._rng.random()):
            wait = faults.reset_after_ms / 1000.0
            if connection.meter is not None:
                # Read the request the reset cuts off, so it is counted (as a 502).
                await self._meter_briefly(reader, connection.meter, max(wait, METERED_RESET_SECONDS))
            elif wait:
                await asyncio.sleep(wait)
            self._counters.resets += 1
            connection.reset()
            return
        if faults.blackhole:
            close_after = faults.blackhole_close_ms / 1000.0 if faults.blackhole_close_ms else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._swallow(reader, connection.meter), timeout=close_after)
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(self.upstream_host, self.upstream_port),
                timeout=self._connect_timeout,
            )
        except (OSError, TimeoutError):
            if connection.meter is not None:
                await self._meter_briefly(reader, connection.meter, METERED_RESET_SECONDS)
            self._counters.upstream_failures += 1
            self._counters.resets += 1
            connection.reset()
            return
        connection.upstream = up_writer
        await asyncio.gather(
            self._pump(reader, up_writer, connection, downstream=False),
            self._pump(up_reader, connection.client, connection, downstream=True),
        )

    async def _swallow(self, reader: asyncio.StreamReader, meter: ExchangeMeter | None = None) -> None:
        """Blackhole: read and drop everything until the client gives up."""
        with contextlib.suppress(OSError):
            while data := await reader.read(MAX_CHUNK):
                if meter is not None:
                    meter.from_client(data, _clock())

    async def _meter_briefly(self, reader: asyncio.StreamReader, meter: ExchangeMeter, seconds: float) -> None:
        """Read (and meter) what the client sends for up to ``seconds``, before a failure."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._swallow(reader, meter), timeout=seconds)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        connection: _Connection,
        *,
        downstream: bool,
    ) -> None:
        try:
            while True:
                data = await reader.read(chunk_size(self._faults) if downstream else MAX_CHUNK)
                if not data:
                    break
                faults = self._faults
                if faults.blackhole:
                    continue
                meter = connection.meter
                if meter is not None and not downstream:
                    meter.from_client(data, _clock())
                if downstream:
                    # Latency, then the time this chunk takes on a link of the given bandwidth.
                    delay = chunk_delay(faults, self._rng.random()) + pacing_delay(
                        faults, len(data)
                    )
                    if delay:
                        await asyncio.sleep(delay)
                writer.write(data)
                await writer.drain()
                if downstream:
                    if meter is not None:
                        meter.to_client(data, _clock())
                    self._counters.bytes_to_client += len(data)
                else:
                    self._counters.bytes_to_upstream += len(data)
            if writer.can_write_eof() and not writer.transport.is_closing():
                writer.write_eof()
        except OSError:
            # One side went away (or was reset by a fault): cut the other side too.
            connection.reset()
