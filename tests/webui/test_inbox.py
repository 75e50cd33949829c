"""The stakeholder inbox and the hypotheses board as the pages show them: who wrote, when and
where, the team's replies under each message; the board lists who thought what, when."""

from __future__ import annotations

import re

from tests.webui.conftest import Harness


def test_a_stakeholder_message_arrives_in_everyones_inbox_and_a_reply_shows_under_it(harness: Harness) -> None:
    room = harness.open_room()
    alice, bob = harness.participant(room, "alice"), harness.participant(room, "bob")
    harness.minutes(room, 30)  # users are hurt from minute 1: support forwards tickets
    session = harness.services.manager.get(room.id)
    first = next(iter(session.state.messages.values()))
    inbox = bob.get(f"/rooms/{room.id}").text.split('id="inbox"')[1].split("</section>")[0]
    assert f"<strong>{first.sender}</strong> · {first.channel}" in inbox
    assert f'name="message_id" value="{first.message_id}"' in inbox
    assert alice.act(room.id, type="reply", message_id=first.message_id, text="We are on it; next update 16:00").status_code == 204
    inbox = bob.get(f"/rooms/{room.id}").text.split('id="inbox"')[1].split("</section>")[0]
    assert re.search(r"alice at <time>\d\d:\d\d</time>: We are on it; next update 16:00", inbox)
    assert "· answered" in inbox
    unknown = alice.act(room.id, type="reply", message_id="nobody-1", text="hi")
    assert unknown.status_code == 409 and "no message 'nobody-1' has arrived" in unknown.json()["detail"]


def test_the_hypotheses_board_shows_who_thought_what_and_when(harness: Harness) -> None:
    room = harness.open_room()
    bob = harness.participant(room, "bob")
    harness.minutes(room, 4)
    assert bob.act(room.id, type="hypothesis", service="payments", category="code_change",
                   text="the 3DS2 deploy").status_code == 204
    board = harness.participant(room, "carol").get(f"/rooms/{room.id}").text
    board = board.split('id="hypotheses"')[1].split("</section>")[0]
    # drill minute 4 on a clock starting at 15:20
    assert "<strong>payments · code change</strong>: the 3DS2 deploy" in board
    assert '<span class="meta">bob at <time>15:24</time></span>' in board
    bad = bob.act(room.id, type="hypothesis", service="mainframe", category="code_change")
    assert bad.status_code == 409 and "no service 'mainframe'" in bad.json()["detail"]
