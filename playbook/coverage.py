"""What a schedule asks of people over a period: coverage, gaps, hours, nights, weekends.

A pure function of a schedule, the people's time zones and a period, computed from the
rendered final schedule (:func:`playbook.schedules.render`). For each person:

* ``hours``: on call in the period;
* ``night_hours``: on call during *their own* night, ``night`` hours (default 22:00-08:00)
  on the wall clock of their time zone (people not in the playbook count as UTC);
* ``weekend_hours``: on call from Saturday 00:00 to Monday 00:00 in their zone;
* ``longest_stretch_hours``: the longest continuous time on call (back-to-back shifts join).

Fairness is the spread of each figure across the people of the schedule's layers (those
with no hours count as zero): ``max - min`` and the coefficient of variation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from statistics import fmean, pstdev
from typing import Any
from zoneinfo import ZoneInfo

from playbook.schedules import Schedule, Shift, coverage_spans, render

__all__ = [
    "PersonLoad",
    "ScheduleReport",
    "coverage_warnings",
    "render_cost",
    "report_handoffs",
    "schedule_report",
]

_HOUR = 3600.0
GAP_HORIZON = timedelta(weeks=4)
MAX_HANDOFFS = 500_000  # a report renders every turn; more than this is refused


@dataclass(frozen=True)
class PersonLoad:
    """One person's share of a schedule over the period (hours)."""

    person: str
    time_zone: str
    hours: float
    night_hours: float
    weekend_hours: float
    longest_stretch_hours: float
    shifts: int


@dataclass(frozen=True)
class ScheduleReport:
    """Coverage, gaps and per-person load of one schedule over [start, end)."""

    schedule: str
    start: datetime
    end: datetime
    covered_share: float
    gaps: tuple[tuple[datetime, datetime], ...]
    people: tuple[PersonLoad, ...]
    fairness: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def uncovered_share(self) -> float:
        return 1.0 - self.covered_share

    def as_dict(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "coverage": {
                "covered_share": round(self.covered_share, 6),
                "uncovered_share": round(self.uncovered_share, 6),
                "gaps": [
                    {
                        "start": s.isoformat(),
                        "end": e.isoformat(),
                        "hours": round((e - s).total_seconds() / _HOUR, 4),
                    }
                    for s, e in self.gaps
                ],
            },
            "people": [
                {
                    "person": p.person,
                    "time_zone": p.time_zone,
                    "hours": round(p.hours, 4),
                    "night_hours": round(p.night_hours, 4),
                    "weekend_hours": round(p.weekend_hours, 4),
                    "longest_stretch_hours": round(p.longest_stretch_hours, 4),
                    "shifts": p.shifts,
                }
                for p in self.people
            ],
            "fairness": self.fairness,
        }


def _overlap(a: datetime, b: datetime, c: datetime, d: datetime) -> float:
    return max(0.0, (min(b, d) - max(a, c)).total_seconds())


def _local_windows(
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    opens: time,
    length_days: int,
    hours: float,
    weekday: int | None,
) -> Iterator[tuple[datetime, datetime]]:
    """Recurring local windows meeting [start, end): daily, or weekly on ISO ``weekday``."""
    day = start.astimezone(zone).date() - timedelta(days=length_days + 1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        if weekday is None or day.isoweekday() == weekday:
            wall = datetime.combine(day, opens, tzinfo=zone)
            yield wall.astimezone(UTC), (wall + timedelta(hours=hours)).astimezone(UTC)
        day += timedelta(days=1)


def _seconds_in(
    shifts: Sequence[Shift], zone: ZoneInfo, opens: time, hours: float, weekday: int | None
) -> float:
    total = 0.0
    for shift in shifts:
        for lo, hi in _local_windows(
            shift.start, shift.end, zone, opens, int(hours // 24), hours, weekday
        ):
            total += _overlap(shift.start, shift.end, lo, hi)
    return total


def _stretches(shifts: Sequence[Shift]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for shift in sorted(shifts, key=lambda s: s.start):
        if out and shift.start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], shift.end))
        else:
            out.append((shift.start, shift.end))
    return out


def _spread(values: Sequence[float]) -> dict[str, float]:
    mean = fmean(values) if values else 0.0
    return {
        "min": round(min(values, default=0.0), 4),
        "max": round(max(values, default=0.0), 4),
        "range": round(max(values, default=0.0) - min(values, default=0.0), 4),
        "cv": round(pstdev(values) / mean, 4) if mean > 0 and len(values) > 1 else 0.0,
    }


def report_handoffs(schedule: Schedule, start: datetime, end: datetime) -> float:
    """How many turns the layers of ``schedule`` hand off over [start, end): what a report
    costs (it renders every turn), checked against a budget before one is made."""
    total = (end - start).total_seconds()
    return sum(total / layer.rotation_turn_length_seconds for layer in schedule.layers)


def render_cost(schedule: Schedule, start: datetime, end: datetime) -> float:
    """What rendering [start, end) walks: each layer's turns and restriction windows (a daily
    restriction opens once a day, a weekly one once a week); a budget for a report."""
    days = (end - start).total_seconds() / 86400.0
    windows = sum(
        days if r.type == "daily_restriction" else days / 7.0
        for layer in schedule.layers
        for r in layer.restrictions
    )
    return report_handoffs(schedule, start, end) + windows


def schedule_report(
    schedule: Schedule,
    start: datetime,
    end: datetime,
    *,
    zones: Mapping[str, str] | None = None,
    night: tuple[int, int] = (22, 8),
) -> ScheduleReport:
    """The report of ``schedule`` over [start, end) (aware); ``zones``: person -> time zone."""
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    total = (hi - lo).total_seconds()
    handoffs = report_handoffs(schedule, lo, hi)
    if handoffs > MAX_HANDOFFS:
        raise ValueError(
            f"schedule {schedule.name!r} hands off {handoffs:,.0f} times in that period; "
            f"report at most {MAX_HANDOFFS:,} handoffs (a shorter period)"
        )
    shifts = render(schedule, start, end)
    gaps = _gaps([(s.start, s.end) for s in shifts], lo, hi)
    covered = sum((s.end - s.start).total_seconds() for s in shifts)
    rota = list(dict.fromkeys(u for layer in schedule.layers for u in layer.users))
    rota += [s.user for s in shifts if s.user not in rota]
    night_hours = (night[1] - night[0]) % 24 or 24
    people = []
    for person in rota:
        own = [s for s in shifts if s.user == person]
        zone_name = (zones or {}).get(person, "UTC")
        zone = ZoneInfo(zone_name)
        nights = _seconds_in(own, zone, time(night[0]), night_hours, None)
        weekends = _seconds_in(own, zone, time(0), 48, 6)
        longest = max(((e - s).total_seconds() for s, e in _stretches(own)), default=0.0)
        people.append(
            PersonLoad(
                person,
                zone_name,
                sum((s.end - s.start).total_seconds() for s in own) / _HOUR,
                nights / _HOUR,
                weekends / _HOUR,
                longest / _HOUR,
                len(own),
            )
        )
    fairness = {
        key: _spread([getattr(p, key) for p in people])
        for key in ("hours", "night_hours", "weekend_hours", "longest_stretch_hours")
    }
    return ScheduleReport(
        schedule.name,
        lo,
        hi,
        covered / total if total > 0 else 0.0,
        tuple(gaps),
        tuple(people),
        fairness,
    )


def _gaps(
    spans: Sequence[tuple[datetime, datetime]], lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    """The stretches of [lo, hi) that sorted ``spans`` leave uncovered."""
    gaps: list[tuple[datetime, datetime]] = []
    cursor = lo
    for start, end in spans:
        if start > cursor:
            gaps.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < hi:
        gaps.append((cursor, hi))
    return gaps


def coverage_warnings(
    schedule: Schedule, now: datetime, *, horizon: timedelta = GAP_HORIZON
) -> list[str]:
    """A warning when ``schedule`` leaves nobody on call at some time in the next ``horizon``.

    Computed from coverage alone (:func:`playbook.schedules.coverage_spans`), so it costs
    the same whatever the turn length.
    """
    lo = now.astimezone(UTC)
    hi = lo + horizon
    gaps = _gaps(coverage_spans(schedule, lo, hi), lo, hi)
    if not gaps:
        return []
    uncovered = sum((e - s).total_seconds() for s, e in gaps) / (hi - lo).total_seconds()
    return [
        f"schedule '{schedule.name}' has nobody on call {uncovered:.1%} of the next "
        f"{horizon.days // 7} weeks ({len(gaps)} gaps, the first from {gaps[0][0].isoformat()})"
    ]
