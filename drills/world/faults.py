"""How strongly each fault holds at a minute, and what the holding faults do to a service.

A fault's *intensity* is in [0, 1]: 0 before ``starts_at`` or once its condition stops, the
share of replicas still running a bad version during a rollback, the ramp while it grows.
:func:`effects` folds the intensities of every fault on a service into one
:class:`ServiceEffect` the step function reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drills.world.ops import ServiceSettings
from drills.world.spec import Fault, WorldSpec

__all__ = ["ServiceEffect", "effects", "intensity"]


def _bound(fault: Fault, s: ServiceSettings) -> float:
    """How much of the fault's own ``sets`` still holds (1 when it sets nothing checkable)."""
    level = 1.0
    for key, value in fault.sets.items():
        if key == "version":
            level = min(level, s.versions.get(str(value), 0.0))
        elif key.startswith("config."):
            level = min(level, 1.0 if s.config.get(key[7:]) == str(value) else 0.0)
        elif key.startswith("flag."):
            level = min(level, 1.0 if s.flags.get(key[5:]) == bool(value) else 0.0)
    return level


def intensity(fault: Fault, spec: WorldSpec, settings: Mapping[str, ServiceSettings], minute: int) -> float:
    """The fault's strength at ``minute``, in [0, 1]."""
    if minute < fault.starts_at:
        return 0.0
    s = settings[fault.service]
    level = _bound(fault, s)
    until = fault.until
    if until is not None:
        if (until.credential_rotated is not None and until.credential_rotated in s.rotated) or (until.client_blocked is not None and until.client_blocked in s.blocked) or (until.failed_over and s.failed_over) or (until.replicas_at_least is not None and s.replicas >= until.replicas_at_least):
            level = 0.0
        elif until.stopped:
            initial = max(spec.service(fault.service).replicas, 1)
            level = min(level, s.replicas / initial)
    ramp = fault.effect.ramp_minutes
    if ramp > 0:
        level *= min(1.0, (minute - fault.starts_at) / ramp)
    return max(0.0, min(1.0, level))


@dataclass
class ServiceEffect:
    """Everything the holding faults do to one service this minute."""

    error: float = 0.0            # share of its requests failing by itself
    extra_ms: float = 0.0         # mean added latency
    tail_ms: float = 0.0          # added to the tail when at least 1% of requests are hit
    service_factor: float = 1.0
    leak: float = 0.0             # connections leaked per request
    held: float = 0.0             # connections held in each pool it calls
    traffic: float = 0.0          # extra load, a multiple of its own
    security: bool = False
    data_loss: bool = False


def effects(spec: WorldSpec, levels: Mapping[str, float]) -> dict[str, ServiceEffect]:
    """Per service, the combined effect of the faults at their ``levels``."""
    out: dict[str, ServiceEffect] = {}
    for fault in spec.faults:
        level = levels.get(fault.id, 0.0)
        if level <= 0:
            continue
        e = fault.effect
        acc = out.setdefault(fault.service, ServiceEffect())
        acc.error = 1 - (1 - acc.error) * (1 - e.error_pct / 100 * level)
        acc.extra_ms += e.extra_ms * e.share * level
        if e.share * level >= 0.01:
            acc.tail_ms = max(acc.tail_ms, e.extra_ms)
        acc.service_factor *= 1 + (e.service_ms_factor - 1) * level
        acc.leak += e.leak_per_request * level
        acc.held += e.held_connections * level
        acc.traffic += e.traffic_factor * level
        acc.security = acc.security or e.security
        acc.data_loss = acc.data_loss or e.data_loss
    return out
