"""Simulator benchmark (``make bench``): our cost per alert against bare SimPy, measured together.

Prints and writes ``bench/results.json``. Both sides of the ratio are measured in CPU
time (``time.process_time``) in the same run, so a busy shared machine slows both alike:

* ``simpy_mmc_customers_per_second``: a bare SimPy M/M/c (a source process, a Resource,
  a process per customer), one core, best of 3;
* ``alerts_per_second_per_core``: the reference study (every variant) in this process, one
  core: alerts simulated / CPU seconds, everything included (alert stream, grouping,
  the event model, metrics);
* ``cost_ratio_vs_simpy``: our CPU seconds per alert over SimPy's per customer
  (target, issue 10: at most 1.5);
* ``reference_study_seconds``: the whole reference study (5 variants x 30 replications x
  1 year) on all cores, ``workers`` of them, wall time (target, issue 10: under 6 s on 2
  cores); ``reference_study_cpu_seconds`` is the CPU time of this process and its workers,
  and ``reference_study_idle_seconds`` that over ``workers``: the wall time on idle cores;
* wall time against horizon (91, 182, 365 days) and team size (4, 8, 16 engineers), for the
  baseline alone on one core;
* ``crn``: common random numbers between the baseline and ``secondary_after_5`` (a variant
  that only changes an escalation delay), from :func:`simulator.crn.check_crn`: the share of
  matched (incident, rule, person) acknowledgements with identical delays (target: at least
  90%) and the paired / unpaired standard deviation of each headline difference;
* ``simulator``: whether the simulator ran compiled (mypyc, ``make compiled``, with the
  build's digest) or pure Python, and why (:mod:`simulator.accelerator`);
* ``load_average_1min``: the machine's load at the start and the end (a shared machine's
  other work inflates CPU times too, through caches and shared cores).

Run: ``.venv/bin/python bench/bench_simulator.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import load_study, run_study  # noqa: E402 - after the path set-up
from simulator.accelerator import status  # noqa: E402
from simulator.crn import check_crn  # noqa: E402
from simulator.study import Study  # noqa: E402

REFERENCE = ROOT / "simulator" / "studies" / "reference.yaml"
MANAGERS = ("team_lead", "engineering_manager", "director", "vp_engineering", "cto")


def bare_simpy_mmc(
    customers: int, *, lam: float = 0.8, mu: float = 1 / 3, servers: int = 3
) -> float:
    """Customers per second of a plain SimPy M/M/c model, one core."""
    rng = np.random.default_rng(1)
    gaps = rng.exponential(1 / lam, customers).tolist()
    services = rng.exponential(1 / mu, customers).tolist()
    env = simpy.Environment()
    desk = simpy.Resource(env, servers)
    waits: list[float] = []

    def customer(i: int) -> Any:
        arrived = env.now
        with desk.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(services[i])

    def source() -> Any:
        for i in range(customers):
            yield env.timeout(gaps[i])
            env.process(customer(i))

    env.process(source())
    began = time.process_time()
    env.run()
    return customers / (time.process_time() - began)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished (joined) worker processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(study: Study, **kwargs: Any) -> tuple[float, int]:
    """(wall seconds, alerts) of a run of ``study``."""
    began = time.perf_counter()
    result = run_study(study, keep_incidents=False, **kwargs)
    return time.perf_counter() - began, result.total_alerts


def cpu_timed(study: Study, **kwargs: Any) -> tuple[float, int]:
    """(CPU seconds, alerts) of a run of ``study``, its worker processes included."""
    began = cpu_seconds()
    result = run_study(study, keep_incidents=False, **kwargs)
    return cpu_seconds() - began, result.total_alerts


def team_study(base: Study, engineers: int) -> Study:
    names = [f"eng{i:02d}" for i in range(1, engineers + 1)]
    people = [{"name": n, "time_zone": "America/New_York"} for n in (*names, *MANAGERS)]
    return base.with_overrides(
        {
            "playbook_patch": {
                "people": people,
                "schedules.checkout-primary.layers.Primary.users": names,
                "schedules.checkout-secondary.layers.Secondary.users": names,
            }
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications (a smoke run)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    reference = load_study(REFERENCE)
    single_reps = 2 if args.quick else 6

    # Warm up imports and per-process caches, then measure.
    timed(reference.with_overrides({"horizon_days": 14, "replications": 1}), workers=1)
    simpy_rate = max(bare_simpy_mmc(100_000 if args.quick else 200_000) for _ in range(3))
    seconds, alerts = cpu_timed(reference, replications=single_reps, workers=1)
    ours = alerts / seconds
    ratio = simpy_rate / ours

    reps = 6 if args.quick else reference.replications
    cpu_began = cpu_seconds()
    reference_seconds, reference_alerts = timed(reference, replications=reps, workers=workers)
    reference_cpu = cpu_seconds() - cpu_began

    baseline = reference.with_overrides({"variants": []})
    horizon = {}
    for days in (91, 182, 365):
        horizon[str(days)] = round(
            timed(baseline.with_overrides({"horizon_days": days}), replications=4, workers=1)[0], 3
        )
    team = {}
    for engineers in (4, 8, 16):
        team[str(engineers)] = round(
            timed(team_study(baseline, engineers), replications=4, workers=1)[0], 3
        )

    crn = check_crn(reference, "secondary_after_5", replications=6 if args.quick else None)

    results = {
        "alerts_per_second_per_core": round(ours),
        "simpy_mmc_customers_per_second": round(simpy_rate),
        "cost_ratio_vs_simpy": round(ratio, 2),
        "reference_study_seconds": round(reference_seconds, 2),
        "reference_study_cpu_seconds": round(reference_cpu, 2),
        "reference_study_idle_seconds": round(reference_cpu / workers, 2),
        "reference_study_replications": reps,
        "reference_study_alerts": reference_alerts,
        "workers": workers,
        "seconds_by_horizon_days": horizon,
        "seconds_by_team_size": team,
        "scaling_runs": "baseline only, 4 replications, 1 core",
        "crn": crn.as_dict(),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "simulator": status().describe().removeprefix("simulator: "),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(status().describe())
    print(f"simulated alerts per CPU second (reference study, 1 core): {ours:,.0f}")
    print(f"bare SimPy M/M/c customers per CPU second (same run, 1 core): {simpy_rate:,.0f}")
    print(f"CPU per alert / CPU per SimPy customer: {ratio:.2f}  (target <= 1.5)")
    print(
        f"reference study, 5 variants x {reps} replications x 1 year on {workers} cores: "
        f"{reference_seconds:.1f} s wall, {reference_cpu:.1f} CPU s "
        f"({reference_cpu / workers:.1f} s on {workers} idle cores), "
        f"{reference_alerts:,} alerts  (target < 6 s on 2 cores)"
    )
    print("wall time by horizon (days -> s):", ", ".join(f"{k}: {v}" for k, v in horizon.items()))
    print(
        "wall time by team size (engineers -> s):", ", ".join(f"{k}: {v}" for k, v in team.items())
    )
    print(crn.summary())
    print(
        f"load average (1 min) at the start and the end: {load_before:.2f}, "
        f"{os.getloadavg()[0]:.2f} (on {workers} cores: other work inflates CPU times too)"
    )
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
