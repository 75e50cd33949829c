"""The actions panel and the honest states: a destructive verb runs only once confirmed, a
refused one says why before any confirmation, only the IC resolves (and a team without one is
told why), and controls that cannot work are disabled with the engine's reason."""

from __future__ import annotations

from playbook.roles import Role
from tests.webui.conftest import Browser, Harness, Room


def operated(harness: Harness, room: Room) -> list[str]:
    session = harness.services.manager.get(room.id)
    return [r.event.label for r in session.records() if r.kind == "operated"]  # type: ignore[union-attr]


def test_a_destructive_action_asks_for_a_confirmation_and_runs_only_once_confirmed(harness: Harness) -> None:
    room = harness.open_room()
    bob = harness.participant(room, "bob")
    asked = bob.act(room.id, type="operate", verb="restart", target="payments")
    assert asked.status_code == 200 and 'data-testid="confirm"' in asked.text
    assert "restart payments?" in asked.text and "every replica restarts" in asked.text
    assert '<input type="hidden" name="confirm" value="yes">' in asked.text
    assert operated(harness, room) == []  # asking ran nothing
    done = bob.act(room.id, type="operate", verb="restart", target="payments", confirm="yes")
    assert done.status_code == 200 and 'data-testid="receipt"' in done.text and "restart payments" in done.text
    assert operated(harness, room) == ["restart payments"]


def test_an_action_that_cannot_take_effect_back_needs_no_confirmation(harness: Harness) -> None:
    room = harness.open_room()
    bob = harness.participant(room, "bob")
    done = bob.act(room.id, type="operate", verb="set_timeout", target="payments", param="2000")
    assert done.status_code == 200 and 'data-testid="receipt"' in done.text
    assert operated(harness, room) == ["set timeout payments timeout to 2000 ms"]


def test_a_refused_destructive_action_says_why_before_any_confirmation(harness: Harness) -> None:
    room = harness.open_room()
    bob = harness.participant(room, "bob")
    refused = bob.act(room.id, type="operate", verb="rollback", target="payments", param="v0.0.1")
    assert refused.status_code == 409 and "has no version 'v0.0.1'" in refused.json()["detail"]
    external = bob.act(room.id, type="operate", verb="restart", target="payco")
    assert external.status_code == 409 and "run by a third party" in external.json()["detail"]


def test_without_javascript_the_confirmation_is_a_page_of_its_own(harness: Harness) -> None:
    room = harness.open_room()
    bob = harness.participant(room, "bob")
    page = bob.post(f"/rooms/{room.id}/act", data={"type": "operate", "verb": "failover", "target": "payments"})
    assert page.status_code == 200 and "<!doctype html>" in page.text and "Back to the room" in page.text
    assert f'<form method="post" action="/rooms/{room.id}/act"' in page.text and 'name="csrf_token"' in page.text
    confirmed = bob.post(f"/rooms/{room.id}/act",
                         data={"type": "operate", "verb": "failover", "target": "payments", "confirm": "yes"})
    assert confirmed.status_code == 303 and operated(harness, room) == ["failover payments"]


def declared(harness: Harness, room: Room) -> tuple[Browser, Browser]:
    alice, bob = harness.participant(room, "alice"), harness.participant(room, "bob")
    assert alice.act(room.id, type="declare", severity="SEV1", title="Payments failing").status_code == 204
    return alice, bob


def test_a_team_without_an_incident_commander_is_told_why_it_cannot_resolve(harness: Harness) -> None:
    room = harness.open_room()
    alice, _ = declared(harness, room)
    page = alice.get(f"/rooms/{room.id}").text
    assert 'id="resolve-reason">the team has no Incident Commander: someone must take the role, and only they resolve.' in page
    refused = alice.act(room.id, type="resolve")
    assert refused.status_code == 409 and "no Incident Commander" in refused.json()["detail"]


def test_only_the_incident_commander_resolves_and_the_others_see_why(harness: Harness) -> None:
    room = harness.open_room()
    alice, bob = declared(harness, room)
    alice.act(room.id, type="assign_role", role=Role.INCIDENT_COMMANDER.value)
    bob_page = bob.get(f"/rooms/{room.id}").text
    assert "only the Incident Commander (alice) resolves the incident." in bob_page
    assert 'button type="button" class="danger" disabled aria-describedby="resolve-reason"' in bob_page
    assert bob.act(room.id, type="resolve").status_code == 409
    assert "Resolve the incident</button>" in alice.get(f"/rooms/{room.id}").text
    assert alice.act(room.id, type="resolve", summary="switched").status_code == 204


def test_a_role_held_by_another_is_disabled_with_the_reason(harness: Harness) -> None:
    room = harness.open_room()
    alice, bob = harness.participant(room, "alice"), harness.participant(room, "bob")
    alice.act(room.id, type="assign_role", role=Role.INCIDENT_COMMANDER.value)
    roles = bob.get(f"/rooms/{room.id}").text.split('id="panel-roles"')[1].split("</section>")[0]
    assert '<option value="Incident Commander" disabled>Incident Commander (held by alice)</option>' in roles
    assert "<li>Incident Commander: only one Incident Commander is allowed (have alice, bob)</li>" in roles
    assert '<option value="Scribe" >Scribe</option>' in roles


def test_declaring_before_the_start_is_closed_with_the_reason(harness: Harness) -> None:
    room = harness.open_room(start=False)
    alice = harness.participant(room, "alice")
    page = alice.get(f"/rooms/{room.id}").text
    assert 'id="declare-reason">Declaring is closed: the drill has not started yet.' in page
    assert 'id="declare-title"' not in page


def test_after_the_end_the_forms_are_closed_with_the_reason(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    harness.services.manager.get(room.id).end("time")
    page = alice.get(f"/rooms/{room.id}").text
    assert "The drill has ended" in page and 'id="panel-roles"' not in page
    assert "Actions are closed: the drill has ended." in page
    assert "You cannot write now: the drill has ended." in page
