"""The statistics' edge cases and exact outputs: small samples, flat samples, other levels.

Reference values come from scipy (a test-only dependency) or are worked out by hand in the
comments; none is copied from :mod:`simulator.stats` itself.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats as reference

from simulator.stats import Comparison, Estimate, estimate, paired, t_quantile, welch

NAN = math.nan


def _nan(value: float) -> bool:
    return math.isnan(value)


# -- estimate -------------------------------------------------------------------------------


def test_no_values_estimate_nothing() -> None:
    est = estimate([])
    assert est.n == 0
    assert all(_nan(v) for v in (est.mean, est.lo, est.hi, est.sd))
    assert estimate([NAN, NAN]).n == 0


def test_one_value_is_a_mean_without_an_interval() -> None:
    est = estimate([4.0, NAN])
    assert (est.mean, est.n) == (4.0, 1)
    assert _nan(est.lo) and _nan(est.hi) and _nan(est.sd)


def test_two_values_have_an_interval_from_one_degree_of_freedom() -> None:
    # By hand: mean 2, sd = sqrt(((1-2)^2 + (3-2)^2) / 1) = sqrt(2); half-width
    # t(0.975, 1) * sqrt(2) / sqrt(2) = 12.7062047...
    est = estimate([1.0, 3.0])
    assert (est.mean, est.n) == (2.0, 2)
    assert est.sd == pytest.approx(math.sqrt(2.0), rel=1e-12)
    half = reference.t.ppf(0.975, 1)
    assert (est.lo, est.hi) == pytest.approx((2.0 - half, 2.0 + half), rel=1e-9)


def test_the_sample_standard_deviation_divides_by_n_minus_one() -> None:
    # 2, 4, 4, 4, 5, 5, 7, 9: squared deviations from 5 sum to 32, so sd = sqrt(32 / 7).
    est = estimate([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    assert est.sd == pytest.approx(math.sqrt(32 / 7), rel=1e-12)
    assert est.mean == 5.0


@pytest.mark.parametrize("level", [0.8, 0.9, 0.99])
def test_other_levels_give_scipys_t_interval(level: float) -> None:
    values = [3.0, 4.5, 2.2, 5.1, 3.3, 4.0]
    est = estimate(values, level=level)
    lo, hi = reference.t.interval(
        level, len(values) - 1, loc=sum(values) / len(values), scale=reference.sem(values)
    )
    assert (est.lo, est.hi) == pytest.approx((lo, hi), rel=1e-9)


def test_an_estimate_as_json_names_each_figure() -> None:
    assert Estimate(2.5, 1.0, 4.0, 1.25, 4).as_dict() == {
        "mean": 2.5,
        "ci95": [1.0, 4.0],
        "sd": 1.25,
        "n": 4,
    }


# -- paired ---------------------------------------------------------------------------------


def test_pairs_with_a_missing_side_are_dropped() -> None:
    # Pairs 2 and 4 lose a side; what is left is 3-1, 5-2, 9-5 = 2, 3, 4.
    result = paired([3.0, NAN, 5.0, 7.0, 9.0], [1.0, 2.0, 2.0, NAN, 5.0])
    theirs = reference.ttest_rel([3.0, 5.0, 9.0], [1.0, 2.0, 5.0])
    assert result.n == 3
    assert result.difference == pytest.approx(3.0)
    assert result.p_value == pytest.approx(theirs.pvalue, rel=1e-9)


def test_two_pairs_are_enough_for_a_test() -> None:
    variant, baseline = [2.0, 5.0], [1.0, 3.0]
    result = paired(variant, baseline)
    theirs = reference.ttest_rel(variant, baseline)
    lo, hi = theirs.confidence_interval(0.95)
    assert result.n == 2
    assert result.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    assert (result.lo, result.hi) == pytest.approx((lo, hi), rel=1e-9)


@pytest.mark.parametrize(
    ("variant", "baseline", "n", "difference"),
    [([], [], 0, NAN), ([4.0], [1.0], 1, 3.0), ([4.0, NAN], [1.0, 2.0], 1, 3.0)],
)
def test_fewer_than_two_pairs_give_a_difference_but_no_test(
    variant: list[float], baseline: list[float], n: int, difference: float
) -> None:
    result = paired(variant, baseline)
    assert result.n == n
    assert result.difference == difference or (_nan(difference) and _nan(result.difference))
    assert _nan(result.lo) and _nan(result.hi) and _nan(result.p_value)
    assert not result.significant


def test_a_constant_nonzero_difference_is_certain() -> None:
    # Every pair differs by exactly 2: no spread, so the interval is the point and p is 0.
    result = paired([3.0, 4.0, 7.0], [1.0, 2.0, 5.0])
    assert (result.difference, result.lo, result.hi, result.p_value, result.n) == (
        2.0, 2.0, 2.0, 0.0, 3,
    )  # fmt: skip
    assert result.significant


def test_a_constant_zero_difference_is_no_difference() -> None:
    result = paired([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (result.difference, result.lo, result.hi, result.p_value, result.n) == (
        0.0, 0.0, 0.0, 1.0, 3,
    )  # fmt: skip


def test_pairs_must_match_one_to_one() -> None:
    with pytest.raises(ValueError, match=r"shorter|longer"):
        paired([1.0, 2.0, 3.0], [1.0, 2.0])


def test_the_paired_p_value_is_two_sided_with_n_minus_one_degrees_of_freedom() -> None:
    # Differences 1, 2, 3, 4: mean 2.5, sd sqrt(5/3), t = 2.5 / (sd / 2) = 3.8730; p is
    # twice the upper tail of t with 3 degrees of freedom.
    result = paired([2.0, 4.0, 6.0, 8.0], [1.0, 2.0, 3.0, 4.0])
    t = 2.5 / (math.sqrt(5 / 3) / 2)
    assert result.p_value == pytest.approx(2 * reference.t.sf(t, 3), rel=1e-9)


# -- welch ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "n"),
    [([1.0], [1.0, 2.0, 3.0], 1), ([1.0, 2.0, 3.0], [5.0], 1), ([], [1.0, 2.0], 0)],
)
def test_welch_needs_two_values_on_each_side(
    first: list[float], second: list[float], n: int
) -> None:
    result = welch(first, second)
    assert result.n == n
    assert _nan(result.lo) and _nan(result.hi) and _nan(result.p_value)


def test_welch_reports_the_difference_even_without_a_test() -> None:
    result = welch([5.0], [1.0, 2.0, 3.0])
    assert result.difference == 3.0  # 5 - mean(1, 2, 3)


def test_two_flat_samples_are_certain_unless_equal() -> None:
    apart = welch([3.0, 3.0, 3.0], [1.0, 1.0])
    assert (apart.difference, apart.lo, apart.hi, apart.p_value, apart.n) == (
        2.0, 2.0, 2.0, 0.0, 2,
    )  # fmt: skip
    same = welch([1.0, 1.0], [1.0, 1.0, 1.0])
    assert (same.difference, same.lo, same.hi, same.p_value, same.n) == (0.0, 0.0, 0.0, 1.0, 2)


def test_welch_counts_the_smaller_sample_and_ignores_missing_values() -> None:
    first, second = [1.0, 2.0, 4.0, NAN], [2.0, 3.5, 5.0, 6.0, 9.0]
    result = welch(first, second)
    theirs = reference.ttest_ind([1.0, 2.0, 4.0], second, equal_var=False)
    lo, hi = theirs.confidence_interval(0.95)
    assert result.n == 3
    assert result.difference == pytest.approx(7 / 3 - 5.1, rel=1e-12)
    assert result.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    assert (result.lo, result.hi) == pytest.approx((lo, hi), rel=1e-9)


def test_welch_uses_the_welch_satterthwaite_degrees_of_freedom() -> None:
    # By hand: first has variance 1 (n 3), second variance 16 (n 5): va = 1/3, vb = 16/5,
    # df = (va + vb)^2 / (va^2 / 2 + vb^2 / 4) = 4.6168...; the half-width is t(0.975, df)
    # times sqrt(va + vb).
    first, second = [1.0, 2.0, 3.0], [2.0, 6.0, 10.0, 2.0, 10.0]
    va, vb = 1 / 3, 16 / 5
    df = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 4)
    result = welch(first, second)
    half = t_quantile(0.975, df) * math.sqrt(va + vb)
    assert half == pytest.approx(reference.t.ppf(0.975, df) * math.sqrt(va + vb), rel=1e-9)
    assert result.hi - result.lo == pytest.approx(2 * half, rel=1e-9)
    t = (2.0 - 6.0) / math.sqrt(va + vb)
    assert result.p_value == pytest.approx(2 * reference.t.cdf(t, df), rel=1e-9)


def test_swapping_the_samples_negates_the_difference_and_keeps_p() -> None:
    first, second = [10.1, 9.7, 11.2, 10.4], [9.5, 9.9, 10.1, 10.0, 9.2]
    ab, ba = welch(first, second), welch(second, first)
    assert ab.difference == pytest.approx(-ba.difference)
    assert (ab.lo, ab.hi) == pytest.approx((-ba.hi, -ba.lo))
    assert ab.p_value == pytest.approx(ba.p_value, rel=1e-12)


# -- comparison -----------------------------------------------------------------------------


def test_a_comparison_as_json_names_each_figure() -> None:
    assert Comparison(1.5, 0.5, 2.5, 0.01, 12, p_adjusted=0.04).as_dict() == {
        "difference": 1.5,
        "ci95": [0.5, 2.5],
        "p_value": 0.01,
        "p_adjusted": 0.04,
        "significant": True,
        "n": 12,
    }
    assert Comparison(1.5, 0.5, 2.5, 0.01, 12, p_adjusted=0.06).as_dict()["significant"] is False


def test_significance_is_strictly_below_five_percent_and_never_for_nan() -> None:
    assert not Comparison(1.0, 0.0, 2.0, 0.05, 5).significant
    assert Comparison(1.0, 0.0, 2.0, 0.0499, 5).significant
    assert not Comparison(1.0, 0.0, 2.0, NAN, 5).significant
