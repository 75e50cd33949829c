"""State is derived from the log: replaying the records gives the live state, whatever legal
or illegal actions were tried, and the role rules hold at every step."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drills.actions import (
    Acknowledge,
    Action,
    AddNote,
    ApplyMitigation,
    AssignRole,
    ChangeSeverity,
    Chat,
    Declare,
    Escalate,
    MarkTimeline,
    PostUpdate,
    ReleaseRole,
    Resolve,
    WritePostmortem,
)
from drills.clock import VirtualClock
from drills.errors import ActionRefused
from drills.script import DrillScript
from drills.session import DrillSession
from drills.state import DrillState, replay
from drills.store import Store
from playbook.model import Playbook
from playbook.roles import Role, role_conflicts
from playbook.rubric import default_rubric

PEOPLE = ("alice", "bob", "carol", "mallory")
ROLES = (*(r.value for r in Role), "Ninja")
PM = "# PM\n\n## Summary\n\nx\n\n## Action Items\n\n| Action | Owner | Due | Priority |\n|-|-|-|-|\n| a | b | 2026-05-01 | P2 |\n"

actions: st.SearchStrategy[Action] = st.one_of(
    st.just(Acknowledge()),
    st.builds(Declare, severity=st.sampled_from(["SEV1", "SEV2", "SEV3", "BAD"]), title=st.just("t")),
    st.builds(AssignRole, person=st.sampled_from(PEOPLE), role=st.sampled_from(ROLES)),
    st.builds(ReleaseRole, person=st.sampled_from(PEOPLE), role=st.sampled_from(ROLES)),
    st.builds(PostUpdate, audience=st.sampled_from(["internal", "status_page", "executive"]),
              text=st.sampled_from(["", "Impact: users. We are working. Next update in 30 minutes."])),
    st.builds(AddNote, text=st.sampled_from(["", "note"])),
    st.builds(ApplyMitigation, mitigation=st.sampled_from(
        ["rollback-order-service", "raise-pool-size", "failover-database", "nope"])),
    st.builds(Escalate, target=st.sampled_from([None, "vendor"])),
    st.builds(ChangeSeverity, severity=st.sampled_from(["SEV1", "SEV2", "SEV3"])),
    st.builds(Resolve),
    st.builds(WritePostmortem, text=st.just(PM)),
    st.builds(Chat, text=st.sampled_from(["", "is it the deploy?"])),
    st.builds(MarkTimeline, message_seq=st.integers(1, 40)),
)
steps = st.lists(
    st.tuples(st.floats(0, 12), st.sampled_from(PEOPLE), actions | st.sampled_from(["pause", "resume", "speed"])),
    max_size=30,
)


def holders_ok(state: DrillState) -> bool:
    return not role_conflicts(state.holders)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_replaying_the_log_gives_the_live_state(plan: list, leak: DrillScript, book: Playbook) -> None:  # type: ignore[type-arg]
    clock = VirtualClock()
    store = Store(":memory:")
    session = DrillSession.create(script=leak, playbook=book, rubric=default_rubric(), store=store, clock=clock)
    for person in PEOPLE[:3]:
        session.join(person)
    session.start()
    for minutes, actor, action in plan:
        clock.advance(timedelta(minutes=minutes))
        session.sync()  # what the script has due is not the action's doing
        before = session.last_seq()
        try:
            if action == "pause":
                session.pause()
            elif action == "resume":
                session.resume()
            elif action == "speed":
                session.set_speed(5)
            else:
                session.act(actor, action)
        except ActionRefused:
            assert session.last_seq() == before  # a refusal changes nothing
        assert holders_ok(session.state)
        assert len(session.state.holders.get(Role.INCIDENT_COMMANDER, frozenset())) <= 1
    assert replay(session.records()) == session.state
    assert replay(store.records(session.id)) == session.state
    ats = [r.at for r in session.records()]
    assert ats == sorted(ats)
    assert [r.seq for r in session.records()] == list(range(1, len(ats) + 1))
