"""The team's window: the experiment waits for the team's fix before its safety net.

In a game day the team's fix, carried out on the real system, is what should restore the
steady state; the experiment's rollback is only the safety net at the end. So
:class:`GameDayHandler` (the run's event handler, a :class:`~scenarios.chaosrun.
TimelineHandler`) records the steady-state probe series from the start of the method to the
end of the run (:class:`~scenarios.gameday.series.SteadyStateSampler`), and when the method is
over (the alert fired and reached the room) it holds the run, bounded by ``window_seconds``,
until the probes hold again (the team fixed it) or the experiment is halted; only then do Chaos
Toolkit's after-hypothesis and the rollbacks run. A Ctrl-C or SIGTERM during the wait
interrupts the experiment as anywhere else: Chaos Toolkit runs the rollbacks at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from chaoslib.exceptions import InterruptExecution  # type: ignore[import-untyped]

from scenarios.chaosrun import EventSink, TimelineHandler
from scenarios.gameday.series import SteadyStateSampler

__all__ = ["GameDayHandler"]


class GameDayHandler(TimelineHandler):
    """Streams events to the room, records the probe series, holds the run for the team."""

    def __init__(
        self,
        sink: EventSink,
        sampler: SteadyStateSampler,
        *,
        window_seconds: float,
        halted: Callable[[], bool],
        say: Callable[[str], None],
        poll_seconds: float = 0.25,
    ) -> None:
        super().__init__(sink)
        self.sampler = sampler
        self.window_seconds = window_seconds
        self.waited_seconds: float | None = None
        self.fixed_in_window = False
        self._halted = halted
        self._say = say
        self._poll = poll_seconds
        self._wake = threading.Event()

    def start_method(self, experiment: dict[str, Any]) -> None:
        super().start_method(experiment)
        self.sampler.start()

    def start_hypothesis_after(self, experiment: dict[str, Any]) -> None:
        super().start_hypothesis_after(experiment)
        if not self.sampler.probes or self.window_seconds <= 0:
            return
        self._say(
            f"the team has up to {self.window_seconds:g}s to restore the steady state on the "
            "real system; the experiment's rollback waits"
        )
        started = time.monotonic()
        try:
            self._wait(started + self.window_seconds)
        except InterruptExecution as exc:
            # Chaos Toolkit's SIGTERM handler raises this here, and its handler registry would
            # swallow it (and the run go on): as an interrupt, the rollbacks run at once.
            raise KeyboardInterrupt(str(exc)) from exc
        self.waited_seconds = round(time.monotonic() - started, 2)
        self._say(
            f"  steady state restored after {self.waited_seconds:g}s of the window"
            if self.fixed_in_window
            else f"  not restored within {self.waited_seconds:g}s: the rollback is the safety net"
        )

    def _wait(self, deadline: float) -> None:
        while time.monotonic() < deadline and not self._halted():
            if self.sampler.holds():
                self.fixed_in_window = True
                return
            self._wake.wait(self._poll)

    def finish(self, journal: dict[str, Any]) -> None:
        self.sampler.stop()
        super().finish(journal)
