"""HTTP status codes for drillbit's errors: the only place they are chosen.

=========================  ======  ============================================================
error                      status  when
=========================  ======  ============================================================
``RequestValidationError``  422    a request does not match its model (FastAPI's own check)
``ValidationError``         422    a body validated in a route (actions, injects) is wrong
``LimitReached``            429    a budget is used up (rooms, events, guesses; ``Retry-After``)
``InvalidDefinition``       422    a drill, study, form or payload is wrong (``UnknownScript``)
``ActionRefused``           409    a drill rule refused an action; nothing changed
``SessionNotFound``         404    no such room (or join code)
``RunFailed``               500    something broke while running (``StoreFailed``); any
                                   other ``DrillbitError`` too
``SignInRequired``          401    no facilitator sign-in (a page navigation: 303 to ``/signin``)
``HTTPException``           any    auth (401/403), unknown pages (404), methods (405)
=========================  ======  ============================================================

Reasons never name a path of the server: :func:`redact` makes paths under the project, the
data directory or the working directory relative, and reduces any other absolute path to its
file name.

Answers are JSON ``{"detail": reason}`` for the API and for htmx requests (the page's script
shows the reason), and a small HTML page for a browser navigating (a form posted without
JavaScript, a stale link).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from drills.errors import ActionRefused, SessionNotFound
from playbook.errors import DrillbitError, InvalidDefinition, RunFailed
from webui.deps import SignInRequired
from webui.limits import LimitReached, TooManyGuesses
from webui.rendering import templates

__all__ = ["install_handlers", "redact", "server_roots", "validation_reason", "wants_html"]

_PROJECT = Path(__file__).resolve().parent.parent
_TOP = "bin|boot|dev|etc|home|lib|media|mnt|nix|opt|private|proc|root|run|snap|srv|sys|tmp|Users|usr|var|Volumes|work"
_ABSOLUTE = re.compile(rf"(?<![\w.:/])/(?:{_TOP})(?:/[\w.@+-]+)*/([\w.@+-]+)|(?<![\w.:/])/(?:{_TOP})\b")


def server_roots(data_dir: Path) -> list[Path]:
    """The directories whose paths an answer shows relative (longest first)."""
    roots = {_PROJECT, Path.cwd().resolve(), data_dir.resolve()}
    return sorted(roots, key=lambda p: len(str(p)), reverse=True)


def redact(text: str, roots: Iterable[Path]) -> str:
    """``text`` without absolute paths of this machine (relative ones, or bare file names)."""
    for root in roots:
        text = text.replace(f"{root}{os.sep}", "")
    return _ABSOLUTE.sub(lambda m: m.group(1) or "(a server path)", text)


def wants_html(request: Request) -> bool:
    """A browser navigation (not htmx, not the API) that should get an HTML error page."""
    if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def validation_reason(errors: list[Any]) -> str:
    """One line naming each wrong field: ``severity: Field required; ...``."""
    parts = []
    for error in errors[:5]:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
        where = ".".join(loc)
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "invalid request"


def _answer(request: Request, status: int, reason: str, **extra: Any) -> Response:
    settings = getattr(request.app.state, "settings", None)
    if settings is not None:
        reason = redact(reason, server_roots(settings.data_dir))
    if wants_html(request):
        return templates().TemplateResponse(
            request, "error.html", {"status": status, "reason": reason}, status_code=status
        )
    return JSONResponse({"detail": reason, **extra}, status_code=status)


async def _request_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if wants_html(request):
        return _answer(request, 422, validation_reason(errors))
    return JSONResponse(
        {"detail": validation_reason(errors), "errors": _plain(errors)}, status_code=422
    )


def _plain(errors: list[Any]) -> list[dict[str, Any]]:
    """Validation errors without the input echoed back (it may be large or a secret)."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg")), "type": str(e.get("type"))}
        for e in errors[:20]
    ]


async def _model_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    errors = list(exc.errors(include_url=False))
    return _answer(request, 422, validation_reason(errors), errors=_plain(errors))


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidDefinition)
    return _answer(request, 422, exc.one_line())


async def _limit(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LimitReached)
    response = _answer(request, 429, exc.one_line())
    if isinstance(exc, TooManyGuesses):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if request.method == "GET" and wants_html(request):
        return RedirectResponse(exc.location, status_code=303)
    return _answer(request, 401, str(exc))


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ActionRefused)
    return _answer(request, 409, exc.reason, action=exc.action)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _answer(request, 404, str(exc))


async def _failed(request: Request, exc: Exception) -> Response:
    return _answer(request, 500, str(exc))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if wants_html(request):
        return _answer(request, exc.status_code, str(exc.detail))
    return await http_exception_handler(request, exc)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(ValidationError, _model_invalid)
    app.add_exception_handler(LimitReached, _limit)
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(InvalidDefinition, _invalid)
    app.add_exception_handler(ActionRefused, _refused)
    app.add_exception_handler(SessionNotFound, _not_found)
    app.add_exception_handler(RunFailed, _failed)
    app.add_exception_handler(DrillbitError, _failed)
    app.add_exception_handler(StarletteHTTPException, _http)
