"""One drill minute of the world: load flows down the dependency graph, latency and errors
flow back up, and a few quantities (leaked connections, queue backlogs) carry over.

The model is an analytic queueing approximation, computed once per drill minute:

* **Load.** Entry services get the users' traffic (``traffic.py``) times their share;
  each service sends ``calls[d]`` requests to dependency ``d`` per request it admits (after a
  failover, to the service its standby redirects to). A throttle admits at most its rate.
* **Service time.** ``S = service_ms x faults' factor x cold start + sum over dependencies
  of calls x (their mean latency, cut at the timeout) + faults' extra latency``.
* **Queueing.** A service is an M/M/c queue with ``c = ready replicas x threads`` and
  utilisation ``rho = λ S / c``. Up to ``rho = 0.95`` the mean wait is Sakasegawa's approximation
  ``Wq = S rho^(√(2(c+1)) - 1) / (c (1 - rho))``; past it the wait grows by ``20 S`` per unit of
  ``rho`` (so latency is continuous in load), above 1 the share ``1 - 1/rho`` is shed (errors),
  and nothing waits longer than ``max_latency_ms``.
  Percentiles are fixed multiples of the mean service time and wait (``p50 = 0.8 S + 0.7 Wq``,
  ``p95 = 2 S + 3 Wq``, ``p99 = 2.6 S + 4.6 Wq``: an exponential wait's 99th percentile is
  4.6 times its mean).
* **Timeouts.** A call's latency tail is taken as exponential from its p99, so the share of
  calls over a timeout ``T`` is ``100^(-T / p99)``; those calls fail.
* **Connection pools.** Little's law: a pool's connections in use are
  ``λ x hold time + leaked + held by other jobs``. Past ``max_connections`` the share
  ``1 - max / in use`` of calls fails after waiting ``pool_wait_ms`` for a connection. Leaked connections accumulate
  by ``λ x 60 x leak`` a minute, are reclaimed at ``recycle_per_minute`` and freed when the
  leaking replicas are replaced (rollback, restart).
* **Queues** (``kind: queue``): the backlog grows by ``(λ - μ) x 60`` a minute, ``μ = c / S``;
  its p99 is the age of the oldest message, and messages past ``max_depth`` are dropped.
* **Users' impact** is the traffic-weighted error rate of the entry services, plus the share
  slower than 2 s (from each entry's exponential tail); a queue whose oldest message is older
  than 5 minutes counts half the users as hurt (their orders wait).
* **Errors** compose as independent failures: ``1 - (1 - own)(1 - shed)(1 - pool) Π(1 - dep)``.

Limits: steady state within each minute (no transient queue build-up except queues and
pools, which carry over); one pool per database; percentiles are shape constants, not
fitted; retries are not modelled unless a drill's fault adds traffic; a minute is the finest
resolution, so a 30-second blip is either in a minute or not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from drills.world.faults import ServiceEffect, effects, intensity
from drills.world.noise import gauss
from drills.world.ops import ServiceSettings, Timed, settings_at
from drills.world.spec import Service, WorldSpec
from drills.world.traffic import offered_rps

__all__ = ["Carry", "Impact", "Metrics", "Snapshot", "step", "topological"]

_DOWN_MS = 5.0
_KNEE = 0.95  # past this utilisation the wait grows linearly (continuous, no cliff)
_PAST_KNEE = 20.0
_QUEUE_LATE_MS = 300_000.0
_QUEUE_LATE_SHARE = 50.0


@dataclass(frozen=True, slots=True)
class Metrics:
    """A service's golden signals over one minute (error_rate in percent)."""

    requests_per_second: float
    error_rate: float
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p99_ms: float
    saturation_pct: float
    up: bool = True
    pool_in_use: float | None = None
    pool_size: int | None = None
    queue_depth: float | None = None
    replicas: float = 0.0


@dataclass(frozen=True, slots=True)
class Impact:
    """What users experience this minute (the truth the score reads)."""

    error_rate: float          # percent of users' requests failing
    slow_pct: float            # percent of users' requests slower than 2 s
    latency_p99_ms: float      # worst entry service
    service: str               # the worst entry service
    security: bool
    data_loss: bool

    @property
    def affected_pct(self) -> float:
        """Requests that fail, plus the slow share of those that succeed."""
        return min(100.0, self.error_rate + (100.0 - self.error_rate) * self.slow_pct / 100.0)


@dataclass
class Carry:
    """What carries from one minute to the next."""

    leaked: dict[str, float] = field(default_factory=dict)
    backlog: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """The world at one minute."""

    minute: int
    metrics: dict[str, Metrics]
    levels: dict[str, float]
    impact: Impact
    carry: Carry
    settings: dict[str, ServiceSettings]
    surges: dict[str, float]


def topological(spec: WorldSpec) -> list[Service]:
    """Callers before the services they call (failover targets included)."""
    order: list[Service] = []
    seen: set[str] = set()

    def visit(s: Service) -> None:
        if s.name in seen:
            return
        seen.add(s.name)
        callers = [
            c for c in spec.services
            if s.name in c.calls or (c.failover and s.name in c.failover.redirect.values())
        ]
        for c in callers:
            visit(c)
        order.append(s)

    for s in spec.services:
        visit(s)
    return order


@dataclass(frozen=True, slots=True)
class _Seen:
    """A service as its callers see it: mean and p99 latency, failing share."""

    mean: float
    p99: float
    error: float


def _calls(svc: Service, s: ServiceSettings) -> dict[str, float]:
    if not s.failed_over or svc.failover is None:
        return svc.calls
    out: dict[str, float] = {}
    for dep, n in svc.calls.items():
        target = svc.failover.redirect.get(dep, dep)
        out[target] = out.get(target, 0.0) + n
    return out


@dataclass
class _Minute:
    """What one minute's computation shares between services."""

    settings: dict[str, ServiceSettings]
    fx: dict[str, ServiceEffect]
    carry: Carry
    new: Carry
    sent: dict[tuple[str, str], float]
    seen: dict[str, _Seen]
    minute: int
    seed: int


def step(
    spec: WorldSpec,
    changes: Sequence[Timed],
    minute: int,
    previous: Carry | None,
    *,
    start_hour: float,
    seed: int,
    order: Sequence[Service],
) -> Snapshot:
    """The world at ``minute`` from the carry of the minute before."""
    settings = settings_at(spec, changes, minute)
    levels = {f.id: intensity(f, spec, settings, minute) for f in spec.faults}
    blocked = set().union(*(s.blocked for s in settings.values()))
    users, surges = offered_rps(spec.traffic, minute=minute, start_hour=start_hour, seed=seed, blocked=blocked)
    ctx = _Minute(settings, effects(spec, levels), previous or Carry(), Carry(), {}, {}, minute, seed)
    load: dict[str, float] = {s.name: 0.0 for s in spec.services}
    admitted: dict[str, float] = {}
    calls: dict[str, dict[str, float]] = {}
    for svc in order:
        s = settings[svc.name]
        e = ctx.fx.get(svc.name)
        lam = load[svc.name] + (users * svc.traffic_share if svc.entry else 0.0) + svc.background_rps
        if e is not None:
            lam *= 1 + e.traffic
        load[svc.name] = lam
        adm = lam if s.throttle_rps is None else min(lam, s.throttle_rps)
        admitted[svc.name] = adm
        calls[svc.name] = _calls(svc, s)
        for dep, n in calls[svc.name].items():
            load[dep] += adm * n
            ctx.sent[(svc.name, dep)] = adm * n
    metrics: dict[str, Metrics] = {}
    for svc in reversed(order):
        metrics[svc.name], ctx.seen[svc.name] = _service(
            svc, load[svc.name], admitted[svc.name], calls[svc.name], ctx
        )
    impact = _impact(spec, metrics, ctx.fx)
    return Snapshot(minute, metrics, levels, impact, ctx.new, settings, surges)


def _pool(svc: Service, s: ServiceSettings, e: ServiceEffect, adm: float, ctx: _Minute) -> tuple[float, float]:
    """(connections in use, share of calls failing for want of one) of a pooled service."""
    assert s.max_connections is not None
    leaked = 0.0
    for (caller, dep), rps in ctx.sent.items():
        if dep != svc.name:
            continue
        ce = ctx.fx.get(caller) or ServiceEffect()
        kept = 1 - ctx.settings[caller].restart_progress
        before = ctx.carry.leaked.get(caller, 0.0) * (1 - svc.recycle_per_minute) * kept
        grown = min(before + ce.leak * 60 * rps, 3.0 * s.max_connections)
        ctx.new.leaked[caller] = grown
        leaked += grown + ce.held
    in_use = adm * svc.hold_ms * e.service_factor * s.cold / 1000 + leaked
    fail = 1 - s.max_connections / in_use if in_use > s.max_connections else 0.0
    return in_use, fail


def _service(
    svc: Service, lam: float, adm: float, deps: Mapping[str, float], ctx: _Minute
) -> tuple[Metrics, _Seen]:
    s = ctx.settings[svc.name]
    e = ctx.fx.get(svc.name) or ServiceEffect()
    minute, seed = ctx.minute, ctx.seed
    jitter = 1.0 + 0.03 * gauss(seed, f"lat:{svc.name}", minute)
    own_error = min(1.0, svc.base_error_pct / 100 * max(0.0, 1 + 0.3 * gauss(seed, f"err:{svc.name}", minute)))
    own_error = 1 - (1 - own_error) * (1 - e.error)
    service_ms = svc.service_ms * e.service_factor * s.cold * jitter
    throttled = 0.0 if lam <= 0 else max(0.0, 1 - adm / lam)
    if svc.kind == "external":
        mean = service_ms + e.extra_ms
        p99 = 2.6 * service_ms + e.tail_ms
        m = Metrics(lam, 100 * own_error, 0.8 * mean, 2 * mean, p99, 0.0, True, replicas=0)
        return m, _Seen(mean, p99, own_error)
    dep_ms = 0.0
    dep_ok = 1.0
    for dep, n in deps.items():
        d = ctx.seen[dep]
        over = 100.0 ** (-s.timeout_ms / d.p99) if d.p99 > 0 else 0.0
        dep_ms += n * (d.mean * (1 - over) + s.timeout_ms * over)
        fail = d.error + (1 - d.error) * over
        dep_ok *= (1 - fail) ** min(n, 1.0)
    in_use, pool_fail = (None, 0.0) if s.max_connections is None else _pool(svc, s, e, adm, ctx)
    replicas = 0.0 if s.down else s.replicas * (1 - s.restarting)
    servers = replicas * svc.threads
    mean_s = service_ms + dep_ms + e.extra_ms
    if svc.kind == "queue":
        return _queue(svc, lam, servers, mean_s, ctx, own_error, dep_ok, replicas)
    if servers <= 0:
        m = Metrics(lam, 100.0 if lam > 0 else 0.0, _DOWN_MS, _DOWN_MS, _DOWN_MS, 100.0, False, in_use, s.max_connections, replicas=0)
        return m, _Seen(_DOWN_MS, _DOWN_MS, 1.0)
    rho = adm * mean_s / 1000 / servers
    knee = min(rho, _KNEE)
    wq = mean_s * knee ** (math.sqrt(2 * (servers + 1)) - 1) / (servers * (1 - knee))
    wq += max(0.0, rho - _KNEE) * _PAST_KNEE * mean_s
    shed = max(0.0, 1 - 1 / rho) if rho > 1 else 0.0
    if pool_fail > 0:
        wq += svc.pool_wait_ms * pool_fail
    mean = min(mean_s + wq, svc.max_latency_ms)
    p50 = min(0.8 * mean_s + 0.7 * wq, svc.max_latency_ms)
    p95 = min(2.0 * mean_s + 3.0 * wq, svc.max_latency_ms)
    p99 = min(2.6 * mean_s + 4.6 * wq + e.tail_ms, svc.max_latency_ms)
    ok = (1 - own_error) * (1 - shed) * (1 - pool_fail) * dep_ok * (1 - throttled)
    usage = 0.0 if in_use is None or not s.max_connections else in_use / s.max_connections
    sat = min(100.0, 100 * max(min(rho, 1.0), min(usage, 1.0)))
    m = Metrics(lam, 100 * (1 - ok), p50, p95, p99, sat, True, in_use, s.max_connections, replicas=replicas)
    return m, _Seen(mean, p99, 1 - ok)


def _queue(
    svc: Service, lam: float, servers: float, mean_s: float, ctx: _Minute, own_error: float, dep_ok: float,
    replicas: float,
) -> tuple[Metrics, _Seen]:
    new = ctx.new
    mu = servers * 1000 / mean_s if mean_s > 0 else 0.0
    backlog = max(0.0, ctx.carry.backlog.get(svc.name, 0.0) + (lam - mu) * 60)
    dropped = max(0.0, backlog - svc.max_depth)
    backlog = min(backlog, float(svc.max_depth))
    new.backlog[svc.name] = backlog
    drop_share = 0.0 if lam <= 0 else min(1.0, dropped / (lam * 60))
    lag_ms = backlog / mu * 1000 if mu > 0 else svc.max_latency_ms * 10
    processed = min(lam + backlog / 60, mu)
    p99 = 2.6 * mean_s + lag_ms
    rho = lam / mu if mu > 0 else 1.0
    sat = min(100.0, 100 * max(min(rho, 1.0), backlog / svc.max_depth))
    error = 1 - (1 - own_error) * dep_ok
    m = Metrics(processed, 100 * error, 0.8 * mean_s + 0.5 * lag_ms, 2 * mean_s + 0.95 * lag_ms, p99, sat,
                replicas > 0, queue_depth=backlog, replicas=replicas)
    return m, _Seen(2.0, 5.0, drop_share)


def _impact(spec: WorldSpec, metrics: Mapping[str, Metrics], fx: Mapping[str, ServiceEffect]) -> Impact:
    entries = [s for s in spec.services if s.entry]
    total = sum(s.traffic_share for s in entries) or 1.0
    error = sum(metrics[s.name].error_rate * s.traffic_share for s in entries) / total
    slow = 0.0
    for s in entries:
        p99 = metrics[s.name].latency_p99_ms
        if p99 > 2000:
            # share over 2 s of an exponential tail with that p99
            slow += 100 * (100.0 ** (-2000 / p99)) * s.traffic_share / total
    for s in spec.services:
        if s.kind == "queue" and metrics[s.name].latency_p99_ms > _QUEUE_LATE_MS:
            slow = max(slow, _QUEUE_LATE_SHARE)  # orders wait: the users behind them are hurt
    worst = max(entries, key=lambda s: (metrics[s.name].error_rate, metrics[s.name].latency_p99_ms))
    security = any(e.security for e in fx.values())
    data_loss = any(e.data_loss for e in fx.values())
    return Impact(error, slow, metrics[worst.name].latency_p99_ms, worst.name, security, data_loss)
