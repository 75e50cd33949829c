"""The incident channel: a chat for the room, kept as events on the drill's log.

A message (``chat``) is a :class:`~drills.events.ChatPosted` by its author, to the channel
the seeds name: ``incident-YYYY-MM-DD`` on the drill clock's day until the incident is
declared, then the declaration's ``incident-YYYY-MM-DD-slug`` (seed 000). The Scribe keeps
the timeline (seeds 001 and 004): ``mark_timeline`` makes a message a timeline entry, a
:class:`~drills.events.TimelineMarked` whose ``ref`` is the message's ``seq``, which the
postmortem draft lists. :func:`decide_channel` is pure, like the rest of ``decide``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drills.errors import ActionRefused
from drills.events import ChatPosted, DrillEvent, TimelineMarked
from drills.script import DrillScript
from drills.state import DrillState
from playbook.roles import Role
from playbook.templates import channel_name

__all__ = ["MAX_MESSAGE", "Chat", "MarkTimeline", "channel_for", "decide_channel"]

#: A message's most characters (a note's, like every text of an action).
MAX_MESSAGE = 10_000


class _ChannelAction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Chat(_ChannelAction):
    """A message in the incident channel."""

    type: Literal["chat"] = "chat"
    text: str = Field(max_length=MAX_MESSAGE)


class MarkTimeline(_ChannelAction):
    """The Scribe makes a channel message (by its ``seq``) a timeline entry."""

    type: Literal["mark_timeline"] = "mark_timeline"
    message_seq: int = Field(ge=1)


def channel_for(state: DrillState, clock_start: datetime, at: float) -> str:
    """The incident channel at drill minute ``at``: the declared one, else the day's."""
    if state.declaration is not None and state.declaration.channel:
        return state.declaration.channel
    return channel_name("", (clock_start + timedelta(minutes=at)).date())


def _needs(condition: bool, action: str, reason: str) -> None:
    if not condition:
        raise ActionRefused(action, reason)


def decide_channel(
    action: Chat | MarkTimeline, *, at: float, actor: str, incident_id: str, state: DrillState,
    script: DrillScript,
) -> list[tuple[DrillEvent, str | None]]:
    """The events a channel action produces (``decide`` has checked the common rules)."""
    name = action.type
    match action:
        case Chat():
            _needs(bool(action.text), name, "a message needs some text")
            channel = channel_for(state, script.clock_start, at)
            return [(ChatPosted(at=at, incident_id=incident_id, actor=actor, channel=channel, text=action.text), None)]
        case MarkTimeline():
            scribes = state.holders.get(Role.SCRIBE, frozenset())
            _needs(bool(scribes), name, "nobody is Scribe: the Scribe marks messages as timeline entries")
            _needs(actor in scribes, name,
                   f"only the Scribe ({', '.join(sorted(scribes))}) marks messages as timeline entries")
            message = state.chat.get(action.message_seq)
            _needs(message is not None, name, f"no channel message #{action.message_seq}")
            assert message is not None
            _needs(message.marked_by is None, name,
                   f"message #{message.seq} is already a timeline entry (marked by {message.marked_by})")
            event = TimelineMarked(at=at, incident_id=incident_id, actor=actor, message_seq=message.seq, author=message.author, text=message.text)
            return [(event, str(message.seq))]
    raise ActionRefused(name, "unknown action")  # pragma: no cover - the union is exhaustive
