"""Alert receiver payloads: Alertmanager's webhook (version 4) and PagerDuty Events API v2.

Both are validated strictly enough to refuse garbage with a reason and loosely enough to
accept what the real senders add over time (unknown top-level keys are ignored, as the
senders' own docs say receivers should). :func:`alert_context` turns labels, annotations or
custom details into the playbook's :class:`~playbook.context.AlertContext`, so alerts from
the outside are classified by the same rules as everything else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from playbook.context import AlertContext
from playbook.errors import InvalidDefinition

__all__ = [
    "AlertmanagerAlert",
    "AlertmanagerWebhook",
    "PagerDutyEvent",
    "PagerDutyPayload",
    "alert_context",
]

_NUMBERS = ("error_rate", "latency_p99_ms", "affected_users_pct", "duration_minutes")
_FLAGS = ("is_data_loss", "is_security_event", "is_revenue_impacting")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off", ""}
_LABELS = 64
_VALUE = 4096


class AlertmanagerAlert(BaseModel):
    """One alert inside an Alertmanager notification."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(max_length=_LABELS)
    annotations: dict[str, str] = Field(default_factory=dict, max_length=_LABELS)
    startsAt: datetime | None = None  # noqa: N815 - Alertmanager's field names
    endsAt: datetime | None = None  # noqa: N815
    generatorURL: str = ""  # noqa: N815
    fingerprint: str = Field(default="", max_length=64)


class AlertmanagerWebhook(BaseModel):
    """Alertmanager's webhook body; only version 4 exists and is accepted."""

    model_config = ConfigDict(extra="ignore")

    version: Literal["4"]
    groupKey: str = ""  # noqa: N815
    truncatedAlerts: int = Field(default=0, ge=0)  # noqa: N815
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonAnnotations: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    externalURL: str = ""  # noqa: N815
    alerts: list[AlertmanagerAlert] = Field(min_length=1, max_length=500)


class PagerDutyPayload(BaseModel):
    """The ``payload`` of a PagerDuty v2 trigger event."""

    model_config = ConfigDict(extra="ignore")

    summary: str = Field(min_length=1, max_length=1024)
    source: str = Field(min_length=1, max_length=255)
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: datetime | None = None
    component: str | None = Field(default=None, max_length=255)
    group: str | None = Field(default=None, max_length=255)
    class_: str | None = Field(default=None, alias="class", max_length=255)
    custom_details: dict[str, Any] = Field(default_factory=dict, max_length=_LABELS)


class PagerDutyEvent(BaseModel):
    """A PagerDuty Events API v2 event: trigger, acknowledge or resolve by ``dedup_key``.

    ``routing_key`` is PagerDuty's integration key; senders that cannot set an
    ``Authorization`` header may put the room's receiver token there instead.
    """

    model_config = ConfigDict(extra="ignore")

    routing_key: str = Field(default="", max_length=255)
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: str | None = Field(default=None, min_length=1, max_length=255)
    payload: PagerDutyPayload | None = None
    client: str | None = Field(default=None, max_length=255)

    @model_validator(mode="after")
    def _action_needs(self) -> Self:
        if self.event_action == "trigger" and self.payload is None:
            raise ValueError("a trigger event needs a payload")
        if self.event_action != "trigger" and not self.dedup_key:
            article = "an" if self.event_action == "acknowledge" else "a"
            raise ValueError(f"{article} {self.event_action} event needs a dedup_key")
        return self


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidDefinition(f"{name} must be true or false, got {str(value)[:40]!r}")


def _number(name: str, value: Any) -> float:
    raw = str(value).strip().rstrip("%").strip()
    try:
        number = float(raw)
    except ValueError:
        raise InvalidDefinition(f"{name} must be a number, got {str(value)[:40]!r}") from None
    if not math.isfinite(number):
        raise InvalidDefinition(f"{name} must be a finite number, got {str(value)[:40]!r}")
    return number


def alert_context(service: str, details: Mapping[str, Any]) -> AlertContext:
    """An alert context from flat key/values (labels, annotations, custom details).

    Keys named like the context's fields are read (``error_rate: "62.5"``); a ``%`` suffix
    is allowed on percentages; ``dependent_services`` is a comma-separated list (or a list).
    Non-finite numbers are refused (they could not be stored and replayed).
    """
    data: dict[str, Any] = {"service": service}
    for name in _NUMBERS:
        if name in details:
            data[name] = _number(name, details[name])
    for name in _FLAGS:
        if name in details:
            data[name] = _flag(name, details[name])
    if "dependent_services" in details:
        raw_deps = details["dependent_services"]
        items = raw_deps if isinstance(raw_deps, list) else str(raw_deps).split(",")
        data["dependent_services"] = tuple(
            str(d).strip()[:_VALUE] for d in items[:_LABELS] if str(d).strip()
        )
    try:
        return AlertContext.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InvalidDefinition(f"{field}: {first['msg']}") from None
