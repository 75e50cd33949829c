"""Fixtures for the scenarios tests: a real checkout process, a connection recorder."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp

from scenarios.monitoring.compression import TimeCompression
from scenarios.monitoring.rules import PAGE_TIERS
from scenarios.procs import ProcessRecord, free_port, python_env, spawn, terminate, wait_until

#: How long a test waits for the steady state after a rollback. Every shipped steady state says
#: "no critical alert is firing", and the slowest page tier (6x over 6h with 30m) resets only once
#: its short window, compressed to 30 s, holds no errors any more, plus a rule evaluation and a
#: scrape. Twice the longest short window covers that on a loaded 2-core machine; a quicker
#: recovery returns at once (it is a poll's deadline, not a wait).
RECOVERY_TIMEOUT_SECONDS = 2 * max(TimeCompression().seconds(short) for _, _, short in PAGE_TIERS) + 15


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: starts the target, Prometheus and Alertmanager on loopback "
        "(needs the Debian packages prometheus and prometheus-alertmanager)",
    )


@pytest.fixture(autouse=True)
def operator_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chaos activities in these tests may reach loopback (the operator's list; the default,
    the stack's own ports, is tested in tests/chaosdrillbit)."""
    monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", "127.0.0.1,::1")
    monkeypatch.delenv("DRILLBIT_CHAOS_ALLOW_FILE", raising=False)


@dataclass
class RunningTarget:
    url: str
    token: str
    record: ProcessRecord
    db: Path


def start_target(tmp: Path, *extra: str) -> RunningTarget:
    """A real ``python -m scenarios.target`` process on a free port, ready."""
    port = free_port()
    token = secrets.token_urlsafe(24)
    token_file = tmp / "admin.token"
    token_file.write_text(token)
    record = spawn(
        "target",
        [
            sys.executable, "-m", "scenarios.target",
            "--port", str(port),
            "--admin-token-file", str(token_file),
            "--db", str(tmp / "checkout.db"),
            "--pool-size", "3",
            "--pool-timeout", "0.3",
            "--seed", "7",
            *extra,
        ],
        log_path=tmp / "target.log",
        env=python_env(),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=0.5, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, timeout=20, what="the target to answer")
    return RunningTarget(url=url, token=token, record=record, db=tmp / "checkout.db")


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTarget]:
    """One checkout process shared by a test module (faults cleared by each user)."""
    running = start_target(tmp_path_factory.mktemp("target"))
    try:
        yield running
    finally:
        terminate(running.record)


@dataclass
class ConnectionRecorder:
    """A real TCP listener on loopback that counts the connections it accepts."""

    port: int
    accepted: list[tuple[str, int]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def recorder() -> Iterator[ConnectionRecorder]:
    with connection_recorder() as rec:
        yield rec


@contextlib.contextmanager
def connection_recorder() -> Iterator[ConnectionRecorder]:
    """A :class:`ConnectionRecorder` accepting in a thread (the fixture, and bench/chaos_safety.py)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    rec = ConnectionRecorder(port=server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, address = server.accept()
            except TimeoutError:
                continue
            rec.accepted.append(address)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


@contextlib.contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` with a real uvicorn on a free loopback port, in a thread; yields its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), timeout=10, what="uvicorn")
        if not server.started:
            raise RuntimeError("uvicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class HttpRecorder:
    """A real HTTP server on loopback that records requests and answers from a table.

    ``routes`` maps ``(method, path)`` to ``(status, json body)``; anything else is 404.
    With ``token`` set, requests without ``Authorization: Bearer <token>`` get 401 (and are
    recorded in ``rejected``).
    """

    url: str
    routes: dict[tuple[str, str], tuple[int, Any]]
    token: str | None = None
    requests: list[Request] = field(default_factory=list)
    rejected: list[Request] = field(default_factory=list)


@contextlib.contextmanager
def http_recorder(
    routes: dict[tuple[str, str], tuple[int, Any]] | None = None, token: str | None = None
) -> Iterator[HttpRecorder]:
    recorder_box: list[HttpRecorder] = []

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            rec = recorder_box[0]
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            request = Request(self.command, self.path, dict(self.headers.items()), body)
            if rec.token is not None and self.headers.get("Authorization") != f"Bearer {rec.token}":
                rec.rejected.append(request)
                self._reply(401, {"detail": "bad token"})
                return
            rec.requests.append(request)
            status, answer = rec.routes.get(
                (self.command, self.path), (404, {"detail": "no route"})
            )
            self._reply(status, answer)

        def _reply(self, status: int, answer: Any) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder_box.append(
        HttpRecorder(
            url=f"http://127.0.0.1:{server.server_address[1]}", routes=routes or {}, token=token
        )
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield recorder_box[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
