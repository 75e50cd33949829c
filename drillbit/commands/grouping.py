"""``drillbit grouping``: the simulator's grouping model and Alertmanager's routing, on your alerts.

``grouping replay HISTORY`` shows the notifications and pages an alert history would have
produced under given Alertmanager settings (:mod:`simulator.replay`); ``--sweep`` compares
several values of one setting side by side. ``grouping route`` prints the receivers an
alert reaches through an ``alertmanager.yml``, as ``amtool config routes test`` does.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from integrations.alertmanager import compile_tree, load_config, match_routes
from playbook.errors import InvalidDefinition
from simulator.history import History, parse_duration, read_history
from simulator.replay import Replayed, ReplaySettings, replay
from simulator.routed_replay import replay_routed

__all__ = ["register"]

out = Console()

_SWEEPABLE = {"group_wait", "group_interval", "repeat_interval"}


def _group_by(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _settings(options: dict[str, str], send_resolved: bool) -> ReplaySettings:
    """Settings from the option strings (``group_by``, ``group_wait``, ...)."""
    interval = parse_duration(options["group_interval"], "--group-interval")
    repeat = parse_duration(options["repeat_interval"], "--repeat-interval")
    if interval <= 0 or repeat <= 0:
        raise InvalidDefinition("--group-interval and --repeat-interval must be above zero")
    try:
        return ReplaySettings(
            group_by=_group_by(options["group_by"]),
            group_wait=parse_duration(options["group_wait"], "--group-wait"),
            group_interval=interval,
            repeat_interval=repeat,
            send_resolved=send_resolved,
        )
    except ValueError as exc:
        raise InvalidDefinition(f"--group-by: {exc}") from None


def _sweep(text: str) -> tuple[str, list[str]]:
    name, sep, values = text.partition("=")
    if not sep or name not in _SWEEPABLE or not values:
        raise InvalidDefinition(
            f"--sweep {text!r} must look like SETTING=V1,V2 with SETTING one of "
            + ", ".join(sorted(_SWEEPABLE))
        )
    return name, [v.strip() for v in values.split(",") if v.strip()]


def _print_table(result: Replayed) -> None:
    table = Table(title=f"{len(result.notes)} notifications")
    for column in ("at", "group", "status", "reason", "firing", "resolved"):
        table.add_column(column)
    for note in result.notifications():
        resolved = sum(1 for a in note["alerts"] if a["status"] == "resolved")
        table.add_row(
            note["at"],
            note["group_key"],
            note["status"],
            note["reason"],
            str(len(note["alerts"]) - resolved),
            str(resolved),
        )
    out.print(table)


def _print_csv(result: Replayed) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(["at", "group_key", "status", "reason", "firing", "resolved"])
    for note in result.notifications():
        resolved = sum(1 for a in note["alerts"] if a["status"] == "resolved")
        writer.writerow(
            [note["at"], note["group_key"], note["status"], note["reason"],
             len(note["alerts"]) - resolved, resolved]
        )  # fmt: skip


def replay_command(
    history: Annotated[Path, typer.Argument(help="alerts as JSON lines or a JSON array")],
    group_by: Annotated[
        str, typer.Option(help="labels, comma-separated; '...' for all; '' for one group")
    ] = "alertname",
    group_wait: Annotated[str, typer.Option(help="Prometheus duration")] = "30s",
    group_interval: Annotated[str, typer.Option(help="Prometheus duration")] = "5m",
    repeat_interval: Annotated[str, typer.Option(help="Prometheus duration")] = "4h",
    no_send_resolved: Annotated[
        bool, typer.Option("--no-send-resolved", help="the receiver does not send resolves")
    ] = False,
    sweep: Annotated[
        str | None, typer.Option(help="SETTING=V1,V2,...: the summary per value, side by side")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="print the notifications as CSV")] = False,
    alertmanager_config: Annotated[
        Path | None,
        typer.Option(
            "--alertmanager-config",
            help="alertmanager.yml: route, group per route, inhibit and mute (timer options unused)",
        ),
    ] = None,
) -> None:
    """Replay an alert history through the simulator's grouping model."""
    if as_json and as_csv:
        raise InvalidDefinition("give --json or --csv, not both")
    if alertmanager_config is not None:
        if sweep is not None:
            raise InvalidDefinition("--sweep compares timer values; it does not combine with --alertmanager-config")
        _routed(read_history(history), alertmanager_config, not no_send_resolved, as_json, as_csv)
        return
    base = {
        "group_by": group_by,
        "group_wait": group_wait,
        "group_interval": group_interval,
        "repeat_interval": repeat_interval,
    }
    settings = _settings(base, not no_send_resolved)
    data = read_history(history)
    if sweep is None:
        result = replay(data, settings)
        if as_json:
            print(
                json.dumps({"notifications": result.notifications(), "summary": result.summary()})
            )
        elif as_csv:
            _print_csv(result)
        else:
            _print_table(result)
            out.print(_summary_text(result.summary()), highlight=False)
        return
    name, values = _sweep(sweep)
    rows: list[dict[str, Any]] = []
    for value in values:
        changed = _settings({**base, name: value}, not no_send_resolved)
        rows.append({"value": value, "summary": replay(data, changed).summary()})
    if as_json:
        print(json.dumps({"sweep": name, "results": rows}))
        return
    table = Table(title=f"sweep of {name}")
    table.add_column("summary")
    for row in rows:
        table.add_column(f"{name}={row['value']}", justify="right")
    for field in ("notifications", "pager_incidents", "pages"):
        table.add_row(field, *(str(row["summary"][field]) for row in rows))
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow([name, "notifications", "pager_incidents", "pages"])
        for row in rows:
            writer.writerow([row["value"], *row["summary"].values()])
        return
    out.print(table)


def _routed(data: History, path: Path, send_resolved: bool, as_json: bool, as_csv: bool) -> None:
    """``grouping replay --alertmanager-config``: every notification names its receiver."""
    result = replay_routed(data, load_config(path), send_resolved=send_resolved)
    if as_json:
        print(json.dumps({"notifications": result.notifications(), "summary": result.summary()}))
        return
    rows = [
        [n["at"], n["receiver"], n["group_key"], n["status"], n["reason"], len(n["alerts"])]
        for n in result.notifications()
    ]
    header = ["at", "receiver", "group_key", "status", "reason", "alerts"]
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return
    table = Table(title=f"{len(rows)} notifications")
    for column in header:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    out.print(table)
    summary = result.summary()
    out.print(
        f"{summary['notifications']} notifications ({summary['inhibited_notifications']} inhibited, "
        f"{summary['muted_notifications']} muted, not sent)",
        highlight=False,
    )


def _summary_text(summary: dict[str, int]) -> str:
    return (
        f"{summary['notifications']} notifications, {summary['pager_incidents']} pager "
        f"incidents, {summary['pages']} pages (trigger events)"
    )


def parse_labels(text: str) -> dict[str, str]:
    """``k=v,k=v`` as a dict; a value may be quoted (``k="a b"``)."""
    labels: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise InvalidDefinition(f"--labels item {item!r} must look like name=value")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        labels[name] = value
    return labels


def route(
    alertmanager_config: Annotated[
        Path, typer.Option("--alertmanager-config", help="alertmanager.yml")
    ],
    labels: Annotated[str, typer.Option("--labels", help="the alert's labels: k=v,k=v")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The receivers an alert reaches, in order, as `amtool config routes test` prints them."""
    config = load_config(alertmanager_config)
    matched = match_routes(compile_tree(config), parse_labels(labels))
    if as_json:
        rows = [
            {
                "receiver": r.receiver,
                "route": r.path,
                "group_by": None if r.group_by is None else list(r.group_by),
                "group_wait_seconds": r.group_wait,
                "group_interval_seconds": r.group_interval,
                "repeat_interval_seconds": r.repeat_interval,
                "mute_time_intervals": list(r.mute_time_intervals),
                "active_time_intervals": list(r.active_time_intervals),
            }
            for r in matched
        ]
        print(json.dumps({"receivers": [r.receiver for r in matched], "routes": rows}))
        return
    print(",".join(r.receiver for r in matched))


def register(app: typer.Typer) -> None:
    """Add ``drillbit grouping`` (``replay``, ``route``) to the root app."""
    group = typer.Typer(help="The grouping model on your own alerts.", no_args_is_help=True)
    group.command("replay")(replay_command)
    group.command("route")(route)
    app.add_typer(group, name="grouping")
