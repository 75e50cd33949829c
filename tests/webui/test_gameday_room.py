"""A game-day room through the real web app: only the real alerts page it (an Alertmanager
webhook as Alertmanager sends it), its workspace tabs show what the runner posted from the real
system and nothing of the library drill's world, and the facilitator sees the real fault state."""

from __future__ import annotations

import html
from typing import Any

import pytest

from drills.library import find_script
from tests.webui.conftest import ADMIN, Browser, Harness, Room, bearer
from tests.webui.test_receivers import AM, notification

HX = {"HX-Request": "true"}
GAMEDAY = {
    "experiment": "Checkout stays within its latency SLO when every request takes 2.5 s longer",
    "description": "Inject 2.5 s of latency into every checkout request while shoppers load the service.",
    "service": "checkout",
    "services": ["checkout", "payment-gateway"],
    "faults": [{"service": "checkout", "category": "infrastructure", "what": "every request takes 2500 ms longer"}],
    "remedies": [{"verb": "set_config", "target": "checkout", "key": "latency_ms", "value": "0"}],
}


def open_gameday(harness: Harness, **extra: Any) -> Room:
    response = harness.client.post(
        "/api/v1/rooms",
        json={"script": "checkout-slow-burn", "speed": 60, "start": True, "gameday": GAMEDAY, **extra},
        headers=bearer(ADMIN),
    )
    assert response.status_code == 201, response.text
    data = response.json()
    return Room(data["session_id"], data["facilitator_key"], data["join_code"], data["receiver_token"], data)


def post_inject(harness: Harness, room: Room, name: str, detail: dict[str, Any]) -> None:
    response = harness.client.post(f"/api/v1/rooms/{room.id}/injects", json={"inject": name, "detail": detail},
                                   headers=bearer(room.key))
    assert response.status_code == 202, response.text


@pytest.fixture
def room(harness: Harness) -> Room:
    return open_gameday(harness)


@pytest.fixture
def dave(harness: Harness, room: Room) -> Browser:
    return harness.participant(room, "dave")


def world_words(harness: Harness) -> set[str]:
    """Names only the library drill's simulated world has (its services and faults' ids)."""
    world = find_script("checkout-slow-burn", playbook=harness.services.playbook).world
    assert world is not None
    return {s.name for s in world.services if s.name not in ("checkout",)} | {f.id for f in world.faults}


def test_a_game_day_room_is_opened_for_the_experiment_with_no_world(harness: Harness, room: Room) -> None:
    session = harness.services.manager.get(room.id)
    assert session.script.kind == "gameday" and session.world is None and session.script.injects == ()
    assert room.data["title"] == f"Game day: {GAMEDAY['experiment']}"


def test_only_the_real_alert_pages_the_room_over_a_long_simulated_time(harness: Harness, room: Room,
                                                                        dave: Browser) -> None:
    harness.minutes(room, 30)
    response = harness.client.post(AM, json=notification(), headers=bearer(room.receiver))
    assert response.status_code == 200, response.text
    [outcome] = response.json()["alerts"]
    harness.minutes(room, 600)
    records = harness.services.manager.get(room.id).records()
    fired = [r for r in records if r.kind == "alert_fired"]
    assert [r.ref for r in fired] == [outcome["alert_id"]]
    pages = [r for r in records if r.kind == "page_sent"]
    assert pages and {r.ref for r in pages} == {outcome["alert_id"]}
    assert not [r for r in records if r.source in ("world", "script", "reaction")]
    assert not [r for r in records if r.kind in ("impact_started", "mitigated", "stakeholder_message")]
    page = html.unescape(dave.get(f"/rooms/{room.id}").text)
    assert "HighErrorRate: Error rate 12.5% exceeds 5%" in page
    joined = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": "erin"}).json()
    view = harness.client.get(f"/api/v1/rooms/{room.id}/view", headers=bearer(joined["token"]))
    assert view.status_code == 200, view.text
    for truth in ("2500 ms longer", "latency_ms"):  # the injected fault and its remedy: truth
        assert truth not in page and truth not in view.text
    assert not world_words(harness) & set(page.replace(",", " ").split())


def test_the_dashboards_plot_the_real_snapshots_and_the_other_tabs_no_world(harness: Harness, room: Room,
                                                                             dave: Browser) -> None:
    for minutes, p99 in ((1, 48.0), (3, 4951.0)):
        harness.minutes(room, minutes)
        post_inject(harness, room, "real-metrics", {"type": "metrics", "service": "checkout", "facilitator_only": True,
                                                     "values": {"latency_p99_ms": p99, "requests_per_second": 2.5}})
    post_inject(harness, room, "chaos-action_completed", {
        "type": "log", "service": "chaos-toolkit", "level": "info", "facilitator_only": True,
        "line": "Chaos action inject-2500ms-latency = {'active': ['latency_ms']}"})
    harness.minutes(room, 1)
    dashboards = html.unescape(dave.post(f"/rooms/{room.id}/dashboards", data={"window": "start"}, headers=HX).text)
    assert "the real system (Prometheus) · 2 snapshots" in dashboards
    assert "p99 4.95e+03" in dashboards  # the legend's last value, as "%.3g" writes 4951
    changes = html.unescape(dave.get(f"/rooms/{room.id}/changes", headers=HX).text)
    assert "withheld until the debrief" in changes and "2500" not in changes and "latency" not in changes
    logs = dave.get(f"/rooms/{room.id}/logs", headers=HX).text
    assert "No logs in a game day" in logs
    deps = dave.get(f"/rooms/{room.id}/dependencies", headers=HX).text
    assert "checkout, payment-gateway" in deps
    words = world_words(harness)
    for body in (dashboards, changes, logs, deps):
        assert not words & set(html.unescape(body).replace(",", " ").split())
    # The participant asked for the dashboards: one look, recorded.
    looks = [r for r in harness.services.manager.get(room.id).records() if r.kind == "evidence_viewed"]
    assert len(looks) == 1 and looks[0].event.request["service"] == "checkout"  # type: ignore[attr-defined]


def test_a_bad_panel_parameter_is_a_422_naming_it(room: Room, dave: Browser) -> None:
    response = dave.get(f"/rooms/{room.id}/dashboards", params={"service": "recommendations"}, headers=HX)
    assert response.status_code == 422 and "recommendations" in response.text


def test_the_facilitator_sees_the_experiment_s_faults_and_the_real_fault_state(harness: Harness, room: Room) -> None:
    post_inject(harness, room, "real-faults", {"type": "log", "service": "drillbit-faults", "level": "info",
                                               "facilitator_only": True,
                                               "line": "active faults: latency_ms on http://127.0.0.1:8081"})
    page = html.unescape(harness.facilitator(room).get(f"/rooms/{room.id}/facilitator").text)
    assert "every request takes 2500 ms longer" in page
    assert "active faults: latency_ms on http://127.0.0.1:8081" in page


def test_a_game_day_for_an_unknown_library_drill_is_refused(harness: Harness) -> None:
    response = harness.client.post("/api/v1/rooms", json={"script": "no-such-drill", "gameday": GAMEDAY},
                                   headers=bearer(ADMIN))
    assert response.status_code == 422 and "no-such-drill" in response.text
    bad = harness.client.post("/api/v1/rooms", json={"script": "checkout-slow-burn", "gameday": {**GAMEDAY, "service": ""}},
                              headers=bearer(ADMIN))
    assert bad.status_code == 422


def test_an_ad_hoc_alert_is_refused_in_a_game_day_room_and_nothing_pages(harness: Harness, room: Room) -> None:
    body = {"inject": "fake page", "detail": {"type": "alert", "summary": "Checkout down",
                                              "context": {"service": "checkout", "error_rate": 90}}}
    response = harness.client.post(f"/api/v1/rooms/{room.id}/injects", json=body, headers=bearer(room.key))
    assert response.status_code == 409 and "only the real alerts" in response.text
    assert not [r for r in harness.services.manager.get(room.id).records() if r.kind in ("alert_fired", "page_sent")]
