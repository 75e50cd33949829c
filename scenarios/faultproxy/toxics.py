"""Toxiproxy's data model, as its HTTP API speaks it, and how toxics become proxy faults.

Toxiproxy (Shopify) manages named *proxies* (``listen`` → ``upstream``, ``enabled``), each with
named *toxics* (``type``, ``stream``, ``toxicity``, ``attributes``). drillbit's fault proxy
speaks that API so ``chaostoolkit-toxiproxy`` drives it unchanged. The toxics it implements,
with Toxiproxy's units:

==============  ===============================  ============================================
type            attributes                       effect here
==============  ===============================  ============================================
``latency``     ``latency``, ``jitter`` (ms)     each downstream chunk waits latency ± jitter
``bandwidth``   ``rate`` (KB/s; 1 KB = 1000 B,   downstream paced to ``rate * 1000`` B/s
                as Toxiproxy's sleep arithmetic)
``timeout``     ``timeout`` (ms; 0 = never)      nothing passes; closed after ``timeout``
``reset_peer``  ``timeout`` (ms)                 connections reset (RST) after ``timeout``;
                                                 ``toxicity`` is the share of connections
==============  ===============================  ============================================

A *down* upstream is a disabled proxy (``"enabled": false``), as in Toxiproxy. Only the
``downstream`` stream is implemented, and ``toxicity`` below 1 only for ``reset_peer`` (the
other faults act on the whole proxy): anything else is refused with a reason (HTTP 400).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scenarios.faultproxy.model import ProxyFaults

__all__ = [
    "TOXIC_TYPES",
    "ProxyCreate",
    "ProxyUpdate",
    "ProxyView",
    "Toxic",
    "ToxicCreate",
    "UnsupportedToxic",
    "faults_of",
]

TOXIC_TYPES = ("latency", "bandwidth", "timeout", "reset_peer")
_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "latency": ("latency", "jitter"),
    "bandwidth": ("rate",),
    "timeout": ("timeout",),
    "reset_peer": ("timeout",),
}


class UnsupportedToxic(ValueError):
    """A toxic this proxy does not implement (the reason says which part)."""


class Toxic(BaseModel):
    """One toxic as Toxiproxy returns it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    type: str
    stream: Literal["downstream"] = "downstream"
    toxicity: float = Field(default=1.0, ge=0.0, le=1.0)
    attributes: dict[str, int] = {}


class ToxicCreate(BaseModel):
    """``POST /proxies/{proxy}/toxics``: Toxiproxy's defaults (name ``<type>_<stream>``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str | None = Field(default=None, max_length=100)
    type: str
    stream: str = "downstream"
    toxicity: float = Field(default=1.0, ge=0.0, le=1.0)
    attributes: dict[str, Any] | None = None

    def toxic(self) -> Toxic:
        """The toxic to hold, or :class:`UnsupportedToxic` saying why not."""
        if self.type not in TOXIC_TYPES:
            raise UnsupportedToxic(
                f"toxic type {self.type!r} is not implemented (supported: {', '.join(TOXIC_TYPES)}; "
                "a down upstream is a disabled proxy)"
            )
        if self.stream != "downstream":
            raise UnsupportedToxic(f"only the downstream stream is implemented, not {self.stream!r}")
        if self.toxicity != 1.0 and self.type != "reset_peer":
            raise UnsupportedToxic(f"toxicity below 1 is implemented for reset_peer only, not {self.type}")
        attributes: dict[str, int] = {}
        for key, value in (self.attributes or {}).items():
            if key not in _ATTRIBUTES[self.type]:
                raise UnsupportedToxic(f"{self.type} has no attribute {key!r}")
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 600_000:
                raise UnsupportedToxic(f"{self.type}.{key} must be an integer from 0 to 600000")
            attributes[key] = value
        return Toxic(
            name=self.name or f"{self.type}_{self.stream}",
            type=self.type,
            toxicity=self.toxicity,
            attributes=attributes,
        )


class ProxyCreate(BaseModel):
    """``POST /proxies``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    listen: str = "127.0.0.1:0"
    upstream: str = Field(min_length=3)
    enabled: bool = True


class ProxyUpdate(BaseModel):
    """``POST /proxies/{proxy}``: only the fields given change."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    listen: str | None = None
    upstream: str | None = None
    enabled: bool | None = None


class ProxyView(BaseModel):
    """A proxy as Toxiproxy returns it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: list[Toxic]


def faults_of(toxics: list[Toxic], *, enabled: bool) -> ProxyFaults:
    """The proxy faults a set of toxics amounts to. Pure.

    Latencies and jitters add up (toxics in a row each hold the chunk); the lowest bandwidth
    wins; any ``timeout`` toxic blackholes (the shortest positive timeout closes first); the
    highest ``reset_peer`` toxicity applies, after its timeout.
    """
    latency = sum(t.attributes.get("latency", 0) for t in toxics if t.type == "latency")
    jitter = sum(t.attributes.get("jitter", 0) for t in toxics if t.type == "latency")
    rates = [t.attributes.get("rate", 0) * 1000 for t in toxics if t.type == "bandwidth"]
    timeouts = [t.attributes.get("timeout", 0) for t in toxics if t.type == "timeout"]
    resets = [t for t in toxics if t.type == "reset_peer"]
    positive = [value for value in timeouts if value > 0]
    strongest = max(resets, key=lambda t: t.toxicity, default=None)
    return ProxyFaults(
        latency_ms=latency,
        jitter_ms=jitter,
        bandwidth_bytes_per_s=min((r for r in rates if r > 0), default=0),
        blackhole=bool(timeouts),
        blackhole_close_ms=min(positive, default=0),
        reset_probability=strongest.toxicity if strongest else 0.0,
        reset_after_ms=strongest.attributes.get("timeout", 0) if strongest else 0,
        down=not enabled,
    )
