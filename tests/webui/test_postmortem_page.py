"""The team's postmortem page: everyone reads it, participants edit it, a stale save is a
409 that shows both texts, and nothing anyone saved is lost."""

from __future__ import annotations

import re

from tests.webui.conftest import Browser, Harness

HX = {"HX-Request": "true"}


def _base(page: str) -> int:
    found = re.search(r'name="base" value="(\d+)"', page)
    assert found, page
    return int(found.group(1))


def _resolve(harness: Harness, alice: Browser, room_id: str) -> None:
    assert alice.act(room_id, type="assign_role", role="Incident Commander").status_code == 204
    assert alice.act(room_id, type="declare", severity="SEV1", title="Payments failing").status_code == 204
    assert alice.act(room_id, type="resolve").status_code == 204


def test_two_editors_on_one_revision_the_second_sees_a_conflict_with_both_texts(harness: Harness) -> None:
    room = harness.open_room()
    alice, bob = harness.participant(room, "alice"), harness.participant(room, "bob")
    harness.minutes(room, 3)
    _resolve(harness, alice, room.id)
    url = f"/rooms/{room.id}/postmortem"
    seen_by_alice, seen_by_bob = alice.get(url).text, bob.get(url).text
    assert _base(seen_by_alice) == _base(seen_by_bob) == 0
    assert "Payments failing" in seen_by_alice  # the draft from the timeline
    assert alice.post(url, data={"text": "## Summary\nalice's", "base": "0"}).status_code == 303
    clash = bob.post(url, data={"text": "## Summary\nbob's", "base": "0"})
    assert clash.status_code == 409
    assert "alice saved revision 1 after the revision 0 you edited" in clash.text
    assert "alice&#39;s" in clash.text and "bob&#39;s" in clash.text
    assert _base(clash.text) == 1  # the merge is based on the revision that won
    merged = bob.post(url, data={"text": "## Summary\nalice's and bob's", "base": "1"})
    assert merged.status_code == 303
    page = harness.facilitator(room).get(url).text  # the facilitator reads it too
    assert "Revision 2, saved by bob" in page and "alice&#39;s and bob&#39;s" in page


def test_publishing_writes_the_team_postmortem_with_the_saved_text(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    harness.minutes(room, 3)
    _resolve(harness, alice, room.id)
    url = f"/rooms/{room.id}/postmortem"
    text = "## Summary\nPayco failed.\n\n## Root Cause\npayco outage"
    assert alice.post(url, data={"text": text, "base": "0", "publish": "1"}).status_code == 303
    written = harness.services.manager.get(room.id).state.postmortem
    assert written is not None and written.text == text and written.actor == "alice"


def test_the_facilitator_reads_but_does_not_write_and_strangers_do_neither(harness: Harness) -> None:
    room = harness.open_room()
    url = f"/rooms/{room.id}/postmortem"
    assert harness.facilitator(room).post(url, data={"text": "x", "base": "0"}).status_code == 403
    assert harness.browser().get(url).status_code == 403


def test_the_page_is_told_live_when_someone_saves_on_top_of_its_revision(harness: Harness) -> None:
    room = harness.open_room()
    alice, bob = harness.participant(room, "alice"), harness.participant(room, "bob")
    stream = f"/rooms/{room.id}/postmortem/stream?base=0"
    assert 'data-testid="newer"' not in bob.get(stream).text
    assert alice.post(f"/rooms/{room.id}/postmortem", data={"text": "## Summary\nx", "base": "0"}).status_code == 303
    told = bob.get(stream).text
    assert "event: revision" in told and 'data-testid="newer"' in told and "saved by alice" in told
    assert harness.browser().get(stream).status_code == 403
