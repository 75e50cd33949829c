"""Which hosts and ports drillbit may send chaos to: an allow-list checked before anything is sent.

An entry is a host name, an IP address or a network (CIDR), optionally with a port
(``staging.internal:8081``, ``127.0.0.1:9090``, ``[::1]:9093``); an entry without a port allows
every port of that host. URLs are read strictly (:func:`parse_target`) so that no spelling of
an address slips past a check of another: the scheme must be written ``http``, ``https`` or
``tcp`` in lower case; user information (``user@host``), trailing dots (``localhost.``) and the
short or numeric IPv4 forms a resolver would expand (``127.1``, ``2130706433``, ``0x7f.1``)
are refused outright; ``0.0.0.0`` and IPv6 forms (``[::ffff:127.0.0.1]``) are compared as the
addresses they are, so they pass only when listed.

A host *name* is resolved once (:meth:`AllowList.resolve`): every address it resolves to must
be allowed, and the first one is what the caller connects to (:meth:`AllowList.pin_url`), so
a second, different answer from DNS can never be used. Nothing is resolved or connected before
a URL's form has been checked.

Two lists use this type:

* the components' own checks (the target's gateway, the proxy's upstream, Alertmanager's
  webhooks) default to this machine: ``localhost``, ``127.0.0.0/8``, ``::1``;
* the operator's chaos allow-list (``scenarios.chaosallow.operator_allow``), which
  ``chaosdrillbit.control`` enforces on every activity of an experiment, comes only from the
  operator: ``DRILLBIT_CHAOS_ALLOW`` or an allow file, never from the experiment.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from playbook.errors import InvalidDefinition

__all__ = [
    "ALLOW_ENV",
    "LOOPBACK",
    "AllowList",
    "Target",
    "TargetNotAllowed",
    "host_of",
    "is_loopback_host",
    "parse_entry",
    "parse_target",
]

#: The environment variable holding the operator's chaos allow-list (comma-separated).
ALLOW_ENV = "DRILLBIT_CHAOS_ALLOW"

#: The default entries of the components' own checks: this machine only.
LOOPBACK: tuple[str, ...] = ("localhost", "127.0.0.0/8", "::1")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_SCHEMES = {"http": 80, "https": 443, "tcp": None}
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")


class TargetNotAllowed(InvalidDefinition):
    """A target is not on the allow-list (or is written in a refused form); raised before any
    request is made."""

    def __init__(
        self, host: str, allowed: Iterable[str], why: str = "is not on the allow-list", port: int | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.allowed = tuple(allowed)
        on_port = f" for port {port}" if port is not None else ""
        listed = f" ({', '.join(self.allowed) or 'empty'})" if self.allowed else ""
        super().__init__(
            f"target {host!r} {why}{on_port}{listed}; "
            f"the operator allows targets with {ALLOW_ENV} or --allow FILE",
            field="target",
        )


@dataclass(frozen=True)
class Target:
    """A URL read strictly: scheme, host (lower case, no brackets) and port."""

    url: str
    scheme: str
    host: str
    port: int | None
    address: Address | None  # set when the host is written as an address


def _as_ip(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _check_host_form(host: str, raw: str) -> Address | None:
    """The address ``host`` is written as, None for a valid DNS name; raises on odd forms."""
    address = _as_ip(host)
    if address is not None:
        return address
    if host.endswith("."):
        raise TargetNotAllowed(raw, (), "ends with a dot (refused: it bypasses name checks)")
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise TargetNotAllowed(raw, (), "is a short or numeric IPv4 form (refused)")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise TargetNotAllowed(raw, (), "is not a valid host name")
    return None


def parse_target(url: str) -> Target:
    """Read ``url`` strictly (see the module doc). Raises :class:`TargetNotAllowed` for a
    refused form and :class:`InvalidDefinition` for something that is no URL at all."""
    if not isinstance(url, str) or "://" not in url:
        raise InvalidDefinition(f"not a URL: {url!r}", field="target")
    written_scheme = url.split("://", 1)[0]
    if written_scheme not in _SCHEMES:
        if written_scheme.lower() in _SCHEMES:
            raise TargetNotAllowed(url, (), "has an upper-case scheme (refused)")
        raise InvalidDefinition(f"unsupported URL scheme in {url!r}", field="target")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise TargetNotAllowed(url, (), "carries user information (refused)")
    if not parts.hostname:
        raise InvalidDefinition(f"URL {url!r} names no host", field="target")
    try:
        port = parts.port
    except ValueError:
        raise InvalidDefinition(f"URL {url!r} has an invalid port", field="target") from None
    host = parts.hostname.lower()
    address = _check_host_form(host, url)
    return Target(
        url=url,
        scheme=written_scheme,
        host=host,
        port=port if port is not None else _SCHEMES[written_scheme],
        address=address,
    )


def host_of(url: str) -> str:
    """The host part of ``url``, lower-cased, without brackets or port (read strictly)."""
    return parse_target(url).host


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (the only binds drillbit makes)."""
    if host.lower() == "localhost":
        return True
    address = _as_ip(host)
    return address is not None and address.is_loopback


@dataclass(frozen=True)
class _Entry:
    text: str
    network: Network | None
    name: str | None
    port: int | None


def parse_entry(raw: str) -> tuple[str, int | None]:
    """Split an entry into (host or network, port or None); raises ValueError when invalid."""
    entry = raw.strip().lower()
    port: int | None = None
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise ValueError(f"not a valid entry: {raw!r}")
            port = int(rest[1:])
        entry = host
    elif entry.count(":") == 1:
        entry, _, port_text = entry.partition(":")
        if not port_text.isdigit():
            raise ValueError(f"not a valid port in {raw!r}")
        port = int(port_text)
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"not a valid port in {raw!r}")
    if "/" in entry or _as_ip(entry) is not None:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"not a valid network: {raw!r}") from None
    elif "*" in entry:
        raise ValueError(f"wildcards are not supported: {raw!r}")
    elif entry.endswith(".") or not all(_LABEL.fullmatch(label) for label in entry.split(".")):
        raise ValueError(f"not a valid host name: {raw!r}")
    return entry, port


class AllowList(BaseModel):
    """Host names, addresses and networks (each optionally with a port) that may be targeted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: tuple[str, ...] = Field(default=LOOPBACK)

    @field_validator("entries")
    @classmethod
    def _valid_entries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = []
        for raw in value:
            if not raw.strip():
                continue
            parse_entry(raw)
            cleaned.append(raw.strip().lower())
        return tuple(dict.fromkeys(cleaned))

    @classmethod
    def with_extra(cls, extra: Iterable[str] | str | None) -> AllowList:
        """Loopback plus ``extra`` (a list, or a comma-separated string)."""
        return cls(entries=(*LOOPBACK, *_split(extra)))

    @classmethod
    def of(cls, entries: Iterable[str] | str | None) -> AllowList:
        """Exactly ``entries`` (a list, or a comma-separated string); may be empty."""
        return cls(entries=tuple(_split(entries)))

    def _parsed(self) -> list[_Entry]:
        parsed = []
        for text in self.entries:
            host, port = parse_entry(text)
            network = ipaddress.ip_network(host, strict=False) if "/" in host or _as_ip(host) else None
            parsed.append(_Entry(text, network, None if network else host, port))
        return parsed

    def allows_address(self, address: Address | str, port: int | None = None) -> bool:
        """Whether ``address`` (and ``port``, when given) is listed. Entries naming a host are
        matched by name only (see :meth:`allows_host`), never by resolving them."""
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        return any(
            entry.network is not None
            and ip in entry.network
            and (entry.port is None or port is None or entry.port == port)
            for entry in self._parsed()
        )

    def allows_host(self, host: str, port: int | None = None) -> bool:
        """Whether ``host`` (a name as written, or an address) and ``port`` are listed. No DNS."""
        host = host.lower().strip("[]")
        address = _as_ip(host)
        if address is not None:
            return self.allows_address(address, port)
        return any(
            entry.name == host and (entry.port is None or port is None or entry.port == port)
            for entry in self._parsed()
        )

    def check_host(self, host: str, port: int | None = None) -> str:
        """Return ``host`` if allowed, else raise :class:`TargetNotAllowed` naming it."""
        if not self.allows_host(host, port):
            raise TargetNotAllowed(host.lower().strip("[]"), self.entries, port=port)
        return host

    def check_url(self, url: str) -> str:
        """Return ``url`` if its form, host and port are allowed (no DNS), else raise."""
        target = parse_target(url)
        self.check_host(target.host, target.port)
        return url

    def resolve(self, url: str) -> tuple[Target, Address]:
        """Check ``url``'s form, resolve its host once and check every address it resolves
        to (with the port); returns the target and the address to connect to."""
        target = parse_target(url)
        if target.address is not None:
            addresses: list[Address] = [target.address]
        else:
            try:
                infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
            except OSError as exc:
                why = f"is not on the allow-list (it does not resolve: {exc.strerror or exc})"
                raise TargetNotAllowed(target.host, self.entries, why) from None
            addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        for address in addresses:
            if not (self.allows_address(address, target.port) or self.allows_host(target.host, target.port)):
                why = "is not on the allow-list"
                if str(address) != target.host:
                    why = f"is not on the allow-list (it resolves to {address})"
                raise TargetNotAllowed(target.host, self.entries, why, port=target.port)
        return target, addresses[0]

    def pin_url(self, url: str) -> tuple[str, str | None]:
        """``url`` with its host replaced by the checked address it resolved to, and the
        ``Host`` header to send (None when the URL already names an address)."""
        target, address = self.resolve(url)
        if target.address is not None:
            return url, None
        parts = urlsplit(url)
        host = f"[{address}]" if address.version == 6 else str(address)
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        header = target.host if parts.port is None else f"{target.host}:{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc)), header


def _split(items: Iterable[str] | str | None) -> list[str]:
    if items is None:
        return []
    if isinstance(items, str):
        return [part.strip() for part in items.split(",") if part.strip()]
    return [item for item in items if item.strip()]
