"""Session state, derived only by replaying the event log.

:func:`replay` folds :meth:`DrillState.apply` over a session's records. A live session
applies each record as it is appended, so its state always equals a replay of its log (a
hypothesis test holds it to that); a session reopened from the store is just a replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from drills.clock import Anchor
from drills.events import (
    ChatPosted,
    DebriefReleased,
    DrillEnded,
    DrillPaused,
    DrillResumed,
    DrillStarted,
    EvidenceViewed,
    HypothesisRecorded,
    InjectDelivered,
    Operated,
    ParticipantJoined,
    ParticipantRemoved,
    Record,
    RoleReleased,
    RootCauseStated,
    SpeedChanged,
    StakeholderMessage,
    StakeholderReplied,
    TimelineMarked,
)
from playbook.context import AlertContext
from playbook.events import (
    Acknowledged,
    AlertFired,
    AlertResolved,
    Escalated,
    ImpactStarted,
    IncidentDeclared,
    Mitigated,
    MitigationApplied,
    NoteAdded,
    PageSent,
    PostmortemWritten,
    Resolved,
    RoleAssigned,
    SeverityChanged,
    UpdatePosted,
)
from playbook.roles import Role

__all__ = ["AlertState", "ChatMessage", "Declaration", "DrillState", "Status", "replay"]

Status = Literal["ready", "running", "paused", "ended"]


@dataclass
class AlertState:
    """An alert that has fired, and what the team did about it."""

    alert_id: str
    inject_id: str | None
    fired_at: float
    summary: str
    severity: str | None
    context: AlertContext | None
    pages: int = 0
    acked_at: float | None = None
    acked_by: str | None = None
    resolved_at: float | None = None
    labels: dict[str, str] = field(default_factory=dict)
    runbook: str = ""


@dataclass(frozen=True)
class Declaration:
    at: float
    by: str | None
    severity: str
    title: str
    channel: str


@dataclass
class ChatMessage:
    """A message of the incident channel; ``marked_by`` the Scribe who made it a timeline entry."""

    seq: int
    at: float
    author: str
    roles: tuple[Role, ...]
    channel: str
    text: str
    marked_by: str | None = None


@dataclass
class DrillState:
    """Everything a session knows, as of its last record."""

    status: Status = "ready"
    anchor: Anchor | None = None
    last_seq: int = 0
    last_at: float = 0.0
    participants: dict[str, float] = field(default_factory=dict)
    holders: dict[Role, frozenset[str]] = field(default_factory=dict)
    alerts: dict[str, AlertState] = field(default_factory=dict)
    delivered: set[str] = field(default_factory=set)
    impact_started_at: float | None = None
    declaration: Declaration | None = None
    severity: str | None = None
    updates: list[tuple[int, float, str]] = field(default_factory=list)
    notes: int = 0
    mitigations: dict[str, float] = field(default_factory=dict)
    mitigated_at: float | None = None
    resolved_at: float | None = None
    postmortem: PostmortemWritten | None = None
    escalations: int = 0
    world_minute: int = -1
    operations: list[tuple[float, Operated]] = field(default_factory=list)
    hypotheses: list[tuple[float, HypothesisRecorded]] = field(default_factory=list)
    looks: int = 0
    root_cause: RootCauseStated | None = None
    messages: dict[str, StakeholderMessage] = field(default_factory=dict)
    replied: dict[str, float] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    debrief_released: bool = False
    replies: list[tuple[float, StakeholderReplied]] = field(default_factory=list)
    chat: dict[int, ChatMessage] = field(default_factory=dict)

    # -- questions ------------------------------------------------------------------------
    @property
    def declared(self) -> bool:
        return self.declaration is not None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    def roles_of(self, person: str | None) -> tuple[Role, ...]:
        if person is None:
            return ()
        return tuple(sorted((r for r, people in self.holders.items() if person in people), key=str))

    def holder_map(self) -> Mapping[Role, frozenset[str]]:
        return dict(self.holders)

    def unacked_alerts(self) -> list[AlertState]:
        return [a for a in self.alerts.values() if a.acked_at is None and a.resolved_at is None]

    # -- the fold -------------------------------------------------------------------------
    def apply(self, record: Record) -> None:
        """Advance the state by one record (records must arrive in ``seq`` order)."""
        if record.seq != self.last_seq + 1:
            raise ValueError(f"record {record.seq} applied after {self.last_seq}")
        self.last_seq = record.seq
        event = record.event
        if record.source == "world":
            self.world_minute = max(self.world_minute, int(event.at))
        self.last_at = max(self.last_at, event.at)
        anchor = self.anchor
        speed = anchor.speed if anchor else 1.0
        match event:
            case DrillStarted():
                self.status = "running"
                self.anchor = Anchor(event.at, record.wall, event.speed, True)
            case DrillPaused():
                self.status = "paused"
                self.anchor = Anchor(event.at, record.wall, speed, False)
            case DrillResumed():
                self.status = "running"
                self.anchor = Anchor(event.at, record.wall, speed, True)
            case SpeedChanged():
                running = self.status == "running"
                self.anchor = Anchor(event.at, record.wall, event.speed, running)
            case DrillEnded():
                self.status = "ended"
                self.anchor = Anchor(event.at, record.wall, speed, False)
            case ParticipantJoined():
                self.participants[event.actor or ""] = event.at
            case RoleAssigned():
                self.holders[event.role] = self.holders.get(event.role, frozenset()) | {event.person}
            case RoleReleased():
                left = self.holders.get(event.role, frozenset()) - {event.person}
                if left:
                    self.holders[event.role] = left
                else:
                    self.holders.pop(event.role, None)
            case ImpactStarted():
                self.impact_started_at = event.at
            case AlertFired():
                self.alerts[event.alert_id] = AlertState(
                    alert_id=event.alert_id,
                    inject_id=record.ref,
                    fired_at=event.at,
                    summary=event.summary,
                    severity=event.severity,
                    context=event.context,
                    labels=dict(event.labels),
                    runbook=event.runbook,
                )
                if record.ref is not None:
                    self.delivered.add(record.ref)
            case InjectDelivered():
                self.delivered.add(event.inject_id)
            case PageSent():
                if record.ref in self.alerts:
                    self.alerts[record.ref].pages += 1
            case Acknowledged():
                if record.ref in self.alerts:
                    alert = self.alerts[record.ref]
                    alert.acked_at, alert.acked_by = event.at, event.actor
            case AlertResolved():
                if event.alert_id in self.alerts:
                    self.alerts[event.alert_id].resolved_at = event.at
            case Escalated():
                if event.reason == "manual":
                    self.escalations += 1
            case IncidentDeclared():
                self.declaration = Declaration(
                    event.at, event.actor, event.severity, event.title, event.channel
                )
                self.severity = event.severity
            case SeverityChanged():
                self.severity = event.new
            case UpdatePosted():
                self.updates.append((record.seq, event.at, event.audience))
            case NoteAdded():
                self.notes += 1
            case MitigationApplied():
                self.mitigations[event.mitigation] = event.at
            case Mitigated():
                if self.mitigated_at is None:
                    self.mitigated_at = event.at
            case Resolved():
                self.resolved_at = event.at
            case PostmortemWritten():
                self.postmortem = event
            case Operated():
                self.operations.append((event.at, event))
            case HypothesisRecorded():
                self.hypotheses.append((event.at, event))
            case EvidenceViewed():
                self.looks += 1
            case RootCauseStated():
                self.root_cause = event
            case StakeholderMessage():
                self.messages[event.message_id] = event
            case StakeholderReplied():
                self.replied.setdefault(event.message_id, event.at)
                self.replies.append((event.at, event))
            case ParticipantRemoved():
                self.participants.pop(event.person, None)
                self.removed.add(event.person)
            case DebriefReleased():
                self.debrief_released = True
            case ChatPosted():
                self.chat[record.seq] = ChatMessage(
                    record.seq, event.at, event.actor or "", record.roles, event.channel, event.text
                )
            case TimelineMarked():
                if event.message_seq in self.chat:
                    self.chat[event.message_seq].marked_by = event.actor


def replay(records: Iterable[Record]) -> DrillState:
    """The state a log describes."""
    state = DrillState()
    for record in records:
        state.apply(record)
    return state
