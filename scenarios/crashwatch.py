"""The process-crash fault's lease: a crashed stack process comes back if nobody renews it.

A crashed target holds no switch that could expire by itself (there is no process left to
hold it), so :func:`grant_crash_lease` writes ``STACK/crash-lease.json`` (the process, since,
expires at) and starts a *keeper*, ``python -m scenarios.crashwatch``, in its own session: it
outlives the runner and, once the lease has run out, restarts the process from its stack
record (:func:`scenarios.stack.restart_process`) and exits. The running experiment renews
the lease with the others (:func:`renew_crash_lease`, called by
``scenarios.faultstate.renew_leases``); the rollback (or a halt) restarts the process itself
and drops the lease (:func:`end_crash_lease`), after which the keeper exits. Check and
restart happen under a lock file, so the keeper and a rollback never both start it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from playbook.errors import DrillbitError, RunFailed
from scenarios.lease import DEFAULT_LEASE_SECONDS, Lease
from scenarios.monitoring.files import write_secret
from scenarios.procs import ProcessRecord, python_env, spawn
from scenarios.stack import restart_process
from scenarios.stackstate import load_state

__all__ = [
    "LEASE_FILE",
    "CrashLease",
    "crash_lease",
    "end_crash_lease",
    "grant_crash_lease",
    "keep",
    "main",
    "renew_crash_lease",
]

log = logging.getLogger("drillbit.scenarios.crashwatch")

LEASE_FILE = "crash-lease.json"
_LOCK_FILE = "crash-lease.lock"
#: How often the keeper looks at the lease.
POLL_SECONDS = 0.2


class CrashLease(BaseModel):
    """Which stack process was crashed, and until when it may stay down."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    process: str
    lease: Lease


def _now() -> datetime:
    return datetime.now(UTC)


@contextlib.contextmanager
def _locked(stack_dir: Path) -> Iterator[None]:
    path = stack_dir / _LOCK_FILE
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def crash_lease(stack_dir: Path) -> CrashLease | None:
    """The crash lease held in ``stack_dir`` (None: no process is down on purpose)."""
    path = stack_dir / LEASE_FILE
    try:
        return CrashLease.model_validate_json(path.read_text())
    except (OSError, ValueError):
        return None


def _write(stack_dir: Path, lease: CrashLease) -> None:
    tmp = stack_dir / (LEASE_FILE + ".tmp")
    write_secret(tmp, lease.model_dump_json())
    tmp.replace(stack_dir / LEASE_FILE)


def grant_crash_lease(stack_dir: Path, process: str, seconds: float = DEFAULT_LEASE_SECONDS) -> ProcessRecord:
    """Record that ``process`` is about to be crashed and start its keeper (before the crash,
    so a runner dying in between still leaves a keeper). Returns the keeper's record."""
    stack_dir = stack_dir.resolve()
    state = load_state(stack_dir)
    if state is None or process not in state.processes:
        raise RunFailed(f"no staging stack with a {process!r} process recorded in {stack_dir}")
    with _locked(stack_dir):
        _write(stack_dir, CrashLease(process=process, lease=Lease.granted(_now(), seconds)))
    return spawn(
        "crash-keeper",
        [sys.executable, "-m", "scenarios.crashwatch", "--stack-dir", str(stack_dir)],
        log_path=stack_dir / "logs" / "crash-keeper.log",
        env=python_env(),
    )


def renew_crash_lease(stack_dir: Path, seconds: float = DEFAULT_LEASE_SECONDS) -> CrashLease | None:
    """Extend the crash lease (if one is held) to ``seconds`` from now."""
    with _locked(stack_dir):
        held = crash_lease(stack_dir)
        if held is None:
            return None
        renewed = held.model_copy(update={"lease": held.lease.renewed(_now(), seconds)})
        _write(stack_dir, renewed)
        return renewed


def end_crash_lease(stack_dir: Path, *, restart: bool = True, timeout: float = 30.0) -> ProcessRecord | None:
    """Restart the crashed process (if ``restart``) and drop the lease: what the rollback
    and a halt do. Returns the restarted process's record (None if no lease was held)."""
    stack_dir = stack_dir.resolve()
    with _locked(stack_dir):
        held = crash_lease(stack_dir)
        if held is None:
            return None
        record = restart_process(stack_dir, held.process, timeout=timeout) if restart else None
        (stack_dir / LEASE_FILE).unlink(missing_ok=True)
        return record


def keep(stack_dir: Path, *, poll: float = POLL_SECONDS) -> str:
    """The keeper's loop: wait until the lease is dropped (``"ended"``), the stack is gone
    (``"no stack"``) or the lease runs out (restart, ``"restarted"``)."""
    stack_dir = stack_dir.resolve()
    while True:
        if load_state(stack_dir) is None:
            return "no stack"
        held = crash_lease(stack_dir)
        if held is None:
            return "ended"
        if held.lease.expired(_now()):
            with _locked(stack_dir):
                again = crash_lease(stack_dir)
                if again is None:
                    return "ended"
                if again.lease.expired(_now()):
                    log.warning("crash lease of %r expired: restarting it", again.process)
                    restart_process(stack_dir, again.process)
                    (stack_dir / LEASE_FILE).unlink(missing_ok=True)
                    return "restarted"
        time.sleep(poll)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenarios.crashwatch")
    parser.add_argument("--stack-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        print(f"crash keeper: {keep(args.stack_dir)}", flush=True)
    except (DrillbitError, OSError) as exc:
        print(f"crash keeper: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
