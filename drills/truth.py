"""The truth of a world drill, read from the world: what is real, how bad it is, what fixes it.

Pure functions of the script's world, a :class:`~drills.world.World` run and the playbook.
The score and the facilitator read them; participants never do.

* **Real and noise alerts.** A fault *affects* its service, the services whose pool it fills
  (a leak, a job holding connections) and every service that calls one of those, directly or
  not. An alert is real when it fires on an affected service once a fault holds; any other
  alert is noise.
* **The true severity** at a minute is the playbook's classifier on the world's true state:
  the worst entry service's error rate and p99, the share of users hurt, the security and
  data-loss flags, whether the service takes money.
* **What an operation did** is a what-if: the world with and without it (and with every
  earlier operation), compared after it. It *works* when users' impact in the last five of
  the next 30 minutes falls by at least 80 %, is *harmful* when the impact over the next 15
  minutes grows by 3 points or by 10 % (and at least one point), and has *no effect* otherwise.
* **The remedy** of each fault is the operation that undoes it, derived from how the fault
  holds (a version rolled back, a config value or flag restored, a credential rotated...),
  or named in the fault's ``remedy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from drills.world.ops import Operation
from drills.world.run import World
from drills.world.spec import Fault, WorldSpec
from playbook.context import AlertContext
from playbook.model import Playbook

__all__ = [
    "Effectiveness",
    "OperationVerdict",
    "affected_services",
    "first_fault_minute",
    "first_real_alert_minute",
    "is_real_alert",
    "judge_operations",
    "remedies",
    "remedy",
    "true_context",
    "true_severity",
    "untouched_severity",
]

Effectiveness = Literal["works", "no_effect", "harmful"]
_WINDOW = 30
_HARM_WINDOW = 15
_TAIL = 5


def _callers(spec: WorldSpec, names: set[str]) -> set[str]:
    out = set(names)
    changed = True
    while changed:
        changed = False
        for s in spec.services:
            targets = set(s.calls) | (set(s.failover.redirect.values()) if s.failover else set())
            if s.name not in out and targets & out:
                out.add(s.name)
                changed = True
    return out


def affected_services(spec: WorldSpec) -> set[str]:
    """Services a fault can make misbehave (its own, pools it fills, their callers)."""
    roots: set[str] = set()
    for f in spec.faults:
        roots.add(f.service)
        svc = spec.service(f.service)
        if f.effect.leak_per_request > 0 or f.effect.held_connections > 0:
            roots |= {d for d in svc.calls if spec.service(d).max_connections is not None}
    return _callers(spec, roots)


def first_fault_minute(spec: WorldSpec) -> float:
    return min(f.starts_at for f in spec.faults)


def is_real_alert(spec: WorldSpec, service: str | None, fired_at: float) -> bool:
    return service is not None and service in affected_services(spec) and fired_at >= first_fault_minute(spec)


def true_context(spec: WorldSpec, world: World, minute: float) -> AlertContext:
    """The world's true state at ``minute`` as the classifier reads an alert."""
    snap = world.at(int(minute))
    i = snap.impact
    svc = spec.service(i.service)
    callers = sorted(_callers(spec, {i.service}) - {i.service})
    return AlertContext(
        service=i.service,
        error_rate=round(min(100.0, i.error_rate), 1),
        latency_p99_ms=round(i.latency_p99_ms),
        affected_users_pct=round(i.affected_pct, 1),
        is_data_loss=i.data_loss,
        is_security_event=i.security,
        is_revenue_impacting=svc.revenue,
        dependent_services=tuple(callers),
    )


def true_severity(spec: WorldSpec, world: World, playbook: Playbook, minute: float) -> str:
    """The classifier's verdict on the world's true state at ``minute``."""
    return playbook.classify(true_context(spec, world, minute)).severity


def first_real_alert_minute(spec: WorldSpec, world: World, horizon: int = 240) -> int | None:
    """The minute the first real alert fires in ``world``, if one does by ``horizon``."""
    for m in range(0, horizon + 1):
        if any(c.firing and is_real_alert(spec, c.service, c.minute) for c in world.alert_changes(m)):
            return m
    return None


def untouched_severity(spec: WorldSpec, playbook: Playbook, start_hour: float) -> str:
    """The classifier on the true state when the first real alert fires, nobody acting."""
    world = World(spec, start_hour=start_hour)
    minute = first_real_alert_minute(spec, world)
    return true_severity(spec, world, playbook, minute if minute is not None else 0)


def _impact(world: World, start: int, end: int) -> float:
    rows = world.history(start, end)
    return sum(s.impact.affected_pct + (50.0 if s.impact.security else 0.0) for s in rows) / max(1, len(rows))


@dataclass(frozen=True)
class OperationVerdict:
    at: float
    operation: Operation
    effect: Effectiveness
    before: float   # mean impact at the window's end without it
    after: float    # ... with it


def judge_operations(world: World, ops: Sequence[tuple[float, Operation]]) -> list[OperationVerdict]:
    """What each operation did, as a what-if against the world without it."""
    out: list[OperationVerdict] = []
    for k, (at, op) in enumerate(ops):
        start = int(at) + 1
        end = start + _WINDOW
        without = world.fork(ops[:k])
        with_it = world.fork(ops[: k + 1])
        tail_without = _impact(without, end - _TAIL, end)
        tail_with = _impact(with_it, end - _TAIL, end)
        mean_without = _impact(without, start, start + _HARM_WINDOW)
        mean_with = _impact(with_it, start, start + _HARM_WINDOW)
        effect: Effectiveness = "no_effect"
        if tail_without >= 1.0 and tail_with <= 0.2 * tail_without:
            effect = "works"
        elif (delta := mean_with - mean_without) >= 1.0 and (delta >= 3.0 or mean_with >= mean_without * 1.1):
            effect = "harmful"
        out.append(OperationVerdict(at, op, effect, tail_without, tail_with))
    return out


def remedy(spec: WorldSpec, fault: Fault) -> Operation | None:
    """The operation that undoes ``fault`` (None: only working around it helps)."""
    svc = spec.service(fault.service)
    for key in fault.sets:
        if key == "version":
            return Operation(verb="rollback", target=svc.name, version=svc.version)
        if key.startswith("config."):
            return Operation(verb="set_config", target=svc.name, key=key[7:], value=str(svc.config.get(key[7:])))
        if key.startswith("flag."):
            return Operation(verb="toggle_flag", target=svc.name, flag=key[5:], enabled=svc.flags.get(key[5:], False))
        if key == "timeout_ms":
            return Operation(verb="set_timeout", target=svc.name, timeout_ms=svc.timeout_ms)
        if key == "max_connections" and svc.max_connections is not None:
            return Operation(verb="resize_pool", target=svc.name, size=svc.max_connections)
    until = fault.until
    if until is None or until.never:
        for caller in spec.services:
            if caller.failover is not None and fault.service in caller.failover.redirect:
                return Operation(verb="failover", target=caller.name)
        return None
    if until.credential_rotated:
        return Operation(verb="rotate_credential", target=svc.name, credential=until.credential_rotated)
    if until.client_blocked:
        return Operation(verb="block_client", target=svc.name, client=until.client_blocked)
    if until.failed_over:
        return Operation(verb="failover", target=svc.name)
    if until.replicas_at_least:
        return Operation(verb="scale", target=svc.name, replicas=until.replicas_at_least)
    if until.stopped:
        return Operation(verb="scale", target=svc.name, replicas=0)
    return None


def remedies(spec: WorldSpec) -> list[Operation]:
    """The remedy of every fault that has one, in fault order."""
    return [op for f in spec.faults if (op := remedy(spec, f)) is not None]
