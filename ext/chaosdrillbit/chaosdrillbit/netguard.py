"""The last line of the safeguard: every connection and command of the run, checked.

While an experiment runs under ``chaosdrillbit.control``, a Python audit hook (PEP 578) sees
every ``socket.connect`` and every new process of this interpreter, whatever library makes
it: Chaos Toolkit's ``http`` provider (``requests``, which follows redirects), an extension's
client, a redirect or a proxy from the environment. A connection to an address and port the
operator did not allow fails with :class:`PermissionError` before a packet is sent; a command
whose executable is not allowed fails the same way. drillbit's own child processes
(:func:`scenarios.procs.spawn`: Locust, a restarted target) are let through.

Audit hooks cannot be removed, so the hook is installed once and does nothing unless a run is
:func:`guarding`. Every refusal is recorded (:func:`refusals`).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

from scenarios.chaosallow import OperatorAllow
from scenarios.procs import spawning_own_process

__all__ = ["activate", "deactivate", "guarding", "install", "refusals"]

_state = threading.Lock()
_active: list[OperatorAllow] = []
_refused: list[str] = []
_installed = False
_PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn"})


def _refuse(what: str) -> None:
    _refused.append(what)
    raise PermissionError(f"drillbit safeguard: {what} is not on the operator's allow-list")


def _check_connect(allow: OperatorAllow, args: tuple[Any, ...]) -> None:
    sock, address = args[0], args[1]
    if getattr(sock, "family", None) not in (socket.AF_INET, socket.AF_INET6):
        return
    if not isinstance(address, tuple) or len(address) < 2:
        return
    host, port = str(address[0]).split("%", 1)[0], int(address[1])
    try:
        allowed = allow.targets.allows_address(host, port)
    except ValueError:  # a name, not an address: the socket layer resolves it first
        allowed = allow.targets.allows_host(host, port)
    if not allowed:
        _refuse(f"a connection to {host}:{port}")


def _check_process(allow: OperatorAllow, event: str, args: tuple[Any, ...]) -> None:
    if spawning_own_process():
        return
    executable = args[0] if args else None
    if executable is None and event == "subprocess.Popen" and len(args) > 1:
        argv = args[1]
        executable = argv if isinstance(argv, (str, bytes)) else (list(argv)[:1] or [None])[0]
    if isinstance(executable, bytes):
        executable = executable.decode(errors="replace")
    if event == "subprocess.Popen" and isinstance(executable, str):
        found = shutil.which(executable) or executable
        if allow.allows_executable(found):
            return
        _refuse(f"the command {executable!r}")
    _refuse(f"a command started by {event}")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    if event == "socket.connect":
        _check_connect(_active[-1], args)
    elif event in _PROCESS_EVENTS:
        _check_process(_active[-1], event, args)


def install() -> None:
    """Install the audit hook (once per process; inert until :func:`guarding`)."""
    global _installed  # noqa: PLW0603 - audit hooks are per process and cannot be removed
    with _state:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


@contextlib.contextmanager
def guarding(allow: OperatorAllow) -> Iterator[None]:
    """Check every connection and command against ``allow`` while the block runs."""
    install()
    with _state:
        _active.append(allow)
    try:
        yield
    finally:
        with _state:
            _active.remove(allow)


def activate(allow: OperatorAllow) -> None:
    """Start guarding (the control's ``configure_control``); :func:`deactivate` ends it."""
    install()
    with _state:
        _active.append(allow)


def deactivate(allow: OperatorAllow) -> None:
    with _state, contextlib.suppress(ValueError):
        _active.remove(allow)


def refusals() -> list[str]:
    """What was refused so far in this process, oldest first."""
    return list(_refused)
