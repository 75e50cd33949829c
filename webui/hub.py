"""Change notifications for live pages: which room changed, without a thread per listener.

The drill engine is synchronous (locks, SQLite) and its ``wait_for`` blocks a thread; a page
stream must not hold a thread while it waits. The :class:`Hub` gives every room a version
number on the event loop: request handlers call :meth:`Hub.poke` (from any thread) after they
changed a room, the ticker pokes rooms whose log grew, and a stream awaits
:meth:`Hub.wait` for the version to move past the one it rendered.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

__all__ = ["Hub"]


@dataclass
class _Room:
    version: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class Hub:
    """Per-room version numbers and a wake-up for everyone waiting on a room."""

    def __init__(self) -> None:
        self._rooms: dict[str, _Room] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the event loop the streams run on (at startup)."""
        self._loop = loop
        self._closed = False

    def _room(self, room: str) -> _Room:
        found = self._rooms.get(room)
        if found is None:
            found = self._rooms[room] = _Room()
        return found

    def version(self, room: str) -> int:
        return self._room(room).version

    def _bump(self, room: str) -> None:
        entry = self._room(room)
        entry.version += 1
        entry.changed.set()
        entry.changed = asyncio.Event()

    def poke(self, room: str) -> None:
        """Say ``room`` changed; safe from any thread (a no-op before startup)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._bump(room)
        else:
            loop.call_soon_threadsafe(self._bump, room)

    async def wait(self, room: str, seen: int, timeout: float) -> int:
        """The room's version once it is past ``seen`` (or as it is after ``timeout`` s)."""
        entry = self._room(room)
        if entry.version > seen or self._closed:
            return entry.version
        event = entry.changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        return self._room(room).version

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Wake every waiter for good (shutdown): streams see ``closed`` and end."""
        self._closed = True
        for room in list(self._rooms):
            self._bump(room)
