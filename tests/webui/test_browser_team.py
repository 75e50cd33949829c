"""A whole world drill in real browsers: a facilitator and four participants, each in their own
browser context (Debian's chromium through Playwright, a real ``python -m webui`` process).

The facilitator uploads the drill file and opens its room. The team is paged and
acknowledges, declares, talks in the channel, records a wrong hypothesis then the right one,
runs a wrong operation then the right one, answers the stakeholders, resolves, edits the
postmortem together (a stale save shows the conflict, the author merges) and, once the
facilitator released it, reads the debrief. Along the way:

- every participant sees another's channel message and operation within one second of the
  click (measured from the click with Playwright's auto-waiting ``expect``; no sleeps);
- until the debrief is released, nothing a participant can reach (their pages, every message
  their live stream sent, the postmortem page, the debrief routes) holds the truth: the
  fault's id, kind and description, the root cause, the red herrings, the remedies (before
  the team found one), the expected severity, the briefing, the hints not sent.

Every selector lives in :data:`SEL`. The channel, the stakeholder inbox and the actions
panel are the team panels' own forms (a destructive operation is confirmed in its dialog).
``DRILLBIT_SCREENSHOTS=1`` saves the console and the debrief under ``docs/screenshots/``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drills.library import LIBRARY_DIR, find_script
from drills.truth import remedies
from tests.webui.live_server import ADMIN, ARGS, CHROMIUM, live_server, shoot

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")

DRILL = "payment-provider-outage"
WITHIN_MS = 1000
SIZE = {"width": 1400, "height": 1000}
TEAM = {"alice": "Incident Commander", "bob": "Technical Lead", "carol": "Communications Lead", "dave": "Scribe"}

# Every selector the test uses, in one place.
SEL = {
    "join_name": "Your name",
    "join_button": "Join the drill",
    "claim_select": "#panel-roles select",
    "claim_button": "Claim role",
    "acknowledge": "Acknowledge",
    "declare_severity": "#declare-severity",
    "declare_title": "#declare-title",
    "declare_button": "Declare",
    "timeline": "#timeline",
    "alerts": "#alerts",
    "hypothesis_form": "#form-hypothesis",
    "operate_form": "#form-operate",
    "resolve_summary": "#resolve-summary",
    "resolve_button": "Resolve the incident",
    "postmortem_text": "#postmortem-text",
    "chat_text": "#chat-text",
    "chat_form": "#form-chat",
    "channel": "#channel",
    "inbox": "#inbox",
}
# Records every live-stream message a page receives (what the server sent, before any swap).
RECORD_STREAM = """
window.__sse = [];
document.addEventListener("htmx:sseBeforeMessage", function (e) {
  window.__sse.push((e.detail && e.detail.data) || "");
});
"""


def _truths() -> tuple[list[str], list[str]]:
    """(what must never show before the release, the remedies: never before the team ran one)."""
    script = find_script(DRILL)
    world = script.world
    assert world is not None
    truth = script.truth
    secrets = [truth.root_cause, truth.impact, *truth.contributing_factors, *truth.action_items,
               script.briefing, *truth.hints[1:]]  # hint 1 is sent to the room
    secrets += [f.description for f in world.faults] + [f.id for f in world.faults] + [f.kind for f in world.faults]
    secrets += ["red herring", "red_herring", "xpected severity", "expected_severity"]
    return [s for s in secrets if s], [op.label() for op in remedies(world)]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with live_server(tmp_path) as running:
        yield running.url


def _within(pages: dict[str, Any], selector: str, text: str, clicked: float, lags: dict[str, float], what: str,
            expect: Any) -> None:
    for who, page in pages.items():
        expect(page.locator(selector)).to_contain_text(text, timeout=WITHIN_MS)
        lags[f"{what} -> {who}"] = time.monotonic() - clicked


def _reachable(people: dict[str, Any], room: str) -> str:
    """Everything the participants' browsers were sent or can open now."""
    out = []
    for page in people.values():
        out.append(page.content())
        out.append(json.dumps(page.evaluate("window.__sse")))
        for path in ("", "/postmortem", "/debrief", "/debrief.md", "/debrief.json", "/debrief/aar.md",
                     "/facilitator"):
            out.append(page.context.request.get(f"/rooms/{room}{path}").text())
    return "\n".join(out)


def test_a_facilitator_and_four_participants_play_a_world_drill_to_its_debrief(server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    secrets, fixes = _truths()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            fac = browser.new_context(viewport=SIZE, base_url=server).new_page()
            fac.on("dialog", lambda dialog: dialog.accept())
            fac.goto("/signin")
            fac.get_by_label("Admin token").fill(ADMIN)
            fac.get_by_role("button", name="Sign in").click()
            # The drill runs from a file the facilitator uploads (checked as `drill check` does).
            fac.get_by_label("Drill file").set_input_files(str(LIBRARY_DIR / f"{DRILL}.yaml"))
            fac.get_by_role("button", name="Check and open a room").click()
            expect(fac.get_by_test_id("world-faults")).to_contain_text("dependency_outage")
            room = fac.url.split("/rooms/")[1].split("/")[0]
            code = fac.get_by_test_id("join-code").inner_text()

            people: dict[str, Any] = {}
            for name in TEAM:
                context = browser.new_context(viewport=SIZE, base_url=server)
                context.add_init_script(script=RECORD_STREAM)
                page = context.new_page()
                page.goto(f"/join/{code}")
                page.get_by_label(SEL["join_name"]).fill(name)
                page.get_by_role("button", name=SEL["join_button"]).click()
                expect(page.get_by_test_id("you")).to_have_text(name)
                people[name] = page
            fac.locator("#controls select[name=speed]").select_option("60")
            fac.get_by_role("button", name="Start the drill").click()
            for name, role in TEAM.items():
                page = people[name]
                expect(page.get_by_test_id("status")).to_have_text("running")
                page.locator(SEL["claim_select"]).select_option(role)
                page.get_by_role("button", name=SEL["claim_button"]).click()
                expect(page.locator("#roster")).to_contain_text(f"{name} (you): {role}")
            alice, bob, carol, dave = (people[n] for n in TEAM)
            others = {n: p for n, p in people.items() if n != "carol"}

            # Pages: the world's alerts page the team; alice acknowledges them.
            ack = alice.get_by_role("button", name=SEL["acknowledge"]).first
            expect(ack).to_be_visible(timeout=20_000)
            ack.click()
            expect(bob.locator(SEL["alerts"])).to_contain_text("acknowledged by alice")
            alice.locator(SEL["declare_severity"]).select_option("SEV1")
            alice.locator(SEL["declare_title"]).fill("Card payments failing")
            alice.get_by_role("button", name=SEL["declare_button"]).click()
            expect(dave.locator(SEL["timeline"])).to_contain_text("declared SEV1: Card payments failing")

            # The facilitator nudges the room; the channel; the hypotheses.
            fac.get_by_role("button", name="Send hint 1 to the room").click()
            expect(carol.locator(SEL["timeline"])).to_contain_text("Hint from the facilitator: Is it us or them?")
            lags: dict[str, float] = {}
            carol.locator(SEL["chat_text"]).fill("Status page drafted; who owns payco?")
            clicked = time.monotonic()
            carol.locator(SEL["chat_form"]).get_by_role("button", name="Send").click()
            _within(others, SEL["channel"], "Status page drafted; who owns payco?", clicked, lags, "chat", expect)
            hypothesis = bob.locator(SEL["hypothesis_form"])
            for service, category in (("payments", "code_change"), ("payco", "dependency")):
                hypothesis.locator("select[name=service]").select_option(service)
                hypothesis.locator("select[name=category]").select_option(category)
                hypothesis.get_by_role("button", name="Record hypothesis").click()
                expect(alice.locator(SEL["timeline"])).to_contain_text(f"bob hypothesised: {service}")

            # Stakeholders, while users are hurt: the support queue's first ticket (once the hurt
            # adds up) and the customer on social media (10 minutes, no status-page update).
            for message_id, sender in (("support-1", "Support lead"), ("customer-1", "a customer on social media")):
                expect(carol.locator(SEL["timeline"])).to_contain_text(sender, timeout=30_000)
                carol.locator(f"#reply-{message_id}").fill("We are on it.")
                carol.locator(SEL["inbox"]).locator("li", has=carol.locator(f"#reply-{message_id}")).get_by_role(
                    "button", name="Reply").click()
                expect(alice.locator(SEL["timeline"])).to_contain_text(f"carol replied to {message_id}")

            before_the_fix = _reachable(people, room)
            # A wrong operation (the red herring's rollback), then the right one.
            operate = bob.locator(SEL["operate_form"])
            for verb, param, label in (("rollback", "v3.0.4", "rollback payments to v3.0.4"),
                                       ("failover", "", "failover payments")):
                shown = f"bob ran: {label}"
                operate.locator("select[name=verb]").select_option(verb)
                operate.locator("select[name=target]").select_option("payments")
                operate.locator("input[name=param]").fill(param)
                operate.get_by_role("button", name="Run").click()
                clicked = time.monotonic()
                bob.get_by_role("button", name=f"Yes, {label}").click()  # destructive: confirmed
                _within({n: p for n, p in people.items() if n != "bob"}, SEL["timeline"], shown, clicked, lags,
                        verb, expect)
            print("seen by every other participant within (s):", {k: round(v, 3) for k, v in lags.items()})
            assert max(lags.values()) < WITHIN_MS / 1000

            alice.locator(SEL["resolve_summary"]).fill("Failed payments over to payco-backup")
            alice.get_by_role("button", name=SEL["resolve_button"]).click()
            expect(dave.get_by_test_id("resolved")).to_be_visible()

            # The postmortem, edited together: dave's save on a stale revision is a conflict.
            drafts = {n: people[n].context.new_page() for n in ("alice", "dave")}
            for page in drafts.values():
                page.goto(f"/rooms/{room}/postmortem")
                expect(page.get_by_test_id("revision")).to_contain_text("Revision 0")
            drafts["alice"].locator(SEL["postmortem_text"]).fill("## Summary\nPayco had an outage.\n")
            drafts["alice"].get_by_role("button", name="Save the draft").click()
            expect(drafts["alice"].get_by_test_id("revision")).to_contain_text("Revision 1, saved by alice")
            expect(drafts["dave"].get_by_test_id("newer")).to_be_visible()  # told live, before saving
            drafts["dave"].locator(SEL["postmortem_text"]).fill("## Timeline\nFailover at 15:33.\n")
            drafts["dave"].get_by_role("button", name="Save the draft").click()
            expect(drafts["dave"].get_by_test_id("conflict-theirs")).to_contain_text("Payco had an outage.")
            expect(drafts["dave"].get_by_test_id("conflict-yours")).to_contain_text("Failover at 15:33.")
            drafts["dave"].locator(SEL["postmortem_text"]).fill(
                "## Summary\nPayco had an outage.\n\n## Timeline\nFailover at 15:33.\n")
            drafts["dave"].get_by_role("button", name="Save and write it as the team's postmortem").click()
            expect(drafts["dave"].get_by_text("Written as the team's postmortem.")).to_be_visible()

            # Nothing of the truth anywhere a participant can reach, until the release.
            reachable = _reachable(people, room)
            streamed = json.dumps(dave.evaluate("window.__sse"))
            assert "bob ran: failover payments" in streamed  # the recorder saw what the stream sent
            console = fac.content()
            assert find_script(DRILL).truth.root_cause in console and "dependency_outage" in console
            for secret in secrets:
                assert secret not in before_the_fix and secret not in reachable, secret
            for fix in fixes:
                assert fix not in before_the_fix, fix
            assert not re.search(r"What was really going on|Root cause:", reachable)

            fac.get_by_role("button", name="End the drill").click()
            expect(fac.get_by_test_id("status")).to_have_text("ended")
            shoot(fac, "facilitator-console")
            fac.get_by_role("button", name="Release the debrief to participants").click()
            expect(fac.get_by_test_id("debrief-released")).to_be_visible()

            debrief = dave.context.new_page()
            debrief.goto(f"/rooms/{room}/debrief")
            expect(debrief.get_by_test_id("debrief-truth")).to_contain_text(find_script(DRILL).truth.root_cause)
            expect(debrief.get_by_test_id("red-herrings")).to_contain_text("bob ran: rollback payments")
            expect(debrief.get_by_test_id("debrief-timeline")).to_contain_text("bob ran: failover payments")
            expect(debrief.get_by_test_id("ideal-path")).not_to_be_empty()
            link = debrief.locator("[data-testid=criteria] a[href^='#t']").first
            target = link.get_attribute("href")
            assert target is not None
            link.click()
            expect(debrief.locator(target)).to_be_visible()  # the evidence is an entry of the timeline
            for name in ("Markdown", "HTML", "JSON", "HSEEP after-action report"):
                href = debrief.get_by_test_id("debrief-downloads").get_by_role("link", name=name).get_attribute("href")
                assert debrief.context.request.get(str(href)).status == 200, name
            shoot(debrief, "debrief")
        finally:
            browser.close()
