"""Bearer-token guard for the admin and control APIs of the target and the fault proxy.

Tokens are compared in constant time. A missing header is 401 (with ``WWW-Authenticate``),
a wrong token is 403. Tokens come from a file or an argument, never from a default: a service
refuses to start without one (see :func:`read_token`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import Header, HTTPException, status
from pydantic import SecretStr

from playbook.errors import InvalidDefinition

__all__ = ["MIN_TOKEN_LENGTH", "bearer_guard", "read_token"]

#: Shortest admin token accepted (tokens are generated with ``secrets.token_urlsafe(24)``).
MIN_TOKEN_LENGTH = 16


def read_token(value: str | None, path: Path | None, *, what: str) -> SecretStr:
    """The token given inline or in a file (exactly one), at least 16 characters long."""
    if value is not None and path is None:
        token = value
    elif path is not None and value is None:
        token = path.read_text().strip()
    else:
        raise InvalidDefinition(f"give exactly one of --{what} and --{what}-file", field=what)
    if len(token) < MIN_TOKEN_LENGTH:
        raise InvalidDefinition(
            f"{what} must be at least {MIN_TOKEN_LENGTH} characters", field=what
        )
    return SecretStr(token)


def bearer_guard(expected: SecretStr) -> Callable[[str | None], None]:
    """A FastAPI dependency that admits only ``Authorization: Bearer <expected>``."""
    wanted = expected.get_secret_value().encode()

    def guard(authorization: Annotated[str | None, Header()] = None) -> None:
        if authorization is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="bearer token required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), wanted):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="invalid bearer token")

    return guard
