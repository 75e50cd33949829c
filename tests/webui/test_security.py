"""Who may reach what: facilitator routes, CSRF, body limits, tokens, headers."""

from __future__ import annotations

import pytest

from tests.webui.conftest import Harness, bearer

FACILITATOR_GETS = [
    "/facilitator",
    "/facilitator/stream",
    "/facilitator/report.html",
    "/facilitator/report.md",
    "/facilitator/report.json",
    "/facilitator/postmortem.md",
    "/facilitator/postmortem.json",
]
FACILITATOR_POSTS = [
    ("/facilitator/control", {"command": "end"}),
    ("/facilitator/inject", {"type": "log", "text": "x"}),
    ("/facilitator/receiver-token", {}),
]


def test_participants_cannot_reach_any_facilitator_route(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    for path in FACILITATOR_GETS:
        response = alice.get(f"/rooms/{room.id}{path}")
        assert response.status_code == 403, path
        assert "Root cause" not in response.text
    for path, form in FACILITATOR_POSTS:
        assert alice.post(f"/rooms/{room.id}{path}", data=form).status_code == 403, path
    assert harness.services.manager.get(room.id).state.status == "running"


def test_another_rooms_facilitator_cannot_run_this_room(harness: Harness) -> None:
    room, other = harness.open_room(), harness.open_room()
    stranger = harness.facilitator(other)
    assert stranger.get(f"/rooms/{room.id}/facilitator").status_code == 403
    stranger.jar.set(f"drillbit_f_{room.id}", other.key, path=f"/rooms/{room.id}")
    assert stranger.get(f"/rooms/{room.id}/facilitator").status_code == 403


def test_a_forged_or_foreign_participant_cookie_is_not_a_participant(harness: Harness) -> None:
    room, other = harness.open_room(), harness.open_room()
    alice = harness.participant(other, "alice")
    token = alice.jar.get(f"drillbit_p_{other.id}")
    assert token
    alice.jar.set(f"drillbit_p_{room.id}", token, path=f"/rooms/{room.id}")
    assert alice.act(room.id, type="add_note", text="x").status_code == 403
    alice.jar.set(f"drillbit_p_{room.id}", token[:-3] + "abc", path=f"/rooms/{room.id}")
    assert alice.get(f"/rooms/{room.id}/stream").status_code == 403


@pytest.mark.parametrize(("path", "form"), [("/rooms", {"script": "alert-storm"}), ("/join", {"code": "X", "name": "y"})])
def test_forms_without_the_csrf_token_are_refused(harness: Harness, path: str, form: dict[str, str]) -> None:
    browser = harness.browser()
    browser.get("/")
    missing = browser.post(path, data=form, csrf=False)
    assert missing.status_code == 403
    assert missing.json()["detail"] == "missing or wrong CSRF token; reload the page"
    wrong = browser.post(path, data=form, csrf=False, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403


def test_a_form_may_carry_the_csrf_token_as_a_field(harness: Harness) -> None:
    browser = harness.signed_in()
    browser.get("/")
    token = browser.jar.get("csrftoken")
    assert token
    response = browser.post("/rooms", data={"script": "alert-storm", "csrf_token": token}, csrf=False)
    assert response.status_code == 303


def test_actions_without_the_csrf_token_are_refused_even_for_a_participant(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    response = alice.post(f"/rooms/{room.id}/act", data={"type": "add_note", "text": "x"}, csrf=False)
    assert response.status_code == 403


def test_the_bearer_api_needs_no_csrf_token_because_it_reads_no_cookies(harness: Harness) -> None:
    room = harness.open_room()
    fac = harness.facilitator(room)
    # the facilitator's cookie does not authenticate the API
    assert fac.get(f"/api/v1/rooms/{room.id}", csrf=False).status_code == 401
    assert harness.client.get(f"/api/v1/rooms/{room.id}", headers=bearer(room.key)).status_code == 200


def test_form_bodies_over_the_limit_are_413(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    response = alice.act(room.id, type="add_note", text="x" * (300 * 1024))
    assert response.status_code == 413


def test_a_streamed_body_over_the_limit_is_413_even_without_a_length(harness: Harness) -> None:
    def chunks() -> object:
        for _ in range(300):
            yield b"x" * 1024

    response = harness.client.post("/api/v1/join", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_pages_carry_a_content_security_policy_without_inline_scripts(harness: Harness) -> None:
    page = harness.client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text


def test_the_static_scripts_are_served_from_this_server(harness: Harness) -> None:
    for path in ("/static/vendor/htmx-2.0.11.min.js", "/static/vendor/htmx-ext-sse-2.2.4.min.js", "/static/app.js"):
        assert harness.client.get(path).status_code == 200
