"""Rejoin as yourself from another browser: a personal, signed link that sets the participant
cookie there; a forged link, another room's, or another token's kind is 403."""

from __future__ import annotations

import re

from tests.webui.conftest import Harness
from webui.security import participant_token, rejoin_token


def rejoin_link(page: str) -> str:
    match = re.search(r'value="http://testserver(/rooms/[^"]+/rejoin/[^"]+)"', page)
    assert match, page
    return match.group(1)


def test_the_rejoin_link_opens_the_room_as_you_in_another_browser(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    assert f'href="/rooms/{room.id}/rejoin"' in alice.get(f"/rooms/{room.id}").text
    shown = alice.get(f"/rooms/{room.id}/rejoin")
    assert shown.headers["cache-control"] == "no-store" and shown.headers["referrer-policy"] == "no-referrer"
    link = rejoin_link(shown.text)
    phone = harness.browser()
    opened = phone.get(link)
    assert opened.status_code == 303 and opened.headers["location"] == f"/rooms/{room.id}"
    page = phone.get(f"/rooms/{room.id}").text
    assert 'You are <strong data-testid="you">alice</strong>' in page
    assert phone.act(room.id, type="chat", text="from my phone").status_code == 204
    assert harness.services.manager.get(room.id).records()[-1].actor == "alice"


def test_a_forged_or_foreign_rejoin_link_is_403(harness: Harness) -> None:
    room, other = harness.open_room(), harness.open_room()
    alice = harness.participant(room, "alice")
    harness.participant(other, "alice")
    link = rejoin_link(alice.get(f"/rooms/{room.id}/rejoin").text)
    token = link.rsplit("/", 1)[1]
    secret = harness.services.secret
    forged = [
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),  # a wrong signature
        rejoin_token(b"another-secret-entirely-0123456789", room.id, "alice"),  # another server's
        participant_token(secret, room.id, "alice"),  # a cookie token is no rejoin token
        rejoin_token(secret, room.id, "mallory"),  # a name that never joined
    ]
    for bad in forged:
        assert harness.browser().get(f"/rooms/{room.id}/rejoin/{bad}").status_code == 403
    # alice's link of one room does not open the other, where an "alice" also joined.
    assert harness.browser().get(f"/rooms/{other.id}/rejoin/{token}").status_code == 403


def test_the_rejoin_page_is_for_participants_only(harness: Harness) -> None:
    room = harness.open_room()
    assert harness.browser().get(f"/rooms/{room.id}/rejoin").status_code == 403


def test_names_are_unique_ignoring_case_so_a_rejoin_is_the_only_way_back_in(harness: Harness) -> None:
    room = harness.open_room()
    harness.participant(room, "alice")
    again = harness.browser().post("/join", data={"code": room.code, "name": "ALICE"})
    assert again.status_code == 409 and "taken" in again.text


def test_wrong_rejoin_links_count_as_guesses_and_then_even_the_right_one_is_429(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    link = rejoin_link(alice.get(f"/rooms/{room.id}/rejoin").text)
    guesser = harness.browser()
    limit = harness.services.settings.guesses_per_minute
    for i in range(limit):
        assert guesser.get(f"/rooms/{room.id}/rejoin/j1.wrong{i}").status_code == 403
    assert guesser.get(link).status_code == 429
