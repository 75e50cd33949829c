"""The edges of the process metrics: the day an action item is done or due, ties among
overdue items, empty, full-day and refused windows, custom business and sleep hours, zero
pages, a period under a day and a severity order of one's own."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from playbook.errors import InvalidDefinition
from playbook.events import ActionItem, AlertFired, IncidentDeclared
from playbook.metrics import (
    action_item_stats,
    bucket_of,
    interruption_starts,
    off_hours_pages,
    pages_per_shift,
    summarize,
)

TODAY = date(2026, 3, 10)


def item(action: str, due: date, completed_on: date | None = None) -> ActionItem:
    return ActionItem(action=action, owner="bob", due=due, priority="P2", completed_on=completed_on)


def test_an_item_completed_today_is_completed_and_on_time_on_its_due_day() -> None:
    stats = action_item_stats([item("add alert", TODAY, completed_on=TODAY)], today=TODAY)
    assert (stats.completed, stats.completion_rate, stats.on_time_rate) == (1, 1.0, 1.0)
    assert stats.overdue == ()


def test_overdue_items_come_earliest_due_first_then_by_action() -> None:
    late = item("write runbook", date(2026, 3, 5))
    zulu = item("zap the cache", date(2026, 3, 1))
    alpha = item("add a pool alert", date(2026, 3, 1))
    stats = action_item_stats([late, zulu, alpha], today=TODAY)
    assert stats.overdue == (alpha, zulu, late)
    assert (stats.completed, stats.on_time_rate) == (0, 0.0)  # three settled, none on time


def test_a_window_that_starts_where_it_ends_is_empty() -> None:
    # Monday 03:00: no sleep window at all, and outside business hours.
    assert bucket_of(datetime(2026, 3, 9, 3), sleep=(0, 0)) == "off_hours"
    assert bucket_of(datetime(2026, 3, 9, 10), sleep=(0, 0), business=(9, 9)) == "off_hours"


def test_off_hours_pages_use_the_business_day_they_are_given() -> None:
    # Monday 08:30 in Berlin (07:30 UTC): business by default, before a 09-17 business day.
    page = datetime(2026, 3, 9, 8, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert off_hours_pages([page], "Europe/Berlin") == {"business": 1, "off_hours": 0, "sleep": 0}
    assert off_hours_pages([page], "Europe/Berlin", business=(9, 17)) == {
        "business": 0, "off_hours": 1, "sleep": 0,
    }  # fmt: skip


def test_no_pages_over_some_shifts_is_zero_per_shift() -> None:
    assert pages_per_shift(0, 4) == 0.0


MONDAY = datetime(2026, 3, 9)


def test_a_window_may_run_to_hour_24() -> None:
    assert bucket_of(MONDAY.replace(hour=23), sleep=(22, 24)) == "sleep"
    assert bucket_of(MONDAY.replace(hour=17), business=(8, 24)) == "business"


@pytest.mark.parametrize(
    ("sleep", "business", "message"),
    [
        ((True, 8), (8, 18), "sleep hours must be whole hours from 0 to 24, got (True, 8)"),
        ((22, 8), (8, 25), "business hours must be whole hours from 0 to 24, got (8, 25)"),
        ((22, 8), (-1, 18), "business hours must be whole hours from 0 to 24, got (-1, 18)"),
    ],
)
def test_bucket_hours_off_the_clock_are_refused_naming_the_window(
    sleep: tuple[int, int], business: tuple[int, int], message: str
) -> None:
    with pytest.raises(InvalidDefinition) as caught:
        bucket_of(MONDAY, sleep=sleep, business=business)
    assert str(caught.value) == message


def test_off_hours_pages_use_the_sleep_hours_they_are_given() -> None:
    # Monday 23:00 UTC: asleep by default (22-08), only off hours when sleep is 00-06.
    page = datetime(2026, 3, 9, 23, tzinfo=ZoneInfo("UTC"))
    assert off_hours_pages([page], "UTC")["sleep"] == 1
    assert off_hours_pages([page], "UTC", sleep=(0, 6)) == {"business": 0, "off_hours": 1, "sleep": 0}


def test_a_period_shorter_than_a_day_gives_weekly_rates() -> None:
    one = [AlertFired(at=0, incident_id="a", alert_id="x")]
    assert summarize([one], period_days=0.5).per_week == 14.0  # one incident in half a day


def test_the_summary_reads_severities_in_the_order_it_is_given() -> None:
    order = ("critical", "major", "minor")
    timeline = [
        AlertFired(at=0, incident_id="a", alert_id="x"),
        IncidentDeclared(at=3, incident_id="a", severity="major", title="t"),
    ]
    summary = summarize([timeline], severity_order=order, postmortem_required=("critical",))
    assert list(summary.by_severity) == list(order)
    assert summary.by_severity["major"].count == 1
    assert summary.unclassified == 0


def test_interruptions_cluster_within_a_minute_by_default() -> None:
    # PagerDuty's on-call reports: notifications within 60 s are one interruption.
    assert interruption_starts([0.0, 0.9, 1.5]) == [0.0, 1.5]


def test_interruptions_refuse_a_time_that_is_not_a_number() -> None:
    with pytest.raises(InvalidDefinition, match=r"^notification times must be finite numbers of minutes$"):
        interruption_starts([0.0, math.nan])
