"""Log lines: background noise plus what the world's state makes each service say.

Lines are a pure function of (the snapshot of a minute, the seed), drawn on request (the
world never stores them): a few ``info`` request lines and the odd harmless ``warning`` per
service every minute; ``error`` lines in proportion to the service's error rate, saying why
(no connection from the pool, an upstream timing out or failing, load shed); a fault's own
``log`` lines while it holds; rollout and restart lines while replicas change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drills.world.model import Snapshot
from drills.world.noise import uniform
from drills.world.spec import WorldSpec

__all__ = ["LEVELS", "LogLine", "lines_at", "search"]

LEVELS = ("debug", "info", "warning", "error", "critical")
_PATHS = ("/api/orders", "/api/cart", "/api/products", "/api/session", "/healthz", "/api/search")
_NOISE = (
    "cache miss ratio {pct}% (normal range)",
    "GC pause {ms} ms",
    "slow request {path} took {ms} ms",
    "retrying metrics push (attempt 1)",
    "certificate for internal-metrics expires in 41 days",
)


@dataclass(frozen=True, slots=True)
class LogLine:
    minute: int
    second: int
    service: str
    level: str
    text: str

    @property
    def at(self) -> float:
        return self.minute + self.second / 60


def lines_at(spec: WorldSpec, snap: Snapshot, seed: int) -> list[LogLine]:
    """Every line the services log during the snapshot's minute."""
    out: list[LogLine] = []
    m = snap.minute
    for svc in spec.services:
        if svc.kind == "external":
            continue
        metrics = snap.metrics[svc.name]
        name = svc.name

        def add(level: str, text: str, k: int, name: str = name) -> None:
            second = int(uniform(seed, f"sec:{name}:{k}:{text[:12]}", m) * 60)
            out.append(LogLine(m, second, name, level, text))

        for k in range(2):
            path = _PATHS[int(uniform(seed, f"path:{name}:{k}", m) * len(_PATHS))]
            add("info", f"GET {path} 200 in {metrics.latency_p50_ms:.0f} ms", k)
        if uniform(seed, f"noise:{name}", m) < 0.3:
            template = _NOISE[int(uniform(seed, f"noisek:{name}", m) * len(_NOISE))]
            ms = int(150 + 400 * uniform(seed, f"noisems:{name}", m))
            add("warning", template.format(pct=int(8 + 6 * uniform(seed, f"pct:{name}", m)), ms=ms,
                                           path=_PATHS[0]), 9)
        errors = min(5, int(metrics.error_rate / 8 + 0.999)) if metrics.error_rate >= 1 else 0
        reasons = _reasons(spec, snap, name)
        for k in range(errors):
            add("error", reasons[k % len(reasons)], 20 + k)
        for fault in spec.faults:
            if fault.service == name and snap.levels.get(fault.id, 0) > 0 and fault.log:
                add("error" if fault.category != "security" else "warning", fault.log, 40)
        s = snap.settings[name]
        if s.restarting > 0:
            version = max(s.versions, key=lambda v: s.versions[v])
            add("info", f"rolling update: replicas moving to {version}", 50)
        if metrics.queue_depth is not None and metrics.queue_depth > 1000:
            add("warning", f"consumer lag {metrics.latency_p99_ms / 1000:.0f} s, backlog {metrics.queue_depth:.0f} messages", 60)
    out.sort(key=lambda line: (line.minute, line.second, line.service))
    return out


def _reasons(spec: WorldSpec, snap: Snapshot, name: str) -> list[str]:
    svc = spec.service(name)
    s = snap.settings[name]
    reasons: list[str] = []
    calls = svc.calls
    if s.failed_over and svc.failover is not None:
        calls = {svc.failover.redirect.get(d, d): n for d, n in svc.calls.items()}
    for dep in calls:
        d = snap.metrics[dep]
        dep_svc = spec.service(dep)
        if d.pool_size is not None and d.pool_in_use is not None and d.pool_in_use > d.pool_size:
            reasons.append(f"could not get a connection to {dep} within {dep_svc.pool_wait_ms:g} ms "
                           f"(pool {d.pool_size}/{d.pool_size} in use)")
        if d.latency_p99_ms > s.timeout_ms * 0.5:
            reasons.append(f"upstream {dep} timed out after {s.timeout_ms:g} ms")
        if d.error_rate >= 2:
            reasons.append(f"upstream {dep} returned 503 Service Unavailable")
    metrics = snap.metrics[name]
    if metrics.saturation_pct >= 99 and metrics.pool_size is None:
        reasons.append("worker pool saturated: shedding load (503)")
    if s.throttle_rps is not None and metrics.requests_per_second > s.throttle_rps:
        reasons.append(f"rate limit {s.throttle_rps:g} rps exceeded: 429 Too Many Requests")
    return reasons or ["request failed: internal error (500)"]


def search(
    lines: Sequence[LogLine], *, service: str | None = None, text: str = "", level: str | None = None,
    limit: int = 100,
) -> list[LogLine]:
    """Lines matching, newest first: a service, a case-insensitive text, a minimum level."""
    floor = LEVELS.index(level) if level in LEVELS else 0
    needle = text.lower()
    hits = [
        line for line in lines
        if (service is None or line.service == service)
        and LEVELS.index(line.level) >= floor
        and needle in line.text.lower()
    ]
    hits.sort(key=lambda line: (line.minute, line.second), reverse=True)
    return hits[:limit]
