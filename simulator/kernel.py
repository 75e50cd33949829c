"""The event loop: SimPy's environment, driven by callbacks, with the notifications merged in.

The model's events are SimPy timeouts whose callbacks carry the incident on (no generator
processes: a process costs an initialisation event, a resume per wait and an end event,
and an incident needs several). Alertmanager's notifications are known before the run,
so they are not events at all: the feeder (:mod:`simulator.lifecycle`) walks them in time
order and calls :meth:`Kernel.advance` where a feeder process would sleep until the next
one; that steps SimPy through every event due earlier, in the order a sleeping feeder
would see them:

* a notification at ``t`` is handled when a feeder woken by a timeout scheduled at the
  previous notification would be, so it ties with an event due at the same minute
  exactly as that timeout would (by SimPy's scheduling order), and the clock reads
  ``previous + (t - previous)``, as a timeout's wake-up does;
* what a notification starts (a new incident's escalation, an upgrade's restart) runs
  after every notification of that minute and before anything else due then, as a
  process started or interrupted at that minute would (SimPy's ``URGENT`` priority).

So the model gives the results a process-per-incident model gives, bit for bit, with a
fraction of the events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy

__all__ = ["Kernel"]

class Kernel(simpy.Environment):
    """A SimPy environment with a sorted stream of notifications merged into its run."""

    def __init__(self) -> None:
        super().__init__()
        self.urgent: list[tuple[Callable[[Any], None], Any]] = []

    def soon(self, action: Callable[[Any], None], subject: Any) -> None:
        """Run ``action(subject)`` at this minute, after its notifications (``URGENT``)."""
        self.urgent.append((action, subject))

    def later(self, delay: float, callback: Callable[[simpy.Event], None], value: Any) -> Any:
        """A timeout ``delay`` from now carrying ``value`` to ``callback``."""
        timeout = simpy.Timeout(self, delay, value)
        timeout.callbacks.append(callback)  # type: ignore[union-attr]  # pending: a list
        return timeout

    def _flush(self) -> None:
        urgent = self.urgent
        for action, subject in urgent:  # in the order they were asked for, as SimPy would
            action(subject)
        urgent.clear()

    def _until(self, minute: float, order: int) -> None:
        """Step every event that SimPy orders before (``minute``, NORMAL, ``order``)."""
        queue, step = self._queue, self.step
        while queue:
            top = queue[0]
            if top[0] < minute or (top[0] == minute and top[2] < order):
                step()
            else:
                return

    def advance(self, minute: float) -> None:
        """Sleep until ``minute``, as a feeder's ``yield timeout(minute - now)`` would."""
        now = self._now
        wake = now + (minute - now)  # a timeout's wake-up, to the last bit
        order = next(self._eid)
        self._flush()
        self._until(wake, order)
        self._now = wake

    def finish(self) -> None:
        """The feeder is done: run everything still due."""
        self._flush()
        self.run()
