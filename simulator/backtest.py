"""Back-testing a study against the history it should reproduce (``drillbit backtest``).

The study is run over the history's period (its start and length, no warm-up) and the
same figures are computed from the history and from every replication:

* ``incidents_per_week``;
* ``mtta_mean``, ``mtta_median``, ``mtta_p90`` (creation to first acknowledgement) and
  ``mttr_mean``, ``mttr_median``, ``mttr_p90`` (creation to resolution), in minutes;
* ``acked_out_of_hours_share``: acknowledgements outside 09-17 Monday-Friday on the
  study's ``alerts.time_zone`` clock;
* ``escalations_per_incident``: PagerDuty's ``escalation_count``; simulated, the rules a
  page moved past (``rule - 1 + loop * rules``);
* ``business_hour_interruptions_per_incident``, ``off_hour_interruptions_per_incident``,
  ``sleep_hour_interruptions_per_incident``: PagerDuty's buckets (business 08-18 Monday
  to Friday, sleep 22-08); simulated, each page of an incident counts in the bucket of the
  incident's opening time.

Each simulated figure is the mean over replications with a Student-t 95% interval of that
mean (``ci95``); ``relative_error`` is ``(simulated - observed) / observed``. The history
is ONE realisation, so it is judged against the spread of single replications: a figure
is *reproduced* when it is within ``TOLERANCE`` of the simulated mean, or inside the 95%
prediction interval of one replication (mean +- t * sd * sqrt(1 + 1/n)) while that
interval is informative (half-width at most half the mean). The verdict names every
figure that is not reproduced. A figure the history lacks is left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from integrations.history import History
from playbook.metrics import bucket_of
from simulator.compiled import compile_scenario
from simulator.runner import run_study
from simulator.stats import estimate, t_quantile
from simulator.study import Scenario, Study

__all__ = ["TOLERANCE", "Backtest", "backtest", "history_metrics", "simulated_metrics"]

TOLERANCE = 0.10
_BUCKETS = ("business", "off_hours", "sleep")
_BUCKET_METRICS = (
    "business_hour_interruptions_per_incident",
    "off_hour_interruptions_per_incident",
    "sleep_hour_interruptions_per_incident",
)


def _out_of_hours(local: datetime) -> bool:
    hour = local.hour + local.minute / 60
    return not (local.isoweekday() <= 5 and 9 <= hour < 17)


def _spread(prefix: str, values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    array = np.asarray(values, dtype=np.float64)
    median, p90 = np.percentile(array, [50, 90])
    return {
        f"{prefix}_mean": float(array.mean()),
        f"{prefix}_median": float(median),
        f"{prefix}_p90": float(p90),
    }


def history_metrics(history: History, zone: str, weeks: float) -> dict[str, float]:
    """The back-test figures of the history itself."""
    tz = ZoneInfo(zone)
    incidents = history.incidents
    out: dict[str, float] = {"incidents_per_week": len(incidents) / weeks}
    acks = [i for i in incidents if i.ack_minutes is not None]
    out.update(_spread("mtta", [i.ack_minutes for i in acks if i.ack_minutes is not None]))
    out.update(
        _spread("mttr", [i.resolve_minutes for i in incidents if i.resolve_minutes is not None])
    )
    if acks:
        late = [
            _out_of_hours((i.created + timedelta(minutes=i.ack_minutes or 0.0)).astimezone(tz))
            for i in acks
        ]
        out["acked_out_of_hours_share"] = sum(late) / len(late)
    if all(i.escalations is not None for i in incidents):
        out["escalations_per_incident"] = sum(i.escalations or 0 for i in incidents) / len(
            incidents
        )
    counted = [i.interruptions for i in incidents if i.interruptions is not None]
    if len(counted) == len(incidents):
        for k, name in enumerate(_BUCKET_METRICS):
            out[name] = sum(c[k] for c in counted) / len(counted)
    return out


def simulated_metrics(
    scenario: Scenario, incidents: Mapping[str, npt.NDArray[Any]], weeks: float
) -> dict[str, float]:
    """The back-test figures of one replication's incidents."""
    study = scenario.study
    tz = ZoneInfo(study.alerts.time_zone)
    compiled = compile_scenario(scenario)
    rules = [len(scenario.book.policy(name).rules) for name in compiled.policies]
    opened = incidents["open"]
    out: dict[str, float] = {"incidents_per_week": len(opened) / weeks}
    ack = incidents["ack"] - incidents["detect"]
    resolved = incidents["resolved"] - incidents["detect"]
    acked = np.isfinite(ack)
    out.update(_spread("mtta", ack[acked].tolist()))
    out.update(_spread("mttr", resolved[np.isfinite(resolved)].tolist()))

    def local(minute: float) -> datetime:
        return (study.start + timedelta(minutes=minute)).astimezone(tz)

    if acked.any():
        late = [_out_of_hours(local(float(m))) for m in incidents["ack"][acked]]
        out["acked_out_of_hours_share"] = sum(late) / len(late)
    paged = incidents["policy"] >= 0
    escalations = [
        (int(rule) - 1) + int(loop) * rules[int(policy)]
        for rule, loop, policy in zip(
            incidents["rule"][paged],
            incidents["loop"][paged],
            incidents["policy"][paged],
            strict=True,
        )
        if int(rule) > 0
    ]
    out["escalations_per_incident"] = sum(escalations) / len(opened) if len(opened) else math.nan
    buckets = dict.fromkeys(_BUCKETS, 0.0)
    spec = study.metrics
    for minute, pages in zip(opened.tolist(), incidents["pages"].tolist(), strict=True):
        found = bucket_of(
            local(minute).replace(tzinfo=None), sleep=spec.sleep_hours, business=spec.business_hours
        )
        buckets[found] += pages
    for key, name in zip(_BUCKETS, _BUCKET_METRICS, strict=True):
        out[name] = buckets[key] / len(opened) if len(opened) else math.nan
    return out


@dataclass(frozen=True)
class Backtest:
    """Observed against simulated, metric by metric, and the plain-language verdict."""

    metrics: dict[str, dict[str, Any]]
    period: dict[str, Any]
    replications: int
    verdict: tuple[str, ...]

    @property
    def not_reproduced(self) -> list[str]:
        return [name for name, row in self.metrics.items() if not row["reproduced"]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "metrics": self.metrics,
            "period": self.period,
            "replications": self.replications,
            "not_reproduced": self.not_reproduced,
            "verdict": list(self.verdict),
        }


def _row(observed: float, values: Sequence[float]) -> dict[str, Any]:
    est = estimate(values)
    if est.n == 0:
        return {"observed": round(observed, 6), "simulated": None, "ci95": [None, None],
                "relative_error": None, "reproduced": False}  # fmt: skip
    error = (est.mean - observed) / observed if observed else (0.0 if est.mean == 0 else math.inf)
    half = (
        t_quantile(0.975, est.n - 1) * est.sd * math.sqrt(1 + 1 / est.n) if est.n > 1 else math.inf
    )
    informative = half <= 0.5 * abs(est.mean)
    inside = abs(error) <= TOLERANCE or (informative and abs(observed - est.mean) <= half)

    def clean(value: float) -> float | None:
        return round(value, 6) if math.isfinite(value) else None

    return {
        "observed": round(observed, 6),
        "simulated": clean(est.mean),
        "ci95": [clean(est.lo), clean(est.hi)],
        "relative_error": clean(error),
        "reproduced": bool(inside),
    }


def _verdict(metrics: Mapping[str, Mapping[str, Any]]) -> list[str]:
    missing = [name for name, row in metrics.items() if not row["reproduced"]]
    if not missing:
        return [
            f"The model reproduces all {len(metrics)} figures of the history (each within 10% of the simulated mean or inside the 95% prediction interval of one replication)."
        ]
    lines = [f"The model does NOT reproduce {len(missing)} of {len(metrics)} figures:"]
    for name in missing:
        row = metrics[name]
        error = row["relative_error"]
        if row["simulated"] is None:
            lines.append(f"- {name}: observed {row['observed']:.4g}, never produced by the model")
            continue
        how = (
            "differs"
            if error is None
            else f"{'over' if error > 0 else 'under'}estimates it by {abs(error):.0%}"
        )
        lo, hi = (f"{v:.4g}" if v is not None else "n/a" for v in row["ci95"])
        lines.append(
            f"- {name}: observed {row['observed']:.4g}, simulated {row['simulated']:.4g} "
            f"(95% CI {lo} to {hi}); the model {how}"
        )
    return lines


def backtest(
    study: Study,
    history: History,
    *,
    replications: int | None = None,
    workers: int = 1,
) -> Backtest:
    """Run ``study`` over ``history``'s period and compare the figures."""
    zone = ZoneInfo(study.alerts.time_zone)
    first = history.incidents[0].created.astimezone(zone)
    last = history.incidents[-1].created.astimezone(zone)
    start = first.replace(hour=0, minute=0, second=0, microsecond=0)
    days = max(1, (last.date() - start.date()).days + 1)
    weeks = days / 7
    overrides: dict[str, Any] = {
        "start": start.isoformat(),
        "horizon_days": days,
        "warmup_days": 0,
        "variants": [],
    }
    if replications is not None:
        overrides["replications"] = replications
    period_study = study.with_overrides(overrides)
    result = run_study(period_study, workers=workers, keep_incidents=True)
    scenario = result.scenarios[0]
    observed = history_metrics(history, study.alerts.time_zone, weeks)
    per_replication = [
        simulated_metrics(scenario, r.incidents, weeks)
        for r in result.results[scenario.name]
        if r.incidents is not None
    ]
    metrics = {
        name: _row(
            value,
            [row[name] for row in per_replication if name in row and math.isfinite(row[name])],
        )
        for name, value in observed.items()
    }
    period = {"start": start.isoformat(), "days": days, "time_zone": study.alerts.time_zone}
    return Backtest(metrics, period, period_study.replications, tuple(_verdict(metrics)))
