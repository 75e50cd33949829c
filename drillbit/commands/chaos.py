"""``drillbit chaos status`` and ``drillbit chaos halt``: the faults a staging stack holds now.

``status`` lists every active fault with when it went in and when its lease expires, and the
load runs (``--json``: ``{"faults": [{"target", "kind", "since", "expires_at"}], "load": [...]}``);
``halt`` stops a running experiment (its stop condition sees the halt marker; rollbacks run),
clears every fault and stops the load at once. Both exit 2 with one line when no stack is
recorded in ``--stack-dir``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from playbook.errors import InvalidDefinition
from scenarios.faultstate import fault_status, halt
from scenarios.stack import DEFAULT_RUN_DIR, load_state

__all__ = ["register"]

StackDir = Annotated[Path, typer.Option("--stack-dir", help="the staging stack's run directory")]


def _require_stack(stack_dir: Path) -> None:
    if load_state(stack_dir.resolve()) is None:
        raise InvalidDefinition(f"no staging stack recorded in {stack_dir}", field="stack-dir")


def status(
    stack_dir: StackDir = DEFAULT_RUN_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the active faults (with their expiry) and the load runs."""
    _require_stack(stack_dir)
    report = fault_status(stack_dir)
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return
    if not report["faults"]:
        print("no fault is injected")
    for fault in report["faults"]:
        print(f"fault {fault['kind']} on {fault['target']}: since {fault['since']}, expires {fault['expires_at']}")
    for run in report["load"]:
        state = "running" if run["running"] else "stopped"
        print(f"load: {run['users']} users on {run['target']} (pid {run['pid']}, {state})")


def halt_command(stack_dir: StackDir = DEFAULT_RUN_DIR) -> None:
    """Stop the running experiment, clear every fault and stop the load, now."""
    _require_stack(stack_dir)
    outcome = halt(stack_dir)
    print(
        f"halted: faults cleared on {', '.join(outcome['cleared']) or 'nothing reachable'}; "
        f"load {'stopped' if outcome['load_stopped'] else 'was not running'}"
    )


def register(app: typer.Typer) -> None:
    """Add the ``chaos`` command group to the root app."""
    group = typer.Typer(help="The faults a staging stack holds: status and halt.", no_args_is_help=True)
    group.command("status")(status)
    group.command("halt")(halt_command)
    app.add_typer(group, name="chaos")
