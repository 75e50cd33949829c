"""The one way the extension sends HTTP: allow-list first, then a plain loopback-safe client.

:func:`guarded` checks *every* URL an activity will use against the allow-list before the
activity sends anything, so a refused target means no request at all (not even to the
allowed ones). :func:`call` re-checks its URL, then sends with a client that ignores proxy
environment variables (a proxy would carry the request elsewhere) and never follows
redirects (a redirect could point past the allow-list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from playbook.errors import InvalidDefinition, RunFailed
from scenarios.allowlist import AllowList

__all__ = ["Configuration", "Secrets", "UnexpectedStatus", "admin_call", "call", "guarded", "secret"]

#: What Chaos Toolkit passes as ``configuration`` and (flattened) ``secrets``.
Configuration = Mapping[str, Any]
Secrets = Mapping[str, Any]


class UnexpectedStatus(RunFailed):
    """A request was answered, but not with a status the caller expects."""

    def __init__(self, message: str, status: int) -> None:
        self.status = status
        super().__init__(message)


def guarded(configuration: Configuration | None, *urls: str) -> AllowList:
    """The run's allow-list, after checking all ``urls`` against it (raises on the first)."""
    allow = AllowList.from_configuration(configuration)
    for url in urls:
        allow.check_url(url)
    return allow


def secret(secrets: Secrets | None, name: str) -> str:
    """A secret the activity needs (declared with ``"secrets": ["drillbit"]``)."""
    value = (secrets or {}).get(name)
    if not isinstance(value, str) or not value:
        raise InvalidDefinition(
            f"secret {name!r} is missing: declare it under the experiment's secrets "
            "and list that scope in the activity's provider",
            field=name,
        )
    return value


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


def admin_call(
    method: str,
    base_url: str,
    path: str,
    *,
    auth_from: str,
    configuration: Configuration | None,
    secrets: Secrets | None,
    body: Mapping[str, Any] | None = None,
    expect: tuple[int, ...] = (200,),
) -> Any:
    """One authenticated request to ``base_url + path``: the allow-list is checked first,
    then the secret named ``auth_from`` is read, then the request is sent."""
    allow = guarded(configuration, base_url)
    token = secret(secrets, auth_from)
    return call(
        method, f"{base_url.rstrip('/')}{path}", allow=allow, token=token, body=body, expect=expect
    )
