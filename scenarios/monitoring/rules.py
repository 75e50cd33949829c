"""Prometheus alert rules: the seeds' alerts, scaled by the time compression.

Seed 002 (*alert on symptoms*): ``HighErrorRate`` (5xx share > 5 % over [5m] for 2m,
critical), ``SlowResponseTime`` (p95 > 2 s over [5m] for 5m, warning), ``ServiceDown``
(``up == 0`` for 1m, critical).

Seed 004 (*multiwindow, multi-burn-rate SLO alerts*, availability SLO 99.95 %), completed to
the four tiers of the SRE workbook's table (*Alerting on SLOs*, "multiwindow, multi-burn-rate
alerts"), each a long window that proves the budget is really burning and a short one (1/12
of it) that lets the alert reset soon after the burn stops:

==================================  ========  ===============  ==========  =================
alert                               severity  burn rate        long/short  budget spent
==================================  ========  ===============  ==========  =================
``CheckoutHighErrorBudgetBurn``     critical  14.4x, *or* 6x   1h/5m,      2 % / 5 %
                                    (page)                     6h/30m
``CheckoutSlowErrorBudgetBurn``     warning   3x, *or* 1x      1d/2h,      10 % / 10 %
                                    (ticket)                   3d/6h
==================================  ========  ===============  ==========  =================

(the seed had only the first page tier and a slow tier without its short window). Kept from
the seed where the workbook and Sloth differ: ``for`` 2m on the page alert and 1h on the
ticket alert (Sloth and the workbook use none: the short window does that work), and two
alert names instead of Sloth's one name with a ``sloth_severity`` label.

Added, each following a seed and marked ``source`` in its labels:

* ``CheckoutHighLatencyBudgetBurn`` / ``CheckoutSlowLatencyBudgetBurn``: the same two burn
  alerts for seed 004's *latency* SLO (99 % of requests within 0.5 s), which the seed defines
  but gives no alert for; without them a latency drill would page nobody.
* ``CheckoutDbPoolExhausted``: seed 002's first postmortem action item ("add connection pool
  exhaustion alert"): requests timing out waiting for a connection, for 1m, warning.

Deviations from the seed text, on purpose: every expression selects ``service="checkout"`` (the
seed 002 ones select nothing, which breaks as soon as a second service is scraped);
``SlowResponseTime`` aggregates ``sum by (le)`` before ``histogram_quantile`` so it fires once,
not once per handler; ``ServiceDown`` uses the job name of the generated scrape config (the
seed's ``myapp``). Every rule carries ``service`` so the playbook's classifier can match it.

Every alert also carries the playbook's alert context as annotations (read by the web UI's
Alertmanager receiver, ``webui/payloads.py``), so the drill room classifies a real alert by
the same rules as a scripted one: ``service``, ``is_revenue_impacting`` (checkout takes the
money: true by default), and the impact observed when the alert is evaluated, from the same
metrics over the compressed ``[5m]`` window: ``error_rate`` (percent of 5xx) and
``latency_p99_ms``. Each reading is a template ``query`` that always renders a finite number
(``0`` without traffic; NaN filtered, +Inf clamped), because the receiver refuses an alert whose
context it cannot read. ``ServiceDown`` adds ``affected_users_pct: 100``: nobody is served.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scenarios.monitoring.compression import TimeCompression

__all__ = [
    "PAGE_TIERS",
    "TICKET_TIERS",
    "AlertRule",
    "RulesConfig",
    "alert_prefix",
    "alert_rules",
    "impact_reading",
    "rule_file",
]

#: The SRE workbook's multiwindow, multi-burn-rate table: (burn rate, long window, short window).
PAGE_TIERS: tuple[tuple[float, str, str], ...] = ((14.4, "1h", "5m"), (6.0, "6h", "30m"))
TICKET_TIERS: tuple[tuple[float, str, str], ...] = ((3.0, "1d", "2h"), (1.0, "3d", "6h"))


class RulesConfig(BaseModel):
    """What the rules are about and how fast time runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    compression: TimeCompression = TimeCompression()
    scrape_interval_seconds: float = Field(default=1.0, gt=0)
    service: str = "checkout"
    job: str = "checkout"
    prefix: str = Field(default="Checkout", description="of the SLO alerts' names and summaries")
    availability_target: float = Field(default=0.9995, gt=0, lt=1)
    latency_target: float = Field(default=0.99, gt=0, lt=1)
    latency_threshold_seconds: float = 0.5
    slow_response_seconds: float = 2.0
    error_rate_threshold: float = 0.05
    revenue_impacting: bool = Field(default=True, description="annotation for the classifier")


class AlertRule(BaseModel):
    """One Prometheus alerting rule, as it appears in a rule file."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    alert: str
    expr: str
    for_: str = Field(alias="for")
    labels: dict[str, str]
    annotations: dict[str, str]
    group: str

    def as_yaml_dict(self) -> dict[str, Any]:
        return {
            "alert": self.alert,
            "expr": self.expr,
            "for": self.for_,
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
        }


def impact_reading(query: str, number_format: str) -> str:
    """An annotation template rendering ``query``'s first value, or ``0`` when it has none."""
    return (
        "{{ with query `" + query + "` }}{{ . | first | value | printf \"" + number_format
        + "\" }}{{ else }}0{{ end }}"
    )


def alert_prefix(service: str) -> str:
    """The SLO alerts' name prefix for ``service``: ``my-shop_api`` -> ``MyShopApi``."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", service) if part)


def _ratio(numerator: str, denominator: str) -> str:
    return f"(\n  {numerator}\n/\n  {denominator}\n)"


def alert_rules(config: RulesConfig) -> list[AlertRule]:
    """Every alert rule for ``config``, in file order. Pure."""
    c = config.compression
    p = config.prefix
    svc = f'service="{config.service}"'

    def w(production: str) -> str:
        return c.window(production, scrape_interval_seconds=config.scrape_interval_seconds)

    def errors(window: str) -> str:
        return _ratio(
            f'sum(rate(http_requests_total{{{svc},status=~"5.."}}[{w(window)}]))',
            f"sum(rate(http_requests_total{{{svc}}}[{w(window)}]))",
        )

    def slow(window: str) -> str:
        le = f'le="{config.latency_threshold_seconds:g}"'
        good = _ratio(
            f"sum(rate(http_request_duration_seconds_bucket{{{svc},{le}}}[{w(window)}]))",
            f"sum(rate(http_request_duration_seconds_count{{{svc}}}[{w(window)}]))",
        )
        return f"(1 - {good})"

    def tiers(ratio: Callable[[str], str], budget: float, *table: tuple[float, str, str]) -> str:
        """The workbook's multiwindow tiers: any (rate, long, short) row burning in both."""
        rows = [
            f"(\n{ratio(long)} > ({rate:g} * {budget:g})\nand\n{ratio(short)} > ({rate:g} * {budget:g})\n)"
            for rate, long, short in table
        ]
        return "\nor\n".join(rows)

    def page(ratio: Callable[[str], str], budget: float) -> str:
        return tiers(ratio, budget, *PAGE_TIERS)

    def ticket(ratio: Callable[[str], str], budget: float) -> str:
        return tiers(ratio, budget, *TICKET_TIERS)

    def note(**seed: str) -> str:
        scaled = ", ".join(
            f"{key} {value} -> {c.duration(value)}" for key, value in seed.items() if value
        )
        return f"time compressed {c.factor:g}x: {scaled}"

    short = w("5m")
    observed = {
        "service": config.service,
        "is_revenue_impacting": "true" if config.revenue_impacting else "false",
        "error_rate": impact_reading(
            f'100 * sum(rate(http_requests_total{{{svc},status=~"5.."}}[{short}]))'
            f" / sum(rate(http_requests_total{{{svc}}}[{short}])) >= 0",
            "%.1f",
        ),
        "latency_p99_ms": impact_reading(
            "clamp_max(1000 * histogram_quantile(0.99, sum by (le) ("
            f"rate(http_request_duration_seconds_bucket{{{svc}}}[{short}]))), 600000) >= 0",
            "%.0f",
        ),
    }
    error_budget = 1 - config.availability_target
    latency_budget = 1 - config.latency_target

    def rule(
        group: str,
        alert: str,
        expr: str,
        for_: str,
        severity: str,
        annotations: dict[str, str],
        source: str,
        extra: Callable[[], dict[str, str]] = dict,
        **windows: str,
    ) -> AlertRule:
        return AlertRule(
            group=group,
            alert=alert,
            expr=expr,
            for_=c.duration(for_),
            labels={"severity": severity, "service": config.service, "source": source, **extra()},
            annotations={
                **observed,
                **annotations,
                "time_compression": note(**windows, **{"for": for_}),
            },
        )

    team = lambda: {"team": config.service}  # noqa: E731 - seed 004's team label

    return [
        rule(
            "user-experience",
            "HighErrorRate",
            f"{errors('5m')}\n> {config.error_rate_threshold:g}",
            "2m",
            "critical",
            {
                "summary": "Error rate {{ $value | humanizePercentage }} exceeds "
                f"{config.error_rate_threshold:.0%}",
                "runbook": "https://runbooks.internal/high-error-rate",
            },
            "seed 002",
            window="5m",
        ),
        rule(
            "user-experience",
            "SlowResponseTime",
            "histogram_quantile(0.95, sum by (le) ("
            f"rate(http_request_duration_seconds_bucket{{{svc}}}[{w('5m')}])))"
            f" > {config.slow_response_seconds:g}",
            "5m",
            "warning",
            {
                "summary": "P95 latency is {{ $value }}s (threshold: "
                f"{config.slow_response_seconds:g}s)"
            },
            "seed 002",
            window="5m",
        ),
        rule(
            "user-experience",
            "ServiceDown",
            f'up{{job="{config.job}"}} == 0',
            "1m",
            "critical",
            {"summary": "{{ $labels.instance }} is down", "affected_users_pct": "100"},
            "seed 002",
        ),
        rule(
            "slo-alerts",
            f"{p}HighErrorBudgetBurn",
            page(errors, error_budget),
            "2m",
            "critical",
            {
                "summary": f"{p} API burning error budget 14.4x (1h) or 6x (6h) faster than normal",
                "runbook": "https://wiki.internal/runbooks/checkout-high-error-rate",
                "dashboard": "https://grafana.internal/d/checkout-slo",
            },
            "seed 004",
            team,
            long="1h",
            short="5m",
        ),
        rule(
            "slo-alerts",
            f"{p}SlowErrorBudgetBurn",
            ticket(errors, error_budget),
            "1h",
            "warning",
            {"summary": f"{p} API slowly burning through error budget (3x over 1d or 1x over 3d)"},
            "seed 004 + SRE workbook",
            team,
            long="3d",
            short="6h",
        ),
        rule(
            "slo-alerts",
            f"{p}HighLatencyBudgetBurn",
            page(slow, latency_budget),
            "2m",
            "critical",
            {
                "summary": f"{p} API burning latency budget 14.4x faster than normal "
                f"(requests slower than {config.latency_threshold_seconds:g}s)",
                "dashboard": "https://grafana.internal/d/checkout-slo",
            },
            "seed 004 latency SLO",
            team,
            long="1h",
            short="5m",
        ),
        rule(
            "slo-alerts",
            f"{p}SlowLatencyBudgetBurn",
            ticket(slow, latency_budget),
            "1h",
            "warning",
            {"summary": f"{p} API slowly burning through latency budget (3x over 1d or 1x over 3d)"},
            "seed 004 latency SLO + SRE workbook",
            team,
            long="3d",
            short="6h",
        ),
        rule(
            "capacity",
            f"{p}DbPoolExhausted",
            f"sum(rate(db_pool_timeouts_total{{{svc}}}[{w('5m')}])) > 0",
            "1m",
            "warning",
            {
                "summary": "Requests time out waiting for a database connection "
                "({{ $value | humanize }}/s)",
            },
            "seed 002 action item",
            window="5m",
        ),
    ]


def rule_file(rules: list[AlertRule]) -> dict[str, Any]:
    """The rule file document: rules grouped by ``group``, groups in first-seen order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in rules:
        groups.setdefault(item.group, []).append(item.as_yaml_dict())
    return {"groups": [{"name": name, "rules": body} for name, body in groups.items()]}
