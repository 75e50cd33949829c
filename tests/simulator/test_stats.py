"""Student-t intervals and tests without scipy."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.stats import estimate, paired, t_cdf, t_quantile, welch


@pytest.mark.parametrize(("df", "value"), [(1, 12.7062), (5, 2.5706), (29, 2.0452), (1000, 1.9623)])
def test_t_quantiles_match_the_tables(df: int, value: float) -> None:
    assert abs(t_quantile(0.975, df) - value) < 5e-4


@given(st.floats(-50, 50), st.integers(1, 200))
def test_the_t_distribution_is_symmetric(t: float, df: int) -> None:
    assert math.isclose(t_cdf(t, df) + t_cdf(-t, df), 1.0, abs_tol=1e-12)


def test_an_estimate_is_the_mean_with_a_t_interval() -> None:
    est = estimate([1.0, 2.0, 3.0, 4.0, float("nan")])
    assert est.n == 4 and est.mean == 2.5
    half = t_quantile(0.975, 3) * math.sqrt(5 / 3) / 2
    assert est.lo == pytest.approx(2.5 - half) and est.hi == pytest.approx(2.5 + half)


def test_a_paired_test_sees_a_steady_difference_that_welch_misses() -> None:
    base = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    variant = [b - 1.0 + 0.1 * (i % 2) for i, b in enumerate(base)]
    assert paired(variant, base).significant
    assert not welch(variant, base).significant


def test_identical_samples_do_not_differ() -> None:
    result = paired([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert result.difference == 0 and not result.significant
