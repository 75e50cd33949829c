"""The world a drill describes: services, traffic, the change feed and the faults.

A drill's ``world:`` section is data, validated before anything runs (``extra="forbid"``,
cross-references checked by :meth:`WorldSpec.cross_check`). It says what the system is; the
step function (``drills/world/model.py``) says what it does minute by minute.

A **fault** is a change the world undergoes at ``starts_at`` (``sets``: a deploy, a config
value, fewer replicas...) plus an optional intrinsic effect (errors, latency, a connection
leak, extra traffic...) that lasts while the fault holds. It holds until its condition stops
(``until``; derived from ``sets`` when omitted: a deployed version holds while replicas run
it, a config value while it is set). Nothing here says which action fixes it: the model
computes what every action does.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from playbook.loader import BadReference

__all__ = [
    "CATEGORIES",
    "Category",
    "Change",
    "Effect",
    "Failover",
    "Fault",
    "FaultKind",
    "Service",
    "Surge",
    "Traffic",
    "Until",
    "WorldSpec",
]

_NAME = r"^[a-z0-9][a-z0-9_.-]*$"

Category = Literal[
    "code_change",
    "config_change",
    "capacity_or_traffic",
    "dependency",
    "data_or_database",
    "infrastructure",
    "security",
]
#: The generic cause taxonomy of hypotheses and postmortem root causes, in display order.
CATEGORIES: tuple[Category, ...] = (
    "code_change",
    "config_change",
    "capacity_or_traffic",
    "dependency",
    "data_or_database",
    "infrastructure",
    "security",
)

FaultKind = Literal[
    "bad_deploy",
    "connection_leak",
    "config_change",
    "dependency_outage",
    "traffic_surge",
    "credential_leak",
    "certificate_expiry",
    "slow_queries",
    "capacity_loss",
    "pool_hog",
    "slow_consumer",
    "region_outage",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Failover(_Model):
    """What failing a service over does: calls move to other services, with a cold start."""

    redirect: dict[str, str] = Field(
        default_factory=dict, description="dependency -> the service that takes its calls"
    )
    outage_minutes: float = Field(default=0, ge=0, description="the service is down meanwhile")
    minutes: float = Field(default=2, ge=0, description="until the switch completes")


class Service(_Model):
    """One service and its capacity (see ``model.py`` for how the numbers are used)."""

    name: str = Field(pattern=_NAME)
    kind: Literal["http", "queue", "external"] = "http"
    description: str = ""
    entry: bool = Field(default=False, description="receives the users' traffic")
    background_rps: float = Field(default=0, ge=0, description="its own load (batch work), not users'")
    traffic_share: float = Field(default=1.0, gt=0, le=1, description="entry: share of users")
    replicas: int = Field(default=3, ge=0, le=1000)
    threads: int = Field(default=32, ge=1, le=10_000, description="workers per replica")
    service_ms: float = Field(default=20, gt=0, description="own work per request")
    base_error_pct: float = Field(default=0.1, ge=0, le=100)
    calls: dict[str, float] = Field(default_factory=dict, description="dependency -> calls per request")
    timeout_ms: float = Field(default=3000, gt=0, description="for each call to a dependency")
    max_latency_ms: float = Field(default=30_000, gt=0, description="when users give up")
    max_connections: int | None = Field(default=None, ge=1, description="a connection pool")
    hold_ms: float = Field(default=10, gt=0, description="a call holds a pooled connection this long")
    pool_wait_ms: float = Field(default=200, ge=0, description="a call waits this long for a connection")
    recycle_per_minute: float = Field(default=0.05, ge=0, le=1, description="leaked connections reclaimed")
    version: str = "v1.0.0"
    previous_versions: tuple[str, ...] = ()
    rollout_minutes: float = Field(default=3, ge=0)
    flags: dict[str, bool] = Field(default_factory=dict)
    config: dict[str, str | float | bool] = Field(default_factory=dict)
    credentials: tuple[str, ...] = ()
    failover: Failover | None = None
    cold_start_factor: float = Field(default=1.0, ge=1, description="slower after a restart")
    warmup_minutes: float = Field(default=3, ge=0)
    revenue: bool = False
    alerts: tuple[str, ...] | None = Field(
        default=None, description="alert rules evaluated on it (default: by kind and role)"
    )
    owner: str = ""
    max_depth: int = Field(default=100_000, ge=1, description="queue: messages before dropping")


class Surge(_Model):
    """Extra traffic from ``client`` (a campaign, a bot), as a factor of the base traffic."""

    at: float = Field(ge=0)
    factor: float = Field(gt=0, description="extra traffic as a multiple of the base")
    ramp_minutes: float = Field(default=3, ge=0)
    hold_minutes: float = Field(default=10_000, gt=0)
    client: str = "users"


class Traffic(_Model):
    """Users' requests per second at the entry services: a daily rhythm, surges and noise."""

    rps: float = Field(gt=0, description="daily mean")
    daily_amplitude: float = Field(default=0.3, ge=0, lt=1)
    peak_hour_utc: float = Field(default=15, ge=0, lt=24)
    noise_pct: float = Field(default=3, ge=0, le=50)
    surges: tuple[Surge, ...] = ()


class Change(_Model):
    """One entry of the change feed (deploys, config changes, flag flips) before or during the drill."""

    at: float = Field(description="drill minutes; negative: before the drill")
    kind: Literal["deploy", "config", "flag", "migration", "infrastructure"]
    service: str
    summary: str = Field(min_length=1)
    author: str = Field(min_length=1)
    version: str | None = None


class Until(_Model):
    """When a fault stops holding (exactly one condition)."""

    credential_rotated: str | None = None
    client_blocked: str | None = None
    failed_over: bool = False
    replicas_at_least: int | None = Field(default=None, ge=1)
    stopped: bool = Field(default=False, description="the service is scaled to 0")
    never: bool = False

    @model_validator(mode="after")
    def _one(self) -> Self:
        set_ = [
            self.credential_rotated is not None,
            self.client_blocked is not None,
            self.failed_over,
            self.replicas_at_least is not None,
            self.stopped,
            self.never,
        ]
        if sum(set_) != 1:
            raise ValueError("name exactly one condition")
        return self


class Effect(_Model):
    """A fault's intrinsic effect on its service while it holds (all optional)."""

    error_pct: float = Field(default=0, ge=0, le=100)
    extra_ms: float = Field(default=0, ge=0)
    share: float = Field(default=1.0, gt=0, le=1, description="of requests, for extra_ms")
    service_ms_factor: float = Field(default=1.0, gt=0)
    leak_per_request: float = Field(default=0, ge=0, le=1, description="connections never returned")
    held_connections: float = Field(default=0, ge=0, description="of its dependency's pool")
    traffic_factor: float = Field(default=0, ge=0, description="extra calls, a multiple of its load")
    client: str = "attacker"
    security: bool = False
    data_loss: bool = False
    ramp_minutes: float = Field(default=0, ge=0, description="grows to full strength meanwhile")


class Fault(_Model):
    """A root cause the drill hides (the truth; participants never see this)."""

    id: str = Field(pattern=_NAME)
    kind: FaultKind
    service: str
    category: Category
    starts_at: float = Field(default=0, ge=0)
    sets: dict[str, str | float | bool] = Field(
        default_factory=dict,
        description="version, replicas, config.KEY, flag.NAME, timeout_ms, max_connections",
    )
    effect: Effect = Effect()
    until: Until | None = None
    log: str = Field(default="", description="a line the service logs each minute while it holds")
    change: str = Field(default="", description="the change-feed summary of its `sets`")
    author: str = Field(default="", description="who made that change")
    description: str = Field(min_length=1, description="for the facilitator and the debrief")


class WorldSpec(_Model):
    """The drill's system: services, traffic, the change feed, the faults and red herrings."""

    seed: int = 0
    services: tuple[Service, ...] = Field(min_length=1)
    traffic: Traffic
    changes: tuple[Change, ...] = ()
    faults: tuple[Fault, ...] = Field(min_length=1)
    red_herrings: tuple[str, ...] = Field(
        default=(), description="services whose changes or noise are unrelated (truth)"
    )
    slo_availability: float = Field(default=0.9995, gt=0, lt=1)

    def service(self, name: str) -> Service:
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.services)

    def cross_check(self, loc: tuple[str | int, ...] = ("world",)) -> None:
        """Every reference resolves; the dependency graph has no cycle; one entry at least."""
        names = set(self.names)
        if len(names) != len(self.services):
            raise BadReference((*loc, "services"), "duplicate service name")
        if not any(s.entry for s in self.services):
            raise BadReference((*loc, "services"), "no service has entry: true (nothing gets traffic)")
        for i, s in enumerate(self.services):
            for dep in s.calls:
                if dep not in names:
                    raise BadReference((*loc, "services", i, "calls", dep), f"unknown service {dep!r}")
            if s.failover is not None:
                for old, new in s.failover.redirect.items():
                    if old not in names or new not in names:
                        raise BadReference((*loc, "services", i, "failover", "redirect"),
                                           f"unknown service in {old!r} -> {new!r}")
        _acyclic(self, loc)
        for i, c in enumerate(self.changes):
            if c.service not in names:
                raise BadReference((*loc, "changes", i, "service"), f"unknown service {c.service!r}")
        ids: set[str] = set()
        for i, f in enumerate(self.faults):
            if f.id in ids:
                raise BadReference((*loc, "faults", i, "id"), f"duplicate fault id {f.id!r}")
            ids.add(f.id)
            if f.service not in names:
                raise BadReference((*loc, "faults", i, "service"), f"unknown service {f.service!r}")
            if f.until is None and not any(k == "version" or k.startswith(("config.", "flag.")) for k in f.sets):
                raise BadReference((*loc, "faults", i, "until"),
                                   "say until when the fault holds (or set a version, config or flag)")
            if f.until and f.until.credential_rotated:
                svc = self.service(f.service)
                if f.until.credential_rotated not in svc.credentials:
                    raise BadReference((*loc, "faults", i, "until", "credential_rotated"),
                                       f"{f.service} has no credential {f.until.credential_rotated!r}")
        for i, name in enumerate(self.red_herrings):
            if name not in names:
                raise BadReference((*loc, "red_herrings", i), f"unknown service {name!r}")


def _acyclic(spec: WorldSpec, loc: tuple[str | int, ...]) -> None:
    state: dict[str, int] = {}
    calls = {s.name: list(s.calls) + (list(s.failover.redirect.values()) if s.failover else []) for s in spec.services}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise BadReference((*loc, "services"), f"dependency cycle: {' -> '.join((*path, name))}")
        state[name] = 1
        for dep in calls[name]:
            visit(dep, (*path, name))
        state[name] = 2

    for s in spec.services:
        visit(s.name, ())
