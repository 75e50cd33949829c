"""Simulated minutes and wall clocks: the model's time is minutes since the study's start.

:class:`LocalClock` reads a simulated minute on a time zone's wall clock (minute of the
week, local day, hour) without building a ``datetime`` per call: the zone's UTC offsets
over the run are found once (a handful of DST transitions a year) and then a lookup is an
addition and a bisect. Array forms serve the vectorised metrics.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

__all__ = [
    "DAY",
    "EPOCH",
    "HOUR",
    "WEEK",
    "LocalClock",
    "instant_at",
    "local_clock",
    "minute_of",
]

HOUR = 60.0
DAY = 1440.0
WEEK = 10080.0
# A Monday at midnight UTC: local minutes are counted from here, so minute-of-week 0 is
# Monday 00:00 and day boundaries fall on local midnights.
EPOCH = datetime(2001, 1, 1, tzinfo=UTC)

FloatArray = npt.NDArray[np.float64]


def minute_of(start: datetime, instant: datetime) -> float:
    """Simulated minute of an aware ``instant`` for a run starting at ``start``."""
    return (instant - start).total_seconds() / 60.0


def instant_at(start: datetime, minute: float) -> datetime:
    """The UTC instant of simulated ``minute``."""
    return (start + timedelta(minutes=minute)).astimezone(UTC)


def _offset_minutes(zone: ZoneInfo, instant: datetime) -> float:
    offset = instant.astimezone(zone).utcoffset()
    return 0.0 if offset is None else offset.total_seconds() / 60.0


class LocalClock:
    """One time zone's wall clock over one run (immutable; build with :func:`local_clock`)."""

    __slots__ = ("_changes", "_offsets", "base", "zone")

    def __init__(self, zone: str, start: datetime, total_minutes: float) -> None:
        self.zone = zone
        tz = ZoneInfo(zone)
        start_utc = start.astimezone(UTC)
        self.base = (start_utc - EPOCH).total_seconds() / 60.0
        changes: list[float] = []
        offsets = [_offset_minutes(tz, start_utc)]
        days = math.ceil(total_minutes / DAY) + 2
        previous = offsets[0]
        for day in range(1, days + 1):
            at = start_utc + timedelta(days=day)
            offset = _offset_minutes(tz, at)
            if offset == previous:
                continue
            lo, hi = (day - 1) * DAY, day * DAY  # the change happened in (lo, hi]
            while hi - lo > 1.0:
                mid = math.floor((lo + hi) / 2)
                if _offset_minutes(tz, start_utc + timedelta(minutes=mid)) == previous:
                    lo = mid
                else:
                    hi = mid
            changes.append(hi)
            offsets.append(offset)
            previous = offset
        self._changes = changes
        self._offsets = offsets

    def offset(self, minute: float) -> float:
        """The zone's UTC offset in minutes at simulated ``minute``."""
        return self._offsets[bisect_right(self._changes, minute)]

    def local(self, minute: float) -> float:
        """Local wall-clock minutes since :data:`EPOCH`'s wall clock."""
        return self.base + minute + self._offsets[bisect_right(self._changes, minute)]

    def minute_of_week(self, minute: float) -> int:
        """Local minute of the week, 0 = Monday 00:00."""
        # self.local(minute), inlined: this is on every page's path.
        return int((self.base + minute + self._offsets[bisect_right(self._changes, minute)]) % WEEK)

    def local_array(self, minutes: FloatArray) -> FloatArray:
        index = np.searchsorted(np.asarray(self._changes, dtype=np.float64), minutes, side="right")
        return self.base + minutes + np.asarray(self._offsets, dtype=np.float64)[index]

    def datetime_at(self, minute: float) -> datetime:
        """The aware local datetime of simulated ``minute``."""
        return (EPOCH + timedelta(minutes=self.base + minute)).astimezone(ZoneInfo(self.zone))


@lru_cache(maxsize=256)
def local_clock(zone: str, start: datetime, total_minutes: float) -> LocalClock:
    """A cached :class:`LocalClock` (each worker builds each zone once)."""
    return LocalClock(zone, start, total_minutes)
