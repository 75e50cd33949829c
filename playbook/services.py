"""Services: what an alert is about, which escalation policy it pages and at what urgency.

Field names are PagerDuty's (``incident_urgency_rule``, ``support_hours``) so an imported
service reads like the API object it came from. A service's urgency is a pure function of
the service and an instant:

* ``constant``: always ``urgency`` (``high`` or ``low``); ``severity_based`` defers to
  the severity's own urgency (returned as ``None``).
* ``use_support_hours``: ``during_support_hours.urgency`` inside the support hours,
  ``outside_support_hours.urgency`` outside. Support hours are ``start_time`` to
  ``end_time`` on ``days_of_week`` (ISO: 1=Monday .. 7=Sunday, PagerDuty's numbering), on
  the wall clock of their own ``time_zone``.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator

from playbook._frozen import FROZEN

__all__ = ["ConstantUrgency", "Service", "SupportHours", "UrgencyRule", "urgency_at"]

_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d):([0-5]\d)")
Urgency = Literal["high", "low", "severity_based"]


def _clock(value: str) -> time:
    match = _CLOCK.fullmatch(value)
    if match is None:
        raise ValueError(f"a time of day is HH:MM:SS; got {value!r}")
    hour, minute, second = (int(part) for part in match.groups())
    return time(hour, minute, second)


class ConstantUrgency(BaseModel):
    """One urgency, PagerDuty's ``{type: constant, urgency: high}``."""

    model_config = FROZEN

    type: Literal["constant"] = "constant"
    urgency: Urgency = "high"


class SupportHours(BaseModel):
    """PagerDuty's ``fixed_time_per_day`` support hours."""

    model_config = FROZEN

    type: Literal["fixed_time_per_day"] = "fixed_time_per_day"
    time_zone: str = "UTC"
    start_time: str = "09:00:00"
    end_time: str = "17:00:00"
    days_of_week: tuple[int, ...] = (1, 2, 3, 4, 5)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("start_time", "end_time")
    @classmethod
    def _time(cls, value: str) -> str:
        _clock(value)
        return value

    @field_validator("days_of_week")
    @classmethod
    def _days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or not all(1 <= d <= 7 for d in value):
            raise ValueError("days_of_week are ISO weekdays, 1 (Monday) to 7 (Sunday)")
        return value

    @model_validator(mode="after")
    def _order(self) -> Self:
        if _clock(self.end_time) <= _clock(self.start_time):
            raise ValueError("end_time must be after start_time (support hours are within a day)")
        return self

    def contains(self, at: datetime) -> bool:
        """Whether the aware instant ``at`` falls inside the support hours."""
        local = at.astimezone(ZoneInfo(self.time_zone))
        clock = local.time().replace(tzinfo=None)
        return local.isoweekday() in self.days_of_week and _clock(
            self.start_time
        ) <= clock < _clock(self.end_time)


class UrgencyRule(BaseModel):
    """PagerDuty's ``incident_urgency_rule``."""

    model_config = FROZEN

    type: Literal["constant", "use_support_hours"] = "constant"
    urgency: Urgency | None = None
    during_support_hours: ConstantUrgency | None = None
    outside_support_hours: ConstantUrgency | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.type == "use_support_hours" and (
            self.during_support_hours is None or self.outside_support_hours is None
        ):
            raise ValueError(
                "use_support_hours needs during_support_hours and outside_support_hours"
            )
        return self


class Service(BaseModel):
    """A service: the escalation policy it pages and its urgency rule."""

    model_config = FROZEN

    name: str = Field(min_length=1)
    description: str = ""
    pagerduty_id: str | None = None
    escalation_policy: str = Field(min_length=1)
    incident_urgency_rule: UrgencyRule = Field(default_factory=lambda: UrgencyRule(urgency="high"))
    support_hours: SupportHours | None = None

    @model_validator(mode="after")
    def _hours(self) -> Self:
        if self.incident_urgency_rule.type == "use_support_hours" and self.support_hours is None:
            raise ValueError("an urgency rule that uses support hours needs support_hours")
        return self


def urgency_at(service: Service, at: datetime) -> Literal["high", "low"] | None:
    """The urgency of an incident on ``service`` opened at ``at``; None: the severity's."""
    rule = service.incident_urgency_rule
    if rule.type == "use_support_hours":
        assert rule.during_support_hours is not None and rule.outside_support_hours is not None
        assert service.support_hours is not None
        inside = service.support_hours.contains(at)
        chosen = (rule.during_support_hours if inside else rule.outside_support_hours).urgency
    else:
        chosen = rule.urgency or "high"
    return None if chosen == "severity_based" else chosen
