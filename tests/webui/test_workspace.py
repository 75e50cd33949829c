"""The participant workspace over HTTP: each panel's content derived from the drill script
(drills/library/payment-provider-outage.yaml: payco fails 62 % of requests from minute 1;
payments v3.1.0 deployed by bob 20 minutes before the 15:20 start), a participant's request
recorded as a look and a live re-render not, bad parameters refused with a reason, and no
truth in any panel of any shipped drill."""

from __future__ import annotations

import html
import re

import pytest

from drills.events import EvidenceViewed
from drills.library import load_library
from tests.webui.conftest import Browser, Harness, Room

HX = {"HX-Request": "true"}


def _looks(harness: Harness, room: Room) -> list[EvidenceViewed]:
    return [r.event for r in harness.services.manager.get(room.id).records() if isinstance(r.event, EvidenceViewed)]


@pytest.fixture
def room(harness: Harness) -> Room:
    return harness.open_room()


@pytest.fixture
def dave(harness: Harness, room: Room) -> Browser:
    browser = harness.participant(room, "dave")
    harness.minutes(room, 12)
    return browser


def test_the_page_is_a_workspace_of_tabs_beside_the_team_panels(dave: Browser, room: Room) -> None:
    page = dave.get(f"/rooms/{room.id}").text
    tabs = re.findall(r'role="tab" class="tab" id="tab-(\w+)" aria-controls="ws-\1"', page)
    assert tabs == ["pager", "dashboards", "logs", "changes", "runbook", "dependencies"]
    assert page.count('aria-selected="true"') == 1 and 'tabindex="0" data-tab="pager"' in page
    for key in tabs[1:]:
        assert f'hx-post="/rooms/{room.id}/{key}"' in page
        assert f'id="ws-{key}" aria-labelledby="tab-{key}" tabindex="0" hidden' in page
    assert "{# ---- team panels (h12chan) ---- #}" not in page  # a template comment, not sent
    assert page.index('id="controls"') < page.index('id="roster"')


def test_the_pager_shows_the_pages_that_reached_you_by_name(dave: Browser, room: Room, harness: Harness) -> None:
    page = html.unescape(dave.get(f"/rooms/{room.id}").text)
    # dave is checkout-primary's on-call at 15:20 (tests/drills/test_workspace.py derives it);
    # both critical alerts fire at minute 3 (15:23) and page him first.
    mine = re.findall(r'<li class="page-to-you"[^>]*><time>([\d:]+)</time> <strong>([^<]+)</strong>', page)
    assert [t for t, _ in mine] == ["15:23", "15:23"]
    assert {s.split(":")[0] for _, s in mine} == {"HighErrorRate", "HighErrorBudgetBurn"}
    assert "via schedule:checkout-primary · rule 1 · high urgency" in page
    # Each alert lists its labels, who it paged so far and its runbook, opened in the workspace.
    assert "alertname=HighErrorRate" in page and "service=checkout" in page and "severity=critical" in page
    assert "paged: dave (schedule:checkout-primary, 15:23); carol (schedule:checkout-secondary, 15:28)" in page
    assert 'data-open-tab="runbook"' in page and '{"name": "high-error-rate"}' in page
    erin = harness.participant(room, "erin")
    assert "you are on none of the playbook's schedules" in erin.get(f"/rooms/{room.id}").text


def test_dashboards_chart_the_services_series_and_the_slo_burn(dave: Browser, room: Room, harness: Harness) -> None:
    body = dave.post(f"/rooms/{room.id}/dashboards", data={"service": "checkout", "window": "15m"}, headers=HX)
    assert body.status_code == 200
    text = html.unescape(body.text)
    (look,) = _looks(harness, room)
    # At minute 12 the last 15 minutes reach back to the start: minutes 0 to 12.
    assert look.request == {"evidence": "metrics", "service": "checkout", "text": "", "start": 0.0, "end": 12.0}
    assert look.result["minute"] == list(range(13))
    titles = re.findall(r"<title>([^<]+: [^<]+)</title>", text)
    assert [t.split(":")[0] for t in titles] == ["Requests", "Errors", "Latency", "Saturation", "SLO burn rate (1 h)"]
    last = look.result["error_rate"][-1]
    assert last > 50  # 62 % of payco's answers fail, and checkout pays through it
    assert f"Errors: error rate {last:.3g} %" in titles
    assert "SLO 99.95% availability" in text  # the world's default SLO on an entry service
    assert body.text.count("<polyline") == 6  # requests, errors, p50, p99, saturation, burn


def test_a_dependency_without_an_slo_shows_its_series_but_no_burn(dave: Browser, room: Room) -> None:
    text = dave.get(f"/rooms/{room.id}/dashboards", params={"service": "payco"}, headers=HX).text
    assert "Requests:" in text and "SLO burn" not in text


def test_a_live_re_render_records_nothing_and_a_request_records_one_look(
    dave: Browser, room: Room, harness: Harness
) -> None:
    for panel in ("dashboards", "logs", "changes", "dependencies", "runbook"):
        assert dave.get(f"/rooms/{room.id}/{panel}", headers=HX).status_code == 200
    assert _looks(harness, room) == []
    for panel in ("dashboards", "logs", "changes", "dependencies", "runbook"):
        assert dave.post(f"/rooms/{room.id}/{panel}", headers=HX).status_code == 200
    assert [look.evidence for look in _looks(harness, room)] == ["metrics", "logs", "changes", "dependencies", "runbook"]
    live = dave.get(f"/rooms/{room.id}/changes", headers=HX).text
    assert f'hx-get="/rooms/{room.id}/changes?" hx-trigger="sse:status"' in live


def test_outside_a_running_drill_a_panel_shows_but_records_nothing(harness: Harness) -> None:
    room = harness.open_room(start=False)
    alice = harness.participant(room, "alice")
    assert alice.post(f"/rooms/{room.id}/changes", headers=HX).status_code == 200
    assert _looks(harness, room) == []


def test_logs_search_by_service_level_and_text_newest_first(dave: Browser, room: Room, harness: Harness) -> None:
    form = {"service": "payments", "level": "error", "q": "payco", "window": "15m"}
    text = html.unescape(dave.post(f"/rooms/{room.id}/logs", data=form, headers=HX).text)
    rows = re.findall(r"<tr class=\"level-(\w+)\"><td class=\"num\"><time>([\d:]+)</time></td><td>([\w-]+)</td>"
                      r"<td>\w+</td><td class=\"logline\">([^<]+)</td>", text)
    assert rows and {(level, service) for level, _, service, _ in rows} == {("error", "payments")}
    # payments calls payco, which fails: the world's logs say so (drills/world/logs.py).
    assert all("payco" in line for *_, line in rows)
    assert any(line == "upstream payco returned 503 Service Unavailable" for *_, line in rows)
    times = [t for _, t, _, _ in rows]
    assert times == sorted(times, reverse=True) and times[0] <= "15:32:59"
    (look,) = _looks(harness, room)
    assert look.request == {"evidence": "logs", "service": "payments", "text": "payco", "level": "error",
                            "start": 0.0, "end": 12.0}
    noise = html.unescape(dave.get(f"/rooms/{room.id}/logs", params={"level": "warning"}, headers=HX).text)
    assert "level-warning" in noise  # the world's harmless background noise is there too


def test_the_change_feed_shows_the_deploy_before_the_drill(dave: Browser, room: Room) -> None:
    text = html.unescape(dave.get(f"/rooms/{room.id}/changes", headers=HX).text)
    assert ('<td class="num"><time>15:00</time></td><td><span class="pill">deploy</span></td><td>payments</td>'
            "<td>Add 3DS2 challenge telemetry <code>v3.1.0</code></td><td>bob</td>") in text


def test_the_service_map_shows_the_failing_processor_down_and_the_standby_healthy(dave: Browser, room: Room) -> None:
    text = html.unescape(dave.get(f"/rooms/{room.id}/dependencies", headers=HX).text)
    (title,) = re.findall(r"<title>Service map: ([^<]+)</title>", text)
    health = dict(item.rsplit(" ", 1) for item in title.split(", "))
    assert health["payco"] == "down" and health["payco-backup"] == "healthy"  # 62 % errors: down from 50 %
    assert '<td>payments</td><td><span class="pill dep-' in text


def test_a_runbook_renders_its_markdown_in_the_workspace(dave: Browser, room: Room) -> None:
    text = dave.post(f"/rooms/{room.id}/runbook", data={"name": "high-error-rate"}, headers=HX).text
    assert "<h1>HighErrorRate</h1>" in text and "<h2>First five minutes</h2>" in text and "<ol>" in text
    assert '<option selected>high-error-rate</option>' in text


def test_the_runbook_tab_opens_on_the_runbook_of_the_last_alert(dave: Browser, room: Room, harness: Harness) -> None:
    fired = [r.event for r in harness.services.manager.get(room.id).records() if r.kind == "alert_fired"]
    last = fired[-1]
    assert last.at > fired[0].at  # not one of the two alerts of minute 3
    name = last.runbook.removeprefix("runbook:")  # type: ignore[attr-defined]
    text = dave.post(f"/rooms/{room.id}/runbook", headers=HX).text
    assert f"<option selected>{name}</option>" in text
    assert _looks(harness, room)[-1].request == {"evidence": "runbook", "text": "", "name": name}


@pytest.mark.parametrize(("panel", "params", "reason"), [
    ("dashboards", {"service": "nope"}, "service: no service 'nope' (known: checkout, payments, payco, payco-backup)"),
    ("dashboards", {"window": "2h"}, "window: unknown window '2h' (use 15m, 1h, start)"),
    ("logs", {"level": "loud"}, "level: unknown level 'loud'"),
    ("runbook", {"name": "../../etc/passwd"}, "name: no runbook '../../etc/passwd'"),
    ("logs", {"q": "x" * 201}, "at most 200 characters"),
])
def test_a_bad_parameter_is_refused_with_a_reason(dave: Browser, room: Room, harness: Harness, panel: str,
                                                  params: dict[str, str], reason: str) -> None:
    for response in (dave.get(f"/rooms/{room.id}/{panel}", params=params, headers=HX),
                     dave.post(f"/rooms/{room.id}/{panel}", data=params, headers=HX)):
        assert response.status_code == 422
        assert reason in response.json()["detail"]
    assert _looks(harness, room) == []


def test_only_a_participant_of_the_room_sees_its_panels(harness: Harness, room: Room) -> None:
    stranger = harness.browser()
    assert stranger.get(f"/rooms/{room.id}/dashboards", headers=HX).status_code == 403
    assert stranger.post(f"/rooms/{room.id}/logs", headers=HX).status_code == 403
    assert harness.participant(room, "alice").get("/rooms/nosuchroom/logs", headers=HX).status_code == 404


def _truths(script: object) -> list[str]:
    world = script.world  # type: ignore[attr-defined]
    truth = script.truth  # type: ignore[attr-defined]
    out = [truth.root_cause, "red_herring", "red herring", "expected_severity"]
    out += [f.description for f in world.faults if f.description]
    out += [f.id for f in world.faults]
    return out


@pytest.mark.parametrize("script", [s.id for s in load_library()])
def test_no_panel_of_any_drill_shows_the_truth(harness: Harness, script: str) -> None:
    room = harness.open_room(script)
    alice = harness.participant(room, "alice")
    harness.minutes(room, 30)
    drill = harness.services.manager.get(room.id).script
    services = list(drill.services_shown)
    bodies = [alice.get(f"/rooms/{room.id}").text]
    for service in services:
        bodies.append(alice.post(f"/rooms/{room.id}/dashboards", data={"service": service, "window": "start"},
                                 headers=HX).text)
    bodies.append(alice.post(f"/rooms/{room.id}/logs", data={"window": "start"}, headers=HX).text)
    for panel in ("changes", "dependencies", "runbook"):
        bodies.append(alice.post(f"/rooms/{room.id}/{panel}", headers=HX).text)
    seen = html.unescape("\n".join(bodies))
    assert [t for t in _truths(drill) if t in seen] == []
    # A pager shows the rule's own severity label, never the playbook's verdict on the incident.
    assert drill.expected_severity(harness.services.playbook) not in "\n".join(bodies[1:])
