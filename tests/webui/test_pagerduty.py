"""PagerDuty Events API v2 semantics, checked against PagerDuty's documentation and driven by
PagerDuty's own Python client (``pagerduty.EventsApiV2Client``) over TLS.

From PagerDuty's Events API v2 docs: a ``trigger`` with the ``dedup_key`` of an open alert is
deduplicated into it; once that alert is resolved, the same key opens a new alert; invalid
events are answered ``400`` with ``{"status": "invalid event", "message": ..., "errors": [...]}``;
accepted ones ``202`` with ``{"status": "success", "message": "Event processed", "dedup_key": ...}``.
The client posts to ``/v2/enqueue`` of its base URL with the integration key as ``routing_key``.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from drills.clock import VirtualClock
from tests.webui.conftest import ADMIN, FAST, Harness, Room, bearer, make_settings, start_harness
from webui.app import create_app
from webui.serve import bind

PD = "/api/v1/alerts/events"


def trigger(key: str | None = "disk-full-1", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_action": "trigger",
        "payload": {"summary": "Disk 95% full on db-1", "source": "db-1", "severity": "critical", "component": "database"},
        **extra,
    }
    if key is not None:
        body["dedup_key"] = key
    return body


def send(harness: Harness, room: Room, body: Any, url: str = PD) -> Any:
    return harness.client.post(url, json=body, headers=bearer(room.receiver))


def test_a_trigger_after_resolve_opens_a_new_alert_and_a_trigger_while_open_does_not(harness: Harness) -> None:
    room = harness.open_room()
    first = send(harness, room, trigger()).json()["outcome"]
    again = send(harness, room, trigger()).json()["outcome"]
    resolved = send(harness, room, {"event_action": "resolve", "dedup_key": "disk-full-1"}).json()["outcome"]
    reopened = send(harness, room, trigger()).json()["outcome"]
    assert [o["outcome"] for o in (first, again, resolved, reopened)] == ["fire", "duplicate", "clear", "fire"]
    assert reopened["alert_id"] != first["alert_id"]
    alerts = harness.services.manager.get(room.id).state.alerts
    assert alerts[first["alert_id"]].resolved_at is not None
    assert alerts[reopened["alert_id"]].resolved_at is None
    resolved_again = send(harness, room, {"event_action": "resolve", "dedup_key": "disk-full-1"}).json()["outcome"]
    assert (resolved_again["outcome"], resolved_again["alert_id"]) == ("clear", reopened["alert_id"])


@pytest.mark.parametrize(
    "body",
    [
        {"event_action": "trigger"},
        {"event_action": "explode", "dedup_key": "x"},
        {"event_action": "trigger", "payload": {"summary": "s", "source": "db", "severity": "urgent"}},
        {"event_action": "resolve"},
        ["not", "an", "object"],
        trigger(payload={"summary": "s", "source": "db", "severity": "critical", "custom_details": {"error_rate": "lots"}}),
    ],
)
def test_an_invalid_event_is_400_in_pagerdutys_error_shape(harness: Harness, body: Any) -> None:
    room = harness.open_room()
    before = harness.services.manager.get(room.id).last_seq()
    answer = send(harness, room, body)
    assert answer.status_code == 400
    data = answer.json()
    assert set(data) == {"status", "message", "errors"}
    assert data["status"] == "invalid event"
    assert isinstance(data["errors"], list) and data["errors"] and all(isinstance(e, str) for e in data["errors"])
    assert harness.services.manager.get(room.id).last_seq() == before


def test_not_json_is_400_too(harness: Harness) -> None:
    room = harness.open_room()
    answer = harness.client.post(PD, content=b"{nope", headers={**bearer(room.receiver), "content-type": "application/json"})
    assert (answer.status_code, answer.json()["status"]) == (400, "invalid event")


def test_events_are_taken_at_v2_enqueue_with_the_token_as_routing_key_and_no_csrf_token(harness: Harness) -> None:
    room = harness.open_room()
    browser = harness.browser()  # a cookie jar with a CSRF cookie, which the endpoint must not ask for
    browser.get("/join")
    answer = browser.post("/v2/enqueue", json=trigger(routing_key=room.receiver), csrf=False)
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "success" and answer.json()["dedup_key"] == "disk-full-1"
    assert harness.client.post("/v2/enqueue", json=trigger(routing_key="wrong")).status_code == 403
    assert harness.client.post("/v2/enqueue", json=trigger()).status_code == 401


def test_the_enqueue_path_follows_the_configured_base(tmp_path: Path) -> None:
    app, client = start_harness(tmp_path, VirtualClock(), pagerduty_base="/pagerduty")
    with client:
        room = Harness(app, client, VirtualClock()).open_room()
        assert client.post("/pagerduty/v2/enqueue", json=trigger(routing_key=room.receiver)).status_code == 202
        assert client.post("/v2/enqueue", json=trigger(routing_key=room.receiver)).status_code in (403, 404)


# -- the official client, over TLS ----------------------------------------------------------------
@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, ssl.SSLContext, FastAPI]]:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    settings = make_settings(tmp_path / "data", pagerduty_base="/pd")
    app = create_app(settings, clock=VirtualClock())
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(
        app, ssl_certfile=str(certfile), ssl_keyfile=str(keyfile), log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()  # the socket already listens: connections wait in its backlog until served
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    try:
        yield f"https://127.0.0.1:{sock.getsockname()[1]}", client_context, app
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def test_pagerdutys_own_client_triggers_resolves_and_retriggers_over_tls(
    tls_server: tuple[str, ssl.SSLContext, FastAPI],
) -> None:
    pagerduty = pytest.importorskip("pagerduty")
    base, trust, app = tls_server
    with httpx.Client(base_url=base, verify=trust) as admin:
        created = admin.post("/api/v1/rooms", json={"script": FAST, "start": True, "speed": 60}, headers=bearer(ADMIN))
        assert created.status_code == 201, created.text
        room = created.json()
        events = pagerduty.EventsApiV2Client(room["receiver_token"], base_url=f"{base}/pd", verify=trust)
        key = events.trigger("Disk 95% full on db-1", "db-1", dedup_key="disk-full-1", custom_details={"affected_users_pct": 30})
        assert key == "disk-full-1"
        assert events.trigger("Disk 95% full on db-1", "db-1", dedup_key="disk-full-1") == "disk-full-1"
        events.acknowledge("disk-full-1")
        events.resolve("disk-full-1")
        events.trigger("Disk full again", "db-1", dedup_key="disk-full-1")
        with pytest.raises(pagerduty.Error):
            events.send_event("resolve", dedup_key="")  # refused by the server: an empty dedup_key
        events.close()
    alerts = app.state.services.manager.get(room["session_id"]).state.alerts.values()
    assert [(a.summary, a.resolved_at is None) for a in alerts] == [
        ("Disk 95% full on db-1", False), ("Disk full again", True)
    ]
