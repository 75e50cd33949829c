"""Web UI settings: one ``Settings`` read from ``DRILLBIT_*`` environment variables.

Unsafe choices are refused rather than defaulted: the server binds to loopback unless
``DRILLBIT_ALLOW_PUBLIC=1`` says otherwise, and the signing secret and the admin token are
generated once and kept in the data directory (mode 0600) instead of falling back to
well-known values.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from playbook.errors import InvalidDefinition

__all__ = ["MIN_SECRET_LENGTH", "Settings", "is_loopback", "load_admin_token", "load_secret"]

MIN_SECRET_LENGTH = 32


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Where the web UI listens, what it stores where, and its limits."""

    model_config = SettingsConfigDict(env_prefix="DRILLBIT_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535, description="0: any free port")
    allow_public: bool = Field(default=False, description="allow a non-loopback host")
    data_dir: Path = Field(default=Path("var"), description="secret, admin token, study runs")
    db: Path | None = Field(default=None, description="SQLite file; default DATA_DIR/drillbit.db")
    playbook: Path | None = Field(default=None, description="playbook YAML; default: shipped")
    secret: SecretStr | None = Field(default=None, min_length=MIN_SECRET_LENGTH)
    admin_token: SecretStr | None = Field(
        default=None, min_length=16, description="bearer token of the room-creation API"
    )
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    db_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="NORMAL",
        description=(
            "SQLite sync mode. Both keep every acknowledged event through a crash or kill -9 "
            "of the server (WAL: a commit is in the OS's hands before the answer goes out); "
            "FULL also survives a power cut or OS crash, at an fsync per action (the 20x10 "
            "load test's p95 went from 79 to 100 ms)"
        ),
    )
    study_workers: int = Field(default=1, ge=1, description="worker processes per study run")
    tick_seconds: float = Field(default=1.0, gt=0, le=10, description="timed-inject timer")
    sse_max_seconds: float = Field(
        default=300.0, ge=0, description="a live stream closes after this (browsers reconnect)"
    )

    @model_validator(mode="after")
    def _loopback_unless_asked(self) -> Self:
        if not self.allow_public and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is reachable from other machines; "
                "set DRILLBIT_ALLOW_PUBLIC=1 to serve on it"
            )
        return self

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else self.data_dir / "drillbit.db"

    @property
    def studies_dir(self) -> Path:
        return self.data_dir / "studies"


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
