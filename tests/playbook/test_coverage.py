"""Schedule reports count hours, own nights and weekends by hand-checkable rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from playbook.coverage import coverage_warnings, render_cost, report_handoffs, schedule_report
from playbook.model import Playbook
from playbook.schedules import Schedule

NY = ZoneInfo("America/New_York")


def test_weekly_rotation_hours_nights_and_weekends_in_january(book: Playbook) -> None:
    report = schedule_report(
        book.schedule("checkout-primary"),
        datetime(2025, 1, 1, tzinfo=NY),
        datetime(2025, 2, 1, tzinfo=NY),
        zones={p.name: p.time_zone for p in book.people},
    )
    alice = report.people[0]
    # Alice: Wed Jan 1 - Wed Jan 8 (168 h) and Wed Jan 29 - Sat Feb 1 (72 h).
    assert (alice.person, alice.hours, alice.shifts) == ("alice", 240, 2)
    # Nights 22:00-08:00 New York: 8 + 6x10 + 2 in the first week, 8 + 2x10 + 2 at the end.
    assert alice.night_hours == 100
    assert alice.weekend_hours == 48  # Sat Jan 4 and Sun Jan 5
    assert alice.longest_stretch_hours == 168
    assert report.covered_share == 1 and report.gaps == ()
    # mean 186; population sd sqrt((54^2 + 3 * 18^2) / 4) = 31.18; cv = 31.18 / 186
    assert report.fairness["hours"] == {"min": 168, "max": 240, "range": 72, "cv": 0.1676}


def test_own_night_is_read_in_each_persons_zone(book: Playbook) -> None:
    sched = book.schedule("checkout-primary")
    start, end = datetime(2025, 1, 1, tzinfo=NY), datetime(2025, 1, 8, tzinfo=NY)
    tokyo = schedule_report(sched, start, end, zones={"alice": "Asia/Tokyo"}).people[0]
    # 2025-01-01 00:00 New York is 14:00 Tokyo: nights in Tokyo from Jan 1 22:00 to
    # Jan 8 08:00 Tokyo; the week ends at Jan 8 14:00 Tokyo, so 7 whole nights.
    assert tokyo.night_hours == 70


def gappy() -> Schedule:
    return Schedule.model_validate(
        {
            "name": "days",
            "time_zone": "UTC",
            "layers": [
                {
                    "name": "L",
                    "start": "2026-01-01T00:00:00Z",
                    "rotation_virtual_start": "2026-01-01T00:00:00Z",
                    "rotation_turn_length_seconds": 86400,
                    "users": ["a", "b"],
                    "restrictions": [
                        {
                            "type": "daily_restriction",
                            "start_time_of_day": "09:00:00",
                            "duration_seconds": 28800,
                        }
                    ],
                }
            ],
        }
    )


def test_a_schedule_covering_8_hours_a_day_has_two_thirds_uncovered_and_daily_gaps() -> None:
    report = schedule_report(
        gappy(), datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 7, tzinfo=UTC)
    )
    assert round(report.uncovered_share, 6) == round(2 / 3, 6)
    assert [(s.hour, e.hour) for s, e in report.gaps] == [(0, 9), (17, 9), (17, 0)]


def test_gap_warning_names_the_share_and_the_first_gap() -> None:
    (warning,) = coverage_warnings(gappy(), datetime(2026, 1, 5, 12, tzinfo=UTC))
    assert "nobody on call 66.7% of the next 4 weeks" in warning
    assert "first from 2026-01-05T17:00:00+00:00" in warning
    assert (
        coverage_warnings(gappy(), datetime(2026, 1, 5, tzinfo=UTC), horizon=timedelta(hours=1))
        != []
    )


def one_second_turns() -> Schedule:
    data = gappy().model_dump()
    data["layers"][0]["rotation_turn_length_seconds"] = 1
    return Schedule.model_validate(data)


def test_gap_warnings_do_not_depend_on_the_turn_length() -> None:
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    assert coverage_warnings(one_second_turns(), now) == coverage_warnings(gappy(), now)


def test_a_report_that_would_render_too_many_handoffs_is_refused() -> None:
    with pytest.raises(ValueError, match="hands off 2,419,200 times"):
        schedule_report(
            one_second_turns(), datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC)
        )


def test_a_reports_cost_is_its_turns_and_its_restriction_windows() -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    fortnight = start + timedelta(days=14)
    assert report_handoffs(gappy(), start, fortnight) == 14
    assert report_handoffs(one_second_turns(), start, start + timedelta(hours=1)) == 3600
    # 14 daily turns and one daily restriction window a day.
    assert render_cost(gappy(), start, fortnight) == 28
