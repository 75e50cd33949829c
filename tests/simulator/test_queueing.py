"""The engine reduced to M/M/c reproduces Erlang C, and matches a FCFS recursion exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.distributions import Exponential
from simulator.mmc import mmc_study, validate_mmc
from simulator.queueing import erlang_c, fcfs_waits, mmc, relaxation_time, warmup_time
from simulator.runner import run_scenario_replication


def test_erlang_c_of_one_server_is_its_utilisation() -> None:
    assert math.isclose(erlang_c(1, 0.7), 0.7)


def test_erlang_c_of_two_servers_at_load_one_is_a_third() -> None:
    assert math.isclose(erlang_c(2, 1.0), 1 / 3)


def test_mm1_figures_are_the_textbook_ones() -> None:
    q = mmc(0.5, 1.0, 1)
    assert math.isclose(q.wait_mean, 1.0) and math.isclose(q.time_in_system_mean, 2.0)


def test_an_unstable_queue_is_refused() -> None:
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(2, 2.0)


@pytest.mark.parametrize(("lam", "mu", "servers"), [(0.5, 1.0, 1), (2.0, 1.0, 3), (1.6, 2 / 3, 3)])
def test_the_full_model_reproduces_erlang_c_within_two_percent(
    lam: float, mu: float, servers: int
) -> None:
    # 5 replications x 40,000 customers, fixed seed: deterministic, not flaky.
    report = validate_mmc(lam, mu, servers, customers=40_000, replications=5, seed=42)
    for key, analytic in report["analytic"].items():
        simulated = report["simulated"][key]
        assert abs(simulated - analytic) / analytic < 0.02, (key, simulated, analytic)
        lo, hi = report["ci95"][key]
        assert lo <= analytic <= hi, (key, lo, analytic, hi)


def test_every_wait_equals_a_first_come_first_served_recursion_on_the_same_numbers() -> None:
    study = mmc_study(2.0, 1.0, 3, customers=5_000, replications=1, seed=5)
    scenario = study.scenarios()[0]
    records, alerts = run_scenario_replication(scenario, 0)
    work = study.work.default
    assert work is not None and isinstance(work.mitigate, Exponential)
    services = [
        work.mitigate.draw(z, u)
        for z, u in zip(alerts.z1.tolist(), alerts.u1.tolist(), strict=True)
    ]
    expected = fcfs_waits(alerts.time.tolist(), services, 3)
    simulated = (records.incidents["start"] - records.incidents["open"]).tolist()
    assert len(simulated) == len(expected) > 5_000
    assert max(abs(a - b) for a, b in zip(simulated, expected, strict=True)) < 1e-9


def test_the_relaxation_time_of_mm1_is_morses() -> None:
    # rho = 0.9, mu = 1: 1 / (1 - sqrt(0.9))^2 = 379.74.
    assert math.isclose(relaxation_time(0.9, 1.0, 1), 1 / (1 - math.sqrt(0.9)) ** 2)
    assert math.isclose(relaxation_time(0.9, 1.0, 1), 379.74, rel_tol=1e-4)
    # Light traffic on many servers: never shorter than a service.
    assert relaxation_time(0.1, 1.0, 10) == 1.0


def test_the_warm_up_bounds_the_initial_bias_at_one_percent() -> None:
    # tau = 379.74, T = 1000 / 0.9 = 1111.1: w = tau ln(tau / 11.111) = 379.74 * 3.5317.
    assert math.isclose(
        warmup_time(379.74, 1111.11), 379.74 * math.log(379.74 / 11.1111), rel_tol=1e-4
    )
    assert warmup_time(10.0, 1e6) == 10.0  # a long run still skips one relaxation time


def test_validate_mmc_uses_the_relaxation_time_warm_up() -> None:
    study = mmc_study(0.9, 1.0, 1, customers=1000, replications=2)
    expected = warmup_time(relaxation_time(0.9, 1.0, 1), 1000 / 0.9) / 24
    assert math.isclose(study.warmup_days, expected) and study.warmup_days > 55


def _mm1_mean_waits(warmup: float, measured: float, reps: int, seed: int) -> np.ndarray:
    """Per replication, the mean wait of customers arriving in [warmup, warmup + measured) of
    an M/M/1 queue (lam = 0.9, mu = 1) started empty: Lindley's recursion, vectorised."""
    rng = np.random.default_rng(seed)
    n = int((warmup + measured) * 0.9 * 1.3) + 50
    gaps = rng.exponential(1 / 0.9, (reps, n))
    services = rng.exponential(1.0, (reps, n))
    arrivals = np.cumsum(gaps, axis=1)
    waits = np.zeros((reps, n))
    for k in range(1, n):
        waits[:, k] = np.maximum(0.0, waits[:, k - 1] + services[:, k - 1] - gaps[:, k])
    inside = (arrivals >= warmup) & (arrivals < warmup + measured)
    assert (arrivals[:, -1] > warmup + measured).all()
    return (waits * inside).sum(axis=1) / inside.sum(axis=1)


def test_at_rho_0_9_and_1000_customers_the_rule_removes_the_short_warm_up_bias() -> None:
    # Erlang C: W = rho / (mu - lam) = 9. 3,000 replications of 1,000 customers, fixed seed;
    # the standard error of each mean is about 0.9% of W.
    measured = 1000 / 0.9
    short = _mm1_mean_waits(0.05 * measured, measured, 3000, seed=3).mean()
    ruled = _mm1_mean_waits(
        warmup_time(relaxation_time(0.9, 1.0, 1), measured), measured, 3000, seed=3
    ).mean()
    assert short < 9 * 0.96  # the 5% warm-up: waits more than 4% low
    assert abs(ruled / 9 - 1) < 0.03
