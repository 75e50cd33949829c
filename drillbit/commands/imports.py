"""``drillbit import``: PagerDuty API bodies, Terraform and Alertmanager configurations in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from integrations.alertmanager import describe_tree, load_config
from integrations.document import base_document, dump_playbook, merge_sections
from integrations.files import read_json, write_text
from integrations.pagerduty import account_from_bodies, account_sections
from integrations.terraform import account_from_terraform, read_terraform

__all__ = ["register"]

err = Console(stderr=True)

FilesArg = Annotated[list[Path], typer.Argument(help="input files", show_default=False)]
BaseOpt = Annotated[
    Path | None,
    typer.Option("--base", help="playbook to merge onto (default: the default's process)"),
]
OutOpt = Annotated[Path, typer.Option("--out", help="playbook YAML to write")]


def _write(sections: dict[str, list[dict[str, object]]], base: Path | None, out: Path) -> None:
    doc, notes = merge_sections(base_document(base), sections)
    text, book = dump_playbook(doc, str(out))
    write_text(out, text)
    for note in notes:
        err.print(f"note: {note}", highlight=False)
    for warning in book.warnings():
        err.print(f"warning: {warning}", style="yellow", highlight=False)
    err.print(
        f"wrote {out}: {len(book.people)} people, {len(book.schedules)} schedules, "
        f"{len(book.escalation_policies)} escalation policies, {len(book.services)} services",
        highlight=False,
    )


def pagerduty(files: FilesArg, out: OutOpt, base: BaseOpt = None) -> None:
    """Import PagerDuty REST API v2 response bodies (schedules, policies, users, services)."""
    account = account_from_bodies((str(path), read_json(path)) for path in files)
    _write(account_sections(account), base, out)


def terraform(files: FilesArg, out: OutOpt, base: BaseOpt = None) -> None:
    """Import pagerduty_* resources from .tf files or `terraform show -json` output."""
    account = account_from_terraform([read_terraform(path) for path in files])
    _write(account_sections(account), base, out)


def alertmanager(
    file: Annotated[Path, typer.Argument(help="alertmanager.yml")],
    as_json: Annotated[bool, typer.Option("--json", help="print the parsed tree as JSON")] = False,
) -> None:
    """Check an Alertmanager configuration and print its routing tree."""
    config = load_config(file)
    if as_json:
        print(json.dumps(config.model_dump(mode="json", exclude_none=True, by_alias=True), indent=2))
        return
    print(describe_tree(config), end="")


def register(app: typer.Typer) -> None:
    """Add ``drillbit import ...`` to the root app."""
    group = typer.Typer(
        help="Import other tools' configurations as a playbook.", no_args_is_help=True
    )
    group.command("pagerduty")(pagerduty)
    group.command("terraform")(terraform)
    group.command("alertmanager")(alertmanager)
    app.add_typer(group, name="import")
