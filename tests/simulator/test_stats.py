"""Student-t intervals and tests, pinned against scipy (a test-only dependency)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as reference

from simulator.stats import Comparison, estimate, holm, paired, t_cdf, t_quantile, welch


@pytest.mark.parametrize(("df", "value"), [(1, 12.7062), (5, 2.5706), (29, 2.0452), (1000, 1.9623)])
def test_t_quantiles_match_the_printed_tables(df: int, value: float) -> None:
    assert abs(t_quantile(0.975, df) - value) < 5e-4


@pytest.mark.parametrize("p", [0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.025, 0.001])
@pytest.mark.parametrize("df", [1, 2, 3, 4.5, 9, 17.3, 29, 120, 1e4])
def test_t_quantiles_match_scipy(p: float, df: float) -> None:
    assert t_quantile(p, df) == pytest.approx(reference.t.ppf(p, df), rel=1e-9, abs=1e-9)


@given(st.floats(-60, 60), st.floats(0.5, 500))
def test_the_t_cdf_matches_scipy_on_both_tails(t: float, df: float) -> None:
    assert math.isclose(t_cdf(t, df), reference.t.cdf(t, df), rel_tol=1e-9, abs_tol=1e-12)


@given(st.floats(1e-6, 1 - 1e-6), st.integers(1, 200))
def test_the_t_distribution_is_symmetric(p: float, df: int) -> None:
    # Quantiles come from bisection on the cdf, so this fails if either is lopsided.
    assert math.isclose(t_quantile(p, df), -t_quantile(1 - p, df), rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(t_cdf(t_quantile(p, df), df), p, rel_tol=1e-7, abs_tol=1e-12)


def test_an_estimate_is_the_mean_with_a_t_interval() -> None:
    est = estimate([1.0, 2.0, 3.0, 4.0, float("nan")])
    assert est.n == 4 and est.mean == 2.5
    # By hand: sd = sqrt(5/3), half-width = t(0.975, 3) * sd / 2 with t(0.975, 3) = 3.18245.
    half = 3.182446305284263 * math.sqrt(5 / 3) / 2
    assert est.lo == pytest.approx(2.5 - half, rel=1e-9) and est.hi == pytest.approx(2.5 + half)


_SAMPLES = [
    ([10.1, 9.7, 11.2, 10.4, 9.9, 10.8], [9.5, 9.9, 10.1, 10.0, 9.2, 10.3]),
    (
        [3.0, 4.5, 2.2, 5.1, 3.3, 4.0, 3.8, 2.9, 4.4, 3.1],
        [2.8, 4.0, 2.5, 4.2, 3.0, 3.1, 3.9, 2.0, 4.1, 2.7],
    ),
    ([0.2, -0.1, 0.05], [0.0, 0.1, -0.2]),
]


@pytest.mark.parametrize(("variant", "baseline"), _SAMPLES)
def test_the_paired_test_matches_scipy_ttest_rel(
    variant: list[float], baseline: list[float]
) -> None:
    ours = paired(variant, baseline)
    theirs = reference.ttest_rel(variant, baseline)  # two-sided, df = n - 1
    lo, hi = theirs.confidence_interval(0.95)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    assert (ours.lo, ours.hi) == (pytest.approx(lo, rel=1e-9), pytest.approx(hi, rel=1e-9))
    assert ours.difference == pytest.approx(np.mean(np.subtract(variant, baseline)))
    assert ours.n == len(variant)


@pytest.mark.parametrize(
    ("first", "second"), [*_SAMPLES, ([1.0, 1.1, 0.9, 1.05], [3.0, 0.0, 5.0, -1.0, 2.0, 4.0, 1.0])]
)
def test_welch_matches_scipy_ttest_ind_with_unequal_variances(
    first: list[float], second: list[float]
) -> None:
    ours = welch(first, second)
    theirs = reference.ttest_ind(first, second, equal_var=False)
    lo, hi = theirs.confidence_interval(0.95)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    assert (ours.lo, ours.hi) == (pytest.approx(lo, rel=1e-9), pytest.approx(hi, rel=1e-9))


def test_a_paired_test_sees_a_steady_difference_that_welch_misses() -> None:
    base = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    variant = [b - 1.0 + 0.1 * (i % 2) for i, b in enumerate(base)]
    assert paired(variant, base).significant
    assert not welch(variant, base).significant


def test_identical_samples_do_not_differ() -> None:
    result = paired([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert result.difference == 0 and not result.significant


def test_holm_adjusts_a_worked_example() -> None:
    # By hand, m = 4: sorted 0.005, 0.01, 0.03, 0.04 -> x4 = 0.02, x3 = 0.03, x2 = 0.06,
    # x1 = 0.04 raised to the running maximum 0.06; back in the order given.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, math.nan, 0.01])[1] != holm([0.5, math.nan, 0.01])[1]  # nan stays nan
    assert holm([0.5, math.nan, 0.01])[::2] == pytest.approx([0.5, 0.02])  # m counts finite only
    assert holm([0.9, 0.8]) == [1.0, 1.0]  # 0.8 x 2 capped at 1; 0.9 raised to it
    assert holm([0.04, 0.03]) == pytest.approx([0.06, 0.06])  # 0.04 raised to 0.03 x 2
    assert holm([]) == []


@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.floats(0.001, 0.2))
def test_holm_rejects_exactly_what_the_step_down_procedure_rejects(
    p_values: list[float], alpha: float
) -> None:
    adjusted = holm(p_values)
    assert all(a >= p and a <= 1.0 for a, p in zip(adjusted, p_values, strict=True))
    # Holm's procedure: walk the sorted p-values, reject while p_(k) <= alpha / (m - k).
    m = len(p_values)
    rejected: set[int] = set()
    for k, (p, index) in enumerate(sorted((p, i) for i, p in enumerate(p_values))):
        if p * (m - k) > alpha:
            break
        rejected.add(index)
    # Rejection is "adjusted <= alpha" (a product landing exactly on alpha counts both ways).
    assert {i for i, a in enumerate(adjusted) if a <= alpha} == rejected


def test_significance_reads_the_adjusted_p_value() -> None:
    alone = Comparison(1.0, 0.5, 1.5, 0.01, 10)
    assert alone.p_adjusted == 0.01 and alone.significant
    corrected = Comparison(1.0, 0.5, 1.5, 0.01, 10, p_adjusted=0.2)
    assert not corrected.significant
    assert corrected.as_dict()["p_adjusted"] == 0.2
