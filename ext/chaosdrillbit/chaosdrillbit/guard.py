"""The one way the extension sends HTTP: allow-list first, then a plain loopback-safe client.

:func:`guarded` checks *every* URL an activity will use against the operator's allow-list
(:func:`scenarios.chaosallow.operator_allow`; never the experiment's configuration) before the
activity sends anything, so a refused target means no request at all (not even to the
allowed ones). The ``drillbit-safeguard`` control has vetted the activity already; this is
the same check again, for activities called outside a controlled run. :func:`call` re-checks its URL, then sends with a client that ignores proxy
environment variables (a proxy would carry the request elsewhere) and never follows
redirects (a redirect could point past the allow-list).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from playbook.errors import InvalidDefinition
from scenarios.allowlist import AllowList
from scenarios.chaosallow import STACK_DIR_ENV, operator_allow
from scenarios.httpcall import UnexpectedStatus, call
from scenarios.stack import DEFAULT_RUN_DIR, load_state

__all__ = ["Configuration", "Secrets", "UnexpectedStatus", "admin_call", "call", "guarded", "secret"]

#: What Chaos Toolkit passes as ``configuration`` and (flattened) ``secrets``.
Configuration = Mapping[str, Any]
Secrets = Mapping[str, Any]


def guarded(configuration: Configuration | None, *urls: str) -> AllowList:
    """The operator's allow-list, after checking all ``urls`` against it (raises on the first).

    ``configuration`` is accepted (Chaos Toolkit passes it) but never widens the list.
    """
    allow = operator_allow().targets
    for url in urls:
        allow.resolve(url)
    return allow


def _stack_token(name: str) -> str | None:
    """An admin token from the stack's own 0600 files (``DRILLBIT_STACK_DIR``)."""
    state = load_state(Path(os.environ.get(STACK_DIR_ENV) or DEFAULT_RUN_DIR).resolve())
    if state is None:
        return None
    files = {"target_admin_token": state.target_admin_token_file, "proxy_admin_token": state.proxy_admin_token_file}
    path = files.get(name)
    return path.read_text().strip() if path is not None and path.exists() else None


def secret(secrets: Secrets | None, name: str) -> str:
    """A secret the activity needs: from the experiment's ``secrets`` if it declares one, else
    from the stack's environment (``DRILLBIT_<NAME>``, as ``chaos.env`` sets it), else (admin
    tokens) from the stack's own token files: experiments need no secrets section."""
    value = (secrets or {}).get(name) or os.environ.get(f"DRILLBIT_{name.upper()}") or _stack_token(name)
    if not isinstance(value, str) or not value:
        raise InvalidDefinition(
            f"secret {name!r} is missing: start the stack (its token files are read), or "
            "declare it under the experiment's secrets",
            field=name,
        )
    return value


def admin_call(
    method: str,
    base_url: str,
    path: str,
    *,
    auth_from: str,
    configuration: Configuration | None,
    secrets: Secrets | None,
    body: Mapping[str, Any] | None = None,
    params: Mapping[str, str] | None = None,
    expect: tuple[int, ...] = (200,),
) -> Any:
    """One authenticated request to ``base_url + path``: the allow-list is checked first,
    then the secret named ``auth_from`` is read, then the request is sent."""
    allow = guarded(configuration, base_url)
    token = secret(secrets, auth_from)
    return call(
        method, f"{base_url.rstrip('/')}{path}", allow=allow, token=token, body=body, params=params, expect=expect
    )
