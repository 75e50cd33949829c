"""The incident channel in real browsers (Debian's chromium): a message reaches the other
participant's page within a second, what the other is typing (and their focus) survives the
re-render it causes, a select keeps its choice when someone else's action re-renders it, and
the Scribe's mark shows on both pages. Waiting is Playwright's
auto-waiting ``expect`` only."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.webui.live_server import ADMIN, ARGS, CHROMIUM, live_server, shoot

WITHIN_MS = 1000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with live_server(tmp_path) as running:
        yield running.url


def _join(browser: Any, url: str, code: str, name: str, role: str) -> Any:
    expect = pytest.importorskip("playwright.sync_api").expect
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{url}/join/{code}")
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join the drill").click()
    expect(page.get_by_test_id("you")).to_have_text(name)
    page.locator("#panel-roles select").select_option(role)
    page.get_by_role("button", name="Claim role").click()
    expect(page.locator("#roster")).to_contain_text(f"{name} (you): {role}")
    return page


def test_a_message_reaches_the_other_page_at_once_without_wiping_what_it_is_typing(server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    created = httpx.post(f"{server}/api/v1/rooms", json={"script": "payment-provider-outage", "speed": 1, "start": True},
                         headers={"Authorization": f"Bearer {ADMIN}"}).json()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            alice = _join(browser, server, created["join_code"], "alice", "Incident Commander")
            alice.locator("#claim-role").select_option("Communications Lead")  # chosen, not claimed yet
            dave = _join(browser, server, created["join_code"], "dave", "Scribe")
            expect(alice.locator("#panel-roles")).to_contain_text("Scribe (held by dave)")  # re-rendered
            expect(alice.locator("#claim-role")).to_have_value("Communications Lead")  # her choice kept
            dave.locator("#chat-text").fill("half a thought")  # dave is typing, his focus in the box
            alice.locator("#chat-text").fill("Is payco down for anyone else?")
            clicked = time.monotonic()
            alice.locator("#form-chat").get_by_role("button", name="Send").click()
            expect(dave.locator("#channel")).to_contain_text("alice: Is payco down for anyone else?", timeout=WITHIN_MS)
            lag = time.monotonic() - clicked
            print(f"message -> other page within {lag:.3f} s")
            assert lag < WITHIN_MS / 1000
            expect(dave.locator("#chat-text")).to_have_value("half a thought")
            expect(dave.locator("#chat-text")).to_be_focused()
            expect(alice.locator("#chat-text")).to_have_value("")  # sent: emptied
            dave.get_by_role("button", name=re.compile("Mark the message of alice")).click()
            for page in (alice, dave):
                expect(page.locator("#channel")).to_contain_text("timeline · dave")
                expect(page.locator("#timeline")).to_contain_text("(timeline entry by dave)")
            shoot(dave, "participant-channel")
        finally:
            browser.close()
