"""Who may do what: facilitators sign in for rooms, the library's truth and studies; anyone
else only joins a room by its code, and an anonymous attempt creates nothing."""

from __future__ import annotations

from tests.webui.conftest import ADMIN, FAST, SECRET, Harness, bearer
from webui.security import facilitator_session

HTML = {"Accept": "text/html"}
NOISE = "simulator/studies/mmc.yaml"


def test_an_anonymous_visitor_sees_no_library_and_no_expected_severity(harness: Harness) -> None:
    page = harness.browser().get("/")
    assert page.status_code == 200
    assert 'data-drill="' not in page.text
    assert "SEV1" not in page.text and "SEV2" not in page.text
    assert 'href="/signin"' in page.text
    assert harness.client.get("/api/v1/library").status_code == 401
    assert harness.client.get("/api/v1/library", headers=bearer("a-guess")).status_code == 403


def test_opening_a_room_from_the_form_without_signing_in_is_401_and_creates_nothing(harness: Harness) -> None:
    browser = harness.browser()
    response = browser.post("/rooms", data={"script": FAST}, headers=HTML)
    assert response.status_code == 401
    assert "sign in" in response.text
    assert harness.services.store.session_ids() == []
    assert harness.client.post("/api/v1/rooms", json={"script": FAST}).status_code == 401
    assert harness.services.store.session_ids() == []


def test_studies_need_a_sign_in_and_anonymous_uploads_and_runs_leave_no_file(harness: Harness) -> None:
    browser = harness.browser()
    page = browser.get("/studies", headers=HTML)
    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=/studies"
    with open(NOISE, "rb") as handle:
        upload = browser.post("/studies/upload", files={"file": ("mine.yaml", handle.read())})
    assert upload.status_code == 401
    run = browser.post("/studies/mmc/runs", data={"replications": "1", "seed": "1"})
    assert run.status_code == 401
    studies = harness.services.studies
    assert not studies.uploads.exists() and not studies.runs.exists()


def test_signing_in_sets_a_strict_http_only_cookie_for_the_whole_site(harness: Harness) -> None:
    browser = harness.browser()
    browser.get("/signin")
    response = browser.post("/signin", data={"token": ADMIN, "next": "/studies"})
    assert response.status_code == 303
    assert response.headers["location"] == "/studies"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("drillbit_facilitator=")
    for attribute in ("httponly", "samesite=strict", "path=/"):
        assert attribute in cookie
    assert browser.get("/studies").status_code == 200
    assert 'data-drill="' in browser.get("/").text


def test_a_wrong_admin_token_signs_nobody_in(harness: Harness) -> None:
    browser = harness.browser()
    response = browser.post("/signin", data={"token": "not-it", "next": "/"})
    assert response.status_code == 403
    assert "drillbit_facilitator" not in response.headers.get("set-cookie", "")
    assert browser.post("/rooms", data={"script": FAST}).status_code == 401


def test_a_sign_in_made_for_another_admin_token_or_expired_is_refused(harness: Harness) -> None:
    browser = harness.browser()
    stale = facilitator_session(SECRET.encode(), "an-older-admin-token-000000", expires=2**40)
    browser.jar.set("drillbit_facilitator", stale)
    assert browser.post("/rooms", data={"script": FAST}).status_code == 401
    expired = facilitator_session(SECRET.encode(), ADMIN, expires=1)
    browser.jar.set("drillbit_facilitator", expired)
    assert browser.post("/rooms", data={"script": FAST}).status_code == 401
    assert harness.services.store.session_ids() == []


def test_the_sign_in_never_sends_the_browser_to_another_site(harness: Harness) -> None:
    browser = harness.browser()
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = browser.post("/signin", data={"token": ADMIN, "next": target})
        assert response.headers["location"] == "/", target


def test_a_participant_joins_by_code_and_cannot_open_rooms(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    assert alice.post("/rooms", data={"script": FAST}).status_code == 401
    assert len(harness.services.store.session_ids()) == 1


def test_signing_out_ends_the_sign_in(harness: Harness) -> None:
    browser = harness.signed_in()
    assert browser.post("/signout").status_code == 303
    assert browser.post("/rooms", data={"script": FAST}).status_code == 401
