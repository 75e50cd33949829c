"""Confidence intervals and significance over replications, with no scipy.

Each replication gives one value of a metric (its mean over the year), and replications
are independent, so the mean over replications with a Student-t interval is the estimate.

Comparing a variant with the baseline: variants run on **common random numbers** (the
same alert stream, the same responder draws), so replication ``r`` of both is a matched
pair. The test is therefore a *paired* t-test on the per-replication differences, which
removes the shared noise and is much more sensitive than comparing two independent
samples; :func:`welch` is kept for unpaired comparisons.

Many tests at once: a study compares ~15 headline metrics for each of several variants,
and at 5% each, some pass by chance (an A/A study, where nothing differs, found 20 of
208). :func:`holm` applies the Holm-Bonferroni step-down correction to a family of
p-values, so the chance of *any* false positive in the family stays at or below 5%
whatever the dependence between the tests; a difference is *significant* when its
adjusted p-value is below 0.05 (``Comparison.p_adjusted``; a lone test is its own family).

The Student-t distribution is computed from the regularized incomplete beta function
(continued fraction, as in Numerical Recipes' ``betacf``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "ALPHA",
    "Comparison",
    "Estimate",
    "estimate",
    "holm",
    "paired",
    "t_cdf",
    "t_quantile",
    "welch",
]

ALPHA = 0.05


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom.

    ``P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2)``; near the centre (``t^2 < df``) that argument
    rounds to 1, so the complement ``P(|T| < t) = I_{t^2/(df+t^2)}(1/2, df/2)`` is used there.
    """
    t2 = t * t
    if t2 < df:
        inner = 0.5 * _betainc(0.5, df / 2.0, t2 / (df + t2))
        return 0.5 + inner if t > 0 else 0.5 - inner
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t2))
    return 1.0 - tail if t > 0 else tail


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t (bisection on :func:`t_cdf`, to ~1e-15 relative)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    lo, hi = -1.0, 1.0
    while t_cdf(lo, df) > p:  # widen the bracket: tails of small df reach far (df=1: Cauchy)
        lo *= 2.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        if hi - lo <= 1e-15 * max(1.0, abs(lo), abs(hi)):
            break
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with its 95% confidence interval (nan when undefined)."""

    mean: float
    lo: float
    hi: float
    sd: float
    n: int

    def as_dict(self) -> dict[str, float | int | list[float]]:
        return {"mean": self.mean, "ci95": [self.lo, self.hi], "sd": self.sd, "n": self.n}


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if not math.isnan(v)]


def estimate(values: Sequence[float], level: float = 0.95) -> Estimate:
    """The mean of ``values`` (nan ignored) with a Student-t interval."""
    xs = _finite(values)
    n = len(xs)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    mean = math.fsum(xs) / n
    if n == 1:
        return Estimate(mean, math.nan, math.nan, math.nan, 1)
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t_quantile(0.5 + level / 2.0, n - 1) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, sd, n)


@dataclass(frozen=True)
class Comparison:
    """A variant minus the baseline: the difference, its 95% interval and a two-sided p.

    ``p_adjusted`` is the p-value corrected for the family the test belongs to (:func:`holm`);
    a test on its own is a family of one, so it defaults to ``p_value``.
    """

    difference: float
    lo: float
    hi: float
    p_value: float
    n: int
    p_adjusted: float = math.nan

    def __post_init__(self) -> None:
        if math.isnan(self.p_adjusted):
            object.__setattr__(self, "p_adjusted", self.p_value)

    @property
    def significant(self) -> bool:
        """Whether the family-wise corrected p-value is below ``ALPHA`` (0.05)."""
        return not math.isnan(self.p_adjusted) and self.p_adjusted < ALPHA

    def as_dict(self) -> dict[str, float | int | bool | list[float]]:
        return {
            "difference": self.difference,
            "ci95": [self.lo, self.hi],
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "significant": self.significant,
            "n": self.n,
        }


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given (nan stays nan, not counted).

    Sorted ascending, the i-th smallest of m p-values (from 1) becomes
    ``max over j <= i of min(1, (m - j + 1) * p_(j))``; rejecting where the adjusted value is
    below alpha is Holm's step-down test, which keeps the family-wise error rate <= alpha.
    """
    finite = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    m = len(finite)
    out = [math.nan] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(finite):
        running = max(running, min(1.0, (m - rank) * p))
        out[index] = running
    return out


def _two_sided(t: float, df: float) -> float:
    return 2.0 * (1.0 - t_cdf(abs(t), df))


def paired(variant: Sequence[float], baseline: Sequence[float]) -> Comparison:
    """Paired t-test of ``variant - baseline`` over replications (pairs with a nan dropped)."""
    diffs = [
        v - b
        for v, b in zip(variant, baseline, strict=True)
        if not (math.isnan(v) or math.isnan(b))
    ]
    est = estimate(diffs)
    if est.n < 2:
        return Comparison(est.mean, math.nan, math.nan, math.nan, est.n)
    if est.sd == 0.0:
        p = 1.0 if est.mean == 0.0 else 0.0
        return Comparison(est.mean, est.mean, est.mean, p, est.n)
    t = est.mean / (est.sd / math.sqrt(est.n))
    return Comparison(est.mean, est.lo, est.hi, _two_sided(t, est.n - 1), est.n)


def welch(first: Sequence[float], second: Sequence[float]) -> Comparison:
    """Welch's unequal-variance t-test of ``mean(first) - mean(second)``."""
    a, b = estimate(first), estimate(second)
    if a.n < 2 or b.n < 2:
        return Comparison(a.mean - b.mean, math.nan, math.nan, math.nan, min(a.n, b.n))
    va, vb = a.sd**2 / a.n, b.sd**2 / b.n
    se = math.sqrt(va + vb)
    diff = a.mean - b.mean
    if se == 0.0:
        return Comparison(diff, diff, diff, 1.0 if diff == 0.0 else 0.0, min(a.n, b.n))
    df = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    half = t_quantile(0.975, df) * se
    return Comparison(diff, diff - half, diff + half, _two_sided(diff / se, df), min(a.n, b.n))
