"""The facilitator's console: the link, the clock, injects, the receiver token, exports."""

from __future__ import annotations

import json

from tests.webui.conftest import Harness

HX = {"HX-Request": "true"}


def test_the_facilitator_link_sets_a_room_cookie_and_hides_the_key(harness: Harness) -> None:
    room = harness.open_room()
    browser = harness.browser()
    response = browser.get(f"/rooms/{room.id}/facilitate?key={room.key}")
    assert response.headers["location"] == f"/rooms/{room.id}/facilitator"
    cookie = response.headers["set-cookie"]
    assert f"Path=/rooms/{room.id}" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = browser.get(f"/rooms/{room.id}/facilitator")
    assert room.code in page.text
    assert room.receiver in page.text
    assert "Root cause:" in page.text


def test_a_wrong_facilitator_link_is_refused(harness: Harness) -> None:
    room = harness.open_room()
    assert harness.browser().get(f"/rooms/{room.id}/facilitate?key=guess").status_code == 403
    assert harness.browser().get(f"/rooms/{room.id}/facilitate").status_code == 403


def test_the_clock_controls_work_and_a_refusal_says_why(harness: Harness) -> None:
    room = harness.open_room(start=False)
    fac = harness.facilitator(room)
    url = f"/rooms/{room.id}/facilitator/control"
    assert fac.post(url, data={"command": "start", "speed": "30"}, headers=HX).status_code == 204
    refused = fac.post(url, data={"command": "resume"}, headers=HX)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "the drill is running"
    assert fac.post(url, data={"command": "pause"}).headers["location"] == f"/rooms/{room.id}/facilitator"
    assert fac.post(url, data={"command": "speed", "speed": "99"}, headers=HX).status_code == 422
    assert fac.post(url, data={"command": "end", "reason": "done"}, headers=HX).status_code == 204
    assert harness.services.manager.get(room.id).state.status == "ended"


def test_the_inject_form_delivers_each_kind_of_inject(harness: Harness) -> None:
    room = harness.open_room()
    fac = harness.facilitator(room)
    url = f"/rooms/{room.id}/facilitator/inject"
    forms = [
        {"type": "alert", "service": "payments", "text": "Payments down", "error_rate": "50", "is_revenue_impacting": "1"},
        {"type": "log", "service": "payments", "text": "connection refused"},
        {"type": "customer_report", "text": "I cannot pay", "who": "ACME"},
        {"type": "exec_message", "text": "Is it fixed?"},
        {"type": "deploy", "service": "payments", "version": "v9", "text": "config"},
        {"type": "metrics", "service": "payments", "error_rate": "12", "latency_p99_ms": "900"},
    ]
    for form in forms:
        assert fac.post(url, data=form, headers=HX).status_code == 204, form
    bad = fac.post(url, data={"type": "metrics", "service": "payments"}, headers=HX)
    assert bad.status_code == 422
    assert bad.json()["detail"] == "error_rate: a metric snapshot needs at least one value"
    assert fac.post(url, data={"type": "alert", "text": "x", "error_rate": "lots"}, headers=HX).status_code == 422
    kinds = [r.kind for r in harness.services.manager.get(room.id).records()]
    assert kinds.count("inject_delivered") >= 5


def test_rotating_the_receiver_token_shows_a_new_one(harness: Harness) -> None:
    room = harness.open_room()
    fac = harness.facilitator(room)
    assert fac.post(f"/rooms/{room.id}/facilitator/receiver-token").status_code == 303
    page = fac.get(f"/rooms/{room.id}/facilitator").text
    assert room.receiver not in page
    assert harness.services.receivers.token(room.id) in page


def test_the_score_report_and_postmortem_export(harness: Harness) -> None:
    room = harness.open_room()
    fac = harness.facilitator(room)
    base = f"/rooms/{room.id}/facilitator"
    html = fac.get(f"{base}/report.html")
    assert html.headers["content-type"].startswith("text/html") and "Drill score" in html.text
    md = fac.get(f"{base}/report.md")
    assert md.headers["content-disposition"] == f'attachment; filename="drill-{room.id}-score.md"'
    assert json.loads(fac.get(f"{base}/report.json").text)["session_id"] == room.id
    assert fac.get(f"{base}/postmortem.md").text.startswith("# Postmortem")
    assert json.loads(fac.get(f"{base}/postmortem.json").text)["written"] is False
    assert fac.get(f"{base}/report.pdf").status_code == 422
