"""One HTTP request to an allow-listed URL: the client drillbit's chaos code sends with.

:func:`call` checks its URL against the allow-list first, then sends with a client that ignores
proxy environment variables (a proxy would carry the request elsewhere) and never follows
redirects (a redirect could point past the allow-list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from playbook.errors import RunFailed
from scenarios.allowlist import AllowList

__all__ = ["UnexpectedStatus", "call"]


class UnexpectedStatus(RunFailed):
    """A request was answered, but not with a status the caller expects."""

    def __init__(self, message: str, status: int) -> None:
        self.status = status
        super().__init__(message)


def call(
    method: str,
    url: str,
    *,
    allow: AllowList,
    token: str | None = None,
    body: Mapping[str, Any] | None = None,
    params: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    expect: tuple[int, ...] = (200,),
) -> Any:
    """Send one request to an allow-listed URL and return its JSON body.

    Raises :class:`TargetNotAllowed` before sending, or :class:`RunFailed` when the request
    fails or the status is not in ``expect``.
    """
    allow.check_url(url)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with httpx.Client(trust_env=False, follow_redirects=False, timeout=timeout) as client:
            response = client.request(method, url, json=body, params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise RunFailed(f"{method} {url} failed: {type(exc).__name__}: {exc}") from exc
    if response.status_code not in expect:
        raise UnexpectedStatus(
            f"{method} {url} answered {response.status_code}: {response.text[:300]}",
            response.status_code,
        )
    if not response.content:
        return None
    return response.json()
