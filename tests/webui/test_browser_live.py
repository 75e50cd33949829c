"""Real browsers on the live pages' honest states and accessibility basics (Debian's
chromium through Playwright, a real ``python -m webui`` process).

- A participant on a phone-sized screen (390x844) sees no horizontal scroll; a new page is
  announced in the live region and counted in the tab title; when another participant's
  action re-renders the panel holding the keyboard focus, the focus stays on the same
  control; when the server goes away the page says "Connection lost, reconnecting" and,
  once the server is back on the same port, the banner clears and live updates flow again.
- A study run's page shows its progress pushed by the server (one stream, no polling) to
  the verdict; with JavaScript off the same page shows the state, a reload link, and a
  cancel button that works.

Waiting is Playwright's auto-waiting ``expect`` only. ``DRILLBIT_SCREENSHOTS=1`` saves the
pages under ``docs/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.webui.live_server import ADMIN, ARGS, CHROMIUM, LiveServer, live_server, shoot

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Counts the swaps each live panel received, so a test can wait for a re-render.
COUNT_SWAPS = """
window.__swaps = {};
document.addEventListener("htmx:sseMessage", function (e) {
  var id = e.target.id || "?";
  window.__swaps[id] = (window.__swaps[id] || 0) + 1;
  var state = document.querySelector("[data-testid=run-state]");
  (window.__states = window.__states || []).push(state ? state.textContent.trim() : "");
});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("live")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _open_room(server: LiveServer) -> dict[str, str]:
    response = httpx.post(
        f"{server.url}/api/v1/rooms",
        json={"script": "payment-provider-outage", "speed": 60, "start": False},
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _api(server: LiveServer, path: str, token: str, body: dict[str, object]) -> None:
    response = httpx.post(f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 300, response.text


def test_a_participant_page_on_a_phone_announces_keeps_focus_and_says_when_the_stream_is_lost(
    server: LiveServer, browser: Any
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    room = _open_room(server)
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(script=COUNT_SWAPS)
    alice = context.new_page()
    alice.goto(f"{server.url}/join/{room['join_code']}")
    alice.get_by_label("Your name").fill("alice")
    alice.get_by_role("button", name="Join the drill").click()
    expect(alice.get_by_test_id("you")).to_have_text("alice")
    expect(alice).to_have_title(re.compile(r"^Payments"))  # nothing unread yet

    # The drill starts; its first page fires at drill minute 2 (2 s at x60).
    _api(server, f"/api/v1/rooms/{room['session_id']}/control", room["facilitator_key"],
         {"command": "start", "speed": 60})
    # The world's error-rate and burn-rate alerts fire together: two pages.
    ack = alice.get_by_role("button", name="Acknowledge")
    expect(ack).to_have_count(2)
    expect(alice).to_have_title(re.compile(r"^\(2\) Payments"))
    expect(alice.locator("#announcer")).to_contain_text("New page: ")
    assert alice.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(alice, "participant-390x844")

    # alice is the IC; bob joins and takes a role while her focus is in the IC's
    # assign form: her forms are re-rendered (bob is now in the person list).
    alice.locator("#panel-roles select").select_option("Incident Commander")
    alice.get_by_role("button", name="Claim role").click()
    person = alice.locator("#panel-ic select[name=person]")
    expect(person.locator("option")).to_have_count(1)
    person.focus()
    joined = httpx.post(f"{server.url}/api/v1/join", json={"join_code": room["join_code"], "name": "bob"})
    assert joined.status_code == 201, joined.text
    bob = joined.json()["token"]
    _api(server, f"/api/v1/rooms/{room['session_id']}/actions", bob,
         {"type": "assign_role", "person": "bob", "role": "Technical Lead"})
    expect(person.locator("option")).to_have_count(2)  # the panel was re-rendered
    expect(alice.locator("#announcer")).to_contain_text("bob joined")
    expect(person).to_be_focused()

    alice.set_viewport_size(DESKTOP)
    shoot(alice, "participant")

    # The server goes away: the page says so; it comes back: the banner clears.
    banner = alice.get_by_role("alert").filter(has_text="Connection lost, reconnecting")
    expect(banner).to_be_hidden()
    server.stop()
    expect(banner).to_be_visible(timeout=10_000)
    server.start()
    expect(banner).to_be_hidden(timeout=20_000)
    for _ in range(2):  # both pages
        _api(server, f"/api/v1/rooms/{room['session_id']}/actions", bob, {"type": "acknowledge"})
    expect(alice.locator("#alerts")).to_contain_text("acknowledged by bob")
    expect(alice).to_have_title(re.compile(r"^Payments"))  # the pages were read
    context.close()


def test_a_study_runs_page_is_pushed_to_its_verdict_and_works_without_javascript(
    server: LiveServer, browser: Any
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    for javascript in (True, False):
        context = browser.new_context(viewport=DESKTOP, java_script_enabled=javascript)
        context.add_init_script(script=COUNT_SWAPS)
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r, seen=requests: seen.append(r.url))
        page.goto(f"{server.url}/signin")
        page.get_by_label("Admin token").fill(ADMIN)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{server.url}/studies/mmc")
        # A short run with JavaScript (the HTTP stream test counts its replications); a
        # long one to cancel without.
        page.get_by_label("Replications").fill("2" if javascript else "100")
        page.get_by_label("Horizon (days)").fill("50" if javascript else "365")
        page.get_by_role("button", name="Run the study").click()
        state = page.get_by_test_id("run-state")
        expect(state).to_contain_text(re.compile("Running|Queued"))
        if javascript:
            expect(state).to_have_text("done", timeout=60_000)
            expect(page.get_by_role("heading", name="Verdict")).to_be_visible()
            assert page.evaluate("window.__states").pop() == "done"  # pushed in, not reloaded
            assert sum("/stream" in url for url in requests) == 1  # no reconnect after the end
            assert not any("/progress" in url for url in requests)
            shoot(page, "study-run")
        else:
            expect(page.get_by_role("link", name="Reload this page")).to_be_visible()
            page.get_by_role("button", name="Cancel this run").click()
            expect(state).to_have_text("cancelled")
            assert not any("/stream" in url for url in requests)
        context.close()
