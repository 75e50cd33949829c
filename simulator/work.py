"""Incident work: how long hands-on work takes, and what status updates add to it.

Work on an actionable incident is ``mitigate`` minutes to stop the impact and then
``resolve`` more to finish, drawn from the severity's distributions with the incident's
own variates (those of its representative alert). While it lasts, a severity with an
update cadence needs a status update every ``update_every_minutes``; when no
Communications Lead is staffed, the person doing the work writes them, and each costs
``update_minutes`` of their time, stretching the work (:func:`stretch`). Alerts that need
no action cost a triage: ``noise_triage`` for noise, ``duplicate_triage`` for a re-page of a
known problem.
"""

from __future__ import annotations

import math

__all__ = ["stretch", "updates_during"]


def stretch(work: float, cadence: float | None, cost: float) -> float:
    """Elapsed minutes to do ``work`` minutes of work with an update of ``cost`` every ``cadence``.

    The elapsed time ``d`` solves ``d = work + cost * floor(d / cadence)``: updates fall due
    on the wall clock every ``cadence`` minutes and each pauses the work for ``cost``.
    Requires ``cost < cadence``.
    """
    if cadence is None or cost <= 0.0 or work <= 0.0:
        return work
    elapsed = work
    for _ in range(10_000):
        updated = work + cost * math.floor(elapsed / cadence)
        if updated == elapsed:
            return elapsed
        elapsed = updated
    return elapsed


def updates_during(elapsed: float, cadence: float | None) -> int:
    """Status updates due while an incident is worked for ``elapsed`` minutes."""
    if cadence is None or elapsed <= 0.0:
        return 0
    return math.floor(elapsed / cadence)
