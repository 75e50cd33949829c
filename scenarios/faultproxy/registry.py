"""Named fault proxies, their toxics and their leases: the state behind the control API.

Each proxy is a :class:`~scenarios.faultproxy.proxy.FaultProxy`; what it applies is the
merge of its toxics (Toxiproxy's API, :mod:`.toxics`) and of the drillbit ``/faults`` settings.
Whenever a proxy carries a fault it holds a :class:`~scenarios.lease.Lease`; :meth:`expire`
clears the faults of every proxy whose lease ran out (enabled again, no toxics), so a fault
outlives the experiment that set it by at most its lease.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from scenarios.allowlist import AllowList, is_loopback_host
from scenarios.faultproxy.httpmeter import HttpMetrics
from scenarios.faultproxy.model import ProxyFaults, without_kinds
from scenarios.faultproxy.proxy import FaultProxy
from scenarios.faultproxy.toxics import (
    ProxyCreate,
    ProxyUpdate,
    ProxyView,
    Toxic,
    ToxicCreate,
    faults_of,
)
from scenarios.lease import DEFAULT_LEASE_SECONDS, Lease

__all__ = ["Conflict", "NoSuchProxy", "ProxyRegistry", "split_address"]


class NoSuchProxy(KeyError):
    """No proxy (or toxic) of that name."""


class Conflict(ValueError):
    """A proxy (or toxic) of that name exists already."""


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port``) into its parts; ValueError when malformed."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host or not 0 <= int(port) < 65536:
        raise ValueError(f"not a host:port address: {address!r}")
    return host.strip("[]"), int(port)


@dataclass(eq=False)
class _Entry:
    name: str
    proxy: FaultProxy
    enabled: bool = True
    toxics: dict[str, Toxic] = field(default_factory=dict)
    direct: ProxyFaults = field(default_factory=ProxyFaults)
    lease: Lease | None = None

    def effective(self) -> ProxyFaults:
        toxic = faults_of(list(self.toxics.values()), enabled=self.enabled).model_dump()
        direct = self.direct.model_dump()
        defaults = ProxyFaults().model_dump()
        merged = {k: toxic[k] if toxic[k] != defaults[k] else direct[k] for k in defaults}
        return ProxyFaults.model_validate(merged)

    def view(self) -> ProxyView:
        return ProxyView(
            name=self.name,
            listen=f"{self.proxy.listen_host}:{self.proxy.port}",
            upstream=f"{self.proxy.upstream_host}:{self.proxy.upstream_port}",
            enabled=self.enabled,
            toxics=list(self.toxics.values()),
        )


class ProxyRegistry:
    """The proxies of one process, all listening on loopback."""

    def __init__(
        self,
        allow: AllowList,
        rng: random.Random,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        metrics: HttpMetrics | None = None,
    ) -> None:
        self._allow = allow
        self.metrics = metrics
        self._rng = rng
        self.lease_seconds = lease_seconds
        self._entries: dict[str, _Entry] = {}
        self._lock = asyncio.Lock()

    def names(self) -> list[str]:
        return list(self._entries)

    def entry(self, name: str) -> _Entry:
        if name not in self._entries:
            raise NoSuchProxy(f"proxy {name!r} does not exist")
        return self._entries[name]

    def view(self, name: str) -> ProxyView:
        return self.entry(name).view()

    def views(self) -> dict[str, ProxyView]:
        return {name: entry.view() for name, entry in self._entries.items()}

    def leases(self) -> dict[str, tuple[list[str], Lease]]:
        """The proxies holding a fault: their active fault names and lease."""
        return {
            name: (entry.effective().active(), entry.lease)
            for name, entry in self._entries.items()
            if entry.lease is not None
        }

    def _proxy(self, listen: str, upstream: str) -> FaultProxy:
        listen_host, listen_port = split_address(listen)
        if not is_loopback_host(listen_host):
            raise ValueError(f"the fault proxy listens on loopback only, not {listen_host!r}")
        upstream_host, upstream_port = split_address(upstream)
        self._allow.check_host(upstream_host)
        return FaultProxy(
            upstream_host=upstream_host,
            upstream_port=upstream_port,
            listen_host="127.0.0.1" if listen_host == "localhost" else listen_host,
            listen_port=listen_port,
            allow=self._allow,
            rng=self._rng,
            metrics=self.metrics,
        )

    async def add(self, spec: ProxyCreate, now: datetime) -> ProxyView:
        async with self._lock:
            if spec.name in self._entries:
                raise Conflict(f"proxy {spec.name!r} already exists")
            entry = _Entry(spec.name, self._proxy(spec.listen, spec.upstream), enabled=spec.enabled)
            await self._apply(entry, now)  # starts listening unless disabled
            self._entries[spec.name] = entry
            return entry.view()

    async def update(self, name: str, update: ProxyUpdate, now: datetime) -> ProxyView:
        async with self._lock:
            entry = self.entry(name)
            if update.listen is not None or update.upstream is not None:
                current = entry.view()
                fresh = self._proxy(update.listen or current.listen, update.upstream or current.upstream)
                await entry.proxy.stop()
                entry.proxy = fresh  # listens once the faults are applied below
            if update.enabled is not None:
                entry.enabled = update.enabled
            await self._apply(entry, now)
            return entry.view()

    async def remove(self, name: str) -> None:
        async with self._lock:
            entry = self.entry(name)
            del self._entries[name]
            await entry.proxy.stop()

    async def add_toxic(self, name: str, spec: ToxicCreate, now: datetime) -> Toxic:
        async with self._lock:
            entry = self.entry(name)
            toxic = spec.toxic()
            if toxic.name in entry.toxics:
                raise Conflict(f"toxic {toxic.name!r} already exists on {name!r}")
            entry.toxics[toxic.name] = toxic
            await self._apply(entry, now)
            return toxic

    async def update_toxic(self, name: str, toxic_name: str, spec: ToxicCreate, now: datetime) -> Toxic:
        async with self._lock:
            entry = self.entry(name)
            old = entry.toxics.get(toxic_name)
            if old is None:
                raise NoSuchProxy(f"toxic {toxic_name!r} does not exist on {name!r}")
            merged = ToxicCreate(
                name=toxic_name,
                type=old.type,
                stream=old.stream,
                toxicity=spec.toxicity,
                attributes={**old.attributes, **(spec.attributes or {})},
            )
            entry.toxics[toxic_name] = merged.toxic()
            await self._apply(entry, now)
            return entry.toxics[toxic_name]

    async def remove_toxic(self, name: str, toxic_name: str, now: datetime) -> None:
        async with self._lock:
            entry = self.entry(name)
            if entry.toxics.pop(toxic_name, None) is None:
                raise NoSuchProxy(f"toxic {toxic_name!r} does not exist on {name!r}")
            await self._apply(entry, now)

    async def set_direct(self, name: str, faults: ProxyFaults, now: datetime, lease_seconds: float | None = None) -> ProxyFaults:
        async with self._lock:
            entry = self.entry(name)
            entry.direct = faults
            await self._apply(entry, now, lease_seconds)
            return entry.effective()

    async def reset(self, now: datetime) -> None:
        """Toxiproxy's ``POST /reset``: every proxy enabled, every toxic and fault removed."""
        async with self._lock:
            for entry in self._entries.values():
                await self._clear(entry, now)

    async def clear_kinds(self, kinds: Sequence[str], now: datetime) -> None:
        """Clear only these kinds of fault (:data:`FAULT_KINDS`) on every proxy: their toxics
        removed, their ``/faults`` settings reset, a disabled proxy enabled for ``down``."""
        async with self._lock:
            for entry in self._entries.values():
                entry.direct = without_kinds(entry.direct, kinds)
                entry.toxics = {n: t for n, t in entry.toxics.items() if t.type not in kinds}
                if "down" in kinds:
                    entry.enabled = True
                await self._apply(entry, now)

    async def renew(self, now: datetime, seconds: float) -> dict[str, Lease]:
        """Extend every lease held (the running experiment calls this)."""
        async with self._lock:
            for entry in self._entries.values():
                if entry.lease is not None:
                    entry.lease = entry.lease.renewed(now, seconds)
            return {n: e.lease for n, e in self._entries.items() if e.lease is not None}

    async def expire(self, now: datetime) -> list[str]:
        """Clear the proxies whose lease ran out; returns their names."""
        async with self._lock:
            expired = [e for e in self._entries.values() if e.lease is not None and e.lease.expired(now)]
            for entry in expired:
                await self._clear(entry, now)
            return [entry.name for entry in expired]

    async def stop(self) -> None:
        async with self._lock:
            for entry in self._entries.values():
                await entry.proxy.stop()

    async def _clear(self, entry: _Entry, now: datetime) -> None:
        entry.enabled = True
        entry.toxics.clear()
        entry.direct = ProxyFaults()
        await self._apply(entry, now)

    async def _apply(self, entry: _Entry, now: datetime, lease_seconds: float | None = None) -> None:
        faults = entry.effective()
        if faults.active():
            seconds = lease_seconds or self.lease_seconds
            entry.lease = entry.lease.renewed(now, seconds) if entry.lease else Lease.granted(now, seconds)
        else:
            entry.lease = None
        await entry.proxy.set_faults(faults)

