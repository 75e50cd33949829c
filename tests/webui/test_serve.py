"""Serving: ``drillbit serve`` refuses unsafe hosts, prints its URL, and streams skip what a page shows."""

from __future__ import annotations

import pytest

from drillbit.cli import main
from tests.webui.conftest import Harness


def test_drillbit_serve_refuses_a_public_host_without_the_opt_in(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--host", "0.0.0.0"])
    assert stopped.value.code == 2
    assert "DRILLBIT_ALLOW_PUBLIC=1" in capsys.readouterr().err


def test_a_stream_does_not_resend_what_the_page_already_shows(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    seq = harness.services.manager.get(room.id).last_seq()
    unchanged = alice.get(f"/rooms/{room.id}/stream", params={"seq": seq}).text
    assert "event:" not in unchanged
    alice.act(room.id, type="add_note", text="news")
    changed = alice.get(f"/rooms/{room.id}/stream", params={"seq": seq}).text
    assert "event: timeline" in changed and "news" in changed
