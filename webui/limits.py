"""Limits of the web UI: wrong guesses per client, and the error for a budget reached.

:class:`Guesses` counts a client's wrong join codes, facilitator keys and admin tokens over
a sliding minute; once a client has made ``per_minute`` of them, every further attempt (right
or wrong) is refused with 429 until the oldest falls out of the window, so a code or key
cannot be found by trying. A client is its address (the server listens on loopback or behind
the operator's own proxy; nothing here trusts ``X-Forwarded-For``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from playbook.errors import InvalidDefinition

__all__ = ["Guesses", "LimitReached", "TooManyGuesses"]

_WINDOW = 60.0
_CLIENTS = 10_000


class LimitReached(InvalidDefinition):
    """A budget of the server is used up (rooms, events, study runs); answered 429."""


class TooManyGuesses(LimitReached):
    """A client made too many wrong guesses in the last minute."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many wrong codes or keys from this client; try again in {retry_after} s")


class Guesses:
    """Wrong guesses per client over the last minute (thread-safe)."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._wrong: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        found = self._wrong.get(client)
        if found is None:
            if len(self._wrong) >= _CLIENTS:  # forget clients with nothing recent first
                for key in [k for k, v in self._wrong.items() if not v or v[-1] <= now - _WINDOW]:
                    del self._wrong[key]
            found = self._wrong[client] = deque()
        while found and found[0] <= now - _WINDOW:
            found.popleft()
        return found

    def check(self, client: str) -> None:
        """Raise :class:`TooManyGuesses` if ``client`` may not try again yet."""
        with self._lock:
            now = self._clock()
            recent = self._recent(client, now)
            if len(recent) >= self.per_minute:
                raise TooManyGuesses(max(1, int(recent[0] + _WINDOW - now + 0.999)))

    def wrong(self, client: str) -> None:
        """Count a wrong guess of ``client``."""
        with self._lock:
            self._recent(client, self._clock()).append(self._clock())
