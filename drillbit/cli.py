"""The ``drillbit`` command: one typer app; every DrillbitError becomes exit 2 and one line."""

from __future__ import annotations

import sys

import click
import typer

from drillbit.commands import chaos as chaos_commands
from drillbit.commands import drill as drill_commands
from drillbit.commands import export as export_commands
from drillbit.commands import gameday as gameday_commands
from drillbit.commands import grouping as grouping_commands
from drillbit.commands import history as history_commands
from drillbit.commands import imports as import_commands
from drillbit.commands import playbook as playbook_commands
from drillbit.commands import schedule as schedule_commands
from drillbit.commands import serve as serve_commands
from drillbit.commands import simulate as simulate_commands
from playbook.errors import DrillbitError

__all__ = ["app", "main"]

app = typer.Typer(
    name="drillbit",
    help="Incident-response simulator and game-day trainer.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
playbook_commands.register(app)
simulate_commands.register(app)
drill_commands.register(app)
serve_commands.register(app)
gameday_commands.register(app)
grouping_commands.register(app)
import_commands.register(app)
grouping_commands.register(app)
schedule_commands.register(app)
history_commands.register(app)
export_commands.register(app)
chaos_commands.register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; exit 2 with a one-line message on any drillbit error."""
    command = typer.main.get_command(app)
    try:
        # Without standalone mode click returns a command's exit code instead of exiting.
        code = command.main(args=argv, prog_name="drillbit", standalone_mode=False)
    except DrillbitError as exc:
        print(f"drillbit: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    if isinstance(code, int) and code != 0:
        sys.exit(code)
