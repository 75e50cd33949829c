"""The kernel runs timed callbacks in exactly the order SimPy runs the same model's processes."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.compiled import compile_scenario
from simulator.grouping import group_alerts
from simulator.kernel import Kernel
from simulator.model import simulate
from tests.simulator.helpers import alert_table, tiny_study

Log = list[tuple[float, str, Any]]


def simpy_log(notes: list[float], plans: list[list[float]]) -> Log:
    """A feeder process that sleeps until each notification and starts a job process there."""
    env = simpy.Environment()
    log: Log = []

    def job(name: str, delays: list[float]) -> Any:
        log.append((env.now, name, "start"))
        for k, delay in enumerate(delays):
            yield env.timeout(delay)
            log.append((env.now, name, k))

    def feeder() -> Any:
        for i, t in enumerate(notes):
            if t > env.now:
                yield env.timeout(t - env.now)
            log.append((env.now, "note", i))
            env.process(job(f"job{i}", plans[i]))

    env.process(feeder())
    env.run()
    return log


def kernel_log(notes: list[float], plans: list[list[float]]) -> Log:
    """The same model on the kernel: the feeder advances, jobs are chains of timers."""
    kernel = Kernel()
    log: Log = []

    def wake(job: list[Any]) -> None:
        name, delays, k = job
        log.append((kernel.now, name, k))
        if k + 1 < len(delays):
            job[2] = k + 1
            kernel.later(delays[k + 1], wake, job)

    def start(job: list[Any]) -> None:
        log.append((kernel.now, job[0], "start"))
        if job[1]:
            kernel.later(job[1][0], wake, job)

    for i, t in enumerate(notes):
        if t > kernel.now:
            kernel.advance(t)
        log.append((kernel.now, "note", i))
        kernel.soon(start, [f"job{i}", plans[i], 0])
    kernel.finish()
    return log


# Whole minutes (and some fractions whose sums round) so that ties are common.
minutes = st.sampled_from([0.0, 0.1, 0.2, 0.3, 1.0, 2.0, 5.0])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 0.3, 1.0, 2.0, 2.0, 3.0, 5.0, 7.1]), max_size=12).flatmap(
        lambda times: st.tuples(
            st.just(sorted(times)),
            st.lists(st.lists(minutes, max_size=4), min_size=len(times), max_size=len(times)),
        )
    )
)
def test_the_kernel_orders_every_event_as_simpy_does(
    case: tuple[list[float], list[list[float]]],
) -> None:
    notes, plans = case
    assert kernel_log(notes, plans) == simpy_log(notes, plans)


def test_timers_run_by_minute_then_in_the_order_they_were_set() -> None:
    kernel, seen = Kernel(), []
    kernel.later(5.0, seen.append, "b")
    kernel.later(1.0, seen.append, "a")
    kernel.later(5.0, seen.append, "c")
    kernel.finish()
    assert seen == ["a", "b", "c"]
    assert kernel.now == 5.0


def test_a_cancelled_timer_calls_nothing() -> None:
    kernel, seen = Kernel(), []
    timer = kernel.later(2.0, seen.append, "cancelled")
    kernel.later(3.0, seen.append, "kept")
    kernel.cancel(timer)
    kernel.finish()
    assert seen == ["kept"]


def test_what_a_notification_starts_runs_before_a_timer_due_at_that_minute() -> None:
    # The timer is set at minute 0 for minute 4, before the feeder sleeps until 4: it runs
    # first; what the notification at 4 starts runs before the timer set while it sleeps.
    kernel, seen = Kernel(), []
    kernel.later(4.0, seen.append, "set before the feeder slept")
    kernel.advance(4.0)
    seen.append("notification")
    kernel.soon(seen.append, "started by it")
    kernel.later(0.0, seen.append, "set at 4 for 4")
    kernel.finish()
    assert seen == [
        "set before the feeder slept",
        "notification",
        "started by it",
        "set at 4 for 4",
    ]


def test_a_run_leaves_no_garbage_cycles_and_restores_the_collector() -> None:
    study = tiny_study()
    compiled = compile_scenario(study.scenarios()[0])
    table = alert_table([600.0, 700.0, 2000.0])
    severity = np.asarray([0, 1, 1], dtype=np.int64)  # SEV1, SEV3, SEV3
    notes = group_alerts(table, study.grouping)
    simulate(compiled, table, severity, notes, replication=0)  # warm every lazy cache first
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds, to see whose it is
    try:
        simulate(compiled, table, severity, notes, replication=0)
        assert not gc.isenabled()
        gc.collect()
        # Other threads of the test process (servers of other tests) may leave cycles of their
        # own; the run's would hold one of the simulator's objects.
        ours = [o for o in gc.garbage if type(o).__module__.startswith("simulator")]
        assert ours == []  # everything the run made was freed by reference counting
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    simulate(compiled, table, severity, notes, replication=0)
    assert gc.isenabled()
