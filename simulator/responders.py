"""Responders: what a person is doing at a simulated minute, and how they answer a page.

A person is **working** (inside working hours on a work day), **asleep** (inside sleep
hours, any day; sleep wins over work) or **off hours** (awake otherwise), on their own
time zone's wall clock. Their profile gives an acknowledgement-delay distribution and a
miss probability for each state.

Fatigue (configurable, ``responders.fatigue``). Each person carries a *load*: the pages
they received, each weighing 1 (``sleep_weight`` while asleep), decaying exponentially
with half-life ``half_life_hours``. When a page arrives with load ``L``::

    delay = ack_delay(state) * (1 + delay_per_unit * L)
    p_miss = min(max_miss, miss(state) + miss_per_unit * L)

and then the page itself is added to the load. Pages a busy person ignores add load too.

Each page's numbers (one normal and two uniforms) are named by the page itself: the
person's keyed stream hashed with the page's name (incident, escalation rule, loop; see
:class:`simulator.streams.KeyedDraws`), so the same page gets the same draws in every
variant, however many other pages a variant adds or removes before it.
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from simulator.clock import DAY, HOUR, WEEK, LocalClock
from simulator.distributions import Draw, drawer
from simulator.sections import FatigueSpec, Profile
from simulator.streams import KeyedDraws

__all__ = ["ASLEEP", "OFF_HOURS", "STATE_NAMES", "WORKING", "Responder", "state_table"]

WORKING, OFF_HOURS, ASLEEP = 0, 1, 2
STATE_NAMES = ("working", "off_hours", "asleep")
Availability = Literal["always", "awake", "working"]


def _within(
    hours: np.ndarray[Any, np.dtype[np.float64]], window: tuple[float, float]
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    start, end = window
    if start <= end:
        return (hours >= start) & (hours < end)
    return (hours >= start) | (hours < end)


@lru_cache(maxsize=128)
def state_table(
    working_hours: tuple[float, float],
    work_days: tuple[int, ...],
    sleep_hours: tuple[float, float],
    always_available: bool,
) -> bytes:
    """The state for every local minute of the week (0 = Monday 00:00)."""
    minutes = np.arange(int(WEEK), dtype=np.float64)
    if always_available:
        return bytes(int(WEEK))
    hours = (minutes % DAY) / HOUR
    iso_day = (minutes // DAY).astype(np.int64) + 1
    table = np.full(minutes.shape, OFF_HOURS, dtype=np.uint8)
    table[np.isin(iso_day, work_days) & _within(hours, working_hours)] = WORKING
    table[_within(hours, sleep_hours)] = ASLEEP
    return table.tobytes()


@lru_cache(maxsize=128)
def _waits(table: bytes, availability: Availability) -> tuple[int, ...]:
    """Minutes from each minute of the week until the person is available (-1: never)."""
    ok = [
        availability == "always" or (s != ASLEEP if availability == "awake" else s == WORKING)
        for s in table
    ]
    size = len(ok)
    if not any(ok):
        return (-1,) * size
    out = [0] * size
    next_ok = None
    for i in range(2 * size - 1, -1, -1):
        if ok[i % size]:
            next_ok = i
        if i < size:
            assert next_ok is not None
            out[i] = next_ok - i
    return tuple(out)


class Responder:
    """One person's mutable state in a run: busy, their queue, fatigue, their random stream."""

    __slots__ = (
        "_draw",
        "_fatigue_on",
        "_half_life",
        "_table",
        "at",
        "busy",
        "clock",
        "draws",
        "fatigue",
        "idle",
        "index",
        "load",
        "load_at",
        "miss",
        "name",
        "queue",
        "rejoin_pending",
    )

    def __init__(
        self,
        index: int,
        name: str,
        profile: Profile,
        clock: LocalClock,
        fatigue: FatigueSpec,
        draws: KeyedDraws,
    ) -> None:
        self.index = index
        self.name = name
        self.clock = clock
        self._table = state_table(
            profile.working_hours, profile.work_days, profile.sleep_hours, profile.always_available
        )
        self._draw: tuple[Draw, Draw, Draw] = (
            drawer(profile.ack.working),
            drawer(profile.ack.off_hours),
            drawer(profile.ack.asleep),
        )
        self.miss = (profile.miss.working, profile.miss.off_hours, profile.miss.asleep)
        self.fatigue = fatigue
        self._fatigue_on = fatigue.enabled
        self._half_life = fatigue.half_life_hours * HOUR
        self.draws = draws
        self.at = draws.at  # bound once: on every page's path
        self.busy = False
        self.idle = False
        self.rejoin_pending = False
        self.queue: deque[Any] = deque()
        self.load = 0.0
        self.load_at = 0.0

    def state(self, minute: float) -> int:
        """WORKING, OFF_HOURS or ASLEEP at simulated ``minute``."""
        return self._table[self.clock.minute_of_week(minute)]

    def current_load(self, minute: float) -> float:
        """The fatigue load at ``minute`` (before any page at that minute)."""
        if not self.fatigue.enabled or self.load == 0.0:
            return 0.0
        return float(self.load * 2.0 ** (-(minute - self.load_at) / self._half_life))

    def _add_load(self, minute: float, load: float, state: int) -> None:
        if self.fatigue.enabled:
            self.load = load + (self.fatigue.sleep_weight if state == ASLEEP else 1.0)
            self.load_at = minute

    def respond(self, minute: float, page: bytes) -> tuple[float, bool]:
        """A page at ``minute`` named ``page``: (minutes until acknowledged, missed?)."""
        state = self._table[self.clock.minute_of_week(minute)]
        z, u, v = self.at(page)
        delay = self._draw[state](z, u)
        p_miss = self.miss[state]
        if not self._fatigue_on:
            return delay, v < p_miss
        load = self.load
        if load != 0.0:  # current_load, inlined
            load = load * 2.0 ** (-(minute - self.load_at) / self._half_life)
            fatigue = self.fatigue
            delay *= 1.0 + fatigue.delay_per_unit * load
            p_miss = min(fatigue.max_miss, p_miss + fatigue.miss_per_unit * load)
        self.load = load + (self.fatigue.sleep_weight if state == ASLEEP else 1.0)
        self.load_at = minute
        return delay, v < p_miss

    def notice(self, minute: float) -> None:
        """A page the person sees but does not take (busy, escalation continues)."""
        state = self._table[self.clock.minute_of_week(minute)]
        self._add_load(minute, self.current_load(minute), state)

    def minutes_until_available(self, minute: float, availability: Availability) -> float:
        """0 if available now, else minutes until the next available minute (inf: never)."""
        if availability == "always":
            return 0.0
        wait = _waits(self._table, availability)[self.clock.minute_of_week(minute)]
        if wait < 0:
            return float("inf")
        if wait == 0:
            return 0.0
        # Land on the start of the available minute (the table has minute resolution).
        local = self.clock.local(minute)
        return wait - (local % 1.0)
