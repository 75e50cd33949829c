"""The incident channel in the browser pages: a message reaches everyone's page and stream,
the Scribe alone marks one as a timeline entry, and the channel is named as the seeds say."""

from __future__ import annotations

from playbook.roles import Role
from tests.webui.conftest import Harness

# payment-provider-outage's drill clock starts at 2026-07-09T15:20Z (its clock_start).
DAY = "incident-2026-07-09"


def sse_events(text: str) -> dict[str, str]:
    """event name -> its data lines joined, for the last message of each event."""
    out: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
            out[name] = ""
        elif line.startswith("data: ") and name:
            out[name] += line.removeprefix("data: ") + "\n"
    return out


def test_a_message_reaches_another_participants_page_and_stream_with_author_role_and_time(harness: Harness) -> None:
    room = harness.open_room()
    alice, bob = harness.participant(room, "alice"), harness.participant(room, "bob")
    assert alice.act(room.id, type="assign_role", role=Role.INCIDENT_COMMANDER.value).status_code == 204
    harness.minutes(room, 3)
    assert alice.act(room.id, type="chat", text="Is payco down for anyone else?").status_code == 204
    page = bob.get(f"/rooms/{room.id}").text
    channel = sse_events(bob.get(f"/rooms/{room.id}/stream").text)["channel"]
    for text in (page, channel):
        assert "Is payco down for anyone else?" in text
        assert '<span class="author">alice</span>' in text and "Incident Commander" in text
        assert "<time>" in text
    assert f"#{DAY}" in channel


def test_the_channel_takes_the_incidents_name_when_it_is_declared(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    assert f"#{DAY}</h2>" in alice.get(f"/rooms/{room.id}").text
    alice.act(room.id, type="declare", severity="SEV1", title="Card payments failing")
    assert f"#{DAY}-card-payments-failing</h2>" in alice.get(f"/rooms/{room.id}").text


def test_only_the_scribe_can_mark_a_message_and_it_appears_in_everyones_timeline(harness: Harness) -> None:
    room = harness.open_room()
    bob, dave = harness.participant(room, "bob"), harness.participant(room, "dave")
    bob.act(room.id, type="chat", text="payments errors started at 14:02")
    assert "Add to timeline" not in bob.get(f"/rooms/{room.id}").text  # nobody is Scribe
    dave.act(room.id, type="assign_role", role=Role.SCRIBE.value)
    page = dave.get(f"/rooms/{room.id}").text
    assert "Add to timeline</button>" in page
    seq = int(page.split('name="message_seq" value="')[1].split('"')[0])
    refused = bob.act(room.id, type="mark_timeline", message_seq=str(seq))
    assert refused.status_code == 409 and refused.json()["detail"] == "only the Scribe (dave) marks messages as timeline entries"
    assert dave.act(room.id, type="mark_timeline", message_seq=str(seq)).status_code == 204
    timeline = bob.get(f"/rooms/{room.id}").text.split('id="timeline"')[1].split("</section>")[0]
    assert "bob: payments errors started at 14:02 (timeline entry by dave)" in timeline
    assert "Add to timeline</button>" not in dave.get(f"/rooms/{room.id}").text


def test_before_the_start_the_message_box_is_disabled_with_the_reason(harness: Harness) -> None:
    room = harness.open_room(start=False)
    alice = harness.participant(room, "alice")
    page = alice.get(f"/rooms/{room.id}").text
    assert 'id="chat-reason">You cannot write now: the drill has not started yet.' in page
    assert alice.act(room.id, type="chat", text="hello").status_code == 409


def test_a_message_past_the_text_budget_is_refused_with_the_field(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    limit = harness.services.settings.max_text
    response = alice.act(room.id, type="chat", text="x" * (limit + 1))
    assert response.status_code == 422 and "text" in response.json()["detail"]
