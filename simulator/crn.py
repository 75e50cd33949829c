"""How well common random numbers hold between the baseline and one variant.

Two figures, both printed by ``make bench`` and ``drillbit validate crn``:

* **matched acknowledgements with identical delays**: pages that exist in both runs of a
  replication, matched by (incident, escalation rule and loop, person), where the person
  answered in both (a drawn delay, or a miss); the share whose delay is the same to the
  last bit. An incident is matched by its opening minute and the alert that represents it,
  which are the same in both runs when the variant leaves alerts and grouping alone (a
  variant that only changes an escalation delay). Responder draws that stay in step give
  identical delays except where the variant really changed the page (its minute, and so
  the person's state or fatigue: a variant that pages the secondary sooner sends the
  secondaries extra pages, and their fatigue load lengthens their later delays a little).
  The share within one second of each other is reported beside it.
* **paired / unpaired standard deviation** of each headline difference: the standard
  deviation over replications of ``variant - baseline`` on common random numbers, over
  ``sqrt(sd(variant)^2 + sd(baseline)^2)``, what it would be on independent streams. Below 1
  means pairing removes shared noise; the smaller, the narrower the paired intervals.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from playbook.errors import InvalidDefinition
from simulator.catalog import HEADLINE
from simulator.compiled import compile_scenario
from simulator.metrics import replication_metrics
from simulator.model import RunRecords
from simulator.runner import Shared, run_one
from simulator.stats import estimate
from simulator.study import BASELINE, Study

__all__ = ["CrnReport", "check_crn", "matched_delays"]

_Key = tuple[float, int, int, int, int, int]
_SECOND = 1.0 / 60.0


def _answered(records: RunRecords) -> dict[_Key, float]:
    """(incident open, incident alert, rule, loop, person, n-th) -> drawn delay, answered pages."""
    inc, pages = records.incidents, records.pages
    opened = inc["open"][pages["incident"]].tolist()
    alert = inc["alert"][pages["incident"]].tolist()
    out: dict[_Key, float] = {}
    for o, a, rule, loop, person, delay in zip(
        opened,
        alert,
        pages["rule"].tolist(),
        pages["loop"].tolist(),
        pages["person"].tolist(),
        pages["delay"].tolist(),
        strict=True,
    ):
        if math.isnan(delay):
            continue
        # The same rule can page the same person twice when a severity upgrade restarts
        # the escalation: the n-th such page matches the n-th.
        key = (o, a, rule, loop, person, 0)
        while key in out:
            key = (*key[:5], key[5] + 1)
        out[key] = delay
    return out


def matched_delays(baseline: RunRecords, variant: RunRecords) -> tuple[int, int, int]:
    """(matched answered pages, of which bit-identical delays, of which within a second)."""
    first, second = _answered(baseline), _answered(variant)
    matched = first.keys() & second.keys()
    same = sum(1 for key in matched if first[key] == second[key])
    close = sum(
        1 for key in matched if first[key] == second[key] or abs(first[key] - second[key]) < _SECOND
    )
    return len(matched), same, close


@dataclass(frozen=True)
class CrnReport:
    """The two figures for one study and variant (see the module docstring)."""

    variant: str
    replications: int
    matched: int
    identical: int
    within_second: int
    sd_ratio: dict[str, float]

    @property
    def identical_share(self) -> float:
        return self.identical / self.matched if self.matched else math.nan

    @property
    def within_second_share(self) -> float:
        return self.within_second / self.matched if self.matched else math.nan

    @property
    def median_sd_ratio(self) -> float:
        values = [v for v in self.sd_ratio.values() if not math.isnan(v)]
        return statistics.median(values) if values else math.nan

    def summary(self) -> str:
        """The two figures in two lines (``drillbit validate crn``, ``make bench``)."""
        return (
            f"CRN, baseline vs {self.variant} ({self.replications} replications): "
            f"{100 * self.identical_share:.1f}% of {self.matched:,} matched acknowledgements "
            f"have identical delays ({100 * self.within_second_share:.1f}% within a second)\n"
            f"paired / unpaired sd of the headline differences: median "
            f"{self.median_sd_ratio:.2f} ("
            + ", ".join(f"{m} {v:.2f}" for m, v in self.sd_ratio.items())
            + ")"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "replications": self.replications,
            "matched_acknowledgements": self.matched,
            "identical_delays": self.identical,
            "identical_share": self.identical_share,
            "within_one_second": self.within_second,
            "within_one_second_share": self.within_second_share,
            "sd_ratio": self.sd_ratio,
            "median_sd_ratio": self.median_sd_ratio,
        }


def _ratio(base: list[float], other: list[float]) -> float:
    pairs = [(b, v) for b, v in zip(base, other, strict=True) if not math.isnan(b + v)]
    if len(pairs) < 2:
        return math.nan
    paired = estimate([v - b for b, v in pairs]).sd
    unpaired = math.hypot(estimate([b for b, _ in pairs]).sd, estimate([v for _, v in pairs]).sd)
    return paired / unpaired if unpaired > 0 else math.nan


def check_crn(study: Study, variant: str, *, replications: int | None = None) -> CrnReport:
    """Run the baseline and ``variant`` side by side and measure both figures (one process)."""
    scenarios = {s.name: s for s in study.scenarios()}
    if variant not in scenarios or variant == BASELINE:
        known = ", ".join(name for name in scenarios if name != BASELINE) or "none"
        raise InvalidDefinition(f"unknown variant {variant!r} (the study has: {known})")
    pair = (scenarios[BASELINE], scenarios[variant])
    reps = replications or study.replications
    matched = identical = close = 0
    values: dict[str, tuple[list[float], list[float]]] = {m: ([], []) for m in HEADLINE}
    for replication in range(reps):
        shared = Shared()
        runs = [run_one(scenario, replication, shared) for scenario in pair]
        m, same, near = matched_delays(runs[0][0], runs[1][0])
        matched += m
        identical += same
        close += near
        for side, scenario, (records, alerts) in zip((0, 1), pair, runs, strict=True):
            metrics, _ = replication_metrics(compile_scenario(scenario), records, alerts)
            for name in HEADLINE:
                values[name][side].append(metrics.get(name, math.nan))
    ratios = {name: _ratio(*values[name]) for name in HEADLINE}
    return CrnReport(variant, reps, matched, identical, close, ratios)
