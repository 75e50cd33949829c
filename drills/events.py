"""The drill's event log: playbook incident events plus drill-only events, in an envelope.

Everything that happens in a drill is one :class:`Record` on an append-only log. A record
wraps one event (``event``) of playbook's shared vocabulary (alert fired, page sent,
acknowledged, declared, role assigned, update posted, mitigation applied, resolved...) or of
the drill-only kinds below, and adds what only a drill knows:

- ``seq``: 1-based position in the session's log (the offset for live updates);
- ``wall``: when it was recorded (UTC), beside the event's drill-clock ``at`` minutes;
- ``roles``: the roles the actor held at that moment;
- ``source``: ``script`` (a scripted inject), ``reaction`` (the script reacting to a
  mitigation), ``system`` (pages, escalation, truth), ``action`` (a participant) or
  ``facilitator`` (clock control, ad-hoc injects);
- ``ref``: what it refers to: the inject id for injects, the alert id for pages and
  acknowledgements, the mitigation id for its effects.

Drill-only kinds, each a playbook :class:`~playbook.events.EventBase`:

``drill_started(speed)``, ``drill_paused``, ``drill_resumed``, ``speed_changed(speed)``,
``drill_ended(reason)``, ``participant_joined`` (the actor joined), ``role_released(role,
person)``, ``inject_delivered(inject_id, inject_type, content)`` (a non-alert inject; alerts
arrive as ``alert_fired``).

On a drill with a world (``drills/world/``): ``operated(operation, label)`` (a generic verb
on a target), ``evidence_viewed(evidence, request, result)`` (a look-up and what it showed),
``hypothesis_recorded(service, category, text)``, ``root_cause_stated(service, category,
text)`` (the postmortem's structured root cause), ``stakeholder_message(message_id, persona,
channel, text)`` and ``stakeholder_replied(message_id, text)``. World events (alerts firing
and resolving, the impact starting and stopping) have ``source: world``.

The incident channel (a chat for the room): ``chat_posted(channel, text)`` (a message by the
actor, to the channel named as the seeds name it) and ``timeline_marked(message_seq, author,
text)`` (the Scribe marked the message at ``message_seq`` as a timeline entry; ``ref`` is
that seq).

The facilitator's room controls (``source: facilitator``): ``participant_removed(person,
reason)`` (their cookie stops working; they cannot act or rejoin under that name),
``hint_sent(level, text)`` (a hint of the script's, to the room) and ``debrief_released``
(after the end: participants may now read the debrief and the truth). The collaborative
postmortem: ``postmortem_edited(revision, base, text)``, a draft saved on top of revision
``base`` (see :func:`drills.postmortem.save_draft`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from drills.world.ops import Operation
from drills.world.spec import Category
from playbook.events import (
    Acknowledged,
    AlertFired,
    AlertResolved,
    Escalated,
    EventBase,
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

__all__ = [
    "CLOCK_KINDS",
    "ChatPosted",
    "DebriefReleased",
    "DrillEnded",
    "DrillEvent",
    "DrillPaused",
    "DrillResumed",
    "DrillStarted",
    "EvidenceViewed",
    "HintSent",
    "HypothesisRecorded",
    "InjectDelivered",
    "Operated",
    "ParticipantJoined",
    "ParticipantRemoved",
    "PostmortemEdited",
    "Record",
    "RoleReleased",
    "RootCauseStated",
    "Source",
    "SpeedChanged",
    "StakeholderMessage",
    "StakeholderReplied",
    "TimelineMarked",
    "drill_event_adapter",
]


class DrillStarted(EventBase):
    """The facilitator started the drill clock at ``speed`` drill minutes per wall minute."""

    kind: Literal["drill_started"] = "drill_started"
    speed: float = Field(ge=1, le=60)


class DrillPaused(EventBase):
    kind: Literal["drill_paused"] = "drill_paused"


class DrillResumed(EventBase):
    kind: Literal["drill_resumed"] = "drill_resumed"


class SpeedChanged(EventBase):
    kind: Literal["speed_changed"] = "speed_changed"
    speed: float = Field(ge=1, le=60)


class DrillEnded(EventBase):
    kind: Literal["drill_ended"] = "drill_ended"
    reason: str = ""


class ParticipantJoined(EventBase):
    """``actor`` joined the drill room."""

    kind: Literal["participant_joined"] = "participant_joined"


class RoleReleased(EventBase):
    """``person`` no longer holds ``role``."""

    kind: Literal["role_released"] = "role_released"
    role: Role
    person: str


class InjectDelivered(EventBase):
    """A scripted non-alert inject reached the team; ``content`` is what they see."""

    kind: Literal["inject_delivered"] = "inject_delivered"
    inject_id: str
    inject_type: str
    content: dict[str, Any]
    facilitator_only: bool = False


class Operated(EventBase):
    """The team performed a generic operation on the world (``label`` says it in words)."""

    kind: Literal["operated"] = "operated"
    operation: Operation
    label: str


Evidence = Literal["metrics", "logs", "changes", "runbook", "dependencies", "oncall"]


class EvidenceViewed(EventBase):
    """Someone looked something up; ``result`` is what they were shown."""

    kind: Literal["evidence_viewed"] = "evidence_viewed"
    evidence: Evidence
    request: dict[str, Any]
    result: Any


class HypothesisRecorded(EventBase):
    """The team's belief about the cause: a service, a generic category, free text."""

    kind: Literal["hypothesis_recorded"] = "hypothesis_recorded"
    service: str
    category: Category
    text: str = ""


class RootCauseStated(EventBase):
    """The postmortem's root cause, in the hypothesis's structured form."""

    kind: Literal["root_cause_stated"] = "root_cause_stated"
    service: str
    category: Category
    text: str = ""


class StakeholderMessage(EventBase):
    """A stakeholder wrote to the team (``persona``: executive, support, customer)."""

    kind: Literal["stakeholder_message"] = "stakeholder_message"
    message_id: str
    persona: str
    sender: str
    channel: str
    text: str


class StakeholderReplied(EventBase):
    """The team answered a stakeholder message."""

    kind: Literal["stakeholder_replied"] = "stakeholder_replied"
    message_id: str
    text: str


class ParticipantRemoved(EventBase):
    """The facilitator removed ``person`` from the room (``actor`` is None: the facilitator)."""

    kind: Literal["participant_removed"] = "participant_removed"
    person: str
    reason: str = ""


class HintSent(EventBase):
    """The facilitator sent the room the script's hint number ``level`` (1: the mildest)."""

    kind: Literal["hint_sent"] = "hint_sent"
    level: int = Field(ge=1)
    text: str


class DebriefReleased(EventBase):
    """The facilitator released the debrief (and with it the truth) to the participants."""

    kind: Literal["debrief_released"] = "debrief_released"


class PostmortemEdited(EventBase):
    """``actor`` saved the postmortem draft as ``revision``, editing revision ``base``."""

    kind: Literal["postmortem_edited"] = "postmortem_edited"
    revision: int = Field(ge=1)
    base: int = Field(ge=0)
    text: str


class ChatPosted(EventBase):
    """The actor wrote ``text`` in the incident channel ``channel``."""

    kind: Literal["chat_posted"] = "chat_posted"
    channel: str
    text: str


class TimelineMarked(EventBase):
    """The Scribe made the channel message at ``message_seq`` a timeline entry."""

    kind: Literal["timeline_marked"] = "timeline_marked"
    message_seq: int = Field(ge=1)
    author: str
    text: str


DrillEvent = Annotated[
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
    | PostmortemWritten
    | DrillStarted
    | DrillPaused
    | DrillResumed
    | SpeedChanged
    | DrillEnded
    | ParticipantJoined
    | RoleReleased
    | InjectDelivered
    | Operated
    | EvidenceViewed
    | HypothesisRecorded
    | RootCauseStated
    | StakeholderMessage
    | StakeholderReplied
    | ParticipantRemoved
    | HintSent
    | DebriefReleased
    | PostmortemEdited
    | ChatPosted
    | TimelineMarked,
    Field(discriminator="kind"),
]
drill_event_adapter: TypeAdapter[DrillEvent] = TypeAdapter(DrillEvent)

CLOCK_KINDS = frozenset(
    {"drill_started", "drill_paused", "drill_resumed", "speed_changed", "drill_ended"}
)

Source = Literal["script", "reaction", "system", "action", "facilitator", "world"]


class Record(BaseModel):
    """One entry of a session's append-only log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int = Field(ge=1)
    wall: datetime
    source: Source
    roles: tuple[Role, ...] = ()
    ref: str | None = None
    event: DrillEvent

    @property
    def at(self) -> float:
        return self.event.at

    @property
    def kind(self) -> str:
        return self.event.kind

    @property
    def actor(self) -> str | None:
        return self.event.actor
