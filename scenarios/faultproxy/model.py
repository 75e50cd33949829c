"""What the fault proxy does to traffic: the fault settings and the pure decisions over them.

Faults act like Toxiproxy's toxics, on the *downstream* stream (upstream → client), which is
where a caller feels them:

========================== ===============================================================
``latency_ms``, ``jitter`` each chunk towards the client waits ``latency ± jitter`` ms
``bandwidth_bytes_per_s``  the downstream stream is paced to this many bytes a second
``reset_probability``      a new connection is reset (TCP RST) instead of being proxied,
                           after ``reset_after_ms``
``blackhole``              connections are accepted, nothing is forwarded either way
                           (closed after ``blackhole_close_ms`` when that is not 0)
``down``                   the upstream is dead: the port refuses connections, open ones
                           are reset
========================== ===============================================================

Changes apply at once, to open connections too (except ``reset_probability``: new ones only).

The faults come in five *kinds*, named as Toxiproxy names them (:data:`FAULT_KINDS`): the
toxic types ``latency``, ``bandwidth``, ``timeout`` (blackhole), ``reset_peer``, and ``down``
(a disabled proxy); :func:`without_kinds` clears some kinds and keeps the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "FAULT_KINDS",
    "MAX_CHUNK",
    "ProxyFaults",
    "ProxyStats",
    "chunk_delay",
    "chunk_size",
    "pacing_delay",
    "should_reset",
    "without_kinds",
]

#: The largest chunk read at once when the bandwidth is not limited.
MAX_CHUNK = 65536


class ProxyFaults(BaseModel):
    """The faults the proxy applies now. The default (all zero/false) forwards untouched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: int = Field(default=0, ge=0, le=600_000)
    jitter_ms: int = Field(default=0, ge=0, le=600_000)
    bandwidth_bytes_per_s: int = Field(default=0, ge=0, description="0 means unlimited")
    reset_probability: float = Field(default=0.0, ge=0.0, le=1.0)
    reset_after_ms: int = Field(default=0, ge=0, le=600_000)
    blackhole: bool = False
    blackhole_close_ms: int = Field(default=0, ge=0, le=600_000)
    down: bool = False

    def active(self) -> list[str]:
        """The names of the faults that are switched on, in a stable order."""
        return [
            name
            for name, value in self.model_dump().items()
            if value != ProxyFaults.model_fields[name].default
        ]


#: Each kind of fault (Toxiproxy's toxic types, and ``down``) and the settings that make it.
FAULT_KINDS: dict[str, tuple[str, ...]] = {
    "latency": ("latency_ms", "jitter_ms"),
    "bandwidth": ("bandwidth_bytes_per_s",),
    "timeout": ("blackhole", "blackhole_close_ms"),
    "reset_peer": ("reset_probability", "reset_after_ms"),
    "down": ("down",),
}


def without_kinds(faults: ProxyFaults, kinds: Iterable[str]) -> ProxyFaults:
    """``faults`` with every setting of ``kinds`` back to its default (ValueError: unknown)."""
    cleared: dict[str, object] = {}
    for kind in kinds:
        if kind not in FAULT_KINDS:
            raise ValueError(f"no fault kind {kind!r} (known: {', '.join(FAULT_KINDS)})")
        cleared |= {name: ProxyFaults.model_fields[name].default for name in FAULT_KINDS[kind]}
    return faults.model_copy(update=cleared)


class ProxyStats(BaseModel):
    """Counters since the proxy started."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    listening: bool
    connections_total: int
    connections_open: int
    resets: int
    upstream_failures: int
    bytes_to_upstream: int
    bytes_to_client: int


def chunk_delay(faults: ProxyFaults, draw: float) -> float:
    """Seconds to hold a downstream chunk; ``draw`` is uniform in [0, 1)."""
    jitter = faults.jitter_ms * (2.0 * draw - 1.0)
    return max(0.0, faults.latency_ms + jitter) / 1000.0


def chunk_size(faults: ProxyFaults) -> int:
    """How much to read at once: a tenth of a second's worth when paced."""
    if faults.bandwidth_bytes_per_s == 0:
        return MAX_CHUNK
    return max(1, min(MAX_CHUNK, faults.bandwidth_bytes_per_s // 10))


def pacing_delay(faults: ProxyFaults, nbytes: int) -> float:
    """Seconds ``nbytes`` take on a link limited to the bandwidth (0 when unlimited)."""
    if faults.bandwidth_bytes_per_s == 0:
        return 0.0
    return nbytes / faults.bandwidth_bytes_per_s


def should_reset(faults: ProxyFaults, draw: float) -> bool:
    """Whether a new connection is reset; ``draw`` is uniform in [0, 1)."""
    return draw < faults.reset_probability
