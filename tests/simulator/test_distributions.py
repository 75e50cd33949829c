"""Distributions turn a study's numbers into draws from shared normal and uniform variates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from simulator.distributions import Z90, Dist, Exponential, Fixed, Lognormal, drawer

DIST: TypeAdapter[Dist] = TypeAdapter(Dist)


def test_a_lognormal_hits_its_median_and_p90() -> None:
    dist = Lognormal(median=10, p90=40)
    assert dist.draw(0.0, 0.5) == 10
    assert math.isclose(dist.draw(Z90, 0.5), 40)


def test_an_exponential_is_drawn_by_inversion() -> None:
    dist = Exponential(mean=30)
    assert math.isclose(dist.draw(0.0, 1 - math.exp(-1)), 30)
    draws = dist.sample(np.zeros(200_000), np.random.default_rng(0).random(200_000))
    assert abs(draws.mean() - 30) < 0.3


def test_a_fixed_value_ignores_the_variates() -> None:
    assert Fixed(value=5).draw(3.0, 0.9) == 5
    assert Fixed(value=5).sample(np.zeros(3), np.zeros(3)).tolist() == [5, 5, 5]


def test_the_dist_key_picks_the_family() -> None:
    assert DIST.validate_python({"dist": "exponential", "mean": 2}) == Exponential(mean=2)
    with pytest.raises(ValidationError):
        DIST.validate_python({"dist": "weibull", "shape": 2})


def test_a_p90_below_the_median_is_rejected() -> None:
    with pytest.raises(ValidationError, match="p90"):
        Lognormal(median=10, p90=5)


def test_vectorised_and_scalar_draws_agree() -> None:
    dist = Lognormal(median=3, p90=12)
    z = np.array([-1.0, 0.0, 2.0])
    assert dist.sample(z, z).tolist() == pytest.approx([dist.draw(v, 0.0) for v in z])


@given(
    st.floats(-8, 8),
    st.floats(0, 1, exclude_max=True),
    st.sampled_from(
        [
            Lognormal(median=4, p90=12),
            Lognormal(median=0.3, p90=0.3),
            Exponential(mean=7.5),
            Fixed(value=3),
        ]
    ),
)
def test_a_drawer_gives_the_draw_to_the_last_bit(z: float, u: float, dist: Dist) -> None:
    assert drawer(dist)(z, u) == dist.draw(z, u)
