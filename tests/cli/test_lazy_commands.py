"""The CLI imports a command's module only when that command runs; every command is listed."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import typer

import drillbit.cli
import drillbit.commands
from drillbit.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
# What a light command must not import: the web, chaos, load and simulation stacks, numpy
# (the batch classifier's) and Jinja (templates), the other command modules, and
# importlib.metadata (pydantic's plugin look-up reads every distribution's entry points) and
# rich (its import and table layout; the light commands print plain text).
HEAVY = ("fastapi", "starlette", "uvicorn", "chaoslib", "locust", "simpy", "numpy", "jinja2",
         "webui", "scenarios", "drills", "simulator", "drillbit.commands.drill",
         "importlib.metadata", "rich")  # fmt: skip
LIGHT = {
    "classify": ["classify", "--service", "payments", "--json"],
    "oncall": ["oncall", "--schedule", "checkout-primary", "--at", "2025-01-08T12:00:00"],
    "escalate": ["escalate", "--policy", "checkout", "--json"],
    "playbook check": ["playbook", "check", "--default"],
    "render": ["render", "status_update", "--var", "title=t", "--var", "impact=i",
               "--var", "what_is_happening=w", "--var", "what_we_are_doing=d",
               "--var", "next_update_at=2025-01-08T12:30:00"],
}  # fmt: skip


def test_the_light_commands_import_no_web_chaos_load_or_simulation_package() -> None:
    # One fresh interpreter runs each light command in turn and reports what it had to import.
    script = textwrap.dedent(
        """
        import json, sys
        from drillbit.cli import main
        heavy, light, seen = json.loads(sys.argv[1]), json.loads(sys.argv[2]), {}
        for name, argv in light.items():
            try:
                main(argv)
            except SystemExit as exc:
                assert not exc.code, (name, exc.code)
            seen[name] = sorted(m for m in heavy if m in sys.modules)
        print(json.dumps(seen))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(HEAVY), json.dumps(LIGHT)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-500:]
    # render is last: it fills a template, so it (alone) needs Jinja.
    assert json.loads(done.stdout.splitlines()[-1]) == {name: [] for name in LIGHT} | {
        "render": ["jinja2"]
    }


def test_every_command_a_module_registers_is_listed_under_that_module() -> None:
    # A command missing from COMMANDS would be unreachable; a stale line would be an error.
    registered: dict[str, set[str]] = {}
    for info in pkgutil.iter_modules(drillbit.commands.__path__):
        module = importlib.import_module(f"drillbit.commands.{info.name}")
        if hasattr(module, "register"):
            app = typer.Typer()
            module.register(app)
            registered[module.__name__] = set(typer.main.get_group(app).commands)
    listed: dict[str, set[str]] = {}
    for name, module_name in COMMANDS.items():
        listed.setdefault(module_name, set()).add(name)
    assert registered == listed


def test_the_listing_and_each_command_resolve_to_the_same_commands_as_registering_eagerly() -> None:
    command = typer.main.get_command(drillbit.cli.app)
    ctx = typer.Context(command)
    assert command.list_commands(ctx) == list(COMMANDS)  # type: ignore[attr-defined]
    for name in COMMANDS:
        assert command.get_command(ctx, name).name == name  # type: ignore[attr-defined]
