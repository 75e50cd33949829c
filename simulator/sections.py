"""The sections of a study file: alert sources, grouping, paging, responders, dispatch, work, metrics.

Each section is a frozen pydantic model with ``extra="forbid"``; defaults are the values a
study gets when it leaves a field out. :mod:`simulator.study` assembles them into a
:class:`~simulator.study.Study` and checks their references against the playbook.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from playbook.escalation import Target
from playbook.roles import Role
from simulator.distributions import Dist, Exponential, Fixed, Lognormal

__all__ = [
    "AckSpec",
    "AlertsSpec",
    "BurnoutSpec",
    "ContextSpec",
    "DispatchSpec",
    "FatigueSpec",
    "FlapSpec",
    "GroupingSpec",
    "MetricsSpec",
    "MissSpec",
    "PagingSpec",
    "PoolSpec",
    "Profile",
    "RespondersSpec",
    "ServiceSpec",
    "SeverityWork",
    "Staffing",
    "StormSpec",
    "WorkSpec",
    "check_group_by",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _mean_one(values: tuple[float, ...], what: str) -> tuple[float, ...]:
    if any(v < 0 for v in values) or sum(values) <= 0:
        raise ValueError(f"{what} needs non-negative weights with a positive sum")
    return values


# --- alert sources -------------------------------------------------------------------------


class ContextSpec(BaseModel):
    """How an actionable alert's context is drawn for one service (fed to the classifier)."""

    model_config = _FROZEN

    error_rate: Dist = Lognormal(median=2.0, p90=15.0)
    latency_p99_ms: Dist = Lognormal(median=400.0, p90=2500.0)
    affected_users_pct: Dist = Lognormal(median=1.0, p90=15.0)
    dependents: Dist = Fixed(value=0)
    data_loss: float = Field(default=0.0, ge=0, le=1, description="probability")
    security: float = Field(default=0.0, ge=0, le=1)
    revenue: float = Field(default=0.0, ge=0, le=1)


class StormSpec(BaseModel):
    """Bursts of related alerts: ``per_week`` storms, each ``size`` alerts over ``spread``."""

    model_config = _FROZEN

    per_week: float = Field(default=0.0, ge=0)
    size: Dist = Lognormal(median=8, p90=25)
    spread_minutes: Dist = Exponential(mean=10)


class FlapSpec(BaseModel):
    """A flapping alert fires again ``refires`` times, ``interval`` apart, briefly each time."""

    model_config = _FROZEN

    probability: float = Field(default=0.0, ge=0, le=1)
    refires: Dist = Lognormal(median=3, p90=8)
    interval_minutes: Dist = Exponential(mean=12)
    duration_minutes: Dist = Lognormal(median=2, p90=6)


class ServiceSpec(BaseModel):
    """One alerting service; unset fields take the study-wide ``alerts`` value."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    actionable_per_day: float = Field(ge=0, description="mean actionable alerts a day")
    noise_fraction: float | None = Field(default=None, ge=0, lt=1)
    context: ContextSpec = ContextSpec()
    storms: StormSpec | None = None
    flapping: FlapSpec | None = None
    duration_minutes: Dist | None = None
    hour_profile: tuple[float, ...] | None = Field(default=None, min_length=24, max_length=24)
    weekday_profile: tuple[float, ...] | None = Field(default=None, min_length=7, max_length=7)
    labels: dict[str, str] = Field(
        default_factory=dict, description="alert labels an alertmanager_config routes by"
    )

    @field_validator("hour_profile", "weekday_profile")
    @classmethod
    def _profile(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        return None if value is None else _mean_one(value, "a profile")


class AlertsSpec(BaseModel):
    """Alert sources: Poisson arrivals shaped by hour-of-day and day-of-week profiles.

    Noise alerts come on top of the actionable ones: a noise fraction ``f`` adds noise at
    ``actionable_per_day * f / (1 - f)`` a day, so ``f`` of all alerts are noise and the
    actionable stream is the same whatever ``f`` a variant picks.
    """

    model_config = _FROZEN

    time_zone: str = "UTC"
    hour_profile: tuple[float, ...] = Field(default=(1.0,) * 24, min_length=24, max_length=24)
    weekday_profile: tuple[float, ...] = Field(default=(1.0,) * 7, min_length=7, max_length=7)
    noise_fraction: float = Field(default=0.0, ge=0, lt=1)
    noise_severity: str | None = Field(
        default=None,
        description="severity noise alerts page at; default the least severe that pages",
    )
    alertnames: int = Field(default=6, ge=1, description="distinct alert rules, shared by services")
    duration_minutes: Dist = Lognormal(median=20, p90=120)
    noise_duration_minutes: Dist = Lognormal(median=4, p90=30)
    storms: StormSpec = StormSpec()
    flapping: FlapSpec = FlapSpec()
    services: tuple[ServiceSpec, ...] = Field(min_length=1)
    history: str | None = Field(
        default=None,
        description="an alert history (file relative to the study) replayed instead of "
        "generated alerts; see simulator/history_source.py",
    )

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return _zone(value)

    @field_validator("hour_profile")
    @classmethod
    def _hours(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        return _mean_one(value, "hour_profile")

    @field_validator("weekday_profile")
    @classmethod
    def _days(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        return _mean_one(value, "weekday_profile")

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [s.name for s in self.services]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"service {name!r} is listed twice")
        return self


# --- grouping and paging -------------------------------------------------------------------


_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def check_group_by(labels: tuple[str, ...]) -> tuple[str, ...]:
    """Alertmanager's ``group_by``: label names, or ``['...']`` alone (group by all labels)."""
    if "..." in labels and len(labels) > 1:
        raise ValueError("group_by '...' (all labels) cannot be combined with other labels")
    for name in labels:
        if name != "..." and not _LABEL_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a label name")
    if len(set(labels)) != len(labels):
        raise ValueError("group_by lists a label twice")
    return labels


class GroupingSpec(BaseModel):
    """Alertmanager grouping (:mod:`simulator.grouping`); ``enabled: false`` sends every alert
    at once, keyed by itself. ``group_by`` takes label names (simulated alerts carry
    ``service`` and ``alertname``), ``['...']`` (all labels) or ``[]`` (one group)."""

    model_config = _FROZEN

    enabled: bool = True
    group_by: tuple[str, ...] = ("service", "alertname")
    group_wait_seconds: float = Field(default=30.0, ge=0)
    group_interval_minutes: float = Field(default=5.0, gt=0)
    repeat_interval_hours: float = Field(default=4.0, gt=0)
    send_resolved: bool = Field(
        default=True, description="the receiver's send_resolved (Alertmanager's default: true)"
    )

    @field_validator("group_by")
    @classmethod
    def _labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_group_by(value)

    @property
    def group_all(self) -> bool:
        return self.group_by == ("...",)


class PagingSpec(BaseModel):
    """Which escalation policy pages: per service, else per severity, else the severity's own."""

    model_config = _FROZEN

    policy_by_service: dict[str, str] = {}
    policy_by_severity: dict[str, str] = {}
    auto_resolve_on_clear: bool = Field(
        default=True,
        description="a resolved notification resolves the incident (PagerDuty's resolve event)",
    )


# --- responders ----------------------------------------------------------------------------


class AckSpec(BaseModel):
    """Minutes from a page to its acknowledgement, by what the person is doing."""

    model_config = _FROZEN

    working: Dist = Lognormal(median=2, p90=6)
    off_hours: Dist = Lognormal(median=4, p90=12)
    asleep: Dist = Lognormal(median=8, p90=20)


class MissSpec(BaseModel):
    """Probability a page goes unanswered, by what the person is doing."""

    model_config = _FROZEN

    working: float = Field(default=0.02, ge=0, le=1)
    off_hours: float = Field(default=0.05, ge=0, le=1)
    asleep: float = Field(default=0.10, ge=0, le=1)


class Profile(BaseModel):
    """How one person responds. Hours are local wall-clock hours, ``[start, end)``, may wrap."""

    model_config = _FROZEN

    time_zone: str | None = Field(default=None, description="default: the playbook's person")
    working_hours: tuple[float, float] = (9.0, 17.0)
    work_days: tuple[int, ...] = Field(default=(1, 2, 3, 4, 5), description="ISO 1=Monday")
    sleep_hours: tuple[float, float] = (23.0, 7.0)
    always_available: bool = Field(
        default=False, description="never asleep or off hours (the M/M/c reduction's servers)"
    )
    ack: AckSpec = AckSpec()
    miss: MissSpec = MissSpec()

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _zone(value)

    @field_validator("working_hours", "sleep_hours")
    @classmethod
    def _hours(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not all(0 <= h <= 24 for h in value):
            raise ValueError("hours must be between 0 and 24")
        return value

    @field_validator("work_days")
    @classmethod
    def _days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not all(1 <= d <= 7 for d in value):
            raise ValueError("work days are ISO weekdays, 1 (Monday) to 7 (Sunday)")
        return value


class FatigueSpec(BaseModel):
    """Recent interruptions slow and lose pages (see simulator/README.md, "Fatigue").

    ``load`` is an exponentially decaying count of the pages a person received (a page
    while asleep counts ``sleep_weight``), halving every ``half_life_hours``. At a page:
    ack delay x (1 + ``delay_per_unit`` x load); miss probability + ``miss_per_unit`` x load,
    capped at ``max_miss``.
    """

    model_config = _FROZEN

    enabled: bool = True
    half_life_hours: float = Field(default=12.0, gt=0)
    sleep_weight: float = Field(default=2.0, ge=0)
    delay_per_unit: float = Field(default=0.10, ge=0)
    miss_per_unit: float = Field(default=0.01, ge=0)
    max_miss: float = Field(default=0.5, ge=0, le=1)


class RespondersSpec(BaseModel):
    """The default profile, per-person changes to it, and the fatigue model."""

    model_config = _FROZEN

    default: Profile = Profile()
    people: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="person -> fields of Profile that differ from default"
    )
    fatigue: FatigueSpec = FatigueSpec()

    @model_validator(mode="after")
    def _valid_people(self) -> Self:
        for name, changes in self.people.items():
            try:
                self.profile_data(name, changes)
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"people.{name}.{where}: {first['msg']}") from None
        return self

    def profile_data(self, name: str, changes: Mapping[str, Any]) -> Profile:
        merged = {**self.default.model_dump(), **changes}
        return Profile.model_validate(merged)

    def profile(self, name: str) -> Profile:
        """The profile of ``name``: the default with that person's changes."""
        return self.profile_data(name, self.people.get(name, {}))


class PoolSpec(BaseModel):
    """The members of a pool and when they take work."""

    model_config = _FROZEN

    members: tuple[str, ...] = Field(min_length=1)
    available: Literal["always", "awake", "working"] = "always"


class DispatchSpec(BaseModel):
    """Who works an acknowledged incident.

    ``on_call``: the person who acknowledged it, one incident at a time; a page to a busy
    person is acknowledged and queued (``when_busy: queue``) or ignored so escalation
    continues (``when_busy: escalate``). ``pool``: the first free pool member takes the
    oldest waiting incident. An escalation that ends unacknowledged is picked up by the
    first person it paged ``unacked_pickup_minutes`` after its last notification.
    """

    model_config = _FROZEN

    mode: Literal["on_call", "pool"] = "on_call"
    when_busy: Literal["queue", "escalate"] = "queue"
    unacked_pickup_minutes: float = Field(default=30.0, ge=0)
    pool: PoolSpec | None = None

    @model_validator(mode="after")
    def _pool(self) -> Self:
        if self.mode == "pool" and self.pool is None:
            raise ValueError("dispatch mode 'pool' needs pool.members")
        return self


# --- incident work -------------------------------------------------------------------------


class SeverityWork(BaseModel):
    """Minutes of hands-on work: to mitigate (from work start), then to resolve after that."""

    model_config = _FROZEN

    mitigate: Dist
    resolve: Dist = Fixed(value=0)


class Staffing(BaseModel):
    """Who is pulled in for a role: the first free candidate, ``join_minutes`` after work starts."""

    model_config = _FROZEN

    candidates: tuple[Target, ...] = Field(min_length=1)
    join_minutes: float = Field(default=5.0, ge=0)


class WorkSpec(BaseModel):
    """Work per severity, triage of alerts that need no action, roles and status updates."""

    model_config = _FROZEN

    severities: dict[str, SeverityWork] = {}
    default: SeverityWork | None = None
    noise_triage: Dist = Fixed(value=5)
    duplicate_triage: Dist = Fixed(value=3)
    update_minutes: float = Field(default=5.0, ge=0, description="cost of one status update")
    roles: dict[Role, Staffing] = {}

    def for_severity(self, name: str) -> SeverityWork | None:
        return self.severities.get(name, self.default)


# --- metrics -------------------------------------------------------------------------------


class BurnoutSpec(BaseModel):
    """Weights and bands of the burnout index (simulator/README.md, "Burnout index")."""

    model_config = _FROZEN

    business: float = Field(default=1.0, ge=0)
    off_hours: float = Field(default=2.0, ge=0)
    sleep: float = Field(default=4.0, ge=0)
    hours: float = Field(default=1.0, ge=0)
    bands: tuple[float, float, float] = (5.0, 10.0, 20.0)


class MetricsSpec(BaseModel):
    """How load is measured: PagerDuty-style buckets, role weights, the 12-hour shift rule."""

    model_config = _FROZEN

    business_hours: tuple[int, int] = (8, 18)
    sleep_hours: tuple[int, int] = (22, 8)
    interruption_window_minutes: float = Field(default=1.0, ge=0)
    role_weights: dict[Role, float] = {
        Role.INCIDENT_COMMANDER: 1.0,
        Role.COMMS_LEAD: 0.75,
        Role.SCRIBE: 0.75,
        Role.TECH_LEAD: 0.5,
    }
    shift_hours: float = Field(default=12.0, gt=0)
    shift_start_hour: float = Field(default=8.0, ge=0, lt=24, description="in alerts.time_zone")
    max_incidents_per_shift: int = Field(default=2, ge=0)
    team: tuple[str, ...] | None = Field(
        default=None, description="people the team figures average over; default: the rotations"
    )
    burnout: BurnoutSpec = BurnoutSpec()
