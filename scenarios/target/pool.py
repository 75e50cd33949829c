"""A real, bounded SQLite connection pool, with the leak of seed 002 as a switch.

``size`` connections are opened up front. A request borrows one with :meth:`connection`
and gives it back on exit; when none is free it waits up to ``timeout`` seconds, then raises
:class:`PoolExhausted` (the service answers 500, as in seed 002's postmortem). With ``leak``
on, borrowed connections are never given back: the pool runs dry after ``size`` requests.
:meth:`reclaim_leaked` closes the leaked connections and opens fresh ones (the rollback).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

__all__ = ["ConnectionPool", "PoolExhausted", "PoolStats"]


class PoolExhausted(Exception):
    """No connection became free within the pool timeout."""


class PoolStats(BaseModel):
    """The pool at one instant (exported as gauges)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    size: int
    in_use: int
    idle: int
    leaked: int
    waiting: int
    timeouts: int


class ConnectionPool:
    """``size`` SQLite connections to ``path`` shared by the request threads."""

    def __init__(
        self,
        path: Path,
        *,
        size: int,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._path = path
        self._size = size
        self._timeout = timeout
        self._clock = clock
        self._cond = threading.Condition()
        self._idle: list[sqlite3.Connection] = [self._open() for _ in range(size)]
        self._in_use = 0
        self._leaked: list[sqlite3.Connection] = []
        self._waiting = 0
        self._timeouts = 0
        self._closed = False
        self.leak = False

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=5.0, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=5000")
        return conn

    def stats(self) -> PoolStats:
        with self._cond:
            return PoolStats(
                size=self._size,
                in_use=self._in_use,
                idle=len(self._idle),
                leaked=len(self._leaked),
                waiting=self._waiting,
                timeouts=self._timeouts,
            )

    def _acquire(self) -> sqlite3.Connection:
        deadline = self._clock() + self._timeout
        with self._cond:
            self._waiting += 1
            try:
                while not self._idle:
                    remaining = deadline - self._clock()
                    if self._closed or remaining <= 0:
                        self._timeouts += 1
                        raise PoolExhausted(
                            f"connection pool exhausted ({self._size} in use, "
                            f"waited {self._timeout:g}s)"
                        )
                    self._cond.wait(remaining)
            finally:
                self._waiting -= 1
            self._in_use += 1
            return self._idle.pop()

    def _release(self, conn: sqlite3.Connection) -> None:
        with self._cond:
            if self.leak:
                # The bug: the connection is dropped on the floor, still open, still counted.
                self._leaked.append(conn)
                return
            self._in_use -= 1
            if self._closed:
                conn.close()
            else:
                self._idle.append(conn)
            self._cond.notify()

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection for one unit of work (committed on success)."""
        conn = self._acquire()
        try:
            with conn:
                yield conn
        finally:
            self._release(conn)

    def reclaim_leaked(self) -> int:
        """Close leaked connections and replace them; returns how many were reclaimed."""
        with self._cond:
            leaked, self._leaked = self._leaked, []
            for conn in leaked:
                conn.close()
            self._in_use -= len(leaked)
            if not self._closed:
                self._idle.extend(self._open() for _ in leaked)
            self._cond.notify_all()
            return len(leaked)

    def close(self) -> None:
        """Close every connection; borrowed ones are closed when returned."""
        with self._cond:
            self._closed = True
            for conn in [*self._idle, *self._leaked]:
                conn.close()
            self._in_use -= len(self._leaked)
            self._idle, self._leaked = [], []
            self._cond.notify_all()
