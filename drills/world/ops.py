"""Generic operations on the world's services, and the configuration they lead to.

An :class:`Operation` is a verb on a target the world has (roll back ``order-service`` to
``v2.4.0``, scale ``search`` to 8...): the same catalog in every drill, never a list of this
incident's candidate fixes. :func:`check` refuses an operation the world cannot perform (an
unknown service, version, flag, credential), and :func:`settings_at` folds the faults'
changes and the team's operations into each service's configuration at a minute, with each
verb's delay:

====================  ============================================================  =======
verb                  what changes                                                  delay
====================  ============================================================  =======
rollback              replicas move to ``version``, a share at a time               rollout
restart               a rolling restart: leaked connections freed, a cold start     rollout
scale                 ready replicas (more: after 2 minutes; fewer: at once)        2 / 0
resize_pool           the connection pool's size                                    1
set_timeout           the timeout of every call to a dependency                     1
toggle_flag           a feature flag                                                0
set_config            a configuration value                                         1
failover              calls to its failover's dependencies move; may be down a bit  failover
throttle              admit at most ``rps`` requests per second (the rest get 429)  0
rotate_credential     a credential is replaced (leaked or expired ones stop working) 2
block_client          a client's traffic is refused                                 1
====================  ============================================================  =======
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drills.world.spec import Service, WorldSpec

__all__ = [
    "VERBS",
    "Operation",
    "OperationRefused",
    "ServiceSettings",
    "Timed",
    "check",
    "settings_at",
    "timed_changes",
]

Verb = Literal[
    "rollback", "restart", "scale", "resize_pool", "set_timeout", "toggle_flag", "set_config",
    "failover", "throttle", "rotate_credential", "block_client",
]
#: verb -> (the parameter it needs, a one-line description for the catalog)
VERBS: dict[str, tuple[str | None, str]] = {
    "rollback": ("version", "Roll back SERVICE to VERSION"),
    "restart": (None, "Restart SERVICE (rolling)"),
    "scale": ("replicas", "Scale SERVICE to N replicas"),
    "resize_pool": ("size", "Set the connection pool size of SERVICE"),
    "set_timeout": ("timeout_ms", "Set the dependency call timeout of SERVICE (ms)"),
    "toggle_flag": ("flag", "Turn a feature flag of SERVICE on or off"),
    "set_config": ("key", "Set a configuration value of SERVICE"),
    "failover": (None, "Fail SERVICE over to its standby"),
    "throttle": ("rps", "Admit at most RPS requests per second into SERVICE"),
    "rotate_credential": ("credential", "Rotate a credential of SERVICE"),
    "block_client": ("client", "Block a client's traffic to SERVICE"),
}
_SCALE_UP_MINUTES = 2.0
_SETTLE_MINUTES = {"resize_pool": 1.0, "set_timeout": 1.0, "set_config": 1.0, "toggle_flag": 0.0,
                   "throttle": 0.0, "rotate_credential": 2.0, "block_client": 1.0}


class Operation(BaseModel):
    """A verb on a service, with the one parameter the verb needs."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    verb: Verb
    target: str = Field(min_length=1, max_length=100)
    version: str | None = Field(default=None, max_length=100)
    replicas: int | None = Field(default=None, ge=0, le=1000)
    size: int | None = Field(default=None, ge=1, le=100_000)
    timeout_ms: float | None = Field(default=None, gt=0, le=600_000)
    flag: str | None = Field(default=None, max_length=100)
    enabled: bool | None = None
    key: str | None = Field(default=None, max_length=100)
    value: str | None = Field(default=None, max_length=200)
    rps: float | None = Field(default=None, ge=0, le=10_000_000)
    credential: str | None = Field(default=None, max_length=100)
    client: str | None = Field(default=None, max_length=100)

    def label(self) -> str:
        """What the team did, in words (no judgement of whether it helps)."""
        v = self.verb
        detail = {
            "rollback": f"to {self.version}",
            "scale": f"to {self.replicas} replicas",
            "resize_pool": f"pool to {self.size}",
            "set_timeout": f"timeout to {self.timeout_ms:g} ms" if self.timeout_ms else "",
            "toggle_flag": f"{self.flag} {'on' if self.enabled else 'off'}",
            "set_config": f"{self.key}={self.value}",
            "throttle": f"to {self.rps:g} rps" if self.rps is not None else "",
            "rotate_credential": f"{self.credential}",
            "block_client": f"{self.client}",
        }.get(v, "")
        return f"{v.replace('_', ' ')} {self.target} {detail}".strip()


class OperationRefused(ValueError):
    """The world has no such target, version, flag or credential."""


def known_versions(spec: WorldSpec, service: Service) -> set[str]:
    versions = {service.version, *service.previous_versions}
    versions |= {str(f.sets["version"]) for f in spec.faults if f.service == service.name and "version" in f.sets}
    versions |= {c.version for c in spec.changes if c.service == service.name and c.version}
    return versions


def check(op: Operation, spec: WorldSpec) -> None:
    """Raise :class:`OperationRefused` when the world cannot do ``op``."""
    try:
        svc = spec.service(op.target)
    except KeyError:
        raise OperationRefused(f"no service {op.target!r} (known: {', '.join(spec.names)})") from None
    need, _ = VERBS[op.verb]
    if need is not None and getattr(op, need) is None:
        raise OperationRefused(f"{op.verb} needs {need}")
    if svc.kind == "external" and op.verb not in ("block_client",):
        raise OperationRefused(f"{op.target} is run by a third party: you cannot {op.verb} it")
    match op.verb:
        case "rollback":
            versions = known_versions(spec, svc)
            if op.version not in versions:
                raise OperationRefused(f"{op.target} has no version {op.version!r} (known: {', '.join(sorted(versions))})")
        case "toggle_flag":
            if op.flag not in svc.flags:
                raise OperationRefused(f"{op.target} has no flag {op.flag!r}")
            if op.enabled is None:
                raise OperationRefused("toggle_flag needs enabled")
        case "set_config":
            if op.key not in svc.config:
                raise OperationRefused(f"{op.target} has no config key {op.key!r}")
            if op.value is None:
                raise OperationRefused("set_config needs value")
        case "resize_pool":
            if svc.max_connections is None:
                raise OperationRefused(f"{op.target} has no connection pool")
        case "failover":
            if svc.failover is None:
                raise OperationRefused(f"{op.target} has no standby to fail over to")
        case "rotate_credential":
            if op.credential not in svc.credentials:
                raise OperationRefused(f"{op.target} has no credential {op.credential!r}")
        case _:
            pass


@dataclass(frozen=True)
class Timed:
    """A configuration change at ``at`` (a fault's ``sets`` or an operation)."""

    at: float
    service: str
    op: Operation
    source: Literal["fault", "team"]


def timed_changes(spec: WorldSpec, ops: Iterable[tuple[float, Operation]]) -> list[Timed]:
    """The faults' changes and the team's operations, in time order (faults first at a tie)."""
    out: list[Timed] = []
    for fault in spec.faults:
        for key, value in fault.sets.items():
            op = _fault_op(fault.service, key, value)
            out.append(Timed(fault.starts_at, fault.service, op, "fault"))
    out.extend(Timed(at, op.target, op, "team") for at, op in ops)
    out.sort(key=lambda t: (t.at, t.source != "fault"))
    return out


def _fault_op(service: str, key: str, value: str | float | bool) -> Operation:
    if key == "version":
        return Operation(verb="rollback", target=service, version=str(value))
    if key == "replicas":
        return Operation(verb="scale", target=service, replicas=int(value))
    if key == "timeout_ms":
        return Operation(verb="set_timeout", target=service, timeout_ms=float(value))
    if key == "max_connections":
        return Operation(verb="resize_pool", target=service, size=int(value))
    if key.startswith("flag."):
        return Operation(verb="toggle_flag", target=service, flag=key[5:], enabled=bool(value))
    if key.startswith("config."):
        return Operation(verb="set_config", target=service, key=key[7:], value=str(value))
    raise ValueError(f"a fault cannot set {key!r}")


@dataclass
class ServiceSettings:
    """A service's configuration at one minute, as the model reads it."""

    versions: dict[str, float]
    replicas: float
    restarting: float = 0.0          # share of replicas restarting this minute
    restart_progress: float = 0.0    # share of replicas restarted since the last minute
    cold: float = 1.0                # service-time factor after a restart or failover
    timeout_ms: float = 0.0
    max_connections: int | None = None
    flags: dict[str, bool] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)
    throttle_rps: float | None = None
    rotated: dict[str, float] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    failed_over: bool = False
    down: bool = False


def _share(m: float, start: float, minutes: float) -> float:
    if minutes <= 0:
        return 1.0 if m >= start else 0.0
    return min(1.0, max(0.0, (m - start) / minutes))


def settings_at(spec: WorldSpec, changes: Sequence[Timed], minute: int) -> dict[str, ServiceSettings]:
    """Every service's configuration at ``minute`` (changes at or after it not yet felt)."""
    out: dict[str, ServiceSettings] = {}
    for svc in spec.services:
        out[svc.name] = ServiceSettings(
            versions={svc.version: 1.0},
            replicas=float(svc.replicas),
            timeout_ms=svc.timeout_ms,
            max_connections=svc.max_connections,
            flags=dict(svc.flags),
            config={k: str(v) for k, v in svc.config.items()},
        )
    m = float(minute)
    for change in changes:
        if change.at >= m and change.source == "team":
            break
        if change.at > m:
            break
        svc = spec.service(change.service)
        s = out[change.service]
        _apply(s, svc, change, m)
    return out


def _apply(s: ServiceSettings, svc: Service, change: Timed, m: float) -> None:
    op, t0 = change.op, change.at
    age = m - t0
    match op.verb:
        case "rollback":
            p = _share(m, t0, svc.rollout_minutes)
            if op.version is not None:
                s.versions = {v: share * (1 - p) for v, share in s.versions.items()}
                s.versions[op.version] = s.versions.get(op.version, 0.0) + p
                _restarted(s, svc, m, t0, svc.rollout_minutes)
        case "restart":
            _restarted(s, svc, m, t0, svc.rollout_minutes)
        case "scale":
            target = float(op.replicas or 0)
            if target <= s.replicas or change.source == "fault" or age >= _SCALE_UP_MINUTES:
                s.replicas = target
        case "failover":
            fo = svc.failover
            if fo is not None:
                if age < fo.outage_minutes:
                    s.down = True
                if age >= fo.minutes:
                    s.failed_over = True
                    s.cold = max(s.cold, _cold(svc, age - fo.minutes))
        case _:
            if age < _SETTLE_MINUTES[op.verb] and change.source == "team":
                return
            match op.verb:
                case "resize_pool":
                    s.max_connections = op.size
                case "set_timeout":
                    s.timeout_ms = float(op.timeout_ms or s.timeout_ms)
                case "toggle_flag":
                    s.flags[str(op.flag)] = bool(op.enabled)
                case "set_config":
                    s.config[str(op.key)] = str(op.value)
                case "throttle":
                    s.throttle_rps = op.rps
                case "rotate_credential":
                    s.rotated[str(op.credential)] = t0
                case "block_client":
                    s.blocked.add(str(op.client))


def _cold(svc: Service, since_warm_start: float) -> float:
    if svc.cold_start_factor <= 1 or svc.warmup_minutes <= 0:
        return 1.0
    remaining = max(0.0, 1 - since_warm_start / svc.warmup_minutes)
    return 1 + (svc.cold_start_factor - 1) * remaining


def _restarted(s: ServiceSettings, svc: Service, m: float, t0: float, minutes: float) -> None:
    """A rolling replacement of replicas from ``t0`` over ``minutes``."""
    if m <= t0:
        return
    span = max(minutes, 1.0)
    now = _share(m, t0, span)
    before = _share(m - 1, t0, span)
    s.restart_progress = max(s.restart_progress, now - before)
    if now < 1.0:
        s.restarting = max(s.restarting, 1.0 / max(svc.replicas, 1))
    s.cold = max(s.cold, _cold(svc, m - t0 - span) if m - t0 >= span else svc.cold_start_factor)
