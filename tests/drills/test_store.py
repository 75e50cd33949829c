"""The SQLite store: every acknowledged record survives kill -9, sessions reopen identically,
and older files are migrated."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from drills.actions import AddNote
from drills.autopilot import PROFILES, run_autopilot
from drills.clock import VirtualClock
from drills.errors import SessionNotFound, StoreFailed
from drills.script import DrillScript
from drills.session import DrillSession
from drills.state import replay
from drills.store import MIGRATIONS, SCHEMA_VERSION, Store
from playbook.model import Playbook
from playbook.rubric import default_rubric

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from drills.actions import AddNote
from drills.clock import VirtualClock
from drills.library import find_script
from drills.session import DrillSession
from drills.store import Store
from playbook.model import default_playbook
from playbook.rubric import default_rubric

book = default_playbook()
session = DrillSession.create(
    script=find_script("conn-pool-leak", playbook=book), playbook=book, rubric=default_rubric(),
    store=Store(sys.argv[1], synchronous=sys.argv[2]), clock=VirtualClock(), session_id="crash",
)
session.join("alice")
session.start()
n = 0
while True:
    n += 1
    records = session.act("alice", AddNote(text=f"note {n}"))
    print("ACK", records[-1].seq, flush=True)
"""


@pytest.mark.parametrize("synchronous", ["FULL", "NORMAL"])
def test_acknowledged_records_survive_sigkill(tmp_path: Path, synchronous: str) -> None:
    db = tmp_path / "drills.db"
    acked = 0
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), synchronous],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            acked = int(line.split()[1])
            if acked >= 150:
                break
        os.kill(child.pid, signal.SIGKILL)
        # Acknowledgements already in the pipe were also given before the kill.
        for line in child.stdout:
            if line.startswith("ACK"):
                acked = int(line.split()[1])
        child.wait()
    assert child.returncode == -signal.SIGKILL
    store = Store(db)
    records = store.records("crash")
    seqs = [r.seq for r in records]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) >= acked >= 150
    reopened = DrillSession.open(store, "crash", clock=VirtualClock())
    assert reopened.state == replay(records)
    reopened.act("alice", AddNote(text="after the crash"))
    assert store.records("crash", after=len(seqs))[0].event.text == "after the crash"  # type: ignore[union-attr]


def test_a_reopened_session_has_the_same_state(tmp_path: Path, leak: DrillScript, book: Playbook) -> None:
    clock = VirtualClock()
    session = DrillSession.create(script=leak, playbook=book, rubric=default_rubric(),
                                  store=Store(tmp_path / "d.db"), clock=clock)
    run_autopilot(session, PROFILES["textbook"], clock)
    again = DrillSession.open(Store(tmp_path / "d.db"), session.id, clock=clock)
    assert again.state == session.state
    assert again.records() == session.records()
    assert (again.script, again.playbook, again.rubric) == (session.script, session.playbook, session.rubric)


def test_the_database_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    store = Store(tmp_path / "d.db")
    assert store._query("PRAGMA journal_mode")[0][0] == "wal"
    assert store._query("PRAGMA synchronous")[0][0] == 2  # FULL
    assert Store(tmp_path / "e.db", synchronous="NORMAL")._query("PRAGMA synchronous")[0][0] == 1
    assert store.schema_version() == SCHEMA_VERSION


def test_a_version_1_file_is_migrated_and_its_sessions_still_open(
    tmp_path: Path, leak: DrillScript, book: Playbook
) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0][1])
    db.execute(
        "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
        ("old", leak.id, leak.digest(), leak.model_dump_json(), book.model_dump_json(),
         default_rubric().model_dump_json(), "2026-01-01T00:00:00+00:00"),
    )
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    store = Store(path)
    assert store.schema_version() == 2
    row = store.session("old")
    assert (row.script, row.join_code, row.facilitator_key_hash) == (leak, None, "")


def test_a_file_from_a_newer_drillbit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreFailed, match="upgrade drillbit"):
        Store(path)


def test_a_second_writer_of_the_same_session_is_detected(tmp_path: Path, leak: DrillScript, book: Playbook) -> None:
    path = tmp_path / "d.db"
    first = DrillSession.create(script=leak, playbook=book, rubric=default_rubric(),
                                store=Store(path), clock=VirtualClock(), session_id="s")
    second = DrillSession.open(Store(path), "s", clock=VirtualClock())
    first.join("alice")
    with pytest.raises(StoreFailed, match="another process"):
        second.join("bob")
    assert second.state.participants == {}


def test_unknown_sessions_and_join_codes_are_not_found() -> None:
    store = Store(":memory:")
    with pytest.raises(SessionNotFound):
        store.session("nope")
    with pytest.raises(SessionNotFound):
        store.session_by_join_code("ABCDEF")
