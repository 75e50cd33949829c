"""The checkout service's settings: validated once, refusing unsafe values.

It binds loopback only, needs an admin token of at least 16 characters (no default), and its
payment gateway (when it has one) must be on the allow-list.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from scenarios.allowlist import AllowList, is_loopback_host
from scenarios.bearer import MIN_TOKEN_LENGTH

__all__ = ["VERSION_PATTERN", "TargetSettings"]

#: A service version as deploys name it (``v1.4.2``, ``2026.03.1-rc1``).
VERSION_PATTERN = r"^v?[0-9A-Za-z][0-9A-Za-z._-]{0,39}$"


class TargetSettings(BaseModel):
    """Everything ``python -m scenarios.target`` is started with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    admin_token: SecretStr
    db_path: Path
    service: str = Field(default="checkout", pattern=r"^[a-z][a-z0-9_-]*$")
    pool_size: int = Field(default=5, ge=1, le=100)
    pool_timeout_seconds: float = Field(default=1.0, gt=0, le=60)
    gateway_url: str | None = None
    dependency_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    allowed_targets: tuple[str, ...] = ()
    seed: int | None = None
    version: str = Field(default="v1.4.2", pattern=VERSION_PATTERN)
    previous_versions: tuple[str, ...] = ("v1.4.1",)

    @field_validator("host")
    @classmethod
    def _loopback_only(cls, value: str) -> str:
        if not is_loopback_host(value):
            raise ValueError(f"the staging target binds loopback only, not {value!r}")
        return value

    @field_validator("admin_token")
    @classmethod
    def _long_token(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_TOKEN_LENGTH:
            raise ValueError(f"admin token must be at least {MIN_TOKEN_LENGTH} characters")
        return value

    def allow_list(self) -> AllowList:
        return AllowList.with_extra(self.allowed_targets)

    def model_post_init(self, _context: object) -> None:
        if self.gateway_url is not None:
            self.allow_list().check_url(self.gateway_url)
