"""Run a command that ends with the process that started it: ``python -m scenarios.deathsig
PARENT_PID -- COMMAND...``.

A game day's stack (Prometheus, Alertmanager, the fault proxy, the target) and its web UI are
the runner's own: when the runner is killed with ``kill -9``, nothing of it can stop them, and
they would keep running on 127.0.0.1 long after the faults' leases ran out. Linux's
``PR_SET_PDEATHSIG`` asks the kernel to send the child ``SIGTERM`` when its parent dies, and it
survives ``exec``; this launcher sets it, then replaces itself with the command (same pid, so
drillbit's process records still find it). It is a separate program, not a ``preexec_fn``,
because the runner has threads and ``preexec_fn`` is unsafe with threads.

If the parent died before the signal was armed (the parent pid is no longer ours), the command
is not started at all. Elsewhere than Linux the command simply runs.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["PR_SET_PDEATHSIG", "launcher_argv", "main"]

#: ``prctl`` option from ``<linux/prctl.h>``.
PR_SET_PDEATHSIG = 1


def launcher_argv(argv: list[str], parent_pid: int) -> list[str]:
    """``argv`` run through this launcher, so that it ends when ``parent_pid`` does."""
    return [sys.executable, "-m", "scenarios.deathsig", str(parent_pid), "--", *argv]


def _arm() -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def main(args: list[str]) -> None:
    """Arm the parent-death signal, check the parent still lives, and exec the command."""
    if len(args) < 3 or args[1] != "--" or not args[0].isdigit():
        sys.stderr.write("usage: python -m scenarios.deathsig PARENT_PID -- COMMAND...\n")
        raise SystemExit(2)
    _arm()
    if os.getppid() != int(args[0]):  # the parent is gone already: nobody would stop this
        raise SystemExit(1)
    os.execvp(args[2], args[2:])  # noqa: S606 - argv built by drillbit, never a shell


if __name__ == "__main__":
    main(sys.argv[1:])
