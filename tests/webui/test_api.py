"""The JSON API: rooms, injects, participants, events, actions, scores, and its refusals."""

from __future__ import annotations

from playbook.context import AlertContext
from tests.webui.conftest import ADMIN, FAST, Harness, bearer


def test_the_library_lists_every_shipped_drill_without_its_truth(harness: Harness) -> None:
    drills = harness.client.get("/api/v1/library", headers=bearer(ADMIN)).json()
    assert len(drills) == 10
    assert {"id", "title", "summary", "expected_severity", "duration_minutes", "services"} == set(drills[0])
    assert "root_cause" not in str(drills)


def test_opening_a_room_needs_the_admin_token(harness: Harness) -> None:
    body = {"script": FAST}
    assert harness.client.post("/api/v1/rooms", json=body).status_code == 401
    wrong = harness.client.post("/api/v1/rooms", json=body, headers=bearer("nope"))
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "wrong admin token"


def test_an_opened_room_returns_its_links_and_secrets(harness: Harness) -> None:
    room = harness.open_room()
    data = room.data
    assert data["status"] == "running"
    assert data["join_url"].endswith(f"/join/{room.code}")
    assert data["facilitator_url"].endswith(f"/rooms/{room.id}/facilitate?key={room.key}")
    assert data["alert_webhook_url"].endswith("/api/v1/alerts/alertmanager")
    assert data["events_url"].endswith("/api/v1/alerts/events")
    assert harness.services.receivers.room_of(room.receiver) == room.id


def test_a_room_can_be_opened_without_starting_it(harness: Harness) -> None:
    room = harness.open_room(start=False)
    assert room.data["status"] == "ready"


def test_an_unknown_drill_or_a_path_is_refused_with_the_known_ones(harness: Harness) -> None:
    for script in ("nope", "/etc/passwd.yaml", "drills/library/conn-pool-leak.yaml"):
        response = harness.client.post("/api/v1/rooms", json={"script": script}, headers=bearer(ADMIN))
        assert response.status_code == 422
        assert "known: alert-storm" in response.json()["detail"]


def test_a_bad_room_request_is_422_naming_the_field(harness: Harness) -> None:
    response = harness.client.post("/api/v1/rooms", json={"script": FAST, "speed": 500}, headers=bearer(ADMIN))
    assert response.status_code == 422
    assert response.json()["detail"].startswith("speed:")
    extra = harness.client.post("/api/v1/rooms", json={"script": FAST, "colour": "red"}, headers=bearer(ADMIN))
    assert extra.status_code == 422
    broken = harness.client.post(
        "/api/v1/rooms", content=b"{not json", headers={**bearer(ADMIN), "content-type": "application/json"}
    )
    assert broken.status_code == 422


def test_the_chaos_scenarios_routes_open_rooms_and_fire_injects(harness: Harness) -> None:
    created = harness.client.post(
        "/api/drills", json={"script": FAST, "speed": 60.0, "source": "chaos-experiment"}, headers=bearer(ADMIN)
    )
    assert created.status_code == 201
    room = created.json()
    assert {"session_id", "facilitator_url", "alert_webhook_url"} <= set(room)
    fired = harness.client.post(
        f"/api/drills/{room['session_id']}/injects",
        json={"inject": "latency-injected", "detail": {"service": "checkout", "latency_ms": 800}},
        headers=bearer(ADMIN),
    )
    assert fired.status_code == 202
    assert fired.json()["accepted"] is True
    events = harness.client.get(
        f"/api/v1/rooms/{room['session_id']}/events", headers=bearer(room["facilitator_key"])
    ).json()
    assert "latency-injected: latency_ms=800" in str(events)


def test_the_facilitator_key_reads_the_whole_room_and_nothing_else_does(harness: Harness) -> None:
    room = harness.open_room()
    other = harness.open_room()
    url = f"/api/v1/rooms/{room.id}"
    state = harness.client.get(url, headers=bearer(room.key)).json()
    assert state["truth"]["root_cause"]
    assert harness.client.get(url, headers=bearer(ADMIN)).status_code == 200
    assert harness.client.get(url).status_code == 401
    assert harness.client.get(url, headers=bearer(other.key)).status_code == 403
    assert harness.client.get(url, headers=bearer(room.receiver)).status_code == 403
    token = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": "eve"}).json()["token"]
    assert harness.client.get(url, headers=bearer(token)).status_code == 403
    assert harness.client.get(f"{url}/score", headers=bearer(token)).status_code == 403
    assert harness.client.get(f"{url}/postmortem", headers=bearer(token)).status_code == 403


def test_an_unknown_room_is_404(harness: Harness) -> None:
    response = harness.client.get("/api/v1/rooms/nope", headers=bearer(ADMIN))
    assert response.status_code == 404
    assert "no drill session 'nope'" in response.json()["detail"]


def test_the_facilitator_controls_the_clock_and_refusals_say_why(harness: Harness) -> None:
    room = harness.open_room(start=False)
    url = f"/api/v1/rooms/{room.id}/control"
    assert harness.client.post(url, json={"command": "start", "speed": 10}, headers=bearer(room.key)).status_code == 204
    again = harness.client.post(url, json={"command": "start"}, headers=bearer(room.key))
    assert again.status_code == 409
    assert again.json() == {"detail": "the drill has already started", "action": "start"}
    for command in ("pause", "resume"):
        assert harness.client.post(url, json={"command": command}, headers=bearer(room.key)).status_code == 204
    assert harness.client.post(url, json={"command": "speed", "speed": 30}, headers=bearer(room.key)).status_code == 204
    assert harness.client.post(url, json={"command": "rewind"}, headers=bearer(room.key)).status_code == 422
    assert harness.client.post(url, json={"command": "end", "reason": "time"}, headers=bearer(room.key)).status_code == 204
    assert harness.services.manager.get(room.id).state.status == "ended"


def test_injects_take_the_facilitator_key_the_receiver_token_or_the_admin_token(harness: Harness) -> None:
    room = harness.open_room()
    url = f"/api/v1/rooms/{room.id}/injects"
    body = {"inject": "exec ping", "detail": {"type": "exec_message", "sender": "CEO", "text": "Status?"}}
    for token in (room.key, room.receiver, ADMIN):
        response = harness.client.post(url, json=body, headers=bearer(token))
        assert response.status_code == 202, response.text
        assert response.json()["inject_id"].startswith("exec-ping-")
    assert harness.client.post(url, json=body).status_code == 401
    participant = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": "eve"}).json()
    assert harness.client.post(url, json=body, headers=bearer(participant["token"])).status_code == 403


def test_an_alert_inject_is_classified_by_the_playbook(harness: Harness) -> None:
    room = harness.open_room()
    body = {
        "inject": "checkout errors",
        "detail": {
            "type": "alert",
            "summary": "Checkout 40% errors",
            "context": {"service": "checkout", "error_rate": 40, "affected_users_pct": 60, "is_revenue_impacting": True},
        },
    }
    response = harness.client.post(f"/api/v1/rooms/{room.id}/injects", json=body, headers=bearer(room.key))
    assert response.status_code == 202
    alert = harness.services.manager.get(room.id).state.alerts[response.json()["inject_id"]]
    context = AlertContext(service="checkout", error_rate=40, affected_users_pct=60, is_revenue_impacting=True)
    assert alert.severity == harness.services.playbook.classify(context).severity
    assert alert.context == context


def test_a_bad_or_repeated_inject_is_refused(harness: Harness) -> None:
    room = harness.open_room()
    url = f"/api/v1/rooms/{room.id}/injects"
    bad = harness.client.post(url, json={"inject": "x", "detail": {"type": "alert"}}, headers=bearer(room.key))
    assert bad.status_code == 422
    assert "summary" in bad.json()["detail"]
    body = {"inject": "x", "detail": {"type": "log", "id": "my-log", "service": "db", "line": "boom"}}
    assert harness.client.post(url, json=body, headers=bearer(room.key)).status_code == 202
    repeated = harness.client.post(url, json=body, headers=bearer(room.key))
    assert repeated.status_code == 409
    assert repeated.json()["detail"] == "inject id 'my-log' is already used"


def test_an_inject_into_a_room_that_is_not_running_is_409(harness: Harness) -> None:
    room = harness.open_room(start=False)
    response = harness.client.post(
        f"/api/v1/rooms/{room.id}/injects", json={"inject": "early"}, headers=bearer(room.key)
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "the drill is not running"


def test_participants_join_poll_and_act_with_their_token(harness: Harness) -> None:
    room = harness.open_room()
    joined = harness.client.post("/api/v1/join", json={"join_code": room.code.lower(), "name": "alice"})
    assert joined.status_code == 201
    token = joined.json()["token"]
    first = harness.client.get(f"/api/v1/rooms/{room.id}/events", headers=bearer(token)).json()
    assert first["status"] == "running"
    noted = harness.client.post(
        f"/api/v1/rooms/{room.id}/actions", json={"type": "add_note", "text": "looking"}, headers=bearer(token)
    )
    assert noted.status_code == 200
    assert [r["text"] for r in noted.json()["records"]] == ["Note by alice: looking"]
    later = harness.client.get(
        f"/api/v1/rooms/{room.id}/events", params={"after": first["next_offset"]}, headers=bearer(token)
    ).json()
    assert [r["kind"] for r in later["records"]] == ["note_added"]
    view = harness.client.get(f"/api/v1/rooms/{room.id}/view", headers=bearer(token)).json()
    assert view["you"] == "alice"
    assert "truth" not in view


def test_participant_events_never_hold_the_truth_but_the_facilitators_do(harness: Harness) -> None:
    room = harness.open_room()
    token = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": "alice"}).json()["token"]
    harness.minutes(room, 5)
    public = harness.client.get(f"/api/v1/rooms/{room.id}/events", headers=bearer(token)).json()
    full = harness.client.get(f"/api/v1/rooms/{room.id}/events", headers=bearer(room.key)).json()
    assert "impact_started" not in {r["kind"] for r in public["records"]}
    assert "impact_started" in {r["kind"] for r in full["records"]}
    assert all("actionable" not in r["data"] for r in public["records"])


def test_refused_actions_are_409_and_malformed_ones_422(harness: Harness) -> None:
    room = harness.open_room()
    token = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": "alice"}).json()["token"]
    url = f"/api/v1/rooms/{room.id}/actions"
    refused = harness.client.post(url, json={"type": "resolve"}, headers=bearer(token))
    assert refused.status_code == 409
    assert refused.json()["detail"] == "the incident has not been declared yet"
    assert harness.client.post(url, json={"type": "dance"}, headers=bearer(token)).status_code == 422
    assert harness.client.post(url, json={"type": "add_note"}, headers=bearer(token)).status_code == 422
    forged = token[:-4] + "AAAA"
    assert harness.client.post(url, json={"type": "add_note", "text": "x"}, headers=bearer(forged)).status_code == 403


def test_joining_with_a_wrong_code_or_a_taken_name_is_refused(harness: Harness) -> None:
    room = harness.open_room()
    assert harness.client.post("/api/v1/join", json={"join_code": "ZZZZZZ", "name": "a"}).status_code == 404
    assert harness.client.post("/api/v1/join", json={"join_code": room.code, "name": "bob"}).status_code == 201
    taken = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": "bob"})
    assert taken.status_code == 409
    assert "is taken" in taken.json()["detail"]


def test_the_score_and_postmortem_export_as_json_and_markdown(harness: Harness) -> None:
    room = harness.open_room()
    url = f"/api/v1/rooms/{room.id}"
    score = harness.client.get(f"{url}/score", headers=bearer(room.key))
    assert score.headers["content-type"] == "application/json"
    assert score.json()["max"] > 0
    markdown = harness.client.get(f"{url}/score", params={"format": "md"}, headers=bearer(room.key))
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "# " in markdown.text
    postmortem = harness.client.get(f"{url}/postmortem", headers=bearer(room.key)).json()
    assert postmortem["written"] is False
    assert postmortem["text"].startswith("# Postmortem")
    assert harness.client.get(f"{url}/score", params={"format": "pdf"}, headers=bearer(room.key)).status_code == 422


def test_the_openapi_document_names_every_api_route_and_token(harness: Harness) -> None:
    spec = harness.client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/library",
        "/api/v1/rooms",
        "/api/v1/rooms/{room_id}",
        "/api/v1/rooms/{room_id}/control",
        "/api/v1/rooms/{room_id}/injects",
        "/api/v1/rooms/{room_id}/events",
        "/api/v1/rooms/{room_id}/actions",
        "/api/v1/rooms/{room_id}/view",
        "/api/v1/rooms/{room_id}/score",
        "/api/v1/rooms/{room_id}/postmortem",
        "/api/v1/join",
        "/api/v1/alerts/alertmanager",
        "/api/v1/alerts/events",
        "/api/drills",
        "/api/drills/{room_id}/injects",
    } <= paths
    assert not any(p.startswith("/rooms") or p.startswith("/studies") for p in paths)
    schemes = set(spec["components"]["securitySchemes"])
    assert schemes == {"AdminToken", "FacilitatorKey", "ParticipantToken", "InjectToken", "ReceiverToken"}
    assert spec["paths"]["/api/v1/rooms"]["post"]["responses"].keys() >= {"201", "401", "403", "422"}
    assert harness.client.get("/docs").status_code == 200


def test_docs_page_loads_swagger_from_this_server_only(harness: Harness) -> None:
    page = harness.client.get("/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn.jsdelivr.net" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    bundle = harness.client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
