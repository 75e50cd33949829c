"""The participants' room: role-shaped panels, actions by form, the live stream, a whole drill."""

from __future__ import annotations

import json

from playbook.roles import Role
from tests.webui.conftest import Harness, bearer
from webui.pages import PARTICIPANT_PANELS


def test_a_stranger_gets_the_join_form_not_the_room(harness: Harness) -> None:
    room = harness.open_room()
    page = harness.browser().get(f"/rooms/{room.id}")
    assert page.status_code == 200
    assert 'action="/join"' in page.text
    assert "Timeline" not in page.text


def test_each_role_gets_its_panel(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    page = alice.get(f"/rooms/{room.id}").text
    assert "panel-declare" in page and "panel-ic" not in page
    panels = {
        Role.INCIDENT_COMMANDER: "panel-ic",
        Role.COMMS_LEAD: "panel-comms",
        Role.TECH_LEAD: "panel-tech",
        Role.SCRIBE: "panel-scribe",
    }
    for role, panel in panels.items():
        bob = harness.participant(room, f"bob-{panel}")
        assert bob.act(room.id, type="assign_role", role=role.value).status_code == 204
        assert panel in bob.get(f"/rooms/{room.id}").text


def test_the_comms_lead_gets_updates_prefilled_from_the_playbook_template(harness: Harness) -> None:
    room = harness.open_room()
    carol = harness.participant(room, "carol")
    carol.act(room.id, type="assign_role", role=Role.COMMS_LEAD.value)
    carol.act(room.id, type="declare", severity="SEV1", title="Payments failing")
    page = carol.get(f"/rooms/{room.id}").text
    # The template's prompts, not a guess at the answer: an unedited update is not complete.
    assert "What is happening: [what is happening]" in page
    assert "Next update:" in page


def test_a_refused_action_is_409_with_the_reason_and_a_malformed_one_422(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    refused = alice.act(room.id, type="resolve")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "the incident has not been declared yet", "action": "resolve"}
    assert alice.act(room.id, type="teleport").status_code == 422
    assert alice.act(room.id, type="declare", severity="SEV9", title="x").json()["detail"].startswith("unknown severity")


def test_a_whole_drill_played_through_the_pages_scores_points(harness: Harness) -> None:
    room = harness.open_room()
    alice, bob = harness.participant(room, "alice"), harness.participant(room, "bob")
    assert alice.act(room.id, type="assign_role", role=Role.INCIDENT_COMMANDER.value).status_code == 204
    assert bob.act(room.id, type="assign_role", role=Role.TECH_LEAD.value).status_code == 204
    harness.minutes(room, 4)
    alerts = bob.get(f"/rooms/{room.id}").text
    assert "Acknowledge</button>" in alerts
    assert bob.act(room.id, type="acknowledge").status_code == 204
    assert alice.act(room.id, type="declare", severity="SEV1", title="Payments failing").status_code == 204
    assert alice.act(room.id, type="add_note", prefix="Decision", text="switch processor").status_code == 204
    assert bob.act(room.id, type="look", evidence="dependencies").status_code == 204
    assert bob.act(room.id, type="hypothesis", service="payco", category="dependency").status_code == 204
    confirm = bob.act(room.id, type="operate", verb="failover", target="payments")
    assert confirm.status_code == 200 and "Yes, failover payments" in confirm.text  # destructive: asks first
    assert bob.act(room.id, type="operate", verb="failover", target="payments", confirm="yes").status_code == 200
    harness.minutes(room, 10)
    assert alice.act(room.id, type="resolve", summary="switched").status_code == 204
    page = alice.get(f"/rooms/{room.id}").text
    assert "panel-postmortem" in page and "# Postmortem: Payments failing" in page
    assert "Decision: switch processor" in page
    score = harness.client.get(f"/api/v1/rooms/{room.id}/score", headers=bearer(room.key)).json()
    points = {c["id"]: c["points"] for c in score["criteria"]}
    assert points["acknowledge"] > 0 and points["mitigation_choice"] > 0


def test_user_text_is_escaped_everywhere_it_is_shown(harness: Harness) -> None:
    room = harness.open_room()
    evil = "<script>alert(1)</script>"
    mallory = harness.participant(room, evil)
    mallory.act(room.id, type="add_note", text=f"note {evil}")
    fac = harness.facilitator(room)
    pages = [
        mallory.get(f"/rooms/{room.id}").text,
        fac.get(f"/rooms/{room.id}/facilitator").text,
        mallory.get(f"/rooms/{room.id}/stream").text,
        fac.get(f"/rooms/{room.id}/facilitator/stream").text,
        fac.get(f"/rooms/{room.id}/facilitator/report.html").text,
    ]
    for text in pages:
        assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]


def test_the_live_stream_sends_every_panel_as_server_sent_events(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    stream = alice.get(f"/rooms/{room.id}/stream")
    assert stream.headers["content-type"].startswith("text/event-stream")
    events = [line.removeprefix("event: ") for line in stream.text.splitlines() if line.startswith("event: ")]
    assert set(events) == set(PARTICIPANT_PANELS) and len(events) == len(PARTICIPANT_PANELS)
    assert {"status", "timeline", "controls", "channel", "triage", "hypotheses", "actions", "inbox"} <= set(events)
    assert stream.text.startswith("retry: 1000")


def test_nothing_a_participant_receives_holds_the_truth(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    harness.minutes(room, 30)
    truth = harness.services.manager.get(room.id).script.truth
    received = alice.get(f"/rooms/{room.id}").text + alice.get(f"/rooms/{room.id}/stream").text
    token = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": "zed"}).json()["token"]
    received += json.dumps(harness.client.get(f"/api/v1/rooms/{room.id}/view", headers=bearer(token)).json())
    assert truth.root_cause not in received
    for mitigation in truth.mitigations:
        assert mitigation.explanation not in received
    world = harness.services.manager.get(room.id).script.world
    assert world is not None
    for fault in world.faults:
        assert fault.description not in received and f'"{fault.kind}"' not in received
    assert "Root cause:" not in received and "red_herrings" not in received


def test_no_team_panel_nor_answer_a_participant_can_reach_holds_the_truth(harness: Harness) -> None:
    room = harness.open_room()
    alice, bob = harness.participant(room, "alice"), harness.participant(room, "bob")
    alice.act(room.id, type="assign_role", role=Role.INCIDENT_COMMANDER.value)
    bob.act(room.id, type="assign_role", role=Role.SCRIBE.value)
    harness.minutes(room, 12)
    alice.act(room.id, type="chat", text="what do we see?")
    bob.act(room.id, type="hypothesis", service="payments", category="code_change")
    alice.act(room.id, type="declare", severity="SEV2", title="Payments failing")
    harness.minutes(room, 40)  # stakeholders write in
    received = [
        alice.get(f"/rooms/{room.id}").text,
        bob.get(f"/rooms/{room.id}/stream").text,
        bob.get(f"/rooms/{room.id}/triage", params={"service": "payco", "error_rate": "62"}).text,
        bob.act(room.id, type="operate", verb="failover", target="payments").text,
        bob.act(room.id, type="operate", verb="failover", target="payments", confirm="yes").text,
        bob.get(f"/rooms/{room.id}/rejoin").text,
        alice.get(f"/rooms/{room.id}").text,
    ]
    text = "\n".join(received)
    assert "Stakeholders" in text and "what do we see?" in text
    session = harness.services.manager.get(room.id)
    assert session.state.messages, "a stakeholder should have written by minute 52"
    world = session.script.world
    assert world is not None
    for fault in world.faults:
        assert fault.description not in text and fault.id not in text
    assert "red_herring" not in text and "remedies" not in text
    assert session.script.truth.root_cause not in text and "Root cause:" not in text


def test_the_comms_lead_can_refill_an_update_from_what_the_team_has_seen_since(harness: Harness) -> None:
    room = harness.open_room()
    carol, bob = harness.participant(room, "carol"), harness.participant(room, "bob")
    carol.act(room.id, type="assign_role", role=Role.COMMS_LEAD.value)
    carol.act(room.id, type="declare", severity="SEV1", title="Payments failing")
    harness.minutes(room, 6)
    assert "[impact: who is affected" in carol.get(f"/rooms/{room.id}/prefill", params={"box": "comms-status"}).text
    bob.act(room.id, type="look", evidence="metrics", service="checkout")
    look = harness.services.manager.get(room.id).records()[-1]
    errors = look.event.result["error_rate"][-1]  # type: ignore[union-attr]  # what bob was shown
    box = carol.get(f"/rooms/{room.id}/prefill", params={"box": "comms-status"})
    assert box.status_code == 200 and box.text.startswith('<textarea name="text" id="comms-status" rows="7">')
    assert f"checkout: errors {round(errors, 1):g}%" in box.text and "hx-preserve" not in box.text
    assert carol.get(f"/rooms/{room.id}/prefill", params={"box": "elsewhere"}).status_code == 422
