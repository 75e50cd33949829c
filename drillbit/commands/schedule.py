"""``drillbit schedule report``: a schedule's coverage and load, without running a study."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from playbook.coverage import schedule_report
from playbook.errors import InvalidDefinition
from playbook.model import DEFAULT_PLAYBOOK_PATH, load_playbook

__all__ = ["register"]

out = Console()


def _instant(text: str, option: str, zone: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidDefinition(f"{option} {text!r} is not an ISO-8601 date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))


def report(
    schedule: Annotated[str, typer.Option(help="schedule name or PagerDuty id")],
    start: Annotated[
        str, typer.Option("--from", help="ISO start; naive means the schedule's zone")
    ],
    end: Annotated[str, typer.Option("--to", help="ISO end; naive means the schedule's zone")],
    playbook: Annotated[
        Path | None, typer.Option(help="playbook YAML (default: the default)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Coverage and gaps, per-person hours, own-night and weekend hours, fairness."""
    book = load_playbook(playbook or DEFAULT_PLAYBOOK_PATH)
    try:
        sched = book.schedule(schedule)
    except KeyError as exc:
        raise InvalidDefinition(exc.args[0]) from None
    lo = _instant(start, "--from", sched.time_zone)
    hi = _instant(end, "--to", sched.time_zone)
    if hi <= lo:
        raise InvalidDefinition("--to must be after --from")
    if (hi - lo).days > 3 * 366:
        raise InvalidDefinition("report at most three years at a time")
    zones = {p.name: p.time_zone for p in book.people}
    try:
        result = schedule_report(sched, lo, hi, zones=zones)
    except ValueError as exc:
        raise InvalidDefinition(str(exc)) from None
    if as_json:
        print(json.dumps(result.as_dict()))
        return
    out.print(
        f"schedule {sched.name!r} {lo.isoformat()} to {hi.isoformat()}: nobody on call "
        f"{result.uncovered_share:.1%} of the time ({len(result.gaps)} gaps)",
        highlight=False,
    )
    table = Table()
    for column in ("person", "zone", "hours", "own-night h", "weekend h", "longest h", "shifts"):
        table.add_column(column)
    for p in result.people:
        table.add_row(
            p.person,
            p.time_zone,
            f"{p.hours:.1f}",
            f"{p.night_hours:.1f}",
            f"{p.weekend_hours:.1f}",
            f"{p.longest_stretch_hours:.1f}",
            str(p.shifts),
        )
    out.print(table)
    spread = result.fairness["hours"]
    out.print(
        f"fairness: hours range {spread['range']:.1f} h, coefficient of variation {spread['cv']:.2f}"
    )


def register(app: typer.Typer) -> None:
    """Add ``drillbit schedule ...`` to the root app."""
    group = typer.Typer(help="Look at a schedule without running a study.", no_args_is_help=True)
    group.command("report")(report)
    app.add_typer(group, name="schedule")
