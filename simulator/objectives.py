"""A study's objectives, and the one plain answer the verdict leads with.

A study may say what it is for::

    objectives:
      primary: [burnout_index, mtta]        # in priority order; lower is better
      constraints: ["mtta <= 20", "breach_response <= 0.1"]   # shares are 0-1

The answer is decided on the comparisons with the baseline after the Holm-Bonferroni
correction (:func:`simulator.stats.holm`), never on raw means alone:

* a design *meets* a constraint when its mean over replications does;
* a variant *beats* the baseline when it meets every constraint and either the baseline
  misses one that the variant meets with a significant difference on that metric, or, on
  the first primary metric (in priority order) on which it differs significantly, it is
  lower;
* of the variants that beat the baseline, the winner has the lowest mean on the primary
  metrics (lexicographically); its *cost* is every other headline metric on which it is
  significantly worse;
* otherwise the answer says that no design beats the baseline, naming why, or that no
  design differs significantly on the objectives.

A study without objectives gets the same kind of answer over the headline metrics: the
design significantly better on the most of them (net of those it is worse on).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulator.catalog import HEADLINE, METRIC_INFO, is_metric
from simulator.stats import Comparison, Estimate

__all__ = ["Constraint", "Objectives", "answer", "parse_constraint"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}
_CONSTRAINT = re.compile(
    r"^\s*([A-Za-z0-9_.-]+)\s*(<=|>=|<|>)\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$"
)


@dataclass(frozen=True)
class Constraint:
    """``metric op bound``, e.g. ``mtta <= 10`` (in the metric's unit; shares are 0-1)."""

    metric: str
    op: str
    bound: float

    def met(self, value: float) -> bool:
        return not math.isnan(value) and _OPS[self.op](value, self.bound)

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.bound:g}"


def parse_constraint(text: str) -> Constraint:
    """``"mtta <= 10"`` -> Constraint; ValueError naming what is wrong."""
    match = _CONSTRAINT.match(text)
    if match is None:
        raise ValueError(f"constraint {text!r} is not 'METRIC OP NUMBER' (OP: <=, <, >=, >)")
    metric, op, bound = match.groups()
    if not is_metric(metric):
        raise ValueError(f"constraint {text!r}: unknown metric {metric!r}")
    value = float(bound)
    if not math.isfinite(value):
        raise ValueError(f"constraint {text!r}: the bound must be a finite number")
    return Constraint(metric, op, value)


class Objectives(BaseModel):
    """What a study is for: primary metrics in priority order, and constraints."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    primary: tuple[str, ...] = Field(min_length=1, max_length=20)
    constraints: tuple[str, ...] = Field(default=(), max_length=20)

    @field_validator("primary")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not is_metric(name):
                raise ValueError(f"unknown metric {name!r}")
        if len(set(value)) != len(value):
            raise ValueError("a primary metric is listed twice")
        return value

    @field_validator("constraints")
    @classmethod
    def _parsable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            parse_constraint(text)
        return value

    def parsed(self) -> list[Constraint]:
        return [parse_constraint(text) for text in self.constraints]

    def metrics(self) -> tuple[str, ...]:
        """Every metric the objectives read (primary first)."""
        names = dict.fromkeys(self.primary)
        names.update(dict.fromkeys(c.metric for c in self.parsed()))
        return tuple(names)


def _label(metric: str) -> str:
    return METRIC_INFO.get(metric, (metric, ""))[0]


def _value(metric: str, value: float) -> str:
    unit = METRIC_INFO.get(metric, ("", ""))[1]
    if math.isnan(value):
        return "n/a"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "min":
        return f"{value:.1f} min"
    return f"{value:.2f}"


def _change(metric: str, est: Mapping[str, Estimate], cmp: Comparison) -> str:
    value = est[metric].mean
    base = value - cmp.difference
    pct = "" if base == 0 or math.isnan(base) else f" ({100 * cmp.difference / base:+.0f}%)"
    return f"{_label(metric)} {_value(metric, value)} against {_value(metric, base)}{pct}"


def _costs(
    metric_order: Sequence[str],
    skip: set[str],
    est: Mapping[str, Estimate],
    cmp: Mapping[str, Comparison],
) -> str:
    worse = [
        _change(m, est, cmp[m])
        for m in metric_order
        if m not in skip and m in cmp and cmp[m].significant and cmp[m].difference > 0
    ]
    if not worse:
        return "with no significant cost on the other headline metrics"
    return "at the cost of " + "; ".join(worse)


def _beats(
    objectives: Objectives,
    est: Mapping[str, Estimate],
    base: Mapping[str, Estimate],
    cmp: Mapping[str, Comparison],
) -> bool:
    constraints = objectives.parsed()
    if not all(c.met(est[c.metric].mean if c.metric in est else math.nan) for c in constraints):
        return False
    for c in constraints:
        missed = not c.met(base[c.metric].mean if c.metric in base else math.nan)
        if missed and c.metric in cmp and cmp[c.metric].significant:
            return True
    for metric in objectives.primary:
        if metric in cmp and cmp[metric].significant:
            return cmp[metric].difference < 0
    return False


def _rank_key(primary: Sequence[str], est: Mapping[str, Estimate]) -> tuple[float, ...]:
    return tuple(
        est[m].mean if m in est and not math.isnan(est[m].mean) else math.inf for m in primary
    )


def _with_objectives(
    objectives: Objectives,
    estimates: Mapping[str, Mapping[str, Estimate]],
    comparisons: Mapping[str, Mapping[str, Comparison]],
    baseline: str,
) -> str:
    base = estimates[baseline]
    constraints = objectives.parsed()
    goal = ", ".join(_label(m) for m in objectives.primary)
    if constraints:
        goal += "; subject to " + ", ".join(str(c) for c in constraints)
    winners = [v for v in comparisons if _beats(objectives, estimates[v], base, comparisons[v])]
    if winners:
        best = min(winners, key=lambda v: _rank_key(objectives.primary, estimates[v]))
        est, cmp = estimates[best], comparisons[best]
        gains = [
            _change(m, est, cmp[m])
            for m in objectives.metrics()
            if m in cmp and cmp[m].significant and cmp[m].difference < 0
        ]
        met = [f"{c} ({_value(c.metric, est[c.metric].mean)})" for c in constraints]
        text = f"{best} wins on the objectives ({goal}): " + "; ".join(gains)
        if met:
            text += "; it meets " + ", ".join(met)
        return text + ", " + _costs(HEADLINE, set(objectives.primary), est, cmp) + "."
    differs = [
        v
        for v in comparisons
        if any(m in comparisons[v] and comparisons[v][m].significant for m in objectives.metrics())
    ]
    missing = [str(c) for c in constraints if not c.met(base.get(c.metric, _NAN).mean)]
    if not differs:
        text = f"No design differs significantly from the baseline on the objectives ({goal})"
        if missing:
            text += f"; the baseline misses {', '.join(missing)}"
        return text + "."
    reasons = [_why_not(objectives, estimates[v], comparisons[v], v) for v in differs]
    return (
        f"Keep the baseline: no design beats it on the objectives ({goal}); "
        + "; ".join(reasons)
        + "."
    )


def _why_not(
    objectives: Objectives, est: Mapping[str, Estimate], cmp: Mapping[str, Comparison], name: str
) -> str:
    """Why a variant that differs on the objectives does not beat the baseline."""
    missed = [str(c) for c in objectives.parsed() if not c.met(est.get(c.metric, _NAN).mean)]
    if missed:
        return f"{name} misses {', '.join(missed)}"
    for metric in objectives.primary:
        if metric in cmp and cmp[metric].significant:
            return f"{name} is significantly worse on {_change(metric, est, cmp[metric])}"
    return f"{name} differs only on constraints the baseline already meets"


_NAN = Estimate(math.nan, math.nan, math.nan, math.nan, 0)


def _without_objectives(
    estimates: Mapping[str, Mapping[str, Estimate]],
    comparisons: Mapping[str, Mapping[str, Comparison]],
) -> str:
    def tally(v: str) -> tuple[int, int]:
        cmp = comparisons[v]
        better = sum(
            1 for m in HEADLINE if m in cmp and cmp[m].significant and cmp[m].difference < 0
        )
        worse = sum(
            1 for m in HEADLINE if m in cmp and cmp[m].significant and cmp[m].difference > 0
        )
        return better, worse

    scored = {v: tally(v) for v in comparisons}
    improving = [v for v, (better, _) in scored.items() if better > 0]
    if not improving:
        return (
            "No design differs significantly from the baseline on any headline metric "
            "(the study names no objectives)."
        )
    best = max(improving, key=lambda v: (scored[v][0] - scored[v][1], scored[v][0]))
    better, _ = scored[best]
    return (
        f"{best} is the strongest design (the study names no objectives, so this counts "
        f"headline metrics): significantly better on {better} of {len(HEADLINE)}, "
        + _costs(HEADLINE, set(), estimates[best], comparisons[best])
        + "."
    )


def answer(
    objectives: Objectives | None,
    estimates: Mapping[str, Mapping[str, Estimate]],
    comparisons: Mapping[str, Mapping[str, Comparison]],
    baseline: str,
) -> str:
    """The verdict's first line: which design wins and at what cost, or that none differs."""
    if not comparisons:
        return "Only the baseline was run, so there is nothing to compare."
    if objectives is None:
        return _without_objectives(estimates, comparisons)
    return _with_objectives(objectives, estimates, comparisons, baseline)
