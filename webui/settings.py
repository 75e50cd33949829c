"""The web UI's secrets: the program's :class:`~drillbit.settings.Settings`, and the signing
secret and admin token, generated once and kept in the data directory (mode 0600) instead of
falling back to well-known values.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from drillbit.settings import MIN_SECRET_LENGTH, Settings, is_loopback
from playbook.errors import InvalidDefinition

__all__ = ["MIN_SECRET_LENGTH", "Settings", "is_loopback", "load_admin_token", "load_secret"]


def _kept(path: Path, what: str) -> str:
    """The token in ``path``, created (0600) with a fresh random value if absent."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # kept from an earlier run, or another process just wrote it
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    value = path.read_text(encoding="utf-8").strip()
    if len(value) < MIN_SECRET_LENGTH:
        raise InvalidDefinition(
            f"{path} holds a {what} shorter than {MIN_SECRET_LENGTH} characters; delete it to "
            "have a new one generated"
        )
    return value


def load_secret(settings: Settings) -> bytes:
    """The signing secret: the configured one, or one generated once and kept on disk."""
    if settings.secret is not None:
        return settings.secret.get_secret_value().encode()
    return _kept(settings.data_dir / "secret.key", "secret").encode()


def load_admin_token(settings: Settings) -> str:
    """The admin API token: the configured one, or one generated once and kept on disk."""
    if settings.admin_token is not None:
        return settings.admin_token.get_secret_value()
    return _kept(settings.data_dir / "admin.token", "token")
