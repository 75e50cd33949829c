"""``drillbit export pagerduty``: a playbook's design as PagerDuty API bodies or Terraform."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from integrations.files import write_text
from integrations.pagerduty.export import export_pagerduty
from playbook.errors import InvalidDefinition
from playbook.model import Playbook, load_playbook
from simulator.study import load_study

__all__ = ["register"]

err = Console(stderr=True)


def _names(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _book(path: Path, variant: str | None) -> Playbook:
    """The playbook in ``path``, or with ``--variant`` the design of a study's variant."""
    if variant is None:
        return load_playbook(path)
    scenarios = {s.name: s for s in load_study(path).scenarios()}
    if variant not in scenarios:
        raise InvalidDefinition(
            f"unknown variant {variant!r} (known: {', '.join(scenarios)})", source=str(path)
        )
    return scenarios[variant].book


def pagerduty(
    playbook: Annotated[Path, typer.Argument(help="playbook YAML (a study YAML with --variant)")],
    out: Annotated[Path, typer.Option("--out", help="directory to write into")],
    fmt: Annotated[
        Literal["api-json", "terraform"], typer.Option("--format", help="api-json or terraform")
    ] = "api-json",
    schedules: Annotated[
        list[str] | None,
        typer.Option(
            "--schedules", help="schedules to export (names or ids; repeat or comma-separate)"
        ),
    ] = None,
    policies: Annotated[
        list[str] | None, typer.Option("--policies", help="escalation policies to export")
    ] = None,
    variant: Annotated[
        str | None, typer.Option("--variant", help="export this variant of the study (or baseline)")
    ] = None,
) -> None:
    """Write schedules, escalation policies, users and services for PagerDuty."""
    book = _book(playbook, variant)
    files, notes = export_pagerduty(
        book, fmt=fmt, schedules=_names(schedules), policies=_names(policies)
    )
    for name, text in files.items():
        write_text(out / name, text)
    for note in notes:
        err.print(f"note: {note}", highlight=False)
    err.print(f"wrote {len(files)} files to {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``drillbit export ...`` to the root app."""
    group = typer.Typer(help="Export a playbook's design to other tools.", no_args_is_help=True)
    group.command("pagerduty")(pagerduty)
    app.add_typer(group, name="export")
