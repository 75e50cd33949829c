"""The ``drillbit`` command: sub-commands are imported only when they run.

Adding a command
    Write ``drillbit/commands/NAME.py`` with a ``register(app)`` that adds its commands (or
    groups) to the typer ``app`` it is given, exactly as if ``app`` were the root, then add
    ONE line to :data:`COMMANDS`: the command's name and the module. A module that adds
    several top-level names gets a line per name. Nothing else is needed: ``drillbit --help``
    lists it, and ``drillbit NAME`` imports that module alone, so ``classify`` never pays
    for FastAPI, Chaos Toolkit or Locust.

Errors
    Every error exits 2 with one line on stderr and no traceback: a
    :class:`~playbook.errors.DrillbitError` (a definition or request is wrong), a usage error
    (missing option, bad value, unknown command; typer ships its own copy of click, whose
    exceptions all derive from ``typer.TyperException``), or an ``OSError`` (a file that
    cannot be read or written). Ctrl-C exits 130.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from drillbit.startup import import_plugin_loader, no_pydantic_plugins
from playbook.errors import DrillbitError

__all__ = ["COMMANDS", "app", "main", "run"]

# Top-level command name -> module whose register(app) adds it; the order is --help's.
COMMANDS: dict[str, str] = {
    "classify": "drillbit.commands.playbook",
    "oncall": "drillbit.commands.playbook",
    "escalate": "drillbit.commands.playbook",
    "render": "drillbit.commands.playbook",
    "simulate": "drillbit.commands.simulate",
    "serve": "drillbit.commands.serve",
    "calibrate": "drillbit.commands.history",
    "backtest": "drillbit.commands.history",
    "playbook": "drillbit.commands.playbook",
    "validate": "drillbit.commands.simulate",
    "drill": "drillbit.commands.drill",
    "gameday": "drillbit.commands.gameday",
    "grouping": "drillbit.commands.grouping",
    "import": "drillbit.commands.imports",
    "schedule": "drillbit.commands.schedule",
    "export": "drillbit.commands.export",
    "chaos": "drillbit.commands.chaos",
}


def _command_name(info: Any) -> str | None:
    """The name a registered command gets (typer derives a missing one from its function)."""
    if info.name:
        return str(info.name)
    callback = getattr(info, "callback", None)
    return typer.main.get_command_name(callback.__name__) if callback is not None else None


def _module_command(module_name: str, cmd_name: str) -> Any:
    """The click command ``cmd_name`` that a module's ``register(app)`` adds (built once).

    Only that command is converted: typer inspects every parameter of every command it
    converts, and a light command should not pay for its siblings in the same module.
    """
    key = (module_name, cmd_name)
    if key not in _LOADED:
        scratch = typer.Typer()
        with no_pydantic_plugins():
            module = importlib.import_module(module_name)
        _settle()
        module.register(scratch)
        wanted = (cmd_name, None)  # unnamed groups merge their commands in: keep them
        scratch.registered_commands = [
            c for c in scratch.registered_commands if _command_name(c) in wanted
        ]
        scratch.registered_groups = [g for g in scratch.registered_groups if g.name in wanted]
        _LOADED[key] = typer.main.get_group(scratch).commands.get(cmd_name)
    return _LOADED[key]


_LOADED: dict[tuple[str, str], Any] = {}


class LazyGroup(TyperGroup):
    """The root group: knows its commands by name, imports a module when one is asked for.

    Commands registered on ``app`` directly (``@app.command()``) still work, eagerly.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(name for name in super().list_commands(ctx) if name not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return super().get_command(ctx, cmd_name)
        command = _module_command(module_name, cmd_name)
        if command is None:
            raise RuntimeError(f"{module_name}.register() adds no command {cmd_name!r}")
        return command


app = typer.Typer(
    cls=LazyGroup,
    name="drillbit",
    help="Incident-response simulator and game-day trainer.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Incident-response simulator and game-day trainer."""


def _fail(message: str) -> NoReturn:
    print(f"drillbit: error: {' '.join(message.split())}", file=sys.stderr)
    sys.exit(2)


def _usage(exc: typer.TyperException) -> NoReturn:
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "drillbit"
    if type(exc).__name__ == "NoArgsIsHelpError":
        # The help itself was asked for by giving nothing: it goes to stdout (rich has
        # already printed it there; plain click hands it over as the message).
        if exc.message.strip():
            print(exc.message)
        _fail(f"{path}: missing command (listed above)")
    hint = f" (try '{path} --help')" if ctx is not None else ""
    _fail(f"{exc.format_message()}{hint}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; any error exits 2 with one line on stderr."""
    import_plugin_loader()  # typer builds validators for the root's options already
    command = typer.main.get_command(app)
    try:
        # Without standalone mode click returns a command's exit code instead of exiting.
        code = command.main(args=argv, prog_name="drillbit", standalone_mode=False)
    except DrillbitError as exc:
        _fail(str(exc))
    except typer.Abort:
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:
        _usage(exc)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"{where}{exc.strerror or exc}")
    if isinstance(code, int) and code != 0:
        sys.exit(code)


_paused = False  # whether run() paused the garbage collector for the start-up


def _settle() -> None:
    """End run()'s start-up pause: freeze what start-up allocated, collect again from here."""
    global _paused  # noqa: PLW0603 - one flag for one process
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def run() -> None:
    """The ``drillbit`` executable: :func:`main`, with the garbage collector paused at start-up.

    Start-up allocates some 30,000 objects that live as long as the process (modules,
    classes, pydantic validators), and the collector would scan them again and again,
    during imports and once more at exit: about a sixth of a light command's CPU time. So it
    is off until the command's module is imported; what exists then is frozen
    (``gc.freeze``: never scanned again, as CPython advises for long-lived start-up state)
    and the collector runs as usual for the command itself, however long it runs. At exit
    everything is frozen, so finalisation does not scan it either. Tests call :func:`main`.
    """
    global _paused  # noqa: PLW0603 - one flag for one process
    _paused = gc.isenabled()
    gc.disable()
    try:
        main()
    finally:
        _settle()
        gc.freeze()
