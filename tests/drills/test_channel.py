"""The incident channel: messages are events by their author, in the channel the seeds name;
the Scribe alone marks one as a timeline entry, once; the postmortem draft lists the marks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from drills.actions import Acknowledge, AssignRole, Declare, Resolve
from drills.channel import MAX_MESSAGE, Chat, MarkTimeline
from drills.errors import ActionRefused
from drills.narrative import describe
from drills.postmortem import draft_postmortem
from drills.state import replay
from tests.drills.conftest import Drill

# conn-pool-leak's clock starts at 2026-04-15T14:12Z (seed 000: incident-YYYY-MM-DD-slug).
DAY = "incident-2026-04-15"


def test_a_message_is_an_event_by_its_author_with_the_roles_they_hold(drill: Drill) -> None:
    drill.act("alice", AssignRole(person="alice", role="Incident Commander"))
    (record,) = drill.at(3).act("alice", Chat(text="  who deployed last?  "))
    assert (record.kind, record.actor, record.at, record.roles) == ("chat_posted", "alice", 3, ("Incident Commander",))
    assert record.event.text == "who deployed last?"  # type: ignore[union-attr]
    assert describe(record) == f"alice (Incident Commander) in #{DAY}: who deployed last?"


def test_the_channel_is_the_days_until_the_incident_is_declared_then_the_declared_one(drill: Drill) -> None:
    (before,) = drill.act("bob", Chat(text="seeing errors?"))
    drill.at(17).act("alice", Acknowledge())
    drill.act("alice", Declare(severity="SEV2", title="Checkout errors"))
    (after,) = drill.act("bob", Chat(text="rolling back"))
    assert before.event.channel == DAY  # type: ignore[union-attr]
    assert after.event.channel == f"{DAY}-checkout-errors"  # type: ignore[union-attr]


def test_an_empty_message_is_refused_and_a_long_one_is_malformed(drill: Drill) -> None:
    with pytest.raises(ActionRefused, match="needs some text"):
        drill.act("bob", Chat(text="   "))
    Chat(text="x" * MAX_MESSAGE)
    with pytest.raises(ValidationError):
        Chat(text="x" * (MAX_MESSAGE + 1))


def test_only_the_scribe_marks_a_message_as_a_timeline_entry_and_only_once(drill: Drill) -> None:
    (message,) = drill.act("bob", Chat(text="order-service pool at 100%"))
    with pytest.raises(ActionRefused, match="nobody is Scribe"):
        drill.act("dave", MarkTimeline(message_seq=message.seq))
    drill.act("dave", AssignRole(person="dave", role="Scribe"))
    with pytest.raises(ActionRefused, match=r"only the Scribe \(dave\)"):
        drill.act("bob", MarkTimeline(message_seq=message.seq))
    with pytest.raises(ActionRefused, match="no channel message #999"):
        drill.act("dave", MarkTimeline(message_seq=999))
    join = drill.session.records()[0]
    with pytest.raises(ActionRefused, match=f"no channel message #{join.seq}"):
        drill.act("dave", MarkTimeline(message_seq=join.seq))  # a record, but no message
    (mark,) = drill.at(4).act("dave", MarkTimeline(message_seq=message.seq))
    assert (mark.kind, mark.ref, mark.actor) == ("timeline_marked", str(message.seq), "dave")
    assert drill.session.state.chat[message.seq].marked_by == "dave"
    with pytest.raises(ActionRefused, match="already a timeline entry"):
        drill.act("dave", MarkTimeline(message_seq=message.seq))
    assert replay(drill.session.records()) == drill.session.state


def test_the_postmortem_draft_lists_marked_messages_but_not_the_others(drill: Drill) -> None:
    drill.act("dave", AssignRole(person="dave", role="Scribe"))
    drill.act("alice", AssignRole(person="alice", role="Incident Commander"))
    (kept,) = drill.at(17).act("bob", Chat(text="pool exhausted on order-service"))
    drill.act("bob", Chat(text="coffee anyone"))
    drill.act("dave", MarkTimeline(message_seq=kept.seq))
    drill.act("alice", Acknowledge())
    drill.act("alice", Declare(severity="SEV2", title="Checkout errors"))
    drill.at(30).act("alice", Resolve())
    s = drill.session
    text = draft_postmortem(s.records(), s.state, s.script, s.playbook)
    assert "| 14:29 | bob: pool exhausted on order-service (timeline entry by dave) |" in text
    assert "coffee anyone" not in text


def test_a_team_without_an_incident_commander_is_told_why_it_cannot_resolve(drill: Drill) -> None:
    drill.at(17).act("alice", Acknowledge())
    drill.act("alice", Declare(severity="SEV2", title="Checkout errors"))
    with pytest.raises(ActionRefused, match="no Incident Commander"):
        drill.act("alice", Resolve())
    drill.act("carol", AssignRole(person="carol", role="Incident Commander"))
    with pytest.raises(ActionRefused, match=r"only the Incident Commander \(carol\) resolves"):
        drill.act("alice", Resolve())
    (resolved,) = drill.act("carol", Resolve())
    assert (resolved.kind, resolved.actor) == ("resolved", "carol")
