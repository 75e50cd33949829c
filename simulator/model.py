"""The discrete-event model: notifications become incidents, pages, acknowledgements and work.

One event loop per (scenario, replication) (:mod:`simulator.kernel`: timed callbacks in
SimPy's order). The alert stream and Alertmanager's notifications are computed before the
run (they do not depend on the responders); the run walks the notifications in time order,
merged into the clock, and carries each incident on timers, so an incident costs a handful
of events: one per escalation rule it waits for, one until the acknowledgement, one per
stretch of work.

The concepts, one module each:

* :mod:`simulator.lifecycle`: notifications open, merge into, upgrade and resolve
  incidents (deduplication by group key, as Alertmanager's PagerDuty integration does);
* :mod:`simulator.pager`: escalation, pages, acknowledgements, pickups, clearing;
* :mod:`simulator.dispatch`: who works an incident (on call or pool), roles, work time;
* :mod:`simulator.responders`: each person's state, acknowledgement draws and fatigue;
* :mod:`simulator.records`: the incident's record and the run's numpy columns.

Records are kept lean (tuples and lists, converted to numpy arrays at the end); with
``trace=True`` each incident also keeps its alerts, for :mod:`simulator.trace`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt

from simulator.arrivals import AlertTable
from simulator.compiled import Compiled
from simulator.dispatch import Dispatcher
from simulator.grouping import Notifications
from simulator.kernel import Kernel
from simulator.lifecycle import Lifecycle
from simulator.pager import Pager
from simulator.records import (
    CLEARED,
    TICKET,
    UNROUTED,
    WORKED,
    PageRow,
    RunRecords,
    WorkRow,
    run_records,
)
from simulator.responders import Responder
from simulator.streams import KeyedDraws, stream_key

__all__ = ["CLEARED", "TICKET", "UNROUTED", "WORKED", "RunRecords", "simulate"]


def _people(compiled: Compiled, replication: int) -> list[Responder]:
    study = compiled.study
    return [
        Responder(
            i,
            name,
            compiled.profiles[i],
            compiled.clocks[i],
            study.responders.fatigue,
            KeyedDraws(stream_key(study.seed, replication, "response", name)),
        )
        for i, name in enumerate(compiled.names)
    ]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the run, and restore it after.

    A run allocates some 10^5 objects that live until its end (incidents, page and work
    rows); the collector would walk them again and again as they age (a third of the run's
    time). The run makes no reference cycles that outlive it (an incident drops its timer
    when the timer fires or is cancelled), so everything it allocated is freed by reference
    counting when it returns, before the collector resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def simulate(
    compiled: Compiled,
    alerts: AlertTable,
    severity: npt.NDArray[np.int64],
    notes: Notifications,
    *,
    replication: int,
    trace: bool = False,
) -> RunRecords:
    """Run one replication of one compiled scenario on a prepared alert stream."""
    with _collector_paused():
        # The run's objects are freed when _run returns, before the collector resumes.
        return _run(compiled, alerts, severity, notes, replication, trace)


def _run(
    compiled: Compiled,
    alerts: AlertTable,
    severity: npt.NDArray[np.int64],
    notes: Notifications,
    replication: int,
    trace: bool,
) -> RunRecords:
    kernel = Kernel()
    people = _people(compiled, replication)
    pages: list[PageRow] = []
    work: list[WorkRow] = []
    life = Lifecycle(kernel, compiled, alerts, severity, notes, trace=trace)
    dispatcher = Dispatcher(kernel, compiled, people, alerts, work, done=life.closed)
    pager = Pager(
        kernel, compiled, people, pages, acknowledged=dispatcher.assign, unrouted=life.closed
    )
    dispatcher.open_pool()
    life.feed(pager)
    return run_records(
        life.incidents,
        life.tickets,
        pages,
        work,
        life.resolves,
        trace=trace,
        ticket_members=life.ticket_members,
    )
