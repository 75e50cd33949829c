"""The event loop: timed callbacks on a heap, in SimPy's order, with the notifications merged in.

The model needs one kind of event: "at minute ``t``, call ``callback(subject)``". The
kernel keeps them as ``[t, order, callback, subject]`` entries on a heap and runs them in
SimPy's order: by time, then by the order they were scheduled in (SimPy's ``NORMAL``
priority and event ids), with "run this at this minute, before anything else due then"
(:meth:`Kernel.soon`) for SimPy's ``URGENT`` (a process start or an interrupt). That is
all SimPy's ``Environment`` would do for this model, without an ``Event`` object, a
callback list and a generator resume per event (and without the process starts and ends
and the feeder's timeouts, which were over two thirds of the SimPy model's events).

Alertmanager's notifications are known before the run, so they are not events at all: the
feeder (:mod:`simulator.lifecycle`) walks them in time order and, where a feeder process
would sleep until the next one, calls :meth:`Kernel.advance`, which runs every event due
before it in the order a sleeping feeder would see them:

* a notification at ``t`` is handled when a feeder woken by a timeout scheduled at the
  previous notification would be: it ties with an event due at the same minute exactly as
  that timeout would (by scheduling order), and the clock reads ``previous + (t -
  previous)``, as a timeout's wake-up does;
* what a notification starts (a new incident's escalation, an upgrade's restart) runs after
  every notification of that minute and before anything else due then.

The results are those of the process-per-incident SimPy model this replaced, bit for bit
(``tests/simulator/test_runner.py`` pins them).
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from itertools import count
from typing import Any

__all__ = ["Kernel", "Timer"]

# A scheduled call: [minute, order, callback, subject]; cancelled by replacing the callback.
Timer = list[Any]


def _cancelled(subject: Any) -> None:
    """What a cancelled timer calls."""


class Kernel:
    """The clock, the heap of timed callbacks, and the calls due at this minute first."""

    __slots__ = ("now", "order", "queue", "urgent")

    def __init__(self) -> None:
        self.now = 0.0
        self.queue: list[Timer] = []
        self.order = count()
        self.urgent: list[tuple[Callable[[Any], None], Any]] = []

    def later(self, delay: float, callback: Callable[[Any], None], subject: Any) -> Timer:
        """Call ``callback(subject)`` ``delay`` minutes from now (after what is due before)."""
        timer = [self.now + delay, next(self.order), callback, subject]
        heappush(self.queue, timer)
        return timer

    @staticmethod
    def cancel(timer: Timer) -> None:
        timer[2] = _cancelled

    def soon(self, action: Callable[[Any], None], subject: Any) -> None:
        """Run ``action(subject)`` at this minute, after its notifications (``URGENT``)."""
        self.urgent.append((action, subject))

    def _flush(self) -> None:
        urgent = self.urgent
        for action, subject in urgent:  # in the order they were asked for
            action(subject)
        urgent.clear()

    def _run_before(self, bound: Timer) -> None:
        """Run every timer that orders before ``bound`` ([minute, order])."""
        queue = self.queue
        while queue and queue[0] < bound:
            timer = heappop(queue)
            self.now = timer[0]
            timer[2](timer[3])

    def advance(self, minute: float) -> None:
        """Sleep until ``minute``, as a feeder's ``yield timeout(minute - now)`` would."""
        now = self.now
        wake = now + (minute - now)  # a timeout's wake-up, to the bit
        queue = self.queue
        if self.urgent:
            # The feeder's timeout is scheduled before what the urgent calls schedule.
            bound = [wake, next(self.order)]
            self._flush()
            if queue and queue[0] < bound:
                self._run_before(bound)
        elif queue and queue[0][0] <= wake:
            # Nothing was scheduled since the last timer: a fresh order ranks after them all.
            self._run_before([wake, next(self.order)])
        self.now = wake

    def finish(self) -> None:
        """The feeder is done: run everything still due."""
        self._flush()
        queue = self.queue
        while queue:
            timer = heappop(queue)
            self.now = timer[0]
            timer[2](timer[3])
