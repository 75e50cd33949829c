"""Study runs in the background: a queue, at most ``concurrency`` child processes, cancel.

A run never blocks the server: it is a child process (``spawn``, so it does not inherit the
server's threads) that loads the study, applies the form's changes, runs it with the
simulator's public API and writes the simulator's own outputs (``report.html``,
``results.json``, ``incidents.csv``) into ``RUNS/<run id>/``. Its progress goes to
``status.json`` in the same directory (replaced atomically), which is all the server reads:
runs survive a server restart as files, and a run whose process vanished is reported as
interrupted. After each write the child sends a byte down a pipe, so the server learns of
progress the moment it happens: the queue calls its ``on_change(run_id)`` listener (the
run page's live stream waits on it) for progress, for a start, an end or a cancel, and for
every queued run whose place in the line moved.

At most ``concurrency`` runs go at once; later ones wait in a queue, in order, and their
status says their place in it. One thread (the dispatcher) starts queued runs as others
end, waking on the processes' sentinels. A run can be cancelled (queued: it never starts;
running: its process is stopped). A run's process stops with the server: at shutdown
:meth:`RunQueue.close` terminates it, and if the server dies without shutting down (kill -9)
the child notices that its parent is gone within half a second and exits.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from playbook.errors import DrillbitError

__all__ = ["OUTPUTS", "RunQueue", "RunStatus"]

OUTPUTS = {"report.html": "text/html", "results.json": "application/json", "incidents.csv": "text/csv"}

State = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
_PARENT_CHECK_SECONDS = 0.5
_STOP_SECONDS = 5.0


class RunStatus(BaseModel):
    """A run as ``status.json`` tells it (``position``: its place in the queue, from 1)."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    study: str
    state: State
    done: int = 0
    total: int = 0
    started: str
    finished: str | None = None
    error: str | None = None
    pid: int | None = None
    position: int | None = None

    @property
    def ended(self) -> bool:
        """Whether the run is over (nothing about it will change any more)."""
        return self.state not in ("queued", "running")


def _write_status(path: Path, status: RunStatus) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(status.model_dump_json(), encoding="utf-8")
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _exit_with_parent(parent: int) -> None:
    """In the child: end this process once the server that started it is gone."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(_PARENT_CHECK_SECONDS):
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, name="drillbit-parent-watch", daemon=True).start()


def _job(
    source: str, text: str, overrides: dict[str, Any], out_dir: str, workers: int, parent: int, told: Connection
) -> None:
    """The child process: load, run with progress, write the outputs and the final status.

    ``told`` is the write end of the pipe that tells the server a new status is on disk."""
    _exit_with_parent(parent)
    from simulator import load_study, run_study, write_outputs  # noqa: PLC0415 - in the child only

    out = Path(out_dir)
    status_path = out / "status.json"
    status = RunStatus.model_validate_json(status_path.read_text(encoding="utf-8"))
    status = status.model_copy(update={"pid": os.getpid()})

    def progress(done: int, total: int) -> None:
        nonlocal status
        status = status.model_copy(update={"done": done, "total": total})
        _write_status(status_path, status)
        _tell(told)

    try:
        study = load_study(source, text=text)
        if overrides:
            study = study.with_overrides(overrides)
        result = run_study(study, workers=workers, progress=progress)
        write_outputs(result, out)
        status = status.model_copy(update={"state": "done", "finished": _now()})
    except DrillbitError as exc:
        status = status.model_copy(update={"state": "failed", "error": str(exc), "finished": _now()})
    except Exception as exc:  # the child must always leave a final status
        detail = "".join(traceback.format_exception_only(exc)).strip()
        status = status.model_copy(update={"state": "failed", "error": detail, "finished": _now()})
    _write_status(status_path, status)
    _tell(told)


def _tell(told: Connection) -> None:
    """In the child: say a new status is on disk (a server that stopped listening is fine)."""
    with contextlib.suppress(OSError):
        told.send_bytes(b"")


@dataclass(frozen=True)
class _Job:
    run_id: str
    source: str
    text: str
    overrides: dict[str, Any]


class RunQueue:
    """The runs in ``root``: queue, start up to ``concurrency`` at once, cancel, report."""

    def __init__(
        self,
        root: Path,
        *,
        concurrency: int,
        workers: int = 1,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.root = root
        self.concurrency = concurrency
        self.workers = workers
        self._on_change = on_change
        self._context = multiprocessing.get_context("spawn")
        self._procs: dict[str, BaseProcess] = {}
        self._told: dict[Connection, str] = {}  # read ends of the children's status pipes
        self._stopping: set[str] = set()  # runs being cancelled: their process is stopping
        self._queue: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._left_queue = threading.Condition(self._lock)
        self._closed = False
        self._wake_r, self._wake_w = os.pipe()
        self._dispatcher = threading.Thread(target=self._dispatch_forever, name="drillbit-study-runs", daemon=True)
        self._dispatcher.start()

    # -- submitting and cancelling -------------------------------------------------------------
    def submit(self, run_id: str, study_name: str, total: int, source: str, text: str, overrides: dict[str, Any]) -> None:
        """Queue a run (its directory and ``status.json`` are written now)."""
        out = self.root / run_id
        out.mkdir(parents=True)
        (out / "overrides.json").write_text(json.dumps(overrides, indent=2), encoding="utf-8")
        status = RunStatus(run_id=run_id, study=study_name, state="queued", total=total, started=_now())
        with self._lock:
            _write_status(out / "status.json", status)
            self._queue.append(_Job(run_id, source, text, overrides))
            self._start_due_locked()  # a free slot starts it now: its pid is known on return
        self._wake()

    def cancel(self, run_id: str) -> bool:
        """Cancel a queued or running run; False if it was neither (ended, or unknown)."""
        with self._lock:
            queued = next((job for job in self._queue if job.run_id == run_id), None)
            if queued is not None:
                self._queue.remove(queued)
                self._left_queue.notify_all()
            proc = self._procs.pop(run_id, None)
            if proc is not None:
                self._stopping.add(run_id)  # running, not interrupted, until it says cancelled
        if queued is None and proc is None:
            return False
        if proc is not None:
            self._stop(proc)
            with contextlib.suppress(ValueError):
                proc.close()
        path = self.root / run_id / "status.json"
        with self._lock:
            status = RunStatus.model_validate_json(path.read_text(encoding="utf-8"))
            _write_status(path, status.model_copy(update={"state": "cancelled", "finished": _now(), "position": None}))
            self._stopping.discard(run_id)
        self._changed([run_id, *self._queued()])
        self._wake()
        return True

    # -- telling listeners ----------------------------------------------------------------------
    def _queued(self) -> list[str]:
        with self._lock:
            return [job.run_id for job in self._queue]

    def _changed(self, run_ids: list[str]) -> None:
        """Tell the listener these runs' statuses changed (outside the lock; never raises)."""
        if self._on_change is None:
            return
        for run_id in run_ids:
            with contextlib.suppress(Exception):  # a listener can never break the queue
                self._on_change(run_id)

    # -- the dispatcher ---------------------------------------------------------------------------
    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _dispatch_forever(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                changed = self._reap_locked()
                changed += self._start_due_locked()
                sentinels = [p.sentinel for p in self._procs.values()]
                told = list(self._told)
            self._changed(changed)
            ready = wait([self._wake_r, *sentinels, *told])
            if self._wake_r in ready:
                with contextlib.suppress(OSError):
                    os.read(self._wake_r, 4096)
            self._changed([run for run in (self._drain(c) for c in told if c in ready) if run])

    def _drain(self, conn: Connection) -> str:
        """Read what a child said on its pipe (closing it at EOF); the run it is about."""
        with self._lock:
            run_id = self._told.get(conn, "")
        try:
            while conn.poll():
                conn.recv_bytes()
        except (EOFError, OSError):
            with self._lock:
                self._told.pop(conn, None)
            conn.close()
        return run_id

    def _start_due_locked(self) -> list[str]:
        """Start queued runs while there are free slots; the runs whose status changed."""
        started = []
        while self._queue and len(self._procs) < self.concurrency and not self._closed:
            job = self._queue.popleft()
            self._launch_locked(job)
            started.append(job.run_id)
        self._left_queue.notify_all()
        return [*started, *(job.run_id for job in self._queue)] if started else []

    def _launch_locked(self, job: _Job) -> None:
        out = self.root / job.run_id
        path = out / "status.json"
        status = RunStatus.model_validate_json(path.read_text(encoding="utf-8"))
        _write_status(path, status.model_copy(update={"state": "running"}))
        listen, told = self._context.Pipe(duplex=False)
        proc = self._context.Process(
            target=_job,
            args=(job.source, job.text, job.overrides, str(out), self.workers, os.getpid(), told),
            name=f"drillbit-study-{job.run_id}",
        )
        proc.start()
        told.close()  # the child holds the write end now: its exit is the pipe's EOF
        self._told[listen] = job.run_id
        self._procs[job.run_id] = proc
        _write_status(path, status.model_copy(update={"state": "running", "pid": proc.pid}))

    def _reap_locked(self) -> list[str]:
        """Forget ended processes; the runs that ended."""
        ended = []
        for run_id, proc in list(self._procs.items()):
            if not proc.is_alive():
                proc.join()
                proc.close()
                del self._procs[run_id]
                ended.append(run_id)
        return ended

    @staticmethod
    def _stop(proc: BaseProcess) -> None:
        with contextlib.suppress(ValueError):  # closed by the dispatcher: it has ended
            if proc.is_alive():
                proc.terminate()
            proc.join(_STOP_SECONDS)
            if proc.is_alive():
                proc.kill()
                proc.join()

    # -- reading ----------------------------------------------------------------------------------
    def status(self, run_id: str) -> RunStatus:
        """A run's status; KeyError for an unknown run.

        The file is read under the lock the server's own writes take (queueing, launching,
        cancelling), so the file and the queue are seen at one moment: a run being launched
        or cancelled is never mistaken for an interrupted one."""
        path = self.root / run_id / "status.json"
        with self._lock:
            try:
                status = RunStatus.model_validate_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise KeyError(run_id) from None
            queued = [job.run_id for job in self._queue]
            proc = self._procs.get(run_id)
            busy = proc is not None or run_id in self._stopping
        if status.state == "queued":
            if run_id not in queued:
                return status.model_copy(update={"state": "interrupted"})
            return status.model_copy(update={"position": queued.index(run_id) + 1})
        if status.state == "running" and not busy:
            return status.model_copy(update={"state": "interrupted"})
        return status

    def wait(self, run_id: str, timeout: float | None = None) -> RunStatus:
        """Block until a run has left the queue and its process ended (tests and scripts)."""
        with self._left_queue:
            self._left_queue.wait_for(lambda: all(job.run_id != run_id for job in self._queue), timeout)
            proc = self._procs.get(run_id)
        if proc is not None:
            with contextlib.suppress(ValueError):  # reaped by the dispatcher: it has ended
                proc.join(timeout)
        return self.status(run_id)

    def close(self) -> None:
        """Stop every run (queued ones never start) and the dispatcher."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            procs = list(self._procs.values())
            self._procs.clear()
            self._left_queue.notify_all()
        self._wake()
        for proc in procs:
            self._stop(proc)
            with contextlib.suppress(ValueError):
                proc.close()
        self._dispatcher.join(_STOP_SECONDS)
        with self._lock:
            told, self._told = list(self._told), {}
        for conn in told:
            conn.close()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
