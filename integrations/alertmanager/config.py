"""An ``alertmanager.yml`` as validated models (the parts drillbit uses, strictly).

Modelled: ``route`` (nested ``routes``, ``receiver``, ``matchers``, ``match``, ``match_re``,
``continue``, ``group_by`` including ``['...']``, ``group_wait``, ``group_interval``,
``repeat_interval``, ``mute_time_intervals``, ``active_time_intervals``), ``receivers``
(a name and its ``*_configs``), ``inhibit_rules`` and ``time_intervals`` (and the older
top-level ``mute_time_intervals``). ``global`` and ``templates`` are accepted and ignored.
Unknown keys are errors, as they are to Alertmanager, and every reference (a receiver,
a time interval) is checked on load, with the file, line and field of the first problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from integrations.alertmanager.durations import parse_duration
from integrations.alertmanager.intervals import check_range
from integrations.alertmanager.matchers import Matcher, parse_matchers
from integrations.files import read_text
from playbook.loader import BadReference, parse_yaml, validate_data

__all__ = [
    "AlertmanagerConfig",
    "InhibitRule",
    "Receiver",
    "Route",
    "TimeInterval",
    "TimeRange",
    "TimeSpec",
    "load_config",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_matchers(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        parse_matchers(value)
    return values


def _check_regexes(values: dict[str, str]) -> dict[str, str]:
    for name, value in values.items():
        Matcher(name, "=~", value)  # raises ValueError for a bad regular expression
    return values


class Route(BaseModel):
    """One node of the routing tree; unset timers and ``group_by`` come from its parent."""

    model_config = _FROZEN

    receiver: str | None = None
    group_by: tuple[str, ...] | None = None
    continue_: bool = Field(default=False, alias="continue")
    match: dict[str, str] = {}
    match_re: dict[str, str] = {}
    matchers: tuple[str, ...] = ()
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_matchers(value)

    @field_validator("match_re")
    @classmethod
    def _regexes(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_regexes(value)

    @field_validator("group_wait", "group_interval", "repeat_interval")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and "..." in value and len(value) > 1:
            raise ValueError("'...' groups by all labels and must be the only group_by entry")
        if value is not None and len(set(value)) < len(value):
            raise ValueError("group_by lists a label twice")
        return value


class Receiver(BaseModel):
    """A receiver: its name and its integrations (``pagerduty_configs``, ``slack_configs``...)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(min_length=1)

    @model_validator(mode="after")
    def _configs(self) -> Self:
        for key in self.model_extra or {}:
            if not key.endswith("_configs"):
                raise ValueError(f"unknown receiver field {key!r}")
        return self

    @property
    def integrations(self) -> tuple[str, ...]:
        """The kinds of integration it notifies, e.g. ``("pagerduty", "slack")``."""
        return tuple(key.removesuffix("_configs") for key in self.model_extra or {})


class InhibitRule(BaseModel):
    """Mute alerts matching ``target_*`` while an alert matching ``source_*`` fires, if ``equal``."""

    model_config = _FROZEN

    source_matchers: tuple[str, ...] = ()
    target_matchers: tuple[str, ...] = ()
    source_match: dict[str, str] = {}
    source_match_re: dict[str, str] = {}
    target_match: dict[str, str] = {}
    target_match_re: dict[str, str] = {}
    equal: tuple[str, ...] = ()

    @field_validator("source_matchers", "target_matchers")
    @classmethod
    def _matchers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_matchers(value)

    @field_validator("source_match_re", "target_match_re")
    @classmethod
    def _regexes(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_regexes(value)


class TimeSpec(BaseModel):
    """``start_time`` to ``end_time``, ``HH:MM`` (end exclusive, ``24:00`` allowed)."""

    model_config = _FROZEN

    start_time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end_time: str = Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")


class TimeRange(BaseModel):
    """One recurring window; an unset field matches everything."""

    model_config = _FROZEN

    times: tuple[TimeSpec, ...] = ()
    weekdays: tuple[str, ...] = ()
    days_of_month: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    location: str = "UTC"

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        check_range(self)
        return self


class TimeInterval(BaseModel):
    """A named set of windows, used by ``mute_time_intervals`` and ``active_time_intervals``."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    time_intervals: tuple[TimeRange, ...] = ()


class AlertmanagerConfig(BaseModel):
    """A whole ``alertmanager.yml``; see the module docstring for what is modelled."""

    model_config = _FROZEN

    global_: dict[str, Any] = Field(default={}, alias="global")
    templates: tuple[str, ...] = ()
    route: Route
    receivers: tuple[Receiver, ...] = Field(min_length=1)
    inhibit_rules: tuple[InhibitRule, ...] = ()
    time_intervals: tuple[TimeInterval, ...] = ()
    mute_time_intervals: tuple[TimeInterval, ...] = ()

    def intervals(self) -> dict[str, TimeInterval]:
        return {t.name: t for t in (*self.mute_time_intervals, *self.time_intervals)}

    def cross_check(self) -> None:
        """Raise BadReference for the first reference that does not resolve."""
        names = [r.name for r in self.receivers]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise BadReference(("receivers", i, "name"), f"receiver {name!r} is defined twice")
        root = self.route
        if root.receiver is None:
            raise BadReference(("route", "receiver"), "the root route needs a receiver")
        if root.match or root.match_re or root.matchers:
            raise BadReference(("route",), "the root route must not have matchers")
        if root.mute_time_intervals or root.active_time_intervals:
            raise BadReference(
                ("route",), "the root route cannot have mute or active time intervals"
            )
        intervals = self.intervals()
        stack: list[tuple[Route, tuple[str | int, ...]]] = [(root, ("route",))]
        while stack:
            node, loc = stack.pop()
            if node.receiver is not None and node.receiver not in names:
                raise BadReference((*loc, "receiver"), f"undefined receiver {node.receiver!r}")
            for key in ("mute_time_intervals", "active_time_intervals"):
                for j, name in enumerate(getattr(node, key)):
                    if name not in intervals:
                        raise BadReference((*loc, key, j), f"undefined time interval {name!r}")
            stack.extend((child, (*loc, "routes", k)) for k, child in enumerate(node.routes))


def load_config(path: Path, *, text: str | None = None) -> AlertmanagerConfig:
    """Read and validate an ``alertmanager.yml``; errors name file:line:field."""
    source = str(path)
    data, lines = parse_yaml(read_text(path) if text is None else text, source=source)
    return validate_data(AlertmanagerConfig, data, lines, source=source)
