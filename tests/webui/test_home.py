"""The front door: the library, opening a room, joining one, health."""

from __future__ import annotations

from tests.webui.conftest import FAST, Harness


def test_the_home_page_lists_the_library_with_a_description_each(harness: Harness) -> None:
    page = harness.signed_in().get("/")
    assert page.status_code == 200
    assert page.text.count('data-drill="') == 10
    assert "A busy afternoon for payments; two card processors are integrated." in page.text
    assert 'name="csrf_token"' in page.text
    assert "csrftoken=" in harness.browser().get("/").headers["set-cookie"]


def test_opening_a_room_from_the_library_makes_the_browser_its_facilitator(harness: Harness) -> None:
    browser = harness.signed_in()
    response = browser.post("/rooms", data={"script": FAST})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/rooms/") and location.endswith("/facilitator")
    page = browser.get(location)
    assert page.status_code == 200
    assert "Root cause:" in page.text


def test_opening_a_room_for_an_unknown_drill_shows_why(harness: Harness) -> None:
    response = harness.signed_in().post("/rooms", data={"script": "nope"}, headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert "no drill &#39;nope&#39; in the library" in response.text


def test_joining_by_code_lands_in_the_room_and_bad_joins_say_why(harness: Harness) -> None:
    room = harness.open_room()
    assert f'value="{room.code}"' in harness.client.get(f"/join/{room.code}").text
    alice = harness.browser()
    joined = alice.post("/join", data={"code": room.code, "name": "alice"})
    assert joined.headers["location"] == f"/rooms/{room.id}"
    assert "You are <strong data-testid=\"you\">alice</strong>" in alice.get(f"/rooms/{room.id}").text
    html = {"Accept": "text/html"}
    wrong = harness.browser().post("/join", data={"code": "ZZZZZZ", "name": "bob"}, headers=html)
    assert wrong.status_code == 404
    assert "no drill session with join code" in wrong.text
    taken = harness.browser().post("/join", data={"code": room.code, "name": "alice"}, headers=html)
    assert taken.status_code == 409
    assert "is taken in this drill" in taken.text
    blank = harness.browser().post("/join", data={"code": room.code, "name": " "})
    assert blank.status_code == 409
    assert blank.json()["detail"] == "a name is 1 to 40 printable characters"


def test_health_counts_the_rooms(harness: Harness) -> None:
    harness.open_room()
    assert harness.client.get("/healthz").json() == {"status": "ok", "rooms": 1}


def test_an_unknown_page_is_404(harness: Harness) -> None:
    assert harness.client.get("/nope").status_code == 404
    assert harness.client.get("/rooms/nope").status_code == 404
