"""ASGI middleware: the Host allow-list, a request body size limit and CSRF checks, all before
any route runs.

``HostAllowList`` is the outermost: a request whose ``Host`` header is not one of the
server's names gets 400 before anything else reads it, so a page served under a name an
attacker controls (DNS rebinding) cannot talk to this server, and links built from the Host
header always name this server.

``BodyLimit`` must be the outer one: it reads the whole body (at most ``limit`` bytes) before
the app sees a byte, so a 413 is always a 413 (an exception raised from inside ``receive``
would be turned into a 400 by FastAPI's body parsing). ``CsrfProtect`` then checks unsafe
browser requests and hands every page the token it must echo.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import cookie_parser

from webui.security import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, constant_time_equal, new_token

__all__ = ["BodyLimit", "CsrfProtect", "HostAllowList", "SecurityHeaders"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def _refuse(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"detail": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _replaying(buffered: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands out ``buffered`` first, then the real one (disconnects)."""

    async def replay() -> Message:
        return buffered.pop(0) if buffered else await receive()

    return replay


class HostAllowList:
    """400 for a request whose Host header ``allowed(host)`` refuses (or that has none)."""

    def __init__(self, app: ASGIApp, *, allowed: Callable[[str], bool]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host") or ""
        if not self.allowed(host):
            shown = host[:100].encode("ascii", "replace").decode()
            await _refuse(
                send, 400, f"Host {shown!r} is not a name of this server (DRILLBIT_ALLOWED_HOSTS)"
            )
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413, by header or by counting the stream."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reason = f"request body over {self.limit} bytes"
        declared = _header(scope, b"content-length")
        if declared is not None and not declared.strip().isdigit():
            await _refuse(send, 400, "Content-Length is not a number")
            return
        if declared is not None and int(declared) > self.limit:
            await _refuse(send, 413, reason)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") and declared is None:
            await self.app(scope, receive, send)  # no body; keeps live streams' receive direct
            return
        buffered: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break  # the client went away; let the app see it
            seen += len(message.get("body", b""))
            if seen > self.limit:
                await _refuse(send, 413, reason)
                return
            if not message.get("more_body"):
                break
        await self.app(scope, _replaying(buffered, receive), send)


class CsrfProtect:
    """Unsafe requests must echo the ``csrftoken`` cookie (double submit), except exempt paths.

    Exempt are the bearer-token APIs (``/api/``), which never read cookies, so a browser
    cannot be tricked into authenticating them. The token is read from the ``X-CSRF-Token``
    header or, for plain forms, from the ``csrf_token`` field of an urlencoded body.

    Every other request gets the token in ``request.state.csrf_token`` (for the page's forms);
    when the browser has none yet, a fresh one is set as a cookie on the response.
    """

    def __init__(self, app: ASGIApp, *, exempt_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.exempt = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        cookies = cookie_parser(_header(scope, b"cookie") or "")
        expected = cookies.get(CSRF_COOKIE, "")
        if scope["method"] in _UNSAFE:
            supplied, receive = await self._supplied(scope, receive)
            if not expected or supplied is None or not constant_time_equal(expected, supplied):
                await _refuse(send, 403, "missing or wrong CSRF token; reload the page")
                return
        token = expected or new_token()
        scope.setdefault("state", {})["csrf_token"] = token
        if expected:
            await self.app(scope, receive, send)
            return
        cookie = f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax".encode()

        async def setting_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, setting_cookie)

    @staticmethod
    async def _supplied(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
        supplied = _header(scope, CSRF_HEADER.encode())
        content_type = _header(scope, b"content-type") or ""
        if supplied is not None or not content_type.startswith("application/x-www-form-urlencoded"):
            return supplied, receive
        buffered: list[Message] = []
        body = b""
        while True:
            message = await receive()
            buffered.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        fields = parse_qs(body.decode("utf-8", "replace"))
        return (fields.get(CSRF_FIELD) or [None])[0], _replaying(buffered, receive)


class SecurityHeaders:
    """Content-Security-Policy, nosniff and no-referrer on every response that has none.

    ``relaxed`` maps a path prefix to its own policy (Swagger UI at ``/docs`` starts itself
    with an inline script; its code and styles still come only from this server).
    """

    def __init__(self, app: ASGIApp, *, csp: str, relaxed: dict[str, str] | None = None) -> None:
        self.app = app
        self.csp = csp.encode()
        self.relaxed = {prefix: policy.encode() for prefix, policy in (relaxed or {}).items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
        path = str(scope["path"])
        policy = next((p for prefix, p in self.relaxed.items() if path.startswith(prefix)), self.csp)
        extra.append((b"content-security-policy", policy))

        async def adding(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                message["headers"] = headers + [(k, v) for k, v in extra if k not in present]
            await send(message)

        await self.app(scope, receive, adding)
