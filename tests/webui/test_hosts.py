"""The Host header: only the server's own names are answered (DNS rebinding), so links
built from it always name this server."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillbit.settings import Settings
from drills.clock import VirtualClock
from tests.webui.conftest import ADMIN, FAST, Harness, bearer, start_harness


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "", "localhost.", "[::2]"])
def test_a_request_for_another_host_name_is_400_before_anything_runs(harness: Harness, host: str) -> None:
    response = harness.client.post(
        "/api/v1/rooms", json={"script": FAST}, headers={**bearer(ADMIN), "Host": host}
    )
    assert response.status_code == 400
    assert "DRILLBIT_ALLOWED_HOSTS" in response.json()["detail"]
    assert harness.services.store.session_ids() == []
    assert harness.client.get("/join", headers={"Host": host}).status_code == 400


def test_the_loopback_names_are_answered_by_default(tmp_path: Path) -> None:
    _app, client = start_harness(tmp_path, VirtualClock(), allowed_hosts=Settings().allowed_hosts)
    with client:
        for host in ("127.0.0.1:8000", "localhost", "LOCALHOST:1234", "[::1]:8000"):
            assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
        assert client.get("/healthz").status_code == 400  # the test client says "testserver"


def test_links_of_a_room_name_the_host_that_was_allowed(tmp_path: Path) -> None:
    _app, client = start_harness(tmp_path, VirtualClock(), allowed_hosts=("drills.internal",))
    with client:
        created = client.post(
            "/api/v1/rooms", json={"script": FAST}, headers={**bearer(ADMIN), "Host": "drills.internal:8000"}
        )
        assert created.status_code == 201
        assert created.json()["join_url"].startswith("http://drills.internal:8000/join/")
