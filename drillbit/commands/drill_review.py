"""Drill review commands: ``drill check``, ``drill debrief``, ``drill metrics``.

Registered under the ``drill`` group by ``drillbit/commands/drill.py``. Every error is a
DrillbitError, which the CLI turns into exit 2 and one line (``file:line: field: message``
for a bad drill file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer

from drillbit.settings import load_settings
from drills.clock import SystemClock
from drills.debrief import debrief as build_debrief
from drills.debrief import render_debrief
from drills.library import check_drill
from drills.manager import SessionManager
from drills.store import Store
from drills.world.run import World
from playbook.errors import InvalidDefinition
from playbook.model import DEFAULT_PLAYBOOK_PATH, load_playbook

__all__ = ["add_commands", "series"]

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="SQLite file of drill sessions (default: $DRILLBIT_DB, else DATA_DIR/drillbit.db: the web UI's)"),
]
SERIES = ("requests_per_second", "error_rate", "latency_p99_ms", "saturation_pct")


def _store(db: Path | None) -> Store:
    """The given store, else the web UI's (the one settings object's default)."""
    path = db or load_settings().db_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return Store(path)


def check(
    file: Annotated[Path, typer.Argument(help="a drill YAML file")],
    playbook: Annotated[Path | None, typer.Option("--playbook", help="playbook YAML (default: the shipped one)")] = None,
) -> None:
    """Validate a drill file against the playbook; errors name file:line:field."""
    book = load_playbook(playbook or DEFAULT_PLAYBOOK_PATH)
    script = check_drill(file, book)
    kind = f"{len(script.world.services)} services, {len(script.world.faults)} fault(s)" if script.world else (
        f"{len(script.injects)} injects (scripted)")
    print(f"ok: {file}: {script.id} ({kind})")


def debrief(
    session_id: Annotated[str, typer.Argument(help="the session id printed by drill run")],
    fmt: Annotated[Literal["md", "html", "json"], typer.Option("--format", help="md, html or json")] = "md",
    db: DbOpt = None,
) -> None:
    """The session's debrief: timeline beside the ideal path, gaps, evidence, HSEEP report."""
    store = _store(db)
    try:
        session = SessionManager(store, clock=SystemClock()).get(session_id)
        d = build_debrief(session.records(), session_id=session.id, script=session.script,
                          playbook=session.playbook, rubric=session.rubric)
    finally:
        store.close()
    print(render_debrief(d, fmt), end="")


def series(world: World, end: int, service: str | None = None) -> dict[str, dict[str, dict[str, list[float]]]]:
    """The world's series, one point a drill minute from 0 to ``end``, per service."""
    names = world.spec.names if service is None else (service,)
    rows = world.history(0, end)
    return {"services": {
        name: {"minute": [s.minute for s in rows],
               **{k: [round(float(getattr(s.metrics[name], k)), 3) for s in rows] for k in SERIES}}
        for name in names
    }}


def metrics(
    session_id: Annotated[str, typer.Argument(help="the session id printed by drill run")],
    db: DbOpt = None,
    service: Annotated[str | None, typer.Option("--service", help="one service only")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The world's series of a session (error_rate in percent, one point per drill minute)."""
    store = _store(db)
    try:
        session = SessionManager(store, clock=SystemClock()).get(session_id)
        world = session.world
        if world is None:
            raise InvalidDefinition(f"session {session_id} plays a scripted drill: it has no world")
        if service is not None and service not in world.spec.names:
            raise InvalidDefinition(f"no service {service!r} (known: {', '.join(world.spec.names)})", field="--service")
        data = series(world, int(session.now()), service)
    finally:
        store.close()
    if as_json:
        print(json.dumps(data))
        return
    for name, s in data["services"].items():
        last = {k: v[-1] for k, v in s.items() if v}
        print(f"{name}: " + ", ".join(f"{k}={v:g}" for k, v in last.items()))


def add_commands(group: typer.Typer) -> None:
    """Add ``check``, ``debrief`` and ``metrics`` to the ``drill`` group."""
    group.command("check")(check)
    group.command("debrief")(debrief)
    group.command("metrics")(metrics)
