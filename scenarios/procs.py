"""Processes and ports on this machine: spawn, identify, wait for, and stop them.

A :class:`ProcessRecord` identifies a process by pid *and* its kernel start time, so a stale
record never signals an unrelated process that reused the pid. Children spawned here are kept
in a registry and reaped when they stop (no zombies, no ``ResourceWarning`` from ``Popen``);
processes spawned by another program (a ``chaos run`` that restarted the target) are stopped by
pid and watched through ``/proc``.

Waiting is always by polling with a deadline (:func:`wait_until`), never by sleeping a guess.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TypeVar

from pydantic import BaseModel, ConfigDict

from playbook.errors import RunFailed
from scenarios.deathsig import launcher_argv

__all__ = [
    "SPAWNING",
    "ProcessRecord",
    "free_port",
    "is_running",
    "log_tail",
    "port_is_open",
    "project_root",
    "python_env",
    "spawn",
    "spawning_own_process",
    "terminate",
    "wait_until",
]

T = TypeVar("T")

#: Popen handles of the children this process spawned, by pid, until reaped.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}

#: Set while :func:`spawn` starts one of drillbit's own processes (argv built by drillbit),
#: so the chaos safeguard (``chaosdrillbit.netguard``) can tell it from a provider's command.
SPAWNING = threading.local()


def spawning_own_process() -> bool:
    """Whether this thread is inside :func:`spawn` right now."""
    return bool(getattr(SPAWNING, "active", False))


class ProcessRecord(BaseModel):
    """A process drillbit started: enough to find it again from another program."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    pid: int
    start_ticks: int
    argv: tuple[str, ...]
    log_path: Path | None = None


def project_root() -> Path:
    """The directory holding the ``scenarios`` package (put on ``PYTHONPATH`` of children)."""
    return Path(__file__).resolve().parent.parent


def python_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child Python: ours, the project importable, no proxies."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
    }
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(project_root()), env.get("PYTHONPATH", "")) if part
    )
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost,::1"
    env.update(extra or {})
    return env


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may contain spaces: split after the last ')'.
    return raw[raw.rfind(")") + 2 :].split()


def _start_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    # Field 22 of /proc/PID/stat (starttime) is index 19 after the state field.
    return None if fields is None else int(fields[19])


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    die_with_us: bool = False,
) -> ProcessRecord:
    """Start ``argv`` in its own session (a Ctrl-C meant for a run does not reach it).

    Its output goes to ``log_path`` (or nowhere). Returns the record to find it again. With
    ``die_with_us``, the kernel stops it (``SIGTERM``) when this process dies, even by
    ``kill -9`` (:mod:`scenarios.deathsig`); call it from the main thread then, since the
    signal follows the thread that started the child. The record keeps ``argv`` as given.
    """
    with contextlib.ExitStack() as stack:
        out: int | IO[bytes] = subprocess.DEVNULL
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            out = stack.enter_context(log_path.open("ab"))
        SPAWNING.active = True
        try:
            command = launcher_argv(list(argv), os.getpid()) if die_with_us else list(argv)
            popen = subprocess.Popen(  # noqa: S603 - argv is built by drillbit, never a shell
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,
            )
        except OSError as exc:
            raise RunFailed(f"cannot start {name}: {exc}") from exc
        finally:
            SPAWNING.active = False
    _CHILDREN[popen.pid] = popen
    ticks = _start_ticks(popen.pid)
    if ticks is None:  # it died already; the record still lets callers read its log
        popen.wait()
        _CHILDREN.pop(popen.pid, None)
        ticks = -1
    return ProcessRecord(
        name=name, pid=popen.pid, start_ticks=ticks, argv=tuple(argv), log_path=log_path
    )


def is_running(record: ProcessRecord) -> bool:
    """Whether the very process of ``record`` is alive (not exited, not a zombie).

    Our own children are reaped as soon as they are seen to have exited.
    """
    popen = _CHILDREN.get(record.pid)
    if popen is not None and popen.poll() is not None:
        del _CHILDREN[record.pid]
        return False
    fields = _stat_fields(record.pid)
    if fields is None or fields[0] in {"Z", "X"}:
        if popen is not None:  # exited between poll() and /proc: reap it now
            popen.wait()
            del _CHILDREN[record.pid]
        return False
    return int(fields[19]) == record.start_ticks


def terminate(record: ProcessRecord, *, timeout: float = 10.0) -> bool:
    """Stop the process of ``record``: SIGTERM, then SIGKILL after ``timeout`` seconds.

    The signal goes to its process group (it leads one: :func:`spawn` starts a session), so
    helpers it started go too. Returns True if it was running. Never signals a different
    process that reused the pid.
    """
    if not is_running(record):
        return False
    for sig, grace in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(record.pid, sig)
        try:
            wait_until(lambda: not is_running(record), timeout=grace, what=f"{record.name} to stop")
        except RunFailed:
            continue
        break
    popen = _CHILDREN.pop(record.pid, None)
    if popen is not None:
        popen.wait(timeout=5)
    if is_running(record):
        raise RunFailed(f"{record.name} (pid {record.pid}) did not stop")
    return True


def wait_until(
    predicate: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 0.05,
) -> T:
    """Poll ``predicate`` until it returns a truthy value, at most ``timeout`` seconds.

    Returns that value; raises :class:`RunFailed` naming ``what`` when the deadline passes.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RunFailed(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(min(interval, remaining))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now (the caller binds it soon after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_open(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def log_tail(path: Path | None, lines: int = 20) -> str:
    """The last ``lines`` lines of a log file, for error messages."""
    if path is None or not path.exists():
        return ""
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return "\n".join(text)
