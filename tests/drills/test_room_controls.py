"""The facilitator's room controls: removing a participant, hints, releasing the debrief."""

from __future__ import annotations

import pytest

from drills.actions import AddNote, AssignRole
from drills.errors import ActionRefused
from drills.script import DrillScript
from drills.state import replay
from playbook.model import Playbook
from playbook.roles import Role
from tests.drills.conftest import Drill
from tests.drills.test_views import assert_no_leak


@pytest.fixture
def world(library: list[DrillScript], book: Playbook) -> Drill:
    script = next(s for s in library if s.id == "payment-provider-outage")
    return Drill(script, book).start()


def test_a_removed_participant_loses_their_roles_cannot_act_and_cannot_rejoin(world: Drill) -> None:
    session = world.session
    world.act("bob", AssignRole(person="bob", role=Role.TECH_LEAD))
    records = session.remove("bob", "left the room")
    assert [(r.kind, r.source) for r in records] == [("participant_removed", "facilitator"),
                                                      ("role_released", "facilitator")]
    assert "bob" not in session.state.participants
    assert session.state.roles_of("bob") == ()
    with pytest.raises(ActionRefused, match="'bob' has not joined"):
        world.act("bob", AddNote(text="still here?"))
    with pytest.raises(ActionRefused, match="removed 'BOB'"):
        session.join("BOB")
    with pytest.raises(ActionRefused, match="'bob' is not in this drill"):
        session.remove("bob")


def test_hints_go_out_mildest_first_by_level_once_each(world: Drill) -> None:
    session = world.session
    record = session.send_hint(1)
    assert (record.kind, record.event.text) == ("hint_sent", "Is it us or them?")  # the script's first hint
    with pytest.raises(ActionRefused, match="hint 1 has already been sent"):
        session.send_hint(1)
    with pytest.raises(ActionRefused, match="this drill has 2 hint"):
        session.send_hint(3)


def test_the_debrief_is_released_only_after_the_end_and_once(world: Drill) -> None:
    session = world.session
    with pytest.raises(ActionRefused, match="the drill is running"):
        session.release_debrief()
    session.end("done")
    assert not session.state.debrief_released
    session.release_debrief()
    assert session.state.debrief_released
    with pytest.raises(ActionRefused, match="already released"):
        session.release_debrief()


def test_the_controls_replay_to_the_same_state(world: Drill) -> None:
    session = world.session
    session.remove("dave")
    session.send_hint(2)
    session.end()
    session.release_debrief()
    again = replay(session.records())
    assert (again.removed, again.debrief_released, set(again.participants)) == (
        {"dave"}, True, {"alice", "bob", "carol"})


def test_releasing_the_debrief_puts_no_truth_in_the_participant_view(world: Drill) -> None:
    # The truth is on the debrief page once released, never in the room's view or events.
    session = world.at(6).session
    session.remove("dave", "left early")
    session.edit_postmortem("alice", "## Summary\ndraft", base=0)
    session.end()
    session.release_debrief()
    assert_no_leak(session)
