"""The engine reduced to M/M/c reproduces Erlang C, and matches a FCFS recursion exactly."""

from __future__ import annotations

import math

import pytest

from simulator.distributions import Exponential
from simulator.mmc import mmc_study, validate_mmc
from simulator.queueing import erlang_c, fcfs_waits, mmc
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
