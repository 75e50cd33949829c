"""Role rules: one Incident Commander, and the IC is never also the Technical Lead."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from playbook.roles import Role, role_conflicts

people = st.frozensets(st.sampled_from(["alice", "bob", "carol"]), max_size=3)


def test_ic_who_is_also_tech_lead_is_a_conflict() -> None:
    problems = role_conflicts(
        {Role.INCIDENT_COMMANDER: frozenset({"bob"}), Role.TECH_LEAD: frozenset({"bob", "carol"})}
    )
    assert problems == ["bob cannot be both Incident Commander and Technical Lead"]


def test_two_incident_commanders_is_a_conflict() -> None:
    problems = role_conflicts({Role.INCIDENT_COMMANDER: frozenset({"bob", "alice"})})
    assert problems == ["only one Incident Commander is allowed (have alice, bob)"]


def test_separate_people_in_every_role_is_fine() -> None:
    assert role_conflicts({role: frozenset({role.name}) for role in Role}) == []


@given(ic=people, tl=people, comms=people)
def test_assignment_is_allowed_exactly_when_one_ic_who_is_not_tech_lead(
    ic: frozenset[str], tl: frozenset[str], comms: frozenset[str]
) -> None:
    assignments = {Role.INCIDENT_COMMANDER: ic, Role.TECH_LEAD: tl, Role.COMMS_LEAD: comms}
    allowed = len(ic) <= 1 and not (ic & tl)
    assert (role_conflicts(assignments) == []) is allowed
