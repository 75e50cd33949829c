"""The live pages' SSE loop: a first batch with every panel, then, when someone acts, a
second batch with only what changed, pushed without the page asking."""

from __future__ import annotations

import asyncio

import anyio.to_thread

from drills.actions import action_adapter
from tests.webui.conftest import Harness
from webui.hub import Hub
from webui.pages import PARTICIPANT_PANELS, participant_panels
from webui.streams import event_stream


def _events(chunk: str) -> list[str]:
    return [line.removeprefix("event: ") for line in chunk.splitlines() if line.startswith("event: ")]


def test_a_stream_sends_every_panel_then_a_second_batch_when_another_participant_acts(harness: Harness) -> None:
    room = harness.open_room()
    harness.participant(room, "alice")
    harness.participant(room, "bob")
    session = harness.services.manager.get(room.id)

    async def scenario() -> tuple[list[str], str]:
        hub = Hub()
        hub.bind(asyncio.get_running_loop())
        render = participant_panels(session, "alice", csrf="token")
        stream = event_stream(hub, room.id, render, max_seconds=30, tick=5, keepalive=60)
        assert (await anext(stream)).startswith("retry: ")
        first = await asyncio.wait_for(anext(stream), 10)
        note = action_adapter.validate_python({"type": "add_note", "text": "bob checked the gateway"})
        await anyio.to_thread.run_sync(session.act, "bob", note)
        hub.poke(room.id)
        second = await asyncio.wait_for(anext(stream), 10)  # well before the 5 s tick
        await stream.aclose()
        return _events(first), second

    first, second = asyncio.run(scenario())
    assert set(first) == set(PARTICIPANT_PANELS)
    assert "event: timeline" in second and "bob checked the gateway" in second
    assert "event: controls" not in second  # alice's forms are not re-sent: nothing she can do changed
