"""Distributions a study can name: lognormal (median and p90), exponential (mean), fixed.

Each is a tiny pydantic model chosen by its ``dist`` key, written in YAML as
``{dist: lognormal, median: 10, p90: 45}``, ``{dist: exponential, mean: 30}`` or
``{dist: fixed, value: 5}``.

A distribution never owns a random generator. It turns a standard normal variate ``z``
and a uniform variate ``u`` (both drawn by the caller from a keyed stream) into a value,
so the same underlying draw can feed whichever distribution a variant chooses: that keeps
common random numbers aligned across variants. The lognormal reads ``z``, the exponential
reads ``u``, the fixed value reads neither.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Literal, Self

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Z90", "Dist", "Draw", "Exponential", "Fixed", "Lognormal", "drawer"]

FloatArray = npt.NDArray[np.float64]
Draw = Callable[[float, float], float]

# The 90th percentile of the standard normal: p90 = median * exp(sigma * Z90).
Z90 = 1.2815515655446004


class Lognormal(BaseModel):
    """A lognormal given by its median and 90th percentile (p90 >= median)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0)
    p90: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.p90 < self.median:
            raise ValueError(f"p90 ({self.p90}) must be at least the median ({self.median})")
        return self

    @property
    def sigma(self) -> float:
        return math.log(self.p90 / self.median) / Z90

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def draw(self, z: float, u: float) -> float:
        """The value at standard normal ``z`` (``u`` is unused)."""
        return self.median * math.exp(self.sigma * z)

    def sample(self, z: FloatArray, u: FloatArray) -> FloatArray:
        """Vectorised :meth:`draw`."""
        return self.median * np.exp(self.sigma * z)


class Exponential(BaseModel):
    """An exponential distribution with the given mean."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Literal["exponential"] = "exponential"
    mean: float = Field(gt=0)

    def draw(self, z: float, u: float) -> float:
        """The value at uniform ``u`` in [0, 1) by inversion (``z`` is unused)."""
        return -self.mean * math.log1p(-u)

    def sample(self, z: FloatArray, u: FloatArray) -> FloatArray:
        return -self.mean * np.log1p(-u)


class Fixed(BaseModel):
    """Always ``value``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Literal["fixed"] = "fixed"
    value: float = Field(ge=0)

    @property
    def mean(self) -> float:
        return self.value

    def draw(self, z: float, u: float) -> float:
        return self.value

    def sample(self, z: FloatArray, u: FloatArray) -> FloatArray:
        return np.full(np.shape(z), self.value, dtype=np.float64)


Dist = Annotated[Lognormal | Exponential | Fixed, Field(discriminator="dist")]


def drawer(dist: Lognormal | Exponential | Fixed) -> Draw:
    """``dist.draw`` as a plain function of (z, u) with its constants computed once.

    The same arithmetic as :meth:`draw`, so the same value to the last bit, without a
    model's attribute look-ups in a run's hot loop.
    """
    if isinstance(dist, Lognormal):
        median, sigma, exp = dist.median, dist.sigma, math.exp
        return lambda z, u: median * exp(sigma * z)
    if isinstance(dist, Exponential):
        mean, log1p = dist.mean, math.log1p
        return lambda z, u: -mean * log1p(-u)
    value = dist.value
    return lambda z, u: value
