"""Alert rules on the world's metrics: the same rules ``scenarios/`` gives Prometheus.

The seed rules (``HighErrorRate``, ``SlowResponseTime``, ``ServiceDown``, the error-budget
burns and ``DbPoolExhausted``) take their ``for:`` duration, severity label, summary and
runbook from :func:`scenarios.monitoring.rules.alert_rules` at production time (compression
factor 1, so a ``for: 2m`` is two drill minutes), with thresholds from its ``RulesConfig``;
each holds when its PromQL expression would, evaluated once a drill minute on the world's
series (a ``[5m]`` rate becomes the request-weighted mean of the last five minutes). The
error-budget burns evaluate all four tiers of the rules' multiwindow, multi-burn-rate table
(``PAGE_TIERS``: 14.4x over 1h and 5m, or 6x over 6h and 30m; ``TICKET_TIERS``: 3x over 1d
and 2h, or 1x over 3d and 6h) against the drill's own SLO (``slo_availability``). Three
rules are the drill world's own, for services the seeds give no alert: ``QueueLagHigh``
(oldest message older than 5 minutes, for 5m, critical), ``TrafficAnomaly`` (the last five
minutes' rate above 1.5 times the first minutes' of the hour, for 5m, critical) and
``HighSaturation`` (above 90 % for 10m, warning). Windows that reach back before the drill
(``[1h]``, ``[3d]``) count that time at a 0.1 % error baseline, capped at half the SLO's budget.

An alert is *pending* from the first minute its condition holds and *fires* once it has held
for its ``for:`` duration; it resolves the first minute the condition fails (Prometheus's
semantics, at a minute's resolution).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from drills.world.model import Metrics
from drills.world.spec import Service, WorldSpec
from scenarios.monitoring.compression import TimeCompression, parse_duration
from scenarios.monitoring.rules import PAGE_TIERS, TICKET_TIERS, RulesConfig, alert_rules

__all__ = ["RULES", "BurnTable", "History", "Rule", "baseline", "burn_rate", "burn_table", "check_rules", "rule", "rules_for", "slug"]

_BASELINE = 0.001


class History:
    """The world's series so far, with running sums so a long window costs as much as a short one."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Metrics]] = []
        self._sums: dict[str, list[tuple[float, float]]] = {}

    def append(self, metrics: dict[str, Metrics]) -> None:
        self.rows.append(metrics)
        for name, m in metrics.items():
            sums = self._sums.setdefault(name, [(0.0, 0.0)])
            rps, bad = sums[-1]
            sums.append((rps + m.requests_per_second, bad + m.requests_per_second * m.error_rate / 100))

    def truncate(self, minutes: int) -> None:
        del self.rows[minutes:]
        for sums in self._sums.values():
            del sums[minutes + 1:]

    def window(self, service: str, minutes: int) -> list[Metrics]:
        return [h[service] for h in self.rows[-minutes:] if service in h]

    def ratio(self, service: str, minutes: int) -> tuple[float, int]:
        """(error ratio over the last ``minutes``, how many minutes there were)."""
        sums = self._sums.get(service, [(0.0, 0.0)])
        n = min(minutes, len(sums) - 1)
        rps = sums[-1][0] - sums[-1 - n][0]
        bad = sums[-1][1] - sums[-1 - n][1]
        return (bad / rps if rps > 0 else 0.0), n


@dataclass(frozen=True)
class Rule:
    """One alerting rule as the world evaluates it."""

    name: str
    severity: str
    for_minutes: int
    summary: str
    runbook: str
    condition: Callable[[History, str, float], float | None]
    source: str

    def render(self, service: str, value: float) -> str:
        text = self.summary.replace("Checkout API", service)
        text = text.replace("{{ $value | humanizePercentage }}", f"{value * 100:.1f}%")
        text = text.replace("{{ $value | humanize }}", f"{value:.3g}")
        text = text.replace("{{ $value }}", f"{value:.3g}")
        return text.replace("{{ $labels.instance }}", service)


def slug(name: str) -> str:
    """``HighErrorRate`` -> ``high-error-rate`` (alert ids and runbook file names)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _window(history: History, service: str, minutes: int) -> list[Metrics]:
    return history.window(service, minutes)


def _high_error_rate(threshold: float) -> Callable[[History, str, float], float | None]:
    def holds(history: History, service: str, budget: float) -> float | None:
        ratio, _ = history.ratio(service, 5)
        return ratio if ratio > threshold else None

    return holds


def _slow_response(threshold_s: float) -> Callable[[History, str, float], float | None]:
    def holds(history: History, service: str, budget: float) -> float | None:
        rows = _window(history, service, 5)
        if not rows:
            return None
        p95 = sum(m.latency_p95_ms for m in rows) / len(rows) / 1000
        return p95 if p95 > threshold_s else None

    return holds


def _down(history: History, service: str, budget: float) -> float | None:
    rows = _window(history, service, 1)
    return 0.0 if rows and not rows[-1].up else None


def baseline(budget: float) -> float:
    """The error ratio assumed before the drill: 0.1 %, but never more than half the
    budget (a service that met its SLO before the drill; the 1x tier would page on more)."""
    return min(_BASELINE, budget / 2)


def _with_baseline(history: History, service: str, minutes: int, budget: float) -> float:
    """The error ratio over ``minutes``, the part before the drill at :func:`baseline`."""
    ratio, seen = history.ratio(service, minutes)
    return (ratio * seen + baseline(budget) * max(0, minutes - seen)) / minutes


def _minutes(duration: str) -> int:
    return round(parse_duration(duration) / 60)


BurnTable = tuple[tuple[float, int, int], ...]


def burn_table(tiers: tuple[tuple[float, str, str], ...]) -> BurnTable:
    """The rules' (burn rate, long window, short window) rows, windows in drill minutes."""
    return tuple((rate, _minutes(long), _minutes(short)) for rate, long, short in tiers)


def burn_rate(history: History, service: str, budget: float, table: BurnTable) -> float | None:
    """The multiwindow, multi-burn-rate condition (SRE workbook): some row's error ratio is
    above ``rate * budget`` over both its long and its short window. Returns the highest
    long-window burn rate (error ratio / budget) among the rows burning, else None. Windows
    reaching back before the drill count that time at the baseline, as Prometheus would
    over the history a real service had."""
    burning = []
    for rate, long_minutes, short_minutes in table:
        threshold = rate * budget
        long = _with_baseline(history, service, long_minutes, budget)
        if long > threshold and _with_baseline(history, service, short_minutes, budget) > threshold:
            burning.append(long / budget)
    return max(burning) if burning else None


def _burn(table: BurnTable) -> Callable[[History, str, float], float | None]:
    def holds(history: History, service: str, budget: float) -> float | None:
        return burn_rate(history, service, budget, table)

    return holds


def _pool(history: History, service: str, budget: float) -> float | None:
    rows = _window(history, service, 5)
    waiting = [m for m in rows if m.pool_size is not None and m.pool_in_use is not None and m.pool_in_use > m.pool_size]
    if not waiting:
        return None
    last = waiting[-1]
    assert last.pool_in_use is not None and last.pool_size is not None
    return max(0.0, last.pool_in_use - last.pool_size) / 60


def _queue_lag(history: History, service: str, budget: float) -> float | None:
    rows = _window(history, service, 1)
    return rows[-1].latency_p99_ms / 1000 if rows and rows[-1].latency_p99_ms > 300_000 else None


def _traffic(history: History, service: str, budget: float) -> float | None:
    rows = _window(history, service, 60)
    if len(rows) < 8:
        return None
    usual = sum(m.requests_per_second for m in rows[:3]) / 3
    recent = sum(m.requests_per_second for m in rows[-5:]) / 5
    return recent / usual if usual > 0 and recent > 1.5 * usual else None


def _saturation(history: History, service: str, budget: float) -> float | None:
    rows = _window(history, service, 1)
    return rows[-1].saturation_pct if rows and rows[-1].saturation_pct > 90 else None


@cache
def _rules() -> dict[str, Rule]:
    config = RulesConfig(compression=TimeCompression(factor=1))
    seeds = {r.alert.removeprefix("Checkout"): r for r in alert_rules(config)}
    conditions: dict[str, Callable[[History, str, float], float | None]] = {
        "HighErrorRate": _high_error_rate(config.error_rate_threshold),
        "SlowResponseTime": _slow_response(config.slow_response_seconds),
        "ServiceDown": _down,
        "HighErrorBudgetBurn": _burn(burn_table(PAGE_TIERS)),
        "SlowErrorBudgetBurn": _burn(burn_table(TICKET_TIERS)),
        "DbPoolExhausted": _pool,
    }
    out: dict[str, Rule] = {}
    for name, condition in conditions.items():
        seed = seeds[name]
        out[name] = Rule(
            name=name,
            severity=seed.labels["severity"],
            for_minutes=max(1, round(parse_duration(seed.for_) / 60)),
            summary=seed.annotations["summary"],
            runbook=slug(name),
            condition=condition,
            source=seed.labels.get("source", "seed"),
        )
    out["QueueLagHigh"] = Rule("QueueLagHigh", "critical", 5, "Oldest message in the queue is {{ $value }}s old",
                               "queue-lag-high", _queue_lag, "drill world")
    out["TrafficAnomaly"] = Rule("TrafficAnomaly", "critical", 5,
                                 "Requests at {{ $value }}x the usual rate for 5 minutes",
                                 "traffic-anomaly", _traffic, "drill world")
    out["HighSaturation"] = Rule("HighSaturation", "warning", 10, "Saturation at {{ $value }}% for 10 minutes",
                                 "high-saturation", _saturation, "drill world")
    return out


RULES: tuple[str, ...] = (
    "HighErrorRate", "SlowResponseTime", "ServiceDown", "HighErrorBudgetBurn", "SlowErrorBudgetBurn",
    "DbPoolExhausted", "QueueLagHigh", "TrafficAnomaly", "HighSaturation",
)


def rule(name: str) -> Rule:
    return _rules()[name]


def rules_for(service: Service) -> tuple[str, ...]:
    """The rules evaluated on a service: its own list, or the defaults for its kind."""
    if service.alerts is not None:
        return service.alerts
    if service.kind == "external":
        return ()
    if service.kind == "queue":
        return ("QueueLagHigh",)
    names = ["ServiceDown"]
    if service.entry:
        names += ["HighErrorRate", "SlowResponseTime", "HighErrorBudgetBurn", "SlowErrorBudgetBurn"]
    if service.max_connections is not None:
        names.append("DbPoolExhausted")
    return tuple(names)


def check_rules(spec: WorldSpec) -> list[tuple[int, str]]:
    """(service index, unknown rule name) for every rule a service names that does not exist."""
    return [(i, n) for i, s in enumerate(spec.services) for n in (s.alerts or ()) if n not in RULES]
