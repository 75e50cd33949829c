"""Schedule reports at their edges: joined stretches, partial nights, rounding, empty periods.

Each expected figure is worked out by hand in the comments (UTC schedules, daily turns).
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from playbook.coverage import (
    PersonLoad,
    ScheduleReport,
    coverage_warnings,
    render_cost,
    schedule_report,
)
from playbook.schedules import Schedule

JAN1 = datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def daily(
    users: list[str], *, overrides: list[dict[str, Any]] | None = None, **layer: Any
) -> Schedule:
    return Schedule.model_validate(
        {
            "name": "rota",
            "time_zone": "UTC",
            "layers": [
                {
                    "name": "L",
                    "start": "2026-01-01T00:00:00Z",
                    "rotation_virtual_start": "2026-01-01T00:00:00Z",
                    "rotation_turn_length_seconds": 86400,
                    "users": users,
                    **layer,
                }
            ],
            "overrides": overrides or [],
        }
    )


@pytest.fixture
def new_york_machine() -> Iterator[None]:
    """The process's local zone is New York: nothing may depend on the machine's zone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "America/New_York")
        clock.tzset()
        assert clock.tzname[0] == "EST"
        yield
    clock.tzset()


def test_a_report_is_in_utc_whatever_the_machines_zone(new_york_machine: None) -> None:
    report = schedule_report(daily(["a"]), at(1), at(2))
    assert report.start.utcoffset() == timedelta(0) and report.end.utcoffset() == timedelta(0)
    assert report.as_dict()["from"] == "2026-01-01T00:00:00+00:00"
    assert report.as_dict()["to"] == "2026-01-02T00:00:00+00:00"
    warning = coverage_warnings(daily(["a"], restrictions=[_nine_to_five()]), at(1))[0]
    assert "the first from 2026-01-01T00:00:00+00:00" in warning


def _nine_to_five() -> dict[str, Any]:
    return {"type": "daily_restriction", "start_time_of_day": "09:00:00", "duration_seconds": 8 * 3600}


def test_an_override_next_to_a_shift_makes_one_longer_stretch() -> None:
    # a: Jan 1 (24 h) then the override Jan 2 00-06 (back to back: one 30 h stretch);
    # a again Jan 3, joined by the override Jan 4 00-12: a 36 h stretch, the longest.
    book = daily(
        ["a", "b"],
        overrides=[
            {"start": "2026-01-02T00:00:00Z", "end": "2026-01-02T06:00:00Z", "user": "a"},
            {"start": "2026-01-04T00:00:00Z", "end": "2026-01-04T12:00:00Z", "user": "a"},
        ],
    )
    a, b = schedule_report(book, at(1), at(5)).people
    assert (a.person, a.hours, a.shifts, a.longest_stretch_hours) == ("a", 66.0, 4, 36.0)
    assert (b.person, b.hours, b.longest_stretch_hours) == ("b", 30.0, 18.0)


def test_own_nights_are_on_the_persons_clock_not_the_machines(new_york_machine: None) -> None:
    # b (UTC) holds Jan 1 20:00-24:00 UTC: 22:00-24:00 is b's night, whatever the machine.
    book = daily(["a", "b"], overrides=[
        {"start": "2026-01-01T20:00:00Z", "end": "2026-01-02T00:00:00Z", "user": "b"},
    ])  # fmt: skip
    assert schedule_report(book, at(1), at(2)).people[1].night_hours == 2.0


def test_night_starts_at_its_first_hour_of_the_day() -> None:
    # One shift, Jan 1 20:00 - 24:00: the night (22:00-08:00) holds its last two hours.
    book = daily(["a", "b"], overrides=[
        {"start": "2026-01-01T20:00:00Z", "end": "2026-01-02T00:00:00Z", "user": "b"},
    ])  # fmt: skip
    b = schedule_report(book, at(1), at(2)).people[1]
    assert (b.person, b.hours, b.night_hours) == ("b", 4.0, 2.0)


def test_a_night_from_an_hour_to_itself_is_the_whole_day() -> None:
    # night (0, 0): 24 hours a day, so every hour on call is a night hour, counted once.
    report = schedule_report(daily(["a"]), at(1), at(4), night=(0, 0))
    assert report.people[0].night_hours == 72.0


def test_the_weekend_is_saturday_and_sunday_from_midnight() -> None:
    # Jan 3 2026 is a Saturday. b holds one hour either side of the weekend's start and
    # one hour on Monday: only Saturday 00:00-01:00 is weekend.
    book = daily(["a"], overrides=[
        {"start": "2026-01-02T23:00:00Z", "end": "2026-01-03T01:00:00Z", "user": "b"},
        {"start": "2026-01-05T03:00:00Z", "end": "2026-01-05T05:00:00Z", "user": "b"},
    ])  # fmt: skip
    b = next(p for p in schedule_report(book, at(2), at(6)).people if p.person == "b")
    assert (b.hours, b.weekend_hours) == (4.0, 1.0)


def test_a_night_window_opening_on_the_last_day_counts() -> None:
    # The report ends Jan 2 23:00; the night that opens Jan 2 22:00 holds its first hour.
    report = schedule_report(daily(["a"]), at(2, 12), at(2, 23))
    assert report.people[0].night_hours == 1.0


def test_someone_without_a_shift_in_the_period_has_no_load() -> None:
    # Daily turns a, b, c over one day: only a is on call; b and c are listed with zeros.
    report = schedule_report(daily(["a", "b", "c"]), at(1), at(2))
    assert [(p.person, p.hours, p.shifts, p.longest_stretch_hours) for p in report.people] == [
        ("a", 24.0, 1, 24.0), ("b", 0.0, 0, 0.0), ("c", 0.0, 0, 0.0),
    ]  # fmt: skip
    assert [p.time_zone for p in report.people] == ["UTC"] * 3


def test_fairness_rounds_each_figure_to_four_places() -> None:
    # Jan 1 00:00 to Jan 7 00:20, daily a, b, c: a holds Jan 1, 4 and 20 minutes of Jan 7
    # (145/3 h), b and c 48 h. Mean 433/9; deviations 2/9, -1/9, -1/9; population sd
    # sqrt(2)/9; cv = sqrt(2)/433 = 0.003266...
    report = schedule_report(daily(["a", "b", "c"]), at(1), at(7, 0, 20))
    assert report.fairness["hours"] == {
        "min": 48.0, "max": 48.3333, "range": 0.3333, "cv": round(math.sqrt(2) / 433, 4),
    }  # fmt: skip
    assert report.fairness["hours"]["cv"] == 0.0033
    # Jan 1 00:00 to Jan 6 23:40: a and b hold 48 h, c Jan 3 and 23 h 40 of Jan 6.
    short = schedule_report(daily(["a", "b", "c"]), at(1), at(6, 23, 40))
    assert (short.fairness["hours"]["min"], short.fairness["hours"]["range"]) == (47.6667, 0.3333)


def test_fairness_of_two_people_has_a_spread_and_of_nothing_none() -> None:
    # Two days, a then b: 24 h each, no spread.
    report = schedule_report(daily(["a", "b"]), at(1), at(3))
    assert report.fairness["hours"]["cv"] == 0.0
    # Weekends: Jan 1-2 2026 are Thursday and Friday: nobody has weekend hours; the
    # coefficient of variation of all-zero loads is 0, not undefined.
    assert report.fairness["weekend_hours"] == {"min": 0.0, "max": 0.0, "range": 0.0, "cv": 0.0}
    # Unequal: three days a, b, a: hours 48 and 24; mean 36, sd 12, cv 1/3.
    uneven = schedule_report(daily(["a", "b"]), at(1), at(4))
    assert uneven.fairness["hours"] == {"min": 24.0, "max": 48.0, "range": 24.0, "cv": 0.3333}


def test_fairness_below_an_hour_on_average_still_has_a_spread() -> None:
    # 20-minute turns a, b, a in one hour: a 40 minutes, b 20; mean 0.5 h, population sd
    # 1/6 h, cv 1/3.
    book = Schedule.model_validate(
        {
            "name": "short",
            "time_zone": "UTC",
            "layers": [
                {
                    "name": "L",
                    "start": "2026-01-01T00:00:00Z",
                    "rotation_virtual_start": "2026-01-01T00:00:00Z",
                    "rotation_turn_length_seconds": 1200,
                    "users": ["a", "b"],
                }
            ],
        }
    )
    report = schedule_report(book, at(1), at(1, 1))
    assert [round(p.hours, 4) for p in report.people] == [0.6667, 0.3333]
    assert report.fairness["hours"]["cv"] == 0.3333


def test_an_empty_period_is_uncovered_and_a_fully_covered_half_second_is_covered() -> None:
    assert schedule_report(daily(["a"]), at(1), at(1)).covered_share == 0.0
    half = schedule_report(daily(["a"]), at(1), at(1) + timedelta(milliseconds=500))
    assert half.covered_share == 1.0


def test_a_report_names_its_schedule_and_period() -> None:
    report = schedule_report(daily(["a"]), at(1), at(3))
    assert (report.schedule, report.start, report.end) == ("rota", at(1), at(3))


def test_a_weekly_restriction_costs_a_window_a_week_a_daily_one_a_day() -> None:
    # 14 days of daily turns: 14 hand-offs; a weekly window adds 14 / 7 = 2, a daily one 14.
    weekly = {"type": "weekly_restriction", "start_time_of_day": "09:00:00",
              "start_day_of_week": 1, "duration_seconds": 3600}  # fmt: skip
    assert render_cost(daily(["a", "b"], restrictions=[weekly]), at(1), at(15)) == 16.0
    assert render_cost(daily(["a", "b"], restrictions=[_nine_to_five()]), at(1), at(15)) == 28.0


def test_a_report_as_json_rounds_hours_and_lists_gaps_and_people() -> None:
    report = ScheduleReport(
        "rota",
        at(1),
        at(2),
        2 / 3,
        ((at(1, 8), at(1, 16, 20)),),
        (PersonLoad("a", "Europe/Paris", 16 / 3, 1 / 3, 2 / 3, 16 / 3, 2),),
        {"hours": {"min": 1.0}},
    )
    assert report.as_dict() == {
        "schedule": "rota",
        "from": "2026-01-01T00:00:00+00:00",
        "to": "2026-01-02T00:00:00+00:00",
        "coverage": {
            "covered_share": 0.666667,
            "uncovered_share": 0.333333,
            "gaps": [
                {
                    "start": "2026-01-01T08:00:00+00:00",
                    "end": "2026-01-01T16:20:00+00:00",
                    "hours": 8.3333,
                }
            ],
        },
        "people": [
            {
                "person": "a",
                "time_zone": "Europe/Paris",
                "hours": 5.3333,
                "night_hours": 0.3333,
                "weekend_hours": 0.6667,
                "longest_stretch_hours": 5.3333,
                "shifts": 2,
            }
        ],
        "fairness": {"hours": {"min": 1.0}},
    }
    assert report.uncovered_share == pytest.approx(1 / 3)
