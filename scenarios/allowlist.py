"""Which hosts drillbit may send chaos to: an allow-list checked before anything is sent.

Every action (inject a fault, start load, query Prometheus, call a drill API) names the URL it
is about to use; :meth:`AllowList.check_url` runs first and raises :class:`TargetNotAllowed`,
naming the host, when the host is not listed. Nothing is resolved or connected before the
check: a host name is compared as written, never looked up in DNS (a lookup could be answered
by anyone, and is itself traffic).

The default list is loopback only (``localhost``, ``127.0.0.0/8``, ``::1``). Pointing drillbit at
your own staging is an explicit choice: add its host names or networks, e.g.
``DRILLBIT_ALLOWED_TARGETS="staging.internal,10.20.0.0/16"``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from playbook.errors import InvalidDefinition

__all__ = [
    "ALLOWED_TARGETS_KEY",
    "LOOPBACK",
    "AllowList",
    "TargetNotAllowed",
    "host_of",
    "is_loopback_host",
]

#: The configuration key (and environment variable, upper-cased) holding extra entries.
ALLOWED_TARGETS_KEY = "drillbit_allowed_targets"

#: The default entries: this machine only.
LOOPBACK: tuple[str, ...] = ("localhost", "127.0.0.0/8", "::1")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetNotAllowed(InvalidDefinition):
    """A target is not on the allow-list; raised before any request is made."""

    def __init__(self, host: str, allowed: Iterable[str]) -> None:
        self.host = host
        self.allowed = tuple(allowed)
        super().__init__(
            f"target {host!r} is not on the allow-list ({', '.join(self.allowed)}); "
            f"add it to {ALLOWED_TARGETS_KEY.upper()} to allow it",
            field="target",
        )


def host_of(url: str) -> str:
    """The host part of ``url``, lower-cased, without brackets or port.

    Raises :class:`InvalidDefinition` when the URL has no host or an unsupported scheme.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https", "tcp"}:
        raise InvalidDefinition(f"unsupported URL scheme in {url!r}", field="target")
    host = parts.hostname
    if not host:
        raise InvalidDefinition(f"URL {url!r} names no host", field="target")
    return host.lower().rstrip(".")


def _as_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (the only binds drillbit makes)."""
    if host.lower() == "localhost":
        return True
    address = _as_ip(host)
    return address is not None and address.is_loopback


class AllowList(BaseModel):
    """Host names (exact, case-insensitive) and IP networks that may be targeted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: tuple[str, ...] = Field(default=LOOPBACK, min_length=1)

    @field_validator("entries")
    @classmethod
    def _valid_entries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = []
        for raw in value:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            if "/" in entry or _as_ip(entry) is not None:
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(f"not a valid network: {raw!r}") from None
            elif "*" in entry:
                raise ValueError(f"wildcards are not supported: {raw!r}")
            cleaned.append(entry)
        return tuple(dict.fromkeys(cleaned))

    @classmethod
    def with_extra(cls, extra: Iterable[str] | str | None) -> AllowList:
        """Loopback plus ``extra`` (a list, or a comma-separated string)."""
        if extra is None:
            items: list[str] = []
        elif isinstance(extra, str):
            items = [part for part in extra.split(",") if part.strip()]
        else:
            items = list(extra)
        return cls(entries=(*LOOPBACK, *items))

    @classmethod
    def from_configuration(cls, configuration: Mapping[str, Any] | None) -> AllowList:
        """The allow-list of a Chaos Toolkit run: loopback plus ``drillbit_allowed_targets``."""
        extra = (configuration or {}).get(ALLOWED_TARGETS_KEY)
        if extra is not None and not isinstance(extra, (str, list, tuple)):
            raise InvalidDefinition(
                f"{ALLOWED_TARGETS_KEY} must be a list or a comma-separated string",
                field=ALLOWED_TARGETS_KEY,
            )
        return cls.with_extra(extra)

    def _networks(self) -> list[Network]:
        return [
            ipaddress.ip_network(entry, strict=False)
            for entry in self.entries
            if "/" in entry or _as_ip(entry) is not None
        ]

    def allows_host(self, host: str) -> bool:
        """Whether ``host`` (a name or an address) is on the list. Pure: no DNS."""
        host = host.lower().strip("[]").rstrip(".")
        address = _as_ip(host)
        if address is None:
            return host in self.entries
        return any(address in network for network in self._networks())

    def check_host(self, host: str) -> str:
        """Return ``host`` if allowed, else raise :class:`TargetNotAllowed` naming it."""
        if not self.allows_host(host):
            raise TargetNotAllowed(host, self.entries)
        return host

    def check_url(self, url: str) -> str:
        """Return ``url`` if its host is allowed, else raise :class:`TargetNotAllowed`."""
        self.check_host(host_of(url))
        return url
