"""The incident event vocabulary: one typed, immutable event per thing that happens.

The simulator emits these events, drills record them, metrics and scoring read them, and the
web UI shows them. Every event has ``at`` (minutes on its timeline, a float), the
``incident_id`` it belongs to, an optional ``actor`` (a person, or ``None`` for the system)
and a kind-specific payload. ``IncidentEvent`` is the discriminated union of all kinds,
keyed by ``kind``, so a list of events round-trips through JSON unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from playbook.context import AlertContext
from playbook.roles import Role

__all__ = [
    "Acknowledged",
    "ActionItem",
    "AlertFired",
    "AlertResolved",
    "Escalated",
    "EventBase",
    "ImpactStarted",
    "IncidentDeclared",
    "IncidentEvent",
    "Mitigated",
    "MitigationApplied",
    "NoteAdded",
    "PageSent",
    "PostmortemWritten",
    "Resolved",
    "RoleAssigned",
    "SeverityChanged",
    "UpdatePosted",
    "event_adapter",
    "events_adapter",
    "first",
    "sort_events",
]


class EventBase(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: float = Field(ge=0, description="minutes since the timeline's origin")
    incident_id: str = Field(min_length=1)
    actor: str | None = None

    def payload(self) -> dict[str, Any]:
        """The kind-specific fields, without the common ones."""
        return self.model_dump(exclude={"kind", "at", "incident_id", "actor"}, mode="json")


class ImpactStarted(EventBase):
    """Users start to be affected (known to a simulation or a drill's truth): MTTD's origin."""

    kind: Literal["impact_started"] = "impact_started"


class AlertFired(EventBase):
    """An alert fired. ``actionable=False`` marks noise: it pages, but needs no action."""

    kind: Literal["alert_fired"] = "alert_fired"
    alert_id: str
    summary: str = ""
    actionable: bool = True
    context: AlertContext | None = None
    severity: str | None = None
    labels: dict[str, str] = Field(
        default_factory=dict, description="what a pager shows: alertname, service, the rule's severity"
    )
    runbook: str = ""


class AlertResolved(EventBase):
    """The condition behind an alert cleared."""

    kind: Literal["alert_resolved"] = "alert_resolved"
    alert_id: str


class PageSent(EventBase):
    """A person was notified by an escalation rule (``rule`` is 1-based, ``loop`` 0-based)."""

    kind: Literal["page_sent"] = "page_sent"
    target: str
    rule: int = Field(ge=1)
    loop: int = Field(default=0, ge=0)
    via: str | None = Field(default=None, description="the schedule that resolved the target")
    urgency: Literal["high", "low"] = "high"


class Acknowledged(EventBase):
    """Someone (the actor) took the page; escalation stops."""

    kind: Literal["acknowledged"] = "acknowledged"


class Escalated(EventBase):
    """Escalation moved to another rule, on timeout or by hand."""

    kind: Literal["escalated"] = "escalated"
    rule: int = Field(ge=1)
    loop: int = Field(default=0, ge=0)
    reason: Literal["timeout", "manual"] = "timeout"


class IncidentDeclared(EventBase):
    """An incident was declared with a severity, a title and its channel."""

    kind: Literal["incident_declared"] = "incident_declared"
    severity: str
    title: str
    channel: str = ""


class SeverityChanged(EventBase):
    """The incident's severity changed (an upgrade restarts escalation)."""

    kind: Literal["severity_changed"] = "severity_changed"
    old: str
    new: str


class RoleAssigned(EventBase):
    """``person`` now holds ``role``."""

    kind: Literal["role_assigned"] = "role_assigned"
    role: Role
    person: str


class UpdatePosted(EventBase):
    """A status update went out to an audience."""

    kind: Literal["update_posted"] = "update_posted"
    audience: Literal["internal", "status_page", "executive"]
    text: str


class MitigationApplied(EventBase):
    """A mitigation was tried; ``effective`` is known to simulations and drill truth."""

    kind: Literal["mitigation_applied"] = "mitigation_applied"
    mitigation: str
    effective: bool | None = None


class Mitigated(EventBase):
    """User impact stopped (the bleeding is stopped; root cause may remain)."""

    kind: Literal["mitigated"] = "mitigated"


class Resolved(EventBase):
    """Service is restored and verified; the incident is closed."""

    kind: Literal["resolved"] = "resolved"
    summary: str = ""


class NoteAdded(EventBase):
    """A timestamped timeline note (the Scribe's work)."""

    kind: Literal["note_added"] = "note_added"
    text: str


class ActionItem(BaseModel):
    """A postmortem follow-up: specific, owned, dated and prioritised."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    due: date
    priority: Literal["P0", "P1", "P2", "P3"]
    completed_on: date | None = None


class PostmortemWritten(EventBase):
    """A postmortem was written: which template sections it filled and its action items."""

    kind: Literal["postmortem_written"] = "postmortem_written"
    sections: tuple[str, ...] = ()
    action_items: tuple[ActionItem, ...] = ()
    text: str = ""


IncidentEvent = Annotated[
    ImpactStarted
    | AlertFired
    | AlertResolved
    | PageSent
    | Acknowledged
    | Escalated
    | IncidentDeclared
    | SeverityChanged
    | RoleAssigned
    | UpdatePosted
    | MitigationApplied
    | Mitigated
    | Resolved
    | NoteAdded
    | PostmortemWritten,
    Field(discriminator="kind"),
]

event_adapter: TypeAdapter[IncidentEvent] = TypeAdapter(IncidentEvent)
events_adapter: TypeAdapter[list[IncidentEvent]] = TypeAdapter(list[IncidentEvent])


def sort_events(events: Iterable[EventBase]) -> list[EventBase]:
    """Events in time order; ties keep their recorded order (the sort is stable)."""
    return sorted(events, key=lambda e: e.at)


E = TypeVar("E", bound=EventBase)


def first(events: Sequence[EventBase], kind: type[E]) -> E | None:
    """The earliest event of ``kind``, or ``None``."""
    found = [e for e in events if isinstance(e, kind)]
    return min(found, key=lambda e: e.at) if found else None
