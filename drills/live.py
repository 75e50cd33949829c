"""Playing a session on a real clock with nobody acting: the facilitator's console.

``drillbit drill run SCRIPT`` without ``--autopilot`` uses this: the script's injects arrive
in real time (accelerated by the session's speed) and are printed as they come, until the
script's duration has passed; the team acts elsewhere (the Python API or the web UI). The
sleep function is injected, so tests drive it on a virtual clock without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable

from drills.events import Record
from drills.session import DrillSession

__all__ = ["play_live"]


def play_live(
    session: DrillSession,
    *,
    sleep: Callable[[float], object],
    emit: Callable[[Record], object],
    until: float | None = None,
    tick_seconds: float = 1.0,
) -> None:
    """Deliver the script in real time until drill minute ``until`` (default: its duration)."""
    end = session.script.duration_minutes if until is None else until
    seen = session.last_seq()
    for record in session.records():
        emit(record)
    while session.state.status in ("running", "paused") and session.now() < end:
        sleep(tick_seconds)
        for record in session.records(after=seen):
            emit(record)
        seen = session.last_seq()
    if session.state.status in ("running", "paused"):
        for record in [session.end("the script's time is up")]:
            emit(record)
