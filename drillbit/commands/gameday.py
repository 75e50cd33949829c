"""``drillbit gameday run``: a chaos experiment against staging, its real alerts in a drill room.

The work is :func:`scenarios.gameday.run_gameday`; this module only reads the options, prints
progress (on stderr with ``--json``, so stdout holds the JSON alone) and the report, and exits
0 when the loop worked, 1 when it did not (invalid run, no alert in the room, no recovery),
130 when interrupted, 2 on a refused or invalid request (nothing started).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr, ValidationError

from drillbit.settings import load_settings
from drills.autopilot import PROFILES
from playbook.errors import InvalidDefinition
from scenarios.gameday import (
    DEFAULT_DRILL,
    DEFAULT_OUT_DIR,
    GameDayOptions,
    GameDayReport,
    plan_gameday,
    render_markdown,
    run_gameday,
)
from scenarios.stack import DEFAULT_RUN_DIR

__all__ = ["register"]


def _admin_token(path: Path | None) -> SecretStr | None:
    if path is not None:
        return SecretStr(path.read_text().strip())
    return load_settings().admin_token


def run(
    experiment: Annotated[
        Path,
        typer.Argument(help="a Chaos Toolkit experiment, e.g. scenarios/experiments/latency-injection.yaml"),
    ],
    drill: Annotated[
        str | None,
        typer.Option("--drill", help=f"library drill for the room (default: the experiment's, else {DEFAULT_DRILL})"),
    ] = None,
    speed: Annotated[float, typer.Option(help="drill minutes per wall minute (x1-x60)")] = 60.0,
    autopilot: Annotated[
        str | None, typer.Option(help=f"a scripted team plays the room: {', '.join(PROFILES)}")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check and show what would happen; start and send nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan or the report as JSON")] = False,
    web_url: Annotated[
        str | None, typer.Option("--web-url", help="use this web UI if it answers (default: start one)")
    ] = None,
    admin_token_file: Annotated[
        Path | None,
        typer.Option("--admin-token-file", help="the --web-url server's admin token (or $DRILLBIT_ADMIN_TOKEN)"),
    ] = None,
    stack_dir: Annotated[Path, typer.Option("--stack-dir", help="the staging stack's run directory")] = DEFAULT_RUN_DIR,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="reports, journals, the web UI's data")] = DEFAULT_OUT_DIR,
    allow_target: Annotated[
        list[str] | None, typer.Option("--allow-target", help="a host or network the stack's own parts may reach beyond loopback")
    ] = None,
    allow: Annotated[
        Path | None,
        typer.Option("--allow", help="the chaos allow-list: one host, host:port, CIDR, exec:PATH or module:NAME a line (default: $DRILLBIT_CHAOS_ALLOW, else the stack's own ports)"),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="your own HTTP service (http://HOST:PORT): the fault proxy goes in front of it; the allow-list must name it"),
    ] = None,
    service: Annotated[str, typer.Option("--service", help="with --target: its service label and alert names")] = "staging",
    prometheus: Annotated[
        str | None, typer.Option("--prometheus", help="with --target: your Prometheus (and --alertmanager) instead of the bundled ones")
    ] = None,
    alertmanager: Annotated[
        str | None, typer.Option("--alertmanager", help="with --target: your Alertmanager; the drill receiver is printed to paste")
    ] = None,
    team_timeout: Annotated[float, typer.Option(help="seconds the team may take after the rollback")] = 300.0,
    wrap_up: Annotated[float, typer.Option(help="seconds the room stays open after the rollback (no autopilot)")] = 0.0,
    fix_window: Annotated[float, typer.Option(help="seconds the rollback waits for the team's fix on the real system")] = 45.0,
) -> None:
    """Run a game day: staging stack, web UI, drill room, experiment, real alerts, score."""
    try:
        options = GameDayOptions(
            experiment=experiment,
            drill=drill,
            speed=speed,
            autopilot=autopilot,
            web_url=web_url,
            admin_token=_admin_token(admin_token_file),
            stack_dir=stack_dir,
            out_dir=out_dir,
            allowed_targets=tuple(allow_target or ()),
            allow_file=allow,
            team_timeout_seconds=team_timeout,
            wrap_up_seconds=wrap_up,
            target=target,
            service=service,
            prometheus_url=prometheus,
            alertmanager_url=alertmanager,
            fix_window_seconds=fix_window,
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidDefinition(f"{where}: {first['msg']}", field=where) from None
    if dry_run:
        plan = plan_gameday(options)
        if as_json:
            print(plan.model_dump_json(indent=2))
            return
        print(f"dry run: nothing is started and nothing is sent\n\ngame day: {plan.title}")
        print(f"drill room: {plan.drill} ({plan.drill_title}), expected {plan.expected_severity}")
        number = 0
        for step in plan.steps:
            if step.startswith("  "):
                print(f"    {step.strip()}")
            else:
                number += 1
                print(f"{number:>2}. {step}")
        print(f"chaos allow-list ({plan.allow_source}): {', '.join(plan.allow_list) or 'the stack ports'}")
        where = "" if plan.stack_running else " (the experiment's defaults; the stack's own replace them)"
        print(f"targets checked{where}: {', '.join(plan.targets)}")
        return

    def say(line: str) -> None:
        print(line, file=sys.stderr if as_json else sys.stdout, flush=True)

    report = run_gameday(options, say=say)
    _show(report, as_json)
    if report.exit_code:
        # SystemExit, not typer.Exit: the CLI runs click with standalone_mode=False, where an
        # Exit's code is returned to main() and dropped.
        raise SystemExit(report.exit_code)


def _show(report: GameDayReport, as_json: bool) -> None:
    if as_json:
        print(report.model_dump_json(indent=2))
        return
    print()
    print(render_markdown(report), end="")


def register(app: typer.Typer) -> None:
    """Add the ``gameday`` command group to the root app."""
    group = typer.Typer(help="Game days: chaos against staging, real alerts in a drill room.", no_args_is_help=True)
    group.command("run")(run)
    app.add_typer(group, name="gameday")
