"""The alert receivers: Alertmanager v4 and PagerDuty v2 events into a room, and refusals."""

from __future__ import annotations

import json
from typing import Any

from playbook.context import AlertContext
from tests.webui.conftest import Harness, Room, bearer

AM = "/api/v1/alerts/alertmanager"
PD = "/api/v1/alerts/events"


def notification(status: str = "firing", **labels: str) -> dict[str, Any]:
    """An Alertmanager v4 notification as Alertmanager sends it (one alert)."""
    alert_labels = {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical", **labels}
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "drill",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": dict(alert_labels),
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "alerts": [
            {
                "status": status,
                "labels": alert_labels,
                "annotations": {"summary": "Error rate 12.5% exceeds 5%", "error_rate": "12.5%"},
                "startsAt": "2026-04-15T14:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-04-15T14:10:00Z",
                "generatorURL": "http://127.0.0.1:9090/graph",
                "fingerprint": "a1b2c3d4e5f60718",
            }
        ],
    }


def post(harness: Harness, room: Room, body: Any, url: str = AM) -> Any:
    return harness.client.post(url, json=body, headers=bearer(room.receiver))


def test_an_alertmanager_alert_pages_the_room_classified_by_the_playbook(harness: Harness) -> None:
    room = harness.open_room()
    response = post(harness, room, notification())
    assert response.status_code == 200, response.text
    [outcome] = response.json()["alerts"]
    assert outcome["outcome"] == "fire"
    expected = harness.services.playbook.classify(AlertContext(service="checkout", error_rate=12.5)).severity
    assert outcome["severity"] == expected
    alert = harness.services.manager.get(room.id).state.alerts[outcome["alert_id"]]
    assert alert.summary == "HighErrorRate: Error rate 12.5% exceeds 5%"
    assert alert.context is not None and alert.context.error_rate == 12.5


def test_a_repeated_notification_does_not_fire_twice_and_a_resolution_clears_the_alert(harness: Harness) -> None:
    room = harness.open_room()
    post(harness, room, notification())
    again = post(harness, room, notification()).json()["alerts"][0]
    assert again["outcome"] == "duplicate"
    resolved = post(harness, room, notification("resolved")).json()["alerts"][0]
    assert resolved["outcome"] == "clear"
    assert post(harness, room, notification("resolved")).json()["alerts"][0]["outcome"] == "duplicate"
    feed = harness.services.manager.get(room.id).records()
    assert [r.kind for r in feed].count("alert_fired") == 1
    assert [r.kind for r in feed].count("alert_resolved") == 1
    assert harness.services.manager.get(room.id).state.alerts[resolved["alert_id"]].resolved_at is not None


def test_a_resolution_of_an_alert_the_room_never_saw_is_ignored(harness: Harness) -> None:
    room = harness.open_room()
    assert post(harness, room, notification("resolved")).json()["alerts"][0]["outcome"] == "ignored"


def test_the_receivers_refuse_a_missing_wrong_or_rotated_token(harness: Harness) -> None:
    room = harness.open_room()
    missing = harness.client.post(AM, json=notification())
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    for token in ("nope", room.key, room.receiver + "x"):
        assert harness.client.post(AM, json=notification(), headers=bearer(token)).status_code == 403
    new = harness.services.receivers.rotate(room.id)
    assert post(harness, room, notification()).status_code == 403
    assert harness.client.post(AM, json=notification(), headers=bearer(new)).status_code == 200


def test_an_unauthenticated_bad_payload_is_401_not_a_validation_answer(harness: Harness) -> None:
    assert harness.client.post(AM, json={"version": "3"}).status_code == 401


def test_bad_payloads_are_422_with_the_reason(harness: Harness) -> None:
    room = harness.open_room()
    old = {**notification(), "version": "3"}
    assert post(harness, room, old).json()["detail"].startswith("version:")
    empty = {**notification(), "alerts": []}
    assert post(harness, room, empty).status_code == 422
    no_service = notification()
    for alert in no_service["alerts"]:
        del alert["labels"]["service"]
    no_service["commonLabels"].pop("service", None)
    answer = post(harness, room, no_service)
    assert answer.status_code == 422
    assert "has no service label" in answer.json()["detail"]
    nan = notification()
    nan["alerts"][0]["annotations"]["error_rate"] = "NaN"
    assert post(harness, room, nan).json()["detail"] == "error_rate must be a finite number, got 'NaN'"
    garbage = harness.client.post(AM, content=b"\x00\x01", headers={**bearer(room.receiver), "content-type": "application/json"})
    assert garbage.status_code == 422


def test_an_oversized_payload_is_413(harness: Harness) -> None:
    room = harness.open_room()
    big = notification()
    big["alerts"][0]["annotations"]["description"] = "x" * (300 * 1024)
    response = post(harness, room, big)
    assert response.status_code == 413
    assert response.json()["detail"] == "request body over 262144 bytes"


def test_alerts_for_a_room_that_is_not_running_are_409(harness: Harness) -> None:
    room = harness.open_room(start=False)
    response = post(harness, room, notification())
    assert response.status_code == 409
    assert response.json()["detail"] == "the drill is ready: alerts are taken while it runs"


def trigger(dedup_key: str | None = "disk-full-1", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_action": "trigger",
        "payload": {
            "summary": "Disk 95% full on db-1",
            "source": "db-1",
            "severity": "critical",
            "component": "database",
            "custom_details": {"affected_users_pct": "30"},
        },
        **extra,
    }
    if dedup_key is not None:
        body["dedup_key"] = dedup_key
    return body


def test_a_pagerduty_trigger_fires_once_per_dedup_key(harness: Harness) -> None:
    room = harness.open_room()
    first = post(harness, room, trigger(), PD)
    assert first.status_code == 202
    body = first.json()
    assert body["status"] == "success" and body["dedup_key"] == "disk-full-1"
    assert body["outcome"]["outcome"] == "fire"
    assert post(harness, room, trigger(), PD).json()["outcome"]["outcome"] == "duplicate"
    generated = post(harness, room, trigger(None), PD).json()
    assert len(generated["dedup_key"]) == 32
    alerts = harness.services.manager.get(room.id).state.alerts
    assert alerts[body["outcome"]["alert_id"]].context == AlertContext(service="database", affected_users_pct=30)


def test_pagerduty_acknowledge_is_logged_and_resolve_clears_the_alert(harness: Harness) -> None:
    room = harness.open_room()
    post(harness, room, trigger(), PD)
    outcomes = [
        post(harness, room, {"event_action": action, "dedup_key": "disk-full-1"}, PD).json()["outcome"]["outcome"]
        for action in ("acknowledge", "resolve", "resolve")
    ]
    assert outcomes == ["log", "clear", "duplicate"]
    unknown = post(harness, room, {"event_action": "resolve", "dedup_key": "never"}, PD).json()
    assert unknown["outcome"]["outcome"] == "ignored"
    missing = post(harness, room, {"event_action": "resolve"}, PD)
    assert missing.status_code == 400
    assert "a resolve event needs a dedup_key" in missing.json()["errors"][0]


def test_a_pagerduty_sender_may_put_the_receiver_token_in_routing_key(harness: Harness) -> None:
    room = harness.open_room()
    answer = harness.client.post(PD, json=trigger(routing_key=room.receiver))
    assert answer.status_code == 202
    assert harness.client.post(PD, json=trigger(routing_key="wrong")).status_code == 403
    assert harness.client.post(PD, content=json.dumps(trigger()), headers={"content-type": "application/json"}).status_code == 401


# -- Alertmanager's retries and truncation (issue 9, item 8) --------------------------------------
def _group(size: int, round_: int, truncated: int = 0) -> dict[str, Any]:
    body = notification()
    base = body["alerts"][0]
    body["truncatedAlerts"] = truncated
    body["alerts"] = [
        {**base, "labels": {**base["labels"], "instance": f"i{n}"}, "fingerprint": f"{round_:04x}{n:012x}"}
        for n in range(size)
    ]
    return body


def test_two_identical_notifications_at_once_are_both_200_and_fire_each_alert_once(harness: Harness) -> None:
    import threading

    room = harness.open_room()
    for round_ in range(3):
        body = _group(20, round_)
        answers: list[Any] = []
        start = threading.Barrier(2)

        def deliver(body: dict[str, Any] = body, answers: list[Any] = answers, start: threading.Barrier = start) -> None:
            start.wait()
            answers.append(post(harness, room, body))

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(a.status_code for a in answers) == [200, 200], [a.text for a in answers]
        outcomes = sorted(tuple(sorted({o["outcome"] for o in a.json()["alerts"]})) for a in answers)
        assert outcomes == [("duplicate",), ("fire",)]
    assert len(harness.services.manager.get(room.id).state.alerts) == 60


def test_truncated_alerts_are_recorded_in_the_timeline_once(harness: Harness) -> None:
    room = harness.open_room()
    body = _group(2, 0, truncated=3)
    first = post(harness, room, body)
    assert first.status_code == 200
    assert first.json()["truncated_alerts"] == 3
    post(harness, room, body)
    lines = [
        r.event.content["line"] for r in harness.services.manager.get(room.id).records()
        if r.event.kind == "inject_delivered" and r.event.content.get("service") == "alertmanager"
    ]
    assert lines == [f"Alertmanager left 3 more alert(s) of group {body['groupKey']} out of this notification (its max_alerts)"]
