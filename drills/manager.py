"""The session manager: every session of a store, created, found and reopened by id.

This is the object a web layer holds (one per process). It creates sessions with a secret
facilitator key (only its hash is stored) and a short join code, reopens any stored session on
demand (so a restarted server serves every room it had), and offers :meth:`tick` for a timer
that delivers timed injects in every running room. Sessions are cached; each is thread-safe.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from drills.clock import SystemClock, WallClock
from drills.errors import SessionNotFound
from drills.library import find_script
from drills.scoring import ScoreReport, score_session
from drills.script import DrillScript
from drills.session import DrillSession
from drills.store import Store
from playbook.model import Playbook, default_playbook
from playbook.rubric import Rubric, default_rubric

__all__ = ["Created", "SessionManager", "hash_key", "rubric_of"]

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def rubric_of(playbook: Playbook) -> Rubric:
    """The playbook's rubric when it has one (``Playbook.rubric``), else the default."""
    rubric = getattr(playbook, "rubric", None)
    return rubric if isinstance(rubric, Rubric) else default_rubric()


def _join_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class Created:
    """A new session and its secrets (the key is shown once, never stored in clear)."""

    session: DrillSession
    facilitator_key: str
    join_code: str


class SessionManager:
    """Sessions of one store, by id and by join code."""

    def __init__(
        self,
        store: Store,
        *,
        clock: WallClock | None = None,
        playbook: Playbook | None = None,
        key_factory: Callable[[], str] = lambda: secrets.token_urlsafe(24),
        code_factory: Callable[[], str] = _join_code,
    ) -> None:
        self.store = store
        self.clock: WallClock = clock or SystemClock()
        self.playbook = playbook or default_playbook()
        self._key_factory = key_factory
        self._code_factory = code_factory
        self._sessions: dict[str, DrillSession] = {}
        # A session's key hash never changes, so it is read from the store once: a key check
        # must not wait for the store behind another room's write.
        self._key_hashes: dict[str, str] = {}
        self._lock = threading.Lock()

    def create(
        self,
        script: DrillScript | str,
        *,
        rubric: Rubric | None = None,
        session_id: str | None = None,
    ) -> Created:
        """Start a room for a script (an id of the library, a path, or a loaded script)."""
        loaded = script if isinstance(script, DrillScript) else find_script(script, playbook=self.playbook)
        key = self._key_factory()
        code = self._code_factory()
        session = DrillSession.create(
            script=loaded,
            playbook=self.playbook,
            rubric=rubric or rubric_of(self.playbook),
            store=self.store,
            clock=self.clock,
            session_id=session_id,
            join_code=code,
            facilitator_key_hash=hash_key(key),
        )
        with self._lock:
            self._sessions[session.id] = session
            self._key_hashes[session.id] = hash_key(key)
        return Created(session, key, code)

    def get(self, session_id: str) -> DrillSession:
        """The session, reopened from the store if this process has not loaded it yet."""
        with self._lock:
            found = self._sessions.get(session_id)
            if found is None:
                found = DrillSession.open(self.store, session_id, clock=self.clock)
                self._sessions[session_id] = found
            return found

    def by_join_code(self, code: str) -> DrillSession:
        return self.get(self.store.session_by_join_code(code.strip().upper()))

    def is_facilitator(self, session_id: str, key: str) -> bool:
        """Whether ``key`` is the session's facilitator key (constant-time comparison)."""
        stored = self._key_hashes.get(session_id)
        if stored is None:
            try:
                stored = self.store.session(session_id).facilitator_key_hash
            except SessionNotFound:
                return False
            with self._lock:
                self._key_hashes[session_id] = stored
        return bool(stored) and hmac.compare_digest(stored, hash_key(key))

    def open_all(self) -> list[DrillSession]:
        """Reopen every stored session (after a restart)."""
        return [self.get(sid) for sid in self.store.session_ids()]

    def tick(self) -> int:
        """Deliver what is due in every loaded running session; the number of new records."""
        with self._lock:
            sessions = list(self._sessions.values())
        return sum(len(s.sync()) for s in sessions if s.state.status == "running")

    def history(self, script_id: str, *, before: str | None = None) -> list[ScoreReport]:
        """Scores of the script's ended sessions, oldest first (up to ``before``, exclusive).

        Sessions that never started or have not ended are left out: they say nothing about
        how the team plays.
        """
        out = []
        for sid in self.store.session_ids(script_id=script_id):
            if sid == before:
                break
            row = self.store.session(sid)
            records = self.store.records(sid)
            if not any(r.kind == "drill_ended" for r in records) or not any(r.kind == "drill_started" for r in records):
                continue
            out.append(
                score_session(records, session_id=sid, script=row.script, playbook=row.playbook, rubric=row.rubric)
            )
        return out
