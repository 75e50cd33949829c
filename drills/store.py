"""The session store: SQLite, one row per session and one row per log record.

Durability: :meth:`Store.append` writes a batch of records in one transaction and commits
before it returns, so a record whose action was acknowledged to the caller survives a
``kill -9`` of the process. The database runs in WAL mode. With WAL, a committed transaction
sits in the ``-wal`` file; a process crash cannot lose it (the OS owns the written pages),
so ``synchronous=NORMAL`` would already be enough for ``kill -9``. ``NORMAL`` can lose the
last transactions on a power cut or an OS crash, though, so the default is ``FULL`` (an
fsync of the WAL at every commit); pass ``synchronous="NORMAL"`` to trade that guarantee for
speed (the web server does, by default: ``DRILLBIT_DB_SYNCHRONOUS``). ``tests/drills/test_store.py``
kills a writer with SIGKILL in both modes and checks every acknowledged record is there.

Every session row holds the exact script, playbook and rubric it was started with (as
JSON), so a session reopens identically even after the library or the playbook changed.

Schema versions live in ``PRAGMA user_version``; :data:`MIGRATIONS` upgrades an older file in
place when it is opened (a newer file than this code knows is refused).

Thread safety: one connection shared under a lock; every method is atomic.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from drills.errors import SessionNotFound, StoreFailed
from drills.events import Record
from drills.script import DrillScript
from playbook.model import Playbook
from playbook.rubric import Rubric

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SessionRow", "Store"]

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            script_id TEXT NOT NULL,
            script_digest TEXT NOT NULL,
            script_json TEXT NOT NULL,
            playbook_json TEXT NOT NULL,
            rubric_json TEXT NOT NULL,
            created TEXT NOT NULL
        );
        CREATE TABLE records (
            session_id TEXT NOT NULL REFERENCES sessions(id),
            seq INTEGER NOT NULL,
            at REAL NOT NULL,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        ) WITHOUT ROWID;
        """,
    ),
    (
        2,
        """
        ALTER TABLE sessions ADD COLUMN join_code TEXT;
        ALTER TABLE sessions ADD COLUMN facilitator_key_hash TEXT NOT NULL DEFAULT '';
        CREATE UNIQUE INDEX sessions_join_code ON sessions(join_code);
        CREATE INDEX sessions_script ON sessions(script_id, created);
        """,
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


@dataclass(frozen=True)
class SessionRow:
    """A stored session's identity and the inputs it runs on."""

    id: str
    script: DrillScript
    playbook: Playbook
    rubric: Rubric
    created: datetime
    join_code: str | None
    facilitator_key_hash: str


class Store:
    """Sessions and their append-only logs in one SQLite file (``:memory:`` for tests)."""

    def __init__(
        self, path: str | Path, *, synchronous: Literal["FULL", "NORMAL"] = "FULL"
    ) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=10
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreFailed(f"cannot open the drill store {self.path}: {exc}") from exc

    # -- plumbing -------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreFailed(f"drill store {self.path}: {exc}") from exc

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return list(self._db.execute(sql, params).fetchall())
            except sqlite3.Error as exc:
                raise StoreFailed(f"drill store {self.path}: {exc}") from exc

    def schema_version(self) -> int:
        value = self._query("PRAGMA user_version")[0][0]
        return value if isinstance(value, int) else 0

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreFailed(
                f"{self.path} has schema version {current}; this drillbit knows up to "
                f"{SCHEMA_VERSION}: upgrade drillbit"
            )
        for version, sql in MIGRATIONS:
            if version <= current:
                continue
            with self._transaction() as db:
                for statement in sql.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={version}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- sessions -------------------------------------------------------------------------
    def create_session(
        self,
        session_id: str,
        *,
        script: DrillScript,
        playbook: Playbook,
        rubric: Rubric,
        created: datetime,
        join_code: str | None = None,
        facilitator_key_hash: str = "",
    ) -> None:
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO sessions (id, script_id, script_digest, script_json, playbook_json,"
                    " rubric_json, created, join_code, facilitator_key_hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        session_id,
                        script.id,
                        script.digest(),
                        script.model_dump_json(),
                        playbook.model_dump_json(),
                        rubric.model_dump_json(),
                        created.isoformat(),
                        join_code,
                        facilitator_key_hash,
                    ),
                )
        except StoreFailed as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                raise StoreFailed(f"session {session_id!r} or its join code already exists") from exc
            raise

    def session(self, session_id: str) -> SessionRow:
        rows = self._query(
            "SELECT id, script_json, playbook_json, rubric_json, created, join_code,"
            " facilitator_key_hash FROM sessions WHERE id = ?",
            (session_id,),
        )
        if not rows:
            raise SessionNotFound(f"no drill session {session_id!r} in {self.path}")
        sid, script, playbook, rubric, created, code, key = rows[0]
        try:
            return SessionRow(
                id=str(sid),
                script=DrillScript.model_validate_json(str(script)),
                playbook=Playbook.model_validate_json(str(playbook)),
                rubric=Rubric.model_validate_json(str(rubric)),
                created=datetime.fromisoformat(str(created)),
                join_code=None if code is None else str(code),
                facilitator_key_hash=str(key),
            )
        except ValidationError as exc:
            raise StoreFailed(f"session {session_id!r} is stored in a form this drillbit cannot read") from exc

    def session_ids(self, *, script_id: str | None = None) -> list[str]:
        """Session ids in creation order (optionally only those of one script)."""
        if script_id is None:
            rows = self._query("SELECT id FROM sessions ORDER BY rowid")
        else:
            rows = self._query(
                "SELECT id FROM sessions WHERE script_id = ? ORDER BY rowid", (script_id,)
            )
        return [str(r[0]) for r in rows]

    def session_by_join_code(self, code: str) -> str:
        rows = self._query("SELECT id FROM sessions WHERE join_code = ?", (code,))
        if not rows:
            raise SessionNotFound(f"no drill session with join code {code!r}")
        return str(rows[0][0])

    # -- records --------------------------------------------------------------------------
    def append(self, session_id: str, records: Sequence[Record]) -> None:
        """Store ``records`` atomically; committed (durable) when this returns."""
        if not records:
            return
        try:
            with self._transaction() as db:
                db.executemany(
                    "INSERT INTO records (session_id, seq, at, kind, body) VALUES (?, ?, ?, ?, ?)",
                    [(session_id, r.seq, r.at, r.kind, r.model_dump_json()) for r in records],
                )
        except StoreFailed as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                raise StoreFailed(
                    f"session {session_id!r}: record {records[0].seq} already stored "
                    "(is another process running this session?)"
                ) from exc
            raise

    def records(self, session_id: str, *, after: int = 0) -> list[Record]:
        """The session's records with ``seq > after``, in order."""
        rows = self._query(
            "SELECT body FROM records WHERE session_id = ? AND seq > ? ORDER BY seq",
            (session_id, after),
        )
        return [Record.model_validate_json(str(r[0])) for r in rows]
