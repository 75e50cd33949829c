"""The schedule report of a study's playbook, for the study page.

The figures are :func:`playbook.coverage.schedule_report`'s, the function ``drillbit
schedule report`` prints, for every schedule of the study's own playbook (variants are not
applied) over one of two windows:

* ``horizon``: the period the study measures, from ``start + warmup_days`` for
  ``horizon_days``;
* ``next-4-weeks``: the four weeks from now (the span ``drillbit playbook check`` warns
  about gaps in).

A report renders every turn and restriction window of a schedule (about a tenth of a
millisecond each), so a page is budgeted: the schedules are reported in order while their
:func:`playbook.coverage.render_cost` fits in :data:`PAGE_BUDGET` together; any past that is
named with the command that reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from playbook.coverage import GAP_HORIZON, ScheduleReport, render_cost, schedule_report
from simulator.study import Study

__all__ = ["PAGE_BUDGET", "SHOWN_GAPS", "ScheduleView", "StudySchedules", "Window", "study_schedules"]

Window = Literal["horizon", "next-4-weeks"]
PAGE_BUDGET = 4_000  # turns and restriction windows: about half a second on one core
SHOWN_GAPS = 10


@dataclass(frozen=True)
class ScheduleView:
    """One schedule's report (or why there is none), with its gaps on its own clock."""

    name: str
    time_zone: str
    report: ScheduleReport | None
    gaps: tuple[tuple[str, str, float], ...] = ()  # start, end (ISO, schedule zone), hours
    more_gaps: int = 0
    note: str = ""


@dataclass(frozen=True)
class StudySchedules:
    """The schedules of a study's playbook over one window."""

    window: Window
    start: datetime
    end: datetime
    schedules: tuple[ScheduleView, ...]


def _window(study: Study, window: Window, now: datetime) -> tuple[datetime, datetime]:
    if window == "next-4-weeks":
        return now, now + GAP_HORIZON
    start = study.start + timedelta(days=study.warmup_days)
    return start, start + timedelta(days=study.horizon_days)


def study_schedules(study: Study, window: Window, *, now: datetime) -> StudySchedules:
    """Every schedule of ``study``'s playbook reported over ``window`` (``now``: aware)."""
    lo, hi = _window(study, window, now)
    book = study.book
    zones = {p.name: p.time_zone for p in book.people}
    budget = float(PAGE_BUDGET)
    views = []
    for schedule in book.schedules:
        cost = render_cost(schedule, lo, hi)
        if cost > budget:
            note = (
                f"not reported here: {cost:,.0f} turns and restriction windows to render, "
                f"past this page's {PAGE_BUDGET:,}; run drillbit schedule report --schedule {schedule.name} "
                f"--from {lo.isoformat()} --to {hi.isoformat()}"
            )
            views.append(ScheduleView(schedule.name, schedule.time_zone, None, note=note))
            continue
        budget -= cost
        report = schedule_report(schedule, lo, hi, zones=zones)
        zone = ZoneInfo(schedule.time_zone)
        gaps = tuple(
            (
                s.astimezone(zone).isoformat(),
                e.astimezone(zone).isoformat(),
                (e - s).total_seconds() / 3600.0,
            )
            for s, e in report.gaps[:SHOWN_GAPS]
        )
        more = max(0, len(report.gaps) - SHOWN_GAPS)
        views.append(ScheduleView(schedule.name, schedule.time_zone, report, gaps, more))
    return StudySchedules(window, lo, hi, tuple(views))
