"""Every action's rules: a legal case that records its event, and each refusal with its reason
(and no change to the session)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drills.actions import (
    Acknowledge,
    Action,
    AddNote,
    ApplyMitigation,
    AssignRole,
    ChangeSeverity,
    Declare,
    Escalate,
    PostUpdate,
    ReleaseRole,
    Resolve,
    WritePostmortem,
    action_adapter,
)
from drills.errors import ActionRefused
from drills.postmortem import draft_postmortem
from tests.drills.conftest import Drill

IC, TL = "Incident Commander", "Technical Lead"


def refused(d: Drill, actor: str, action: Action, reason: str) -> None:
    """The action is refused with ``reason`` in the message, and nothing changes."""
    d.session.sync()
    before = (d.session.last_seq(), len(d.store.records(d.session.id)))
    with pytest.raises(ActionRefused, match=reason):
        d.act(actor, action)
    assert (d.session.last_seq(), len(d.store.records(d.session.id))) == before


def declared(d: Drill) -> Drill:
    """Paged, acknowledged and declared by alice, the Incident Commander (who alone resolves)."""
    d.at(17).act("alice", Acknowledge())
    d.act("alice", Declare(severity="SEV2", title="Checkout errors"))
    d.act("alice", AssignRole(person="alice", role=IC))
    return d


def kinds(records: list) -> list[str]:  # type: ignore[type-arg]
    return [r.kind for r in records]


# -- common rules -------------------------------------------------------------------------------

def test_actions_are_refused_before_the_drill_starts(stage: Callable[..., Drill]) -> None:
    d = stage()
    d.session.join("alice")
    refused(d, "alice", AddNote(text="hello"), "has not started")


def test_actions_are_refused_while_paused_and_after_the_end(drill: Drill) -> None:
    drill.session.pause()
    refused(drill, "alice", AddNote(text="x"), "paused")
    drill.session.resume()
    drill.act("alice", AddNote(text="x"))
    drill.session.end()
    refused(drill, "alice", AddNote(text="x"), "ended")


def test_someone_who_has_not_joined_cannot_act(drill: Drill) -> None:
    refused(drill, "mallory", AddNote(text="x"), "'mallory' has not joined")


def test_actions_parse_from_json_by_type() -> None:
    action = action_adapter.validate_json('{"type": "declare", "severity": "SEV2", "title": " T "}')
    assert action == Declare(severity="SEV2", title="T")


# -- acknowledge --------------------------------------------------------------------------------

def test_acknowledging_a_page_stops_it_and_names_the_alert(drill: Drill) -> None:
    drill.at(17)
    records = drill.act("alice", Acknowledge())
    assert kinds(records) == ["acknowledged"] and records[0].ref == "high-error-rate"
    assert drill.session.state.alerts["high-error-rate"].acked_by == "alice"


def test_acknowledge_needs_an_open_page(drill: Drill) -> None:
    refused(drill, "alice", Acknowledge(), "no unacknowledged page")
    refused(drill, "alice", Acknowledge(alert_id="nope"), "no alert 'nope' has fired")
    drill.at(17).act("alice", Acknowledge())
    refused(drill, "bob", Acknowledge(alert_id="high-error-rate"), "already acknowledged")


# -- declare ------------------------------------------------------------------------------------

def test_declaring_names_the_channel_from_the_playbook_template(drill: Drill) -> None:
    (record,) = drill.at(19).act("alice", Declare(severity="SEV2", title="Checkout errors"))
    assert record.event.channel == "incident-2026-04-15-checkout-errors"  # type: ignore[union-attr]
    assert drill.session.state.severity == "SEV2"


def test_declare_refuses_a_second_declaration_an_unknown_severity_and_no_title(drill: Drill) -> None:
    refused(drill, "alice", Declare(severity="SEV9", title="x"), "unknown severity 'SEV9'")
    refused(drill, "alice", Declare(severity="SEV2", title=""), "a title is required")
    declared(drill)
    refused(drill, "bob", Declare(severity="SEV1", title="again"), "already declared")


# -- roles --------------------------------------------------------------------------------------

def test_people_claim_roles_and_the_ic_assigns_others(drill: Drill) -> None:
    drill.act("alice", AssignRole(person="alice", role=IC))
    drill.act("alice", AssignRole(person="bob", role=TL))
    assert drill.session.state.roles_of("bob") == ("Technical Lead",)


def test_a_second_incident_commander_is_refused(drill: Drill) -> None:
    drill.act("alice", AssignRole(person="alice", role=IC))
    refused(drill, "bob", AssignRole(person="bob", role=IC), "only one Incident Commander")


def test_the_ic_cannot_also_be_the_technical_lead(drill: Drill) -> None:
    drill.act("alice", AssignRole(person="alice", role=IC))
    refused(drill, "alice", AssignRole(person="alice", role=TL), "alice cannot be both")


def test_an_unknown_role_is_refused_with_the_known_ones(drill: Drill) -> None:
    refused(drill, "alice", AssignRole(person="alice", role="Ninja"), "unknown role 'Ninja'.*Scribe")


def test_only_the_ic_assigns_roles_to_others_once_there_is_one(drill: Drill) -> None:
    drill.act("alice", AssignRole(person="alice", role=IC))
    refused(drill, "bob", AssignRole(person="carol", role="Scribe"), r"only the Incident Commander \(alice\)")
    drill.act("carol", AssignRole(person="carol", role="Scribe"))


def test_role_assignment_refuses_strangers_repeats_and_full_roles(drill: Drill) -> None:
    refused(drill, "alice", AssignRole(person="zed", role=TL), "'zed' has not joined")
    drill.act("carol", AssignRole(person="carol", role="Communications Lead"))
    refused(drill, "carol", AssignRole(person="carol", role="Communications Lead"), "already holds")
    refused(drill, "dave", AssignRole(person="dave", role="Communications Lead"), r"at most 1")


def test_releasing_a_role_frees_it_for_someone_else(drill: Drill) -> None:
    drill.act("alice", AssignRole(person="alice", role=IC))
    refused(drill, "bob", ReleaseRole(person="alice", role=IC), "only the holder or the Incident Commander")
    refused(drill, "bob", ReleaseRole(person="bob", role=TL), "bob does not hold")
    drill.act("alice", ReleaseRole(person="alice", role=IC))
    drill.act("bob", AssignRole(person="bob", role=IC))
    assert drill.session.state.roles_of("bob") == ("Incident Commander",)


# -- updates and notes --------------------------------------------------------------------------

def test_updates_need_a_declared_incident_and_text(drill: Drill) -> None:
    refused(drill, "carol", PostUpdate(audience="status_page", text="x"), "declare the incident")
    declared(drill)
    refused(drill, "carol", PostUpdate(audience="internal", text="  "), "needs some text")
    (record,) = drill.act("carol", PostUpdate(audience="status_page", text="Investigating"))
    assert record.kind == "update_posted"


def test_notes_need_text_but_no_declaration(drill: Drill) -> None:
    refused(drill, "dave", AddNote(text=""), "needs some text")
    assert kinds(drill.act("dave", AddNote(text="14:20 looking at dashboards"))) == ["note_added"]


# -- mitigations --------------------------------------------------------------------------------

def test_a_mitigation_from_the_catalogue_is_applied_once(drill: Drill) -> None:
    refused(drill, "bob", ApplyMitigation(mitigation="pray"), "unknown mitigation 'pray'")
    drill.at(20).act("bob", ApplyMitigation(mitigation="rollback-order-service"))
    refused(drill, "bob", ApplyMitigation(mitigation="rollback-order-service"), "already applied")


def test_no_mitigation_after_resolving(drill: Drill) -> None:
    declared(drill).act("alice", Resolve())
    refused(drill, "bob", ApplyMitigation(mitigation="raise-pool-size"), "resolved")


# -- escalation ---------------------------------------------------------------------------------

def test_escalating_pages_the_next_rule_or_a_named_target(drill: Drill) -> None:
    refused(drill, "alice", Escalate(), "no alert has fired")
    declared(drill)
    records = drill.act("alice", Escalate())
    assert kinds(records) == ["escalated", "page_sent"]
    assert records[1].event.target == "schedule:checkout-secondary"  # type: ignore[union-attr]
    vendor = drill.act("alice", Escalate(target="PayCo support"))
    assert vendor[1].event.target == "PayCo support"  # type: ignore[union-attr]
    drill.act("alice", Resolve())
    refused(drill, "alice", Escalate(), "resolved")


# -- severity -----------------------------------------------------------------------------------

def test_changing_severity_needs_a_declared_open_incident_and_a_new_level(drill: Drill) -> None:
    refused(drill, "alice", ChangeSeverity(severity="SEV1"), "declare the incident first")
    declared(drill)
    refused(drill, "alice", ChangeSeverity(severity="SEV2"), "already SEV2")
    refused(drill, "alice", ChangeSeverity(severity="P0"), "unknown severity 'P0'")
    drill.act("alice", ChangeSeverity(severity="SEV1"))
    assert drill.session.state.severity == "SEV1"
    drill.act("alice", Resolve())
    refused(drill, "alice", ChangeSeverity(severity="SEV3"), "resolved")


# -- resolve ------------------------------------------------------------------------------------

def test_resolving_before_declaring_is_refused(drill: Drill) -> None:
    refused(drill, "alice", Resolve(), "has not been declared")


def test_resolving_twice_is_refused(drill: Drill) -> None:
    declared(drill).act("alice", Resolve(summary="rolled back"))
    assert drill.session.state.resolved
    refused(drill, "alice", Resolve(), "already resolved")


# -- postmortem ---------------------------------------------------------------------------------

def test_the_postmortem_needs_a_resolved_incident(drill: Drill) -> None:
    declared(drill)
    refused(drill, "dave", WritePostmortem(text="# PM"), "resolve the incident")


def test_the_postmortem_reads_action_items_from_its_table(drill: Drill) -> None:
    declared(drill).act("alice", Resolve())
    s = drill.session
    text = draft_postmortem(s.records(), s.state, s.script, s.playbook)
    refused(drill, "dave", WritePostmortem(text=" "), "empty")
    bad = text + "| Add an alert | @bob | next week | P1 |\n"
    refused(drill, "dave", WritePostmortem(text=bad), "not a date")
    good = text + "| Add an alert | @bob | 2026-05-01 | P1 |\n"
    (record,) = drill.act("dave", WritePostmortem(text=good))
    items = record.event.action_items  # type: ignore[union-attr]
    assert [(i.action, i.owner, i.priority) for i in items] == [("Add an alert", "@bob", "P1")]
