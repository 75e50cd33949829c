"""``drillbit calibrate`` and ``drillbit backtest``: from an incident history to a study and back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

import typer
import yaml
from rich.console import Console

from integrations.files import write_text
from integrations.history import History, read_history
from integrations.naming import slug
from playbook.errors import InvalidDefinition
from playbook.model import DEFAULT_PLAYBOOK_PATH, load_playbook
from simulator.backtest import backtest as run_backtest
from simulator.calibration import calibrated_study, fit_history
from simulator.study import load_study

__all__ = ["register"]

err = Console(stderr=True)

HistoryArg = Annotated[
    Path, typer.Argument(help="incident history: PagerDuty analytics JSON/CSV or generic CSV")
]
FormatOpt = Annotated[
    Literal["pagerduty", "generic"] | None,
    typer.Option("--format", help="pagerduty or generic (default: guessed from the columns)"),
]
ZoneOpt = Annotated[str, typer.Option("--time-zone", help="zone of timestamps without an offset")]
SkipOpt = Annotated[bool, typer.Option("--skip-bad-rows", help="skip bad rows and count them")]


def _history(path: Path, fmt: str | None, zone: str, skip: bool) -> History:
    history = read_history(path, fmt=fmt, assumed_zone=zone, skip_bad_rows=skip)
    for note in history.notes:
        err.print(f"note: {note}", highlight=False)
    if history.skipped:
        err.print(f"note: skipped {history.skipped} bad rows", highlight=False)
    return history


def calibrate(
    history: HistoryArg,
    out: Annotated[Path, typer.Option("--out", help="study YAML to write")],
    fmt: FormatOpt = None,
    playbook: Annotated[
        Path | None, typer.Option(help="playbook the study runs (default: the default)")
    ] = None,
    time_zone: ZoneOpt = "UTC",
    skip_bad_rows: SkipOpt = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the fitted parameters as JSON")
    ] = False,
) -> None:
    """Fit rates, profiles, severity mix and ack/resolve times; write a study that runs."""
    past = _history(history, fmt, time_zone, skip_bad_rows)
    try:
        fit = fit_history(past)
    except ValueError as exc:
        raise InvalidDefinition(str(exc), source=str(history)) from None
    book = load_playbook(playbook or DEFAULT_PLAYBOOK_PATH)
    ref = (
        "default" if playbook is None else os.path.relpath(playbook.resolve(), out.resolve().parent)
    )
    services = {s.name: s.escalation_policy for s in book.services}
    by_service = {name: services[slug(name)] for name in fit.services if slug(name) in services}
    study, notes = calibrated_study(
        fit,
        book,
        playbook_ref=ref,
        name=f"calibrated-{slug(history.stem) or 'history'}",
        policy_by_service=by_service,
    )
    text = yaml.safe_dump(study, sort_keys=False, width=100)
    load_study(out, text=text)  # the study must load before it is written
    write_text(out, text)
    for note in notes:
        err.print(f"note: {note}", highlight=False)
    if as_json:
        print(json.dumps(fit.as_dict()))
    else:
        err.print(f"wrote {out}: {fit.incidents} incidents over {fit.days:g} days", highlight=False)


def backtest(
    study: Annotated[Path, typer.Argument(help="study YAML")],
    history: HistoryArg,
    replications: Annotated[
        int | None, typer.Option(min=3, max=200, help="replications (default: the study's)")
    ] = None,
    fmt: FormatOpt = None,
    time_zone: ZoneOpt = "UTC",
    skip_bad_rows: SkipOpt = False,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Simulate the history's period and compare each figure with what happened."""
    loaded = load_study(study)
    past = _history(history, fmt, time_zone, skip_bad_rows)
    result = run_backtest(loaded, past, replications=replications, workers=workers)
    if as_json:
        print(json.dumps(result.as_dict()))
        return
    for name, row in result.metrics.items():
        mark = "ok " if row["reproduced"] else "NO "
        simulated = "n/a" if row["simulated"] is None else f"{row['simulated']:.4g}"
        print(f"{mark} {name}: observed {row['observed']:.4g}, simulated {simulated}")
    print("\n".join(result.verdict))


def register(app: typer.Typer) -> None:
    """Add ``drillbit calibrate`` and ``drillbit backtest``."""
    app.command("calibrate")(calibrate)
    app.command("backtest")(backtest)
