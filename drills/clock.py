"""Clocks: the wall clock a session reads, and the drill clock derived from it.

A session never calls ``time`` itself: it is given a :class:`WallClock`. Production uses
:class:`SystemClock`; tests and autopilot runs use :class:`VirtualClock`, which only moves
when told to, so a two-hour drill runs in milliseconds with no sleeps.

The drill clock is a pure function of the last clock event (started, paused, resumed, speed
changed, ended) and the wall time now: :func:`drill_minutes`. Because that anchor is in the
event log, a session reopened after a restart reads the same drill time as before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Anchor", "SystemClock", "VirtualClock", "WallClock", "drill_minutes", "wall_at"]


class WallClock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """A wall clock that only moves when advanced: for tests, autopilot and replays."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("VirtualClock needs a time-zone-aware start")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by ``delta`` (a timedelta, or seconds)."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("a clock does not go backwards")
        self._now += step
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (not earlier than now)."""
        self.advance(moment - self._now)


@dataclass(frozen=True)
class Anchor:
    """Drill minute ``at`` happened at wall time ``wall``; from there the clock runs at
    ``speed`` drill minutes per wall minute while ``running``."""

    at: float
    wall: datetime
    speed: float
    running: bool


def drill_minutes(anchor: Anchor, wall_now: datetime) -> float:
    """The drill clock at ``wall_now`` (never before the anchor; rounded to the microminute)."""
    if not anchor.running:
        return anchor.at
    elapsed = max(0.0, (wall_now - anchor.wall).total_seconds() / 60)
    return round(anchor.at + elapsed * anchor.speed, 6)


def wall_at(anchor: Anchor, minute: float) -> datetime:
    """The wall time at which a running drill clock reads ``minute``."""
    if not anchor.running:
        raise ValueError("the drill clock is not running")
    return anchor.wall + timedelta(minutes=max(0.0, minute - anchor.at) / anchor.speed)
