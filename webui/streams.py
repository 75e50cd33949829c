"""Server-sent events for live pages (read by the vendored htmx SSE extension).

A stream sends every panel at once (so a reconnecting page resynchronises), then waits on
the :class:`~webui.hub.Hub` for its room to change: on a change it re-renders the panels and
sends those whose HTML changed; otherwise, each ``tick`` seconds, it sends the status bar if
the clock moved, and a comment every ``keepalive`` seconds so a dead connection is noticed.

Rendering runs in a worker thread (the engine takes locks and may write due injects to
SQLite), never on the event loop. A stream ends after ``max_seconds`` (the browser's
EventSource reconnects after ``retry`` ms), when the server shuts down, or, for a stream
with a ``closes`` event, once the renderer gives that event: it is sent last and the page
(``sse-close``) stops listening, as a finished study run's page does.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import anyio.to_thread

from webui.hub import Hub

__all__ = ["Renderer", "event_stream", "sse_message"]

Renderer = Callable[[bool], tuple[int, dict[str, str]]]


def sse_message(event: str, data: str) -> str:
    """One SSE message; every line of ``data`` becomes a ``data:`` line."""
    lines = data.splitlines() or [""]
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


async def event_stream(
    hub: Hub,
    room: str,
    render: Renderer,
    *,
    max_seconds: float,
    tick: float = 1.0,
    keepalive: float = 15.0,
    retry_ms: int = 1000,
    page_seq: int | None = None,
    closes: str | None = None,
) -> AsyncIterator[str]:
    """The stream of panel updates for one page of ``room``.

    ``render(full)`` gives the log position it rendered and the panels. ``page_seq`` is the
    position the page itself was rendered at: if the room has not changed since, the first
    batch is not sent (the page shows it already), so a select or a half-typed field is not
    reset the moment the stream connects. When ``render`` gives a panel named ``closes``,
    that batch (with ``closes`` last) is the stream's final one.
    """
    sent: dict[str, str] = {}
    deadline = time.monotonic() + max_seconds
    quiet_since = time.monotonic()
    version = hub.version(room)
    full = True
    yield f"retry: {retry_ms}\n\n"
    while True:
        seq, panels = await anyio.to_thread.run_sync(render, full)
        if page_seq is not None and seq == page_seq and not sent:
            sent.update(panels)  # the page already shows exactly this
        changed = [(name, html) for name, html in panels.items() if sent.get(name) != html and name != closes]
        if closes is not None and closes in panels:
            yield "".join(sse_message(name, html) for name, html in [*changed, (closes, panels[closes])])
            return
        if changed:
            sent.update(changed)
            quiet_since = time.monotonic()
            yield "".join(sse_message(name, html) for name, html in changed)
        elif time.monotonic() - quiet_since >= keepalive:
            quiet_since = time.monotonic()
            yield ": keepalive\n\n"
        left = deadline - time.monotonic()
        if left <= 0 or hub.closed:
            return
        seen = version
        version = await hub.wait(room, seen, min(tick, left))
        full = version != seen
