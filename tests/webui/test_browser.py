"""Real browsers: Playwright for Python driving Debian's chromium (never a downloaded one).

A facilitator signs in and opens a drill, two participants join in separate browser contexts,
they play it to resolution, and the facilitator sees the score. What one participant does
reaches every other page within a second (measured: the time from the click until the other
pages show it, printed with ``-s``). The server is a real ``python -m webui``
process on a free loopback port. Waiting is Playwright's auto-waiting ``expect`` only.

``DRILLBIT_SCREENSHOTS=1`` saves the main pages under ``docs/screenshots/``. Skipped only when
``/usr/bin/chromium`` is missing (``apt-get install chromium``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.webui.live_server import ADMIN, ARGS, CHROMIUM, live_server, shoot

WITHIN_MS = 1000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with live_server(tmp_path) as running:
        yield running.url


def test_a_facilitator_and_two_participants_play_a_drill_to_its_score(server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            size = {"width": 1500, "height": 1000}
            fac = browser.new_context(viewport=size).new_page()
            fac.goto(server + "/")
            expect(fac.locator("[data-drill]")).to_have_count(0)
            fac.goto(server + "/signin")
            fac.get_by_label("Admin token").fill(ADMIN)
            fac.get_by_role("button", name="Sign in").click()
            expect(fac.locator("[data-drill]")).to_have_count(10)
            shoot(fac, "home")
            fac.locator('[data-drill="payment-provider-outage"] button').click()
            expect(fac.get_by_text("Root cause:")).to_be_visible()
            code = fac.get_by_test_id("join-code").inner_text()
            fac.locator("#controls select[name=speed]").select_option("60")
            fac.get_by_role("button", name="Start the drill").click()
            expect(fac.get_by_test_id("status")).to_have_text("running")

            people = {}
            for name, role in (("alice", "Incident Commander"), ("bob", "Technical Lead")):
                page = browser.new_context(viewport=size).new_page()
                page.goto(f"{server}/join/{code}")
                page.get_by_label("Your name").fill(name)
                page.get_by_role("button", name="Join the drill").click()
                expect(page.get_by_test_id("you")).to_have_text(name)
                expect(page.get_by_test_id("status")).to_have_text("running")
                page.locator("#panel-roles select").select_option(role)
                page.get_by_role("button", name="Claim role").click()
                expect(page.locator("#roster")).to_contain_text(f"{name} (you): {role}")
                people[name] = page
            alice, bob = people["alice"], people["bob"]
            expect(fac.get_by_test_id("roster")).to_contain_text("alice: Incident Commander")
            expect(alice.locator("#roster")).to_contain_text("bob: Technical Lead")


            lags: dict[str, float] = {}
            # The page arrives on the drill clock: wait for it, then time the click alone.
            acknowledge = bob.get_by_role("button", name="Acknowledge").first
            expect(acknowledge).to_be_visible(timeout=30_000)
            clicked = time.monotonic()
            acknowledge.click()
            expect(alice.locator("#alerts")).to_contain_text("acknowledged by bob", timeout=WITHIN_MS)
            lags["acknowledge -> alice"] = time.monotonic() - clicked
            alice.locator("#declare-severity").select_option("SEV1")
            alice.locator("#declare-title").fill("Card payments failing <script>x</script>")
            clicked = time.monotonic()
            alice.get_by_role("button", name="Declare").click()
            for who, page in (("alice", alice), ("bob", bob), ("facilitator", fac)):
                expect(page.locator("#timeline")).to_contain_text(
                    "declared SEV1: Card payments failing <script>x</script>", timeout=WITHIN_MS
                )
                lags[f"declare -> {who}"] = time.monotonic() - clicked
            print("same state everywhere within (s):", {k: round(v, 3) for k, v in lags.items()})
            assert max(lags.values()) < WITHIN_MS / 1000
            bob.locator("#form-operate select[name=verb]").select_option("failover")
            bob.locator("#form-operate select[name=target]").select_option("payments")
            bob.locator("#form-operate").get_by_role("button", name="Run").click()
            confirm = bob.get_by_role("button", name="Yes, failover payments")  # a destructive verb
            expect(confirm).to_be_focused()
            confirm.click()
            expect(alice.locator("#timeline")).to_contain_text("bob ran: failover payments")
            shoot(bob, "participant-technical-lead")
            alice.get_by_label("Resolution summary").fill("Switched to the secondary processor")
            alice.get_by_role("button", name="Resolve the incident").click()
            for page in (alice, bob):
                expect(page.get_by_test_id("resolved")).to_be_visible()
            expect(alice.locator("#panel-postmortem textarea")).to_contain_text("# Postmortem: Card payments failing")
            shoot(alice, "participant-incident-commander")

            fac.get_by_role("button", name="End the drill").click()
            expect(fac.get_by_test_id("status")).to_have_text("ended")
            expect(fac.locator("#score table")).to_contain_text("acknowledge")
            total = float(fac.get_by_test_id("score-total").inner_text())
            assert total > 0
            shoot(fac, "facilitator")
            for page in (alice, bob):
                expect(page.get_by_test_id("status")).to_have_text("ended")
        finally:
            browser.close()
