"""Service urgency with PagerDuty's rules: constant, or by support hours in their own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from playbook.services import Service, SupportHours, urgency_at

# 2026-01-06 is a Tuesday; New York is UTC-5 in January.
TUESDAY = datetime(2026, 1, 6, tzinfo=UTC)


def by_hours(**hours: Any) -> Service:
    return Service.model_validate(
        {
            "name": "checkout",
            "escalation_policy": "checkout",
            "incident_urgency_rule": {
                "type": "use_support_hours",
                "during_support_hours": {"type": "constant", "urgency": "high"},
                "outside_support_hours": {"type": "constant", "urgency": "low"},
            },
            "support_hours": {"time_zone": "America/New_York", **hours},
        }
    )


@pytest.mark.parametrize(
    ("utc_hour", "minute", "second", "urgency"),
    [
        (14, 0, 0, "high"),  # 09:00:00 New York: the first second of support hours
        (13, 59, 59, "low"),  # 08:59:59
        (21, 59, 59, "high"),  # 16:59:59
        (22, 0, 0, "low"),  # 17:00:00: the end is not inside
    ],
)
def test_support_hours_are_read_on_their_own_clock_start_inclusive(
    utc_hour: int, minute: int, second: int, urgency: str
) -> None:
    at = TUESDAY.replace(hour=utc_hour, minute=minute, second=second)
    assert urgency_at(by_hours(), at) == urgency


def test_support_hours_hold_only_on_their_days() -> None:
    saturday_ten = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)  # 10:00 New York
    assert urgency_at(by_hours(), saturday_ten) == "low"
    assert urgency_at(by_hours(days_of_week=[6, 7]), saturday_ten) == "high"
    assert SupportHours(days_of_week=(7,)).contains(datetime(2026, 1, 11, 12, tzinfo=UTC))


def test_custom_support_hours_use_their_start_and_end() -> None:
    service = by_hours(start_time="06:30:00", end_time="07:15:30")
    assert urgency_at(service, TUESDAY.replace(hour=11, minute=30)) == "high"  # 06:30 NY
    assert urgency_at(service, TUESDAY.replace(hour=12, minute=15, second=29)) == "high"
    assert urgency_at(service, TUESDAY.replace(hour=12, minute=15, second=30)) == "low"


@pytest.mark.parametrize(
    ("rule", "urgency"),
    [
        ({"type": "constant", "urgency": "high"}, "high"),
        ({"type": "constant", "urgency": "low"}, "low"),
        ({"type": "constant"}, "high"),  # no urgency given: PagerDuty's default, high
        ({"type": "constant", "urgency": "severity_based"}, None),  # the severity decides
    ],
)
def test_a_constant_rule_gives_its_urgency(rule: dict[str, Any], urgency: str | None) -> None:
    service = Service.model_validate(
        {"name": "s", "escalation_policy": "p", "incident_urgency_rule": rule}
    )
    assert urgency_at(service, TUESDAY) == urgency


def test_a_service_without_a_rule_is_high_urgency() -> None:
    assert urgency_at(Service(name="s", escalation_policy="p"), TUESDAY) == "high"


def test_severity_based_support_hours_defer_to_the_severity() -> None:
    service = Service.model_validate(
        {
            "name": "s",
            "escalation_policy": "p",
            "incident_urgency_rule": {
                "type": "use_support_hours",
                "during_support_hours": {"urgency": "severity_based"},
                "outside_support_hours": {"urgency": "low"},
            },
            "support_hours": {},
        }
    )
    assert urgency_at(service, TUESDAY.replace(hour=10)) is None  # 10:00 UTC, a weekday


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"start_time": "9:00:00"}, "a time of day is HH:MM:SS; got '9:00:00'"),
        ({"end_time": "24:00:00"}, "a time of day is HH:MM:SS; got '24:00:00'"),
        ({"start_time": "09:60:00"}, "HH:MM:SS"),
        ({"start_time": "09:00:60"}, "HH:MM:SS"),
        ({"start_time": "17:00:00", "end_time": "17:00:00"}, "end_time must be after start_time"),
        ({"start_time": "18:00:00", "end_time": "17:00:00"}, "end_time must be after start_time"),
        ({"days_of_week": []}, "days_of_week are ISO weekdays, 1 (Monday) to 7 (Sunday)"),
        ({"days_of_week": [0, 1]}, "ISO weekdays"),
        ({"days_of_week": [7, 8]}, "ISO weekdays"),
        ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_malformed_support_hours_are_refused(hours: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SupportHours.model_validate(hours)


def test_the_edges_of_a_valid_day_are_accepted() -> None:
    hours = SupportHours(start_time="00:00:00", end_time="23:59:59", days_of_week=(1, 7))
    assert hours.contains(datetime(2026, 1, 5, 0, 0, tzinfo=UTC))  # Monday 00:00 UTC


def test_support_hour_rules_need_both_urgencies_and_the_hours() -> None:
    with pytest.raises(ValidationError, match="needs during_support_hours and outside_support_hours"):
        Service.model_validate(
            {"name": "s", "escalation_policy": "p",
             "incident_urgency_rule": {"type": "use_support_hours",
                                       "during_support_hours": {"urgency": "high"}}}
        )  # fmt: skip
    with pytest.raises(ValidationError, match="uses support hours needs support_hours"):
        Service.model_validate(
            {"name": "s", "escalation_policy": "p",
             "incident_urgency_rule": {"type": "use_support_hours",
                                       "during_support_hours": {"urgency": "high"},
                                       "outside_support_hours": {"urgency": "low"}}}
        )  # fmt: skip
