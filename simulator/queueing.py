"""Erlang C: the M/M/c queue's exact steady-state figures, to check the engine against.

For arrivals at rate ``lam``, ``c`` servers each serving at rate ``mu`` and offered load
``a = lam / mu < c``, the probability that a customer waits is Erlang's C formula, the
mean wait is ``C / (c mu - lam)`` and the mean time in system adds the mean service
``1 / mu``. Times come out in the time unit of the rates. C is computed through the
Erlang B recursion, which stays stable for large ``c``.

A simulation started empty is not in steady state: :func:`relaxation_time` and
:func:`warmup_time` give the warm-up ``drillbit validate mmc`` discards before measuring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["MMC", "erlang_b", "erlang_c", "fcfs_waits", "mmc", "relaxation_time", "warmup_time"]


def erlang_b(servers: int, load: float) -> float:
    """Erlang B: the blocking probability of ``servers`` at offered ``load`` (recursive form)."""
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Erlang C: the probability an arrival has to wait, for ``load < servers``."""
    if servers < 1:
        raise ValueError("servers must be at least 1")
    if not 0 <= load < servers:
        raise ValueError(f"the queue is unstable: offered load {load} >= {servers} servers")
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1.0 - b))


@dataclass(frozen=True)
class MMC:
    """Steady-state figures of an M/M/c queue."""

    p_wait: float
    wait_mean: float
    time_in_system_mean: float
    utilisation: float

    def as_dict(self) -> dict[str, float]:
        return {
            "wait_mean": self.wait_mean,
            "p_wait": self.p_wait,
            "time_in_system_mean": self.time_in_system_mean,
        }


def mmc(lam: float, mu: float, servers: int) -> MMC:
    """Erlang C figures for arrival rate ``lam``, service rate ``mu`` and ``servers``."""
    if lam <= 0 or mu <= 0:
        raise ValueError("rates must be positive")
    load = lam / mu
    p_wait = erlang_c(servers, load)
    wait = p_wait / (servers * mu - lam)
    return MMC(p_wait, wait, wait + 1.0 / mu, load / servers)


def fcfs_waits(arrivals: list[float], services: list[float], servers: int) -> list[float]:
    """Waits of a first-come-first-served queue with ``servers`` identical servers.

    The textbook recursion: each arrival (in order) starts when the earliest-free server
    frees up, or at once. A cross-check for the event simulation fed the same numbers.
    """
    free = [0.0] * servers
    waits: list[float] = []
    for arrive, service in zip(arrivals, services, strict=True):
        k = min(range(servers), key=free.__getitem__)
        start = max(arrive, free[k])
        waits.append(start - arrive)
        free[k] = start + service
    return waits


def relaxation_time(lam: float, mu: float, servers: int) -> float:
    """How long an M/M/c queue takes to forget its start: the time constant of its approach
    to steady state, in the unit of the rates.

    For M/M/1 it is ``1 / (sqrt(mu) - sqrt(lam))^2`` (Morse 1955: the queue's distance from
    steady state decays like ``exp(-t / tau)``). With c servers the heavy-traffic equivalent
    is one server of rate ``c mu``: ``1 / (sqrt(c mu) - sqrt(lam))^2``; in light traffic the
    queue forgets within a service, so never less than ``1 / mu``.
    """
    if lam <= 0 or mu <= 0 or servers < 1 or lam >= servers * mu:
        raise ValueError("relaxation_time needs positive rates and lam < servers * mu")
    return max(1.0 / mu, 1.0 / (math.sqrt(servers * mu) - math.sqrt(lam)) ** 2)


def warmup_time(tau: float, measured: float, *, tolerance: float = 0.01) -> float:
    """The warm-up before measuring for ``measured`` time units a queue started empty.

    Started empty, the mean wait's shortfall decays like ``exp(-t / tau)``, so the average
    over ``[w, w + T]`` is low by at most about ``W (tau / T) exp(-w / tau)``. Choosing
    ``w = tau ln(tau / (tolerance T))`` keeps that below ``tolerance`` (1%) of the mean;
    never less than one relaxation time.
    """
    if tau <= 0 or measured <= 0 or not 0 < tolerance < 1:
        raise ValueError("warmup_time needs tau > 0, measured > 0 and 0 < tolerance < 1")
    return tau * max(1.0, math.log(tau / (tolerance * measured)))
