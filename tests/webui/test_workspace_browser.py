"""The participant workspace in a real browser (Debian's chromium through Playwright, a real
``python -m webui`` process): every panel renders, the tabs work by keyboard alone, the
dashboards update live while the focus stays put, an alert's runbook opens in the workspace,
each request is a recorded look, and the phone layout does not scroll sideways.

Waiting is Playwright's auto-waiting ``expect`` only. ``DRILLBIT_SCREENSHOTS=1`` saves one
screenshot per panel under ``docs/screenshots/`` (``workspace-*.png``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.webui.live_server import ADMIN, ARGS, CHROMIUM, live_server, shoot

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def server(tmp_path: Any) -> Iterator[str]:
    with live_server(tmp_path) as running:
        yield running.url


def _looks(url: str, room: dict[str, str]) -> list[str]:
    response = httpx.get(f"{url}/api/v1/rooms/{room['session_id']}/events",
                         headers={"Authorization": f"Bearer {room['facilitator_key']}"})
    assert response.status_code == 200, response.text
    return [r["data"]["evidence"] for r in response.json()["records"] if r["kind"] == "evidence_viewed"]


def test_every_workspace_panel_renders_and_works_by_keyboard(server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    response = httpx.post(f"{server}/api/v1/rooms", json={"script": "payment-provider-outage", "speed": 60},
                          headers={"Authorization": f"Bearer {ADMIN}"})
    assert response.status_code == 201, response.text
    room = response.json()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_context(viewport=DESKTOP).new_page()
            page.goto(f"{server}/join/{room['join_code']}")
            page.get_by_label("Your name").fill("dave")
            page.get_by_role("button", name="Join the drill").click()
            expect(page.get_by_test_id("you")).to_have_text("dave")

            # Pager: dave is on call; both critical alerts page him at minute 3 (3 s at x60).
            expect(page.locator("li.page-to-you")).to_have_count(2, timeout=30_000)
            expect(page.locator("#ws-pager")).to_contain_text("via schedule:checkout-primary")
            expect(page).to_have_title(re.compile(r"^\(2\) Payments"))
            shoot(page, "workspace-pager", full_page=False)

            # Keyboard alone: the arrow moves along the tabs, Enter opens one (a look).
            page.locator("#tab-pager").focus()
            page.keyboard.press("End")
            expect(page.locator("#tab-dependencies")).to_be_focused()
            page.keyboard.press("ArrowRight")  # wraps round
            expect(page.locator("#tab-pager")).to_be_focused()
            expect(page.locator("#ws-pager")).to_be_visible()  # moving the focus opens nothing
            page.keyboard.press("ArrowRight")
            expect(page.locator("#tab-dashboards")).to_be_focused()
            page.keyboard.press("Enter")
            expect(page.locator("#tab-dashboards")).to_have_attribute("aria-selected", "true")
            expect(page.locator("#ws-pager")).to_be_hidden()
            expect(page.locator("#dashboards-body svg.chart")).to_have_count(5)
            # Live: the body re-fetches once a drill minute, and the focus stays in the form.
            window = page.locator("#dashboards-window")
            window.focus()
            stamp = page.locator("#dashboards-body p.meta").inner_text()
            expect(page.locator("#dashboards-body p.meta")).not_to_have_text(stamp, timeout=10_000)
            expect(window).to_be_focused()
            window.select_option("start")
            expect(page.locator("#dashboards-body p.meta")).to_contain_text("since the start")
            shoot(page, "workspace-dashboards", full_page=False)

            page.locator("#tab-logs").click()
            page.locator("#logs-level").select_option("error")
            page.locator("#logs-q").fill("payco")
            page.locator("#logs-q").press("Enter")
            expect(page.locator("#logs-body")).to_contain_text("“payco”")
            expect(page.locator("#logs-body td.logline").first).to_contain_text("payco")
            shoot(page, "workspace-logs", full_page=False)

            page.locator("#tab-changes").click()
            expect(page.locator("#changes-body")).to_contain_text("Add 3DS2 challenge telemetry")
            shoot(page, "workspace-changes", full_page=False)

            page.locator("#tab-dependencies").click()
            expect(page.locator("#dependencies-body svg.service-map")).to_be_visible()
            expect(page.locator("#dependencies-body")).to_contain_text("payco-backup")
            shoot(page, "workspace-dependencies", full_page=False)

            # An alert's runbook opens in the workspace's runbook tab.
            page.locator("#tab-pager").click()
            page.get_by_role("link", name="Runbook: high-error-rate").first.click()
            expect(page.locator("#tab-runbook")).to_have_attribute("aria-selected", "true")
            expect(page.locator("#runbook-body h1")).to_have_text("HighErrorRate")
            shoot(page, "workspace-runbook", full_page=False)

            # What was asked for is in the log as looks (the live re-renders are not).
            looks = _looks(server, room)
            assert looks[:2] == ["metrics", "metrics"]  # the tab opened, then the window changed
            assert looks.count("logs") >= 2 and looks[-3:] == ["changes", "dependencies", "runbook"]

            page.set_viewport_size(PHONE)
            page.locator("#tab-dashboards").click()
            expect(page.locator("#dashboards-body svg.chart")).to_have_count(5)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            shoot(page, "workspace-390x844", full_page=False)
        finally:
            browser.close()
