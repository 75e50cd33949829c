"""HTTP request metrics from a TCP stream: what the fault proxy's clients experienced.

The proxy forwards bytes; for a user's own service (``--http-metrics SERVICE``) it also reads
the HTTP/1.1 messages in them, so Prometheus can alert on the service's errors and latency
without the service exporting anything. Per connection, :class:`ExchangeMeter` parses the
client's requests (request line, headers, a ``Content-Length`` or chunked body) and the
upstream's responses (status line, headers, body by ``Content-Length``, chunked, or until the
connection closes; none for ``HEAD``, 1xx, 204 and 304), pairs them in order (HTTP/1.1
pipelining answers in order), and records one observation per exchange:

* ``http_requests_total{service,method,status}``: ``status`` is the response's code; a request
  the connection closed (or reset) on before any response counts as ``502``, which is what a
  reverse proxy (nginx, Envoy) reports to its client for an upstream that hung up;
* ``http_request_duration_seconds{service,method}``: from the request's first byte read from
  the client to the response's head written to the client, so injected latency counts.

Methods are bucketed to the standard ones (anything else is ``OTHER``) so a hostile client
cannot grow the label set. A stream that does not parse as HTTP/1.x stops being metered
(bytes still flow). Pure: the clock is passed in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["BUCKETS", "NO_RESPONSE_STATUS", "ExchangeMeter", "HttpMetrics", "MessageParser"]

#: Latency buckets: Prometheus's defaults plus 2 s; 0.5 s is the latency SLO's threshold.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0)
#: The status recorded for a request its connection ended on without a response.
NO_RESPONSE_STATUS = "502"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"})
#: A message head (start line + headers) longer than this is not metered.
MAX_HEAD = 64 * 1024


class HttpMetrics:
    """The request counter and latency histogram of one proxy process, in its own registry."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests forwarded by the fault proxy, by response status.",
            ["service", "method", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "From a request's first byte to its response's head, as the client saw it.",
            ["service", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, status: str, seconds: float) -> None:
        self.requests.labels(self.service, method, status).inc()
        self.duration.labels(self.service, method).observe(max(0.0, seconds))


@dataclass
class _Head:
    """A parsed start line and the framing headers."""

    first: list[str]
    length: int | None
    chunked: bool


def _parse_head(raw: bytes) -> _Head | None:
    try:
        text = raw.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        return None
    lines = text.split("\r\n")
    first = lines[0].split(" ", 2)
    length: int | None = None
    chunked = False
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = name.strip().lower(), value.strip()
        if key == "content-length":
            if not value.isdigit():
                return None
            length = int(value)
        elif key == "transfer-encoding":
            chunked = value.lower().split(",")[-1].strip() == "chunked"
    return _Head(first, length, chunked)


@dataclass
class MessageParser:
    """Splits one direction of an HTTP/1.1 stream into messages (heads and bodies).

    :meth:`feed` returns the heads completed by ``data``; the body that follows each head is
    skipped according to its framing. ``body_for`` decides a response's framing from its head
    (``None``: until the connection closes). Once the stream fails to parse, ``broken``.
    """

    responses: bool
    broken: bool = False
    _buffer: bytearray = field(default_factory=bytearray)
    _remaining: int = 0  # body bytes still to skip (Content-Length, or the current chunk + CRLF)
    _chunked: bool = False
    _chunk_state: str = "size"  # size | data | trailer
    _until_close: bool = False
    no_body_next: deque[bool] = field(default_factory=deque)  # responses: True after a HEAD

    def between_messages(self) -> bool:
        """Nothing of a message is buffered or still to skip: the next byte starts one."""
        return not (self._buffer or self._remaining or self._chunked)

    def partial_head(self) -> bool:
        """Part of a head is buffered (no body left to skip)."""
        return bool(self._buffer) and not (self._remaining or self._chunked)

    def feed(self, data: bytes) -> list[list[str]]:
        if self.broken or self._until_close:
            return []
        self._buffer += data
        heads: list[list[str]] = []
        while self._buffer and not self.broken and not self._until_close:
            if self._remaining:
                step = min(self._remaining, len(self._buffer))
                del self._buffer[:step]
                self._remaining -= step
                continue
            if self._chunked:
                if not self._chunk_step():
                    break
                continue
            head = self._take_head()
            if head is None:
                break
            heads.append(head)
        return heads

    def _take_head(self) -> list[str] | None:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                self.broken = True
            return None
        raw = bytes(self._buffer[:end])
        del self._buffer[: end + 4]
        head = _parse_head(raw.lstrip(b"\r\n"))
        if head is None or not self._well_formed(head.first):
            self.broken = True
            return None
        self._frame(head)
        return head.first

    def _well_formed(self, first: list[str]) -> bool:
        if self.responses:
            return len(first) >= 2 and first[0].startswith("HTTP/1.") and first[1].isdigit() and len(first[1]) == 3
        return len(first) == 3 and first[2].startswith("HTTP/1.")

    def _frame(self, head: _Head) -> None:
        if self.responses:
            status = int(head.first[1])
            known = bool(self.no_body_next)
            after_head = self.no_body_next.popleft() if known else False
            if status == 101:
                self._until_close = True  # switched protocols: no more HTTP/1.1 on this stream
                return
            if 100 <= status < 200:
                if known:
                    self.no_body_next.appendleft(after_head)  # the final response is still to come
                return
            if after_head or status in (204, 304):
                return
        if head.chunked:
            self._chunked, self._chunk_state = True, "size"
        elif head.length is not None:
            self._remaining = head.length
        elif self.responses:
            self._until_close = True  # no framing: the body runs until the connection closes

    def _chunk_step(self) -> bool:
        """Consume one piece of a chunked body; False when more bytes are needed."""
        end = self._buffer.find(b"\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                self.broken = True
            return False
        line = bytes(self._buffer[:end])
        if self._chunk_state == "size":
            del self._buffer[: end + 2]
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.broken = True
                return False
            if size == 0:
                self._chunk_state = "trailer"
            else:
                self._remaining = size + 2  # the data and its CRLF
            return True
        del self._buffer[: end + 2]
        if not line:  # the empty line after the trailers ends the message
            self._chunked = False
        return True


@dataclass
class ExchangeMeter:
    """One proxied connection: requests seen from the client, matched with responses."""

    metrics: HttpMetrics
    requests: MessageParser = field(default_factory=lambda: MessageParser(responses=False))
    responses: MessageParser = field(default_factory=lambda: MessageParser(responses=True))
    _pending: deque[tuple[str, float]] = field(default_factory=deque)
    _first_byte: float | None = None

    def from_client(self, data: bytes, now: float) -> None:
        """Bytes read from the client at ``now`` (before they go upstream)."""
        if data and self._first_byte is None and self.requests.between_messages():
            self._first_byte = now
        for first in self.requests.feed(data):
            method = first[0] if first[0] in _METHODS else "OTHER"
            self._pending.append((method, now if self._first_byte is None else self._first_byte))
            self.responses.no_body_next.append(method == "HEAD")
            self._first_byte = None
        if self._first_byte is None and self.requests.partial_head():
            self._first_byte = now  # the next pipelined request began in this read

    def to_client(self, data: bytes, now: float) -> None:
        """Bytes written to the client at ``now`` (after any injected delay)."""
        for first in self.responses.feed(data):
            status = first[1]
            if status.startswith("1") or not self._pending:
                continue
            method, started = self._pending.popleft()
            self.metrics.observe(method, status, now - started)

    def closed(self, now: float) -> None:
        """The connection ended: requests still waiting got no response."""
        while self._pending:
            method, started = self._pending.popleft()
            self.metrics.observe(method, NO_RESPONSE_STATUS, now - started)
