"""Time intervals follow Alertmanager's documented fields (times, weekdays, days, months, years)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from integrations.alertmanager import in_interval, is_muted, load_config
from integrations.alertmanager.config import TimeInterval
from playbook.errors import InvalidDefinition

CONFIG = """
route:
  receiver: a
  routes:
    - receiver: a
      active_time_intervals: [office]
      mute_time_intervals: [month-end]
receivers: [{name: a}]
time_intervals:
  - name: office
    time_intervals:
      - times: [{start_time: "09:00", end_time: "17:30"}]
        weekdays: ['monday:friday']
        location: Europe/Berlin
  - name: month-end
    time_intervals:
      - days_of_month: ['-2:-1']
        months: ['january:march', '12']
        years: ['2026']
"""


@pytest.fixture
def intervals() -> dict[str, TimeInterval]:
    return dict(load_config(Path("am.yml"), text=CONFIG).intervals())


BERLIN = ZoneInfo("Europe/Berlin")


def test_office_hours_are_read_on_their_own_clock_with_an_exclusive_end(
    intervals: dict[str, TimeInterval],
) -> None:
    office = intervals["office"]
    assert in_interval(office, datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN))  # Monday
    assert in_interval(office, datetime(2026, 3, 2, 17, 29, tzinfo=BERLIN))
    assert not in_interval(office, datetime(2026, 3, 2, 17, 30, tzinfo=BERLIN))
    assert not in_interval(office, datetime(2026, 3, 7, 12, 0, tzinfo=BERLIN))  # Saturday
    # 08:30 UTC on a winter Monday is 09:30 in Berlin
    assert in_interval(office, datetime(2026, 3, 2, 8, 30, tzinfo=UTC))


def test_negative_days_count_from_the_end_of_each_month(intervals: dict[str, TimeInterval]) -> None:
    month_end = intervals["month-end"]
    assert in_interval(month_end, datetime(2026, 2, 27, tzinfo=UTC))  # February has 28 days
    assert not in_interval(month_end, datetime(2026, 2, 26, tzinfo=UTC))
    assert in_interval(month_end, datetime(2026, 12, 31, tzinfo=UTC))
    assert not in_interval(month_end, datetime(2026, 4, 30, tzinfo=UTC))  # April is not listed
    assert not in_interval(month_end, datetime(2027, 1, 31, tzinfo=UTC))  # nor is 2027


def test_a_route_is_silent_outside_its_active_intervals_and_inside_its_mute_ones(
    intervals: dict[str, TimeInterval],
) -> None:
    def muted(at: datetime) -> bool:
        return is_muted(intervals, ["month-end"], ["office"], at)

    assert not muted(datetime(2026, 3, 2, 10, tzinfo=BERLIN))
    assert muted(datetime(2026, 3, 2, 20, tzinfo=BERLIN))  # not active
    assert muted(datetime(2026, 3, 30, 10, tzinfo=BERLIN))  # Monday, but month end


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weekdays", "['funday']", "bad weekday"),
        ("days_of_month", "['0']", "1..31"),
        ("months", "['5:2']", "ends before it starts"),
        ("location", "Mars/Olympus", "unknown location"),
    ],
)
def test_bad_interval_fields_are_refused(field: str, value: str, message: str) -> None:
    text = f"route: {{receiver: a}}\nreceivers: [{{name: a}}]\ntime_intervals:\n  - name: x\n    time_intervals:\n      - {field}: {value}\n"
    with pytest.raises(InvalidDefinition, match=message):
        load_config(Path("am.yml"), text=text)
