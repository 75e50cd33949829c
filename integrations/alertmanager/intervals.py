"""Alertmanager time intervals: whether an instant falls in a named interval.

A ``TimeRange`` matches when every field it sets matches (an unset field matches all),
read on the wall clock of its ``location`` (default UTC): ``times`` (``HH:MM`` to
``HH:MM``, end exclusive), ``weekdays`` (``monday:friday``, inclusive), ``days_of_month``
(``1:5``; negative counts from the month's end, ``-1`` is its last day), ``months``
(``1:3`` or ``january:march``) and ``years`` (``2024:2026``). An interval matches when any
of its ranges does. A route's notification is muted inside any of its
``mute_time_intervals`` and, when it names ``active_time_intervals``, outside all of them.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from integrations.alertmanager.config import TimeInterval, TimeRange

__all__ = ["check_range", "in_interval", "in_range", "is_muted"]

_WEEKDAYS = {
    n: i
    for i, n in enumerate(
        ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    )
}
_MONTHS = {n.lower(): i for i, n in enumerate(calendar.month_name) if n}


def _bound(text: str, names: Mapping[str, int], low: int, high: int, what: str) -> int:
    key = text.strip().lower()
    if key in names:
        return names[key]
    try:
        value = int(key)
    except ValueError:
        raise ValueError(f"bad {what} {text!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{what} {text!r} is out of range {low}..{high}")
    return value


def _pairs(
    items: Sequence[str], names: Mapping[str, int], low: int, high: int, what: str
) -> list[tuple[int, int]]:
    out = []
    for item in items:
        first, _, last = item.partition(":")
        start = _bound(first, names, low, high, what)
        end = _bound(last, names, low, high, what) if last else start
        if what != "day of month" and end < start:
            raise ValueError(f"{what} range {item!r} ends before it starts")
        if what == "day of month" and (start < 0) == (end < 0) and end < start:
            raise ValueError(f"{what} range {item!r} ends before it starts")
        if what == "day of month" and 0 in (start, end):
            raise ValueError("days of month run 1..31 or -31..-1")
        out.append((start, end))
    return out


def _minutes(clock: str) -> int:
    hour, minute = clock.split(":")
    return int(hour) * 60 + int(minute)


def check_range(r: TimeRange) -> None:
    """Raise ValueError for a field Alertmanager would refuse."""
    _pairs(r.weekdays, _WEEKDAYS, 0, 6, "weekday")
    _pairs(r.days_of_month, {}, -31, 31, "day of month")
    _pairs(r.months, _MONTHS, 1, 12, "month")
    _pairs(r.years, {}, 1, 9999, "year")
    for spec in r.times:
        if _minutes(spec.end_time) <= _minutes(spec.start_time):
            raise ValueError(f"end_time {spec.end_time} must be after start_time {spec.start_time}")
    try:
        ZoneInfo(r.location)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown location {r.location!r}") from None


def in_range(r: TimeRange, at: datetime) -> bool:
    """Whether the aware instant ``at`` falls in the window ``r``."""
    local = at.astimezone(ZoneInfo(r.location))
    if r.times:
        now = local.hour * 60 + local.minute
        if not any(_minutes(s.start_time) <= now < _minutes(s.end_time) for s in r.times):
            return False
    weekday = local.isoweekday() % 7  # Sunday = 0, as Alertmanager counts
    if r.weekdays and not any(
        a <= weekday <= b for a, b in _pairs(r.weekdays, _WEEKDAYS, 0, 6, "weekday")
    ):
        return False
    if r.days_of_month:
        length = calendar.monthrange(local.year, local.month)[1]

        def day(value: int) -> int:
            return value if value > 0 else length + 1 + value

        pairs = _pairs(r.days_of_month, {}, -31, 31, "day of month")
        if not any(day(a) <= local.day <= day(b) for a, b in pairs):
            return False
    if r.months and not any(
        a <= local.month <= b for a, b in _pairs(r.months, _MONTHS, 1, 12, "month")
    ):
        return False
    return not r.years or any(a <= local.year <= b for a, b in _pairs(r.years, {}, 1, 9999, "year"))


def in_interval(interval: TimeInterval, at: datetime) -> bool:
    """Whether ``at`` falls in any window of ``interval``."""
    return any(in_range(r, at) for r in interval.time_intervals)


def is_muted(
    intervals: Mapping[str, TimeInterval], mute: Sequence[str], active: Sequence[str], at: datetime
) -> bool:
    """Whether a route with these mute and active intervals is silent at ``at``."""
    if any(in_interval(intervals[name], at) for name in mute):
        return True
    return bool(active) and not any(in_interval(intervals[name], at) for name in active)
