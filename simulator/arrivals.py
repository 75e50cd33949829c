"""Alert sources: one replication's whole alert stream, drawn up front as numpy arrays.

Per service there are four streams, each from its own keyed random stream (so changing one
leaves the others' draws alone, which keeps variants on common random numbers):

* **actionable** alerts: a non-homogeneous Poisson process whose rate follows the hour-of-day
  and day-of-week profiles (piecewise constant per hour, exact: a Poisson count per hour and
  uniform times within it). Each carries a context drawn from the service's distributions
  and work variates for the incident it may open.
* **noise** alerts: the same profile at ``actionable * f / (1 - f)`` a day; they need no action.
* **storms**: at ``per_week`` a week, a burst of ``size`` alerts spread after an actionable
  root; the others are *duplicates* of the root (distinct alerts, same cause).
* **flapping**: an actionable or noise alert may fire again a few times (same fingerprint,
  short-lived); the re-fires are duplicates (of an actionable alert) or noise.

Severity is not decided here: :func:`classify_alerts` applies the playbook's classifier,
vectorised, to the actionable roots; duplicates inherit their root's severity and noise
pages at the study's noise severity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from playbook.classifier import ContextBatch, classify_batch
from playbook.model import Playbook
from simulator.clock import DAY, HOUR, WEEK, local_clock
from simulator.distributions import Dist
from simulator.sections import AlertsSpec, ContextSpec, FlapSpec, ServiceSpec, StormSpec
from simulator.streams import stream

__all__ = [
    "ACTIONABLE",
    "DUPLICATE",
    "NOISE",
    "AlertTable",
    "classify_alerts",
    "generate_alerts",
    "hourly_intensity",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

ACTIONABLE, NOISE, DUPLICATE = 0, 1, 2
KIND_NAMES = ("actionable", "noise", "duplicate")


@dataclass(frozen=True)
class AlertTable:
    """Every alert of one replication, sorted by firing time (one row per alert).

    ``end`` is when the alert's condition clears; ``fingerprint`` identifies the alert
    series (a flapping alert's re-fires share it); ``root`` is the alert a duplicate or a
    re-fire repeats (itself otherwise). Context columns are meaningful for actionable roots.
    ``z1, u1, z2, u2`` are the variates for the work of the incident the alert may open.
    ``time`` is when Alertmanager receives the alert; ``starts`` its ``startsAt`` when that
    is earlier (an alert history; generated alerts start when they are received).
    """

    services: tuple[str, ...]
    time: FloatArray
    end: FloatArray
    service: IntArray
    alertname: IntArray
    fingerprint: IntArray
    kind: IntArray
    root: IntArray
    error_rate: FloatArray
    latency_p99_ms: FloatArray
    affected_users_pct: FloatArray
    dependents: IntArray
    data_loss: BoolArray
    security: BoolArray
    revenue: BoolArray
    z1: FloatArray
    u1: FloatArray
    z2: FloatArray
    u2: FloatArray
    starts: FloatArray | None = None
    severity_labels: tuple[str | None, ...] | None = None  # a history's ``severity`` labels

    @property
    def started(self) -> FloatArray:
        """Each alert's ``startsAt`` (its receive time unless ``starts`` says otherwise)."""
        return self.time if self.starts is None else self.starts

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def batch(self, index: IntArray) -> ContextBatch:
        """The classifier's view of the alerts at ``index``."""
        names = np.array(self.services, dtype=np.str_)
        return ContextBatch(
            service=names[self.service[index]],
            error_rate=self.error_rate[index],
            latency_p99_ms=self.latency_p99_ms[index],
            affected_users_pct=self.affected_users_pct[index],
            duration_minutes=np.zeros(index.shape[0], dtype=np.float64),
            dependent_count=self.dependents[index],
            is_data_loss=self.data_loss[index],
            is_security_event=self.security[index],
            is_revenue_impacting=self.revenue[index],
        )


@lru_cache(maxsize=64)
def hourly_intensity(
    zone: str,
    hour_profile: tuple[float, ...],
    weekday_profile: tuple[float, ...],
    start: datetime,
    total_minutes: float,
) -> FloatArray:
    """Rate multiplier for each hour of the run (mean 1 over a week), read at the hour's middle."""
    clock = local_clock(zone, start, total_minutes)
    blocks = int(np.ceil(total_minutes / HOUR))
    middles = np.arange(blocks, dtype=np.float64) * HOUR + HOUR / 2
    local = clock.local_array(middles)
    hours = ((local % DAY) // HOUR).astype(np.int64)
    days = ((local % WEEK) // DAY).astype(np.int64)
    hour_w = np.asarray(hour_profile, dtype=np.float64)
    day_w = np.asarray(weekday_profile, dtype=np.float64)
    hour_w = hour_w / hour_w.mean()
    day_w = day_w / day_w.mean()
    out: FloatArray = hour_w[hours] * day_w[days]
    return out


def _poisson_times(
    gen: np.random.Generator, per_day: float, intensity: FloatArray, total_minutes: float
) -> FloatArray:
    if per_day <= 0:
        return np.empty(0, dtype=np.float64)
    counts = gen.poisson(per_day / 24.0 * intensity)
    starts = np.repeat(np.arange(intensity.shape[0], dtype=np.float64) * HOUR, counts)
    times = starts + gen.random(starts.shape[0]) * HOUR
    times = times[times < total_minutes]
    times.sort()
    return times


def _sample(dist: Dist, gen: np.random.Generator, n: int) -> FloatArray:
    """``n`` values of ``dist``; always consumes n normals and n uniforms (alignment)."""
    z = gen.standard_normal(n)
    u = gen.random(n)
    return dist.sample(z, u)


@dataclass
class _Part:
    """A stream's alerts before they are merged and sorted."""

    time: FloatArray
    duration: FloatArray
    alertname: IntArray
    kind: IntArray
    parent: IntArray  # index within the part of the alert it repeats (self for roots)
    series: IntArray  # index within the part of its fingerprint (a re-fire shares its parent's)
    context: dict[str, FloatArray]
    work: tuple[FloatArray, FloatArray, FloatArray, FloatArray]
    flap: _Flaps | None = None


@dataclass
class _Flaps:
    """Per alert whether and how often it re-fires; per re-fire its gap, duration and work."""

    refires: IntArray
    gaps: FloatArray
    durations: FloatArray
    work: tuple[FloatArray, FloatArray, FloatArray, FloatArray]


_CONTEXT_FIELDS = (
    "error_rate",
    "latency_p99_ms",
    "affected_users_pct",
    "dependents",
    "data_loss",
    "security",
    "revenue",
)


def _contexts(spec: ContextSpec, gen: np.random.Generator, n: int) -> dict[str, FloatArray]:
    return {
        "error_rate": np.clip(_sample(spec.error_rate, gen, n), 0, 100),
        "latency_p99_ms": np.maximum(_sample(spec.latency_p99_ms, gen, n), 0),
        "affected_users_pct": np.clip(_sample(spec.affected_users_pct, gen, n), 0, 100),
        "dependents": np.rint(np.maximum(_sample(spec.dependents, gen, n), 0)),
        "data_loss": (gen.random(n) < spec.data_loss).astype(np.float64),
        "security": (gen.random(n) < spec.security).astype(np.float64),
        "revenue": (gen.random(n) < spec.revenue).astype(np.float64),
    }


def _work(
    gen: np.random.Generator, n: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    return gen.standard_normal(n), gen.random(n), gen.standard_normal(n), gen.random(n)


def _flaps(spec: FlapSpec, gen: np.random.Generator, n: int) -> _Flaps:
    """Whether each alert flaps and how; drawn last, so the flap settings move no other draw."""
    flapping = gen.random(n) < spec.probability
    refires = np.rint(np.maximum(_sample(spec.refires, gen, n), 0)).astype(np.int64)
    refires = np.where(flapping, refires, 0)
    total = int(refires.sum())
    gaps = _sample(spec.interval_minutes, gen, total)
    durations = np.maximum(_sample(spec.duration_minutes, gen, total), 0)
    return _Flaps(refires, gaps, durations, _work(gen, total))


def _stream_part(
    gen: np.random.Generator,
    per_day: float,
    intensity: FloatArray,
    total: float,
    duration: Dist,
    kind: int,
    context: ContextSpec,
    flapping: FlapSpec,
    alertnames: int,
) -> _Part:
    times = _poisson_times(gen, per_day, intensity, total)
    n = times.shape[0]
    return _Part(
        time=times,
        duration=np.maximum(_sample(duration, gen, n), 0),
        alertname=np.asarray(gen.integers(0, alertnames, size=n), dtype=np.int64),
        kind=np.full(n, kind, dtype=np.int64),
        parent=np.arange(n, dtype=np.int64),
        series=np.arange(n, dtype=np.int64),
        context=_contexts(context, gen, n),
        work=_work(gen, n),
        flap=_flaps(flapping, gen, n),
    )


def _storm_part(
    gen: np.random.Generator,
    spec: StormSpec,
    total: float,
    duration: Dist,
    context: ContextSpec,
    alertnames: int,
) -> _Part:
    storms = int(gen.poisson(spec.per_week * total / WEEK)) if spec.per_week > 0 else 0
    if storms == 0:
        return _empty_part()
    starts = np.sort(gen.random(storms) * total)
    sizes = np.maximum(np.rint(_sample(spec.size, gen, storms)), 1).astype(np.int64)
    n = int(sizes.sum())
    first = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    roots = np.repeat(first, sizes)
    offsets = np.maximum(_sample(spec.spread_minutes, gen, n), 0)
    offsets[first] = 0.0
    kind = np.full(n, DUPLICATE, dtype=np.int64)
    kind[first] = ACTIONABLE
    return _Part(
        time=np.repeat(starts, sizes) + offsets,
        duration=np.maximum(_sample(duration, gen, n), 0),
        alertname=np.asarray(gen.integers(0, alertnames, size=n), dtype=np.int64),
        kind=kind,
        parent=roots,
        series=np.arange(n, dtype=np.int64),
        context=_contexts(context, gen, n),
        work=_work(gen, n),
    )


def _empty_part() -> _Part:
    none_f = np.empty(0, dtype=np.float64)
    none_i = np.empty(0, dtype=np.int64)
    return _Part(
        time=none_f,
        duration=none_f,
        alertname=none_i,
        kind=none_i,
        parent=none_i,
        series=none_i,
        context=dict.fromkeys(_CONTEXT_FIELDS, none_f),
        work=(none_f, none_f, none_f, none_f),
    )


def _with_refires(part: _Part) -> _Part:
    """Append each flapping alert's re-fires after the part's own alerts."""
    if part.flap is None or part.flap.refires.sum() == 0:
        return part
    refires, gaps, durations = part.flap.refires, part.flap.gaps, part.flap.durations
    parents = np.repeat(np.arange(part.time.shape[0], dtype=np.int64), refires)
    # Re-fire k of a parent comes after the parent clears, k gaps later (cumulative).
    flapping = refires > 0
    group_start = (np.cumsum(refires) - refires)[flapping]
    cumulative = np.cumsum(gaps)
    base = np.repeat(cumulative[group_start] - gaps[group_start], refires[flapping])
    times = part.time[parents] + part.duration[parents] + (cumulative - base)
    kind = np.where(part.kind[parents] == NOISE, NOISE, DUPLICATE)
    return _Part(
        time=np.concatenate((part.time, times)),
        duration=np.concatenate((part.duration, durations)),
        alertname=np.concatenate((part.alertname, part.alertname[parents])),
        kind=np.concatenate((part.kind, kind)),
        parent=np.concatenate((part.parent, part.parent[parents])),
        series=np.concatenate((part.series, part.series[parents])),
        context={k: np.concatenate((v, v[parents])) for k, v in part.context.items()},
        work=(
            np.concatenate((part.work[0], part.flap.work[0])),
            np.concatenate((part.work[1], part.flap.work[1])),
            np.concatenate((part.work[2], part.flap.work[2])),
            np.concatenate((part.work[3], part.flap.work[3])),
        ),
    )


def _service_parts(
    spec: AlertsSpec,
    service: ServiceSpec,
    start: datetime,
    total: float,
    seed: int,
    replication: int,
) -> list[_Part]:
    intensity = hourly_intensity(
        spec.time_zone,
        service.hour_profile or spec.hour_profile,
        service.weekday_profile or spec.weekday_profile,
        start,
        total,
    )
    duration = service.duration_minutes or spec.duration_minutes
    flapping = service.flapping or spec.flapping
    noise = spec.noise_fraction if service.noise_fraction is None else service.noise_fraction
    actionable = _stream_part(
        stream(seed, replication, "actionable", service.name),
        service.actionable_per_day,
        intensity,
        total,
        duration,
        ACTIONABLE,
        service.context,
        flapping,
        spec.alertnames,
    )
    noisy = _stream_part(
        stream(seed, replication, "noise", service.name),
        service.actionable_per_day * noise / (1.0 - noise),
        intensity,
        total,
        spec.noise_duration_minutes,
        NOISE,
        service.context,
        flapping,
        spec.alertnames,
    )
    storms = _storm_part(
        stream(seed, replication, "storms", service.name),
        service.storms or spec.storms,
        total,
        duration,
        service.context,
        spec.alertnames,
    )
    return [_with_refires(actionable), _with_refires(noisy), storms]


def generate_alerts(
    spec: AlertsSpec, *, start: datetime, total_minutes: float, seed: int, replication: int
) -> AlertTable:
    """Every alert of replication ``replication`` over ``[0, total_minutes)`` minutes."""
    services = tuple(s.name for s in spec.services)
    parts: list[tuple[int, _Part]] = []
    for index, service in enumerate(spec.services):
        parts.extend(
            (index, part)
            for part in _service_parts(spec, service, start, total_minutes, seed, replication)
        )
    offsets = np.cumsum([0] + [p.time.shape[0] for _, p in parts])
    time = np.concatenate([p.time for _, p in parts])
    keep = time < total_minutes
    # Sort by time; ties (rare) keep stream order, so the order never depends on chance.
    order = np.argsort(time, kind="stable")
    order = order[keep[order]]
    rank = np.full(time.shape[0], -1, dtype=np.int64)
    rank[order] = np.arange(order.shape[0], dtype=np.int64)

    def cat(values: list[npt.NDArray[np.generic]]) -> npt.NDArray[np.generic]:
        return np.concatenate(values)[order]

    parent_global = np.concatenate([p.parent + offsets[i] for i, (_, p) in enumerate(parts)])
    root = rank[parent_global[order]]
    # A root dropped at the horizon leaves its duplicates as their own roots.
    root = np.where(root < 0, np.arange(order.shape[0]), root)
    fingerprint_local = np.concatenate([p.series + offsets[i] for i, (_, p) in enumerate(parts)])
    context = {k: cat([p.context[k] for _, p in parts]) for k in parts[0][1].context}
    end = cat([p.time + p.duration for _, p in parts])
    return AlertTable(
        services=services,
        time=time[order],
        end=end.astype(np.float64),
        service=cat([np.full(p.time.shape[0], s, dtype=np.int64) for s, p in parts]).astype(
            np.int64
        ),
        alertname=cat([p.alertname for _, p in parts]).astype(np.int64),
        fingerprint=fingerprint_local[order].astype(np.int64),
        kind=cat([p.kind for _, p in parts]).astype(np.int64),
        root=root.astype(np.int64),
        error_rate=context["error_rate"].astype(np.float64),
        latency_p99_ms=context["latency_p99_ms"].astype(np.float64),
        affected_users_pct=context["affected_users_pct"].astype(np.float64),
        dependents=context["dependents"].astype(np.int64),
        data_loss=context["data_loss"].astype(bool),
        security=context["security"].astype(bool),
        revenue=context["revenue"].astype(bool),
        z1=cat([p.work[0] for _, p in parts]).astype(np.float64),
        u1=cat([p.work[1] for _, p in parts]).astype(np.float64),
        z2=cat([p.work[2] for _, p in parts]).astype(np.float64),
        u2=cat([p.work[3] for _, p in parts]).astype(np.float64),
    )


def classify_alerts(table: AlertTable, book: Playbook, noise_severity: str | None) -> IntArray:
    """Severity of every alert as an index into ``book.severity_order``.

    Actionable roots are classified by the playbook (vectorised); duplicates take their
    root's severity; noise takes ``noise_severity`` (default: the least severe that pages).
    """
    order = book.severity_order
    index_of = {name: i for i, name in enumerate(order)}
    if noise_severity is None:
        noise_severity = next(level.name for level in reversed(book.severities) if level.page)
    out = np.full(len(table), index_of[noise_severity], dtype=np.int64)
    roots = np.flatnonzero((table.kind == ACTIONABLE) & (table.root == np.arange(len(table))))
    if roots.size:
        names, _ = classify_batch(book.classifier, table.batch(roots))
        lookup = np.array([index_of[str(n)] for n in np.unique(names)], dtype=np.int64)
        _, inverse = np.unique(names, return_inverse=True)
        out[roots] = lookup[inverse]
    duplicates = table.kind == DUPLICATE
    out[duplicates] = out[table.root[duplicates]]
    if table.severity_labels is not None:  # a history names severities itself
        for i, label in enumerate(table.severity_labels):
            if label in index_of:
                out[i] = index_of[label]
    # A duplicate whose root is noise (a storm never is; a noise re-fire is NOISE) is covered above.
    return out
