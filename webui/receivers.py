"""Receiver tokens per room: a generation number in a small table beside the drill store.

A room's receiver token is ``sign(secret, "r1:ROOM:GENERATION")``
(:func:`webui.security.receiver_token`): the facilitator's page can show it again at any
time, rotating it bumps the generation (every older token stops working at once), and the
table alone is not enough to forge one. The table lives in the drill store's SQLite file
(its own name, ``webui_receivers``; the drill store's schema version is not touched).
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from drills.errors import StoreFailed
from webui.security import receiver_claim, receiver_token

__all__ = ["ReceiverTokens"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS webui_receivers (
    session_id TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    rotated TEXT NOT NULL
)
"""


class ReceiverTokens:
    """The receiver token of each room: issue, show, rotate, and resolve a token to its room."""

    def __init__(self, path: str | Path, secret: bytes) -> None:
        self._secret = secret
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreFailed(f"cannot open the receiver table in {path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _generation(self, room: str) -> int:
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT generation FROM webui_receivers WHERE session_id = ?", (room,)
                ).fetchone()
            except sqlite3.Error as exc:
                raise StoreFailed(f"receiver table: {exc}") from exc
        return int(row[0]) if row else 1

    def token(self, room: str) -> str:
        """The room's current receiver token."""
        return receiver_token(self._secret, room, self._generation(room))

    def rotate(self, room: str) -> str:
        """A new token for the room; the old one is refused from now on."""
        generation = self._generation(room) + 1
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO webui_receivers (session_id, generation, rotated) VALUES (?, ?, ?)"
                    " ON CONFLICT(session_id) DO UPDATE SET generation = excluded.generation,"
                    " rotated = excluded.rotated",
                    (room, generation, datetime.now(UTC).isoformat()),
                )
            except sqlite3.Error as exc:
                raise StoreFailed(f"receiver table: {exc}") from exc
        return receiver_token(self._secret, room, generation)

    def room_of(self, token: str) -> str | None:
        """The room a token opens (MAC checked in constant time), or None."""
        claim = receiver_claim(self._secret, token)
        if claim is None:
            return None
        room, generation = claim
        return room if generation == self._generation(room) else None
