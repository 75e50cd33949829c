"""The shared layout's accessibility hooks, as served (the browser tests drive them live):
the connection banner and the live region are on every page, hidden and empty until needed;
a participant's tab title counts the pages still waiting for someone."""

from __future__ import annotations

import re

from tests.webui.conftest import Harness


def _title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found is not None
    return found.group(1).strip()


def test_every_page_has_a_hidden_connection_banner_a_polite_live_region_and_a_skip_link(harness: Harness) -> None:
    for path in ("/", "/join", "/signin"):
        page = harness.browser().get(path).text
        assert re.search(r'<div id="connection" class="[^"]*" role="alert" hidden>Connection lost, reconnecting', page)
        assert '<div id="announcer" class="visually-hidden" aria-live="polite" aria-atomic="false"></div>' in page
        assert '<a class="skip" href="#main">' in page and '<main id="main">' in page


def test_a_participants_tab_title_counts_the_pages_nobody_acknowledged(harness: Harness) -> None:
    room = harness.open_room()  # its first page fires at drill minute 2
    alice = harness.participant(room, "alice")
    title = "Payments on a busy afternoon"  # drills/library/payment-provider-outage.yaml
    assert _title(alice.get(f"/rooms/{room.id}").text) == f"{title} · drillbit"
    harness.minutes(room, 3)
    page = alice.get(f"/rooms/{room.id}").text
    # The world fires the error-rate and the burn-rate alerts together at minute 3: two pages.
    assert _title(page) == f"(2) {title} · drillbit"
    assert 'data-announce="New page" data-unread="li.paging"' in page
    assert alice.act(room.id, type="acknowledge").status_code == 204
    assert _title(alice.get(f"/rooms/{room.id}").text) == f"(1) {title} · drillbit"
    assert alice.act(room.id, type="acknowledge").status_code == 204
    assert _title(alice.get(f"/rooms/{room.id}").text) == f"{title} · drillbit"
