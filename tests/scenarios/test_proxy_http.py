"""The fault proxy's HTTP metering: requests and responses read off a TCP stream.

Expected counts and latencies are derived by hand from the bytes and the clock values given
(RFC 9112's message framing: Content-Length, chunked, none for HEAD/1xx/204/304, until close).
"""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import given
from hypothesis import strategies as st

from scenarios.faultproxy.httpmeter import ExchangeMeter, HttpMetrics
from scenarios.faultproxy.model import ProxyFaults
from scenarios.faultproxy.proxy import FaultProxy


def count(metrics: HttpMetrics, method: str, status: str) -> float:
    value = metrics.registry.get_sample_value(
        "http_requests_total", {"service": "shop", "method": method, "status": status}
    )
    return value or 0.0


def seconds(metrics: HttpMetrics, method: str) -> float:
    return metrics.registry.get_sample_value(
        "http_request_duration_seconds_sum", {"service": "shop", "method": method}
    ) or 0.0


def bucket(metrics: HttpMetrics, method: str, le: str) -> float:
    return metrics.registry.get_sample_value(
        "http_request_duration_seconds_bucket", {"service": "shop", "method": method, "le": le}
    ) or 0.0


GET = b"GET /items HTTP/1.1\r\nHost: shop\r\n\r\n"
POST = b"POST /orders HTTP/1.1\r\nHost: shop\r\nContent-Length: 11\r\n\r\n{\"id\": 42}\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
CHUNKED = b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n3;x=y\r\n!!!\r\n0\r\nX-T: 1\r\n\r\n"


def test_pipelined_requests_pair_with_their_responses_in_order_and_time_to_the_response_head() -> None:
    metrics = HttpMetrics("shop")
    meter = ExchangeMeter(metrics)
    meter.from_client(GET + POST, now=10.0)  # both requests begin at 10.0
    meter.to_client(OK, now=10.25)  # GET: 0.25 s
    meter.to_client(CHUNKED, now=11.0)  # POST: 1.0 s
    assert count(metrics, "GET", "200") == 1
    assert count(metrics, "POST", "503") == 1
    assert seconds(metrics, "GET") == 0.25
    assert seconds(metrics, "POST") == 1.0
    assert bucket(metrics, "GET", "0.25") == 1 and bucket(metrics, "POST", "0.5") == 0


def test_a_head_response_has_no_body_although_it_names_a_length() -> None:
    metrics = HttpMetrics("shop")
    meter = ExchangeMeter(metrics)
    meter.from_client(b"HEAD /items HTTP/1.1\r\n\r\n" + GET, now=0.0)
    # The HEAD's answer says 5 bytes but sends none: the next bytes are the GET's response.
    meter.to_client(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", now=0.1)
    assert count(metrics, "HEAD", "200") == 1
    assert count(metrics, "GET", "404") == 1


def test_an_interim_100_continue_is_not_the_answer() -> None:
    metrics = HttpMetrics("shop")
    meter = ExchangeMeter(metrics)
    meter.from_client(POST, now=0.0)
    meter.to_client(b"HTTP/1.1 100 Continue\r\n\r\n", now=0.1)
    assert count(metrics, "POST", "100") == 0
    meter.to_client(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", now=0.5)
    assert count(metrics, "POST", "201") == 1
    assert seconds(metrics, "POST") == 0.5


def test_a_request_the_connection_ends_on_counts_as_a_502() -> None:
    metrics = HttpMetrics("shop")
    meter = ExchangeMeter(metrics)
    meter.from_client(GET, now=1.0)
    meter.closed(now=3.0)
    assert count(metrics, "GET", "502") == 1
    assert seconds(metrics, "GET") == 2.0


def test_a_response_without_framing_runs_until_the_close_and_ends_the_metering() -> None:
    metrics = HttpMetrics("shop")
    meter = ExchangeMeter(metrics)
    meter.from_client(GET + GET, now=0.0)
    meter.to_client(b"HTTP/1.1 200 OK\r\n\r\nbody... HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n", now=0.1)
    meter.closed(now=0.2)
    # The second "response" is body bytes of the first; the second GET got nothing.
    assert count(metrics, "GET", "200") == 1
    assert count(metrics, "GET", "500") == 0
    assert count(metrics, "GET", "502") == 1


def test_a_stream_that_is_not_http_is_left_alone() -> None:
    metrics = HttpMetrics("shop")
    meter = ExchangeMeter(metrics)
    meter.from_client(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 10 + b"\r\n\r\n", now=0.0)
    meter.to_client(b"\x16\x03\x03\x00\x7a\x02" + b"\r\n\r\n", now=0.1)
    meter.closed(now=0.2)
    assert metrics.registry.get_sample_value("http_requests_total", {"service": "shop", "method": "GET", "status": "200"}) is None
    assert [m for m in metrics.registry.collect() if m.name == "http_requests" and m.samples] == []


def test_unknown_methods_share_one_label() -> None:
    metrics = HttpMetrics("shop")
    meter = ExchangeMeter(metrics)
    for verb in (b"BREW", b"PROPFIND", b"X" * 30):
        meter.from_client(verb + b" / HTTP/1.1\r\n\r\n", now=0.0)
        meter.to_client(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n", now=0.1)
    assert count(metrics, "OTHER", "405") == 3


STREAM_IN = GET + POST + GET
STREAM_OUT = OK + CHUNKED + b"HTTP/1.1 204 No Content\r\n\r\n"


@given(
    st.lists(st.integers(min_value=1, max_value=len(STREAM_IN) - 1), max_size=8),
    st.lists(st.integers(min_value=1, max_value=len(STREAM_OUT) - 1), max_size=8),
)
def test_however_the_stream_is_cut_into_reads_the_same_exchanges_are_counted(
    cuts_in: list[int], cuts_out: list[int]
) -> None:
    metrics = HttpMetrics("shop")
    meter = ExchangeMeter(metrics)
    for piece in pieces(STREAM_IN, cuts_in):
        meter.from_client(piece, now=0.0)
    for piece in pieces(STREAM_OUT, cuts_out):
        meter.to_client(piece, now=1.0)
    meter.closed(now=2.0)
    assert (count(metrics, "GET", "200"), count(metrics, "POST", "503"), count(metrics, "GET", "204")) == (1, 1, 1)
    assert count(metrics, "GET", "502") == 0


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    edges = [0, *sorted(set(cuts)), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


def test_the_proxy_meters_real_exchanges_including_its_injected_latency() -> None:
    """A real upstream and client over loopback: 300 ms of latency shows in the histogram."""

    async def scenario() -> HttpMetrics:
        async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(OK)
                await writer.drain()

        server = await asyncio.start_server(upstream, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        metrics = HttpMetrics("shop")
        proxy = FaultProxy(upstream_host="127.0.0.1", upstream_port=port, metrics=metrics)
        await proxy.start()
        await proxy.set_faults(ProxyFaults(latency_ms=300))
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        for _ in range(2):
            writer.write(GET)
            await writer.drain()
            await reader.readexactly(len(OK))
        writer.close()
        await proxy.stop()
        server.close()
        return metrics

    metrics = asyncio.run(scenario())
    assert count(metrics, "GET", "200") == 2
    assert bucket(metrics, "GET", "0.25") == 0  # each waited at least the 300 ms
    assert bucket(metrics, "GET", "+Inf") == 2


def test_a_metered_proxy_that_is_down_fails_every_attempt_and_counts_it_as_a_502() -> None:
    """Toxiproxy's disabled proxy refuses connections, which nothing could count; metered,
    the port stays open: each attempt is read, counted as a failed request and reset."""

    async def attempt(port: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(GET)
        await writer.drain()
        try:
            return await asyncio.wait_for(reader.read(100), timeout=5)
        finally:
            writer.close()

    async def scenario() -> tuple[HttpMetrics, list[object], int]:
        async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(OK)
                await writer.drain()

        server = await asyncio.start_server(upstream, "127.0.0.1", 0)
        metrics = HttpMetrics("shop")
        proxy = FaultProxy(upstream_host="127.0.0.1", upstream_port=server.sockets[0].getsockname()[1], metrics=metrics)
        await proxy.start()
        await proxy.set_faults(ProxyFaults(down=True))
        outcomes: list[object] = []
        for _ in range(3):
            try:
                outcomes.append(await attempt(proxy.port))
            except ConnectionError as exc:
                outcomes.append(type(exc))
        await proxy.set_faults(ProxyFaults())
        answered = len(await attempt(proxy.port))
        await proxy.stop()
        server.close()
        return metrics, outcomes, answered

    metrics, outcomes, answered = asyncio.run(scenario())
    assert outcomes == [ConnectionResetError] * 3  # no byte of a response while down
    assert count(metrics, "GET", "502") == 3
    assert answered == len(OK) and count(metrics, "GET", "200") == 1
