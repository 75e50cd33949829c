"""Drill commands: list, show, run, score, postmortem (check, debrief, metrics: ``drill_review``)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from drillbit.commands import drill_review
from drillbit.settings import load_settings
from drills.autopilot import PROFILES, profile, run_autopilot
from drills.clock import SystemClock, VirtualClock
from drills.events import Record
from drills.library import find_script, load_library
from drills.live import play_live
from drills.manager import SessionManager
from drills.narrative import clock_time, describe
from drills.postmortem import draft_postmortem
from drills.report import compare, render
from drills.scoring import ScoreReport, score_session
from drills.script import DrillScript
from drills.session import MAX_SPEED, MIN_SPEED, DrillSession
from drills.store import Store
from drills.truth import remedy
from playbook.errors import InvalidDefinition
from playbook.model import DEFAULT_PLAYBOOK_PATH, Playbook, load_playbook

__all__ = ["register"]

PlaybookOpt = Annotated[
    Path | None,
    typer.Option("--playbook", help="playbook YAML (default: the shipped default playbook)"),
]
DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="SQLite file of drill sessions (default: $DRILLBIT_DB, else DATA_DIR/drillbit.db: the web UI's)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]

out = Console()
err = Console(stderr=True)


def _playbook(path: Path | None) -> Playbook:
    return load_playbook(path or DEFAULT_PLAYBOOK_PATH)


def _store(db: Path | None) -> Store:
    """The given store, else the web UI's (one settings object: the same default for both)."""
    path = db or load_settings().db_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return Store(path)


def list_scripts(playbook: PlaybookOpt = None, as_json: JsonOpt = False) -> None:
    """The drills in the library."""
    book = _playbook(playbook)
    scripts = load_library(book)
    if as_json:
        rows = [
            {
                "id": s.id,
                "title": s.title,
                "summary": s.summary,
                "severity": s.expected_severity(book),
                "duration_minutes": s.duration_minutes,
                "services": list(s.services),
            }
            for s in scripts
        ]
        print(json.dumps(rows))
        return
    table = Table(title=f"{len(scripts)} drills")
    for column in ("id", "title", "severity", "minutes", "summary"):
        table.add_column(column)
    for s in scripts:
        table.add_row(s.id, s.title, s.expected_severity(book), f"{s.duration_minutes:g}", s.summary)
    out.print(table)


def show(
    script: Annotated[str, typer.Argument(help="a library id or a script file")],
    playbook: PlaybookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The facilitator's view of a script: briefing, injects and the truth."""
    book = _playbook(playbook)
    s = find_script(script, playbook=book)
    if as_json:
        data = s.model_dump(mode="json")
        data["expected_severity"] = s.expected_severity(book)
        print(json.dumps(data))
        return
    out.print(f"[bold]{s.title}[/bold] ({s.id}), expected {s.expected_severity(book)}, "
              f"{s.duration_minutes:g} minutes", highlight=False)
    out.print(f"\n[bold]Facilitator briefing[/bold]\n{s.briefing}", highlight=False)
    out.print(f"\n[bold]Participant briefing[/bold]\n{s.participant_briefing}", highlight=False)
    if s.world is not None:
        _show_world(s)
        return
    table = Table(title="injects")
    for column in ("minute", "clock", "type", "id", "what", "flags"):
        table.add_column(column)
    for inject in s.injects:
        what = getattr(inject, "summary", None) or getattr(inject, "text", None) or getattr(inject, "line", None)
        if what is None:
            what = json.dumps(inject.model_dump(mode="json", include={"service", "values", "version"}))
        flags = [
            f for f, on in (
                ("red herring", inject.red_herring),
                ("noise", not getattr(inject, "actionable", True)),
                ("while impacted", inject.while_impacted),
            ) if on
        ]
        table.add_row(f"{inject.at:g}", clock_time(s.clock_start, inject.at), inject.type, inject.id,
                      str(what), ", ".join(flags))
    out.print(table)
    out.print(f"\n[bold]Root cause[/bold]: {s.truth.root_cause}", highlight=False)
    table = Table(title="mitigations")
    for column in ("id", "label", "effect", "minutes", "explanation"):
        table.add_column(column)
    for m in s.truth.mitigations:
        effect = m.effect + (" (risky)" if m.risky else "")
        table.add_row(m.id, m.label, effect, f"{m.takes_minutes:g}", m.explanation)
    out.print(table)


def _show_world(s: DrillScript) -> None:
    assert s.world is not None
    table = Table(title="services")
    for column in ("service", "kind", "calls", "version", "replicas", "owner"):
        table.add_column(column)
    for svc in s.world.services:
        table.add_row(svc.name, svc.kind + (" (entry)" if svc.entry else ""), ", ".join(svc.calls),
                      svc.version, str(svc.replicas), svc.owner)
    out.print(table)
    out.print("\n[bold]Faults (the truth)[/bold]", highlight=False)
    for fault in s.world.faults:
        fix = remedy(s.world, fault)
        out.print(f"- {fault.id}: {fault.kind} on {fault.service} ({fault.category}) from minute "
                  f"{fault.starts_at:g}. {fault.description} Remedy: {fix.label() if fix else 'none'}",
                  highlight=False, markup=False, soft_wrap=True)
    herrings = ", ".join(s.world.red_herrings) or "none"
    out.print(f"[bold]Red herrings[/bold]: {herrings}", highlight=False)
    out.print(f"[bold]Root cause[/bold]: {s.truth.root_cause}", highlight=False)


def _score(session: DrillSession) -> ScoreReport:
    return score_session(
        session.records(),
        session_id=session.id,
        script=session.script,
        playbook=session.playbook,
        rubric=session.rubric,
        now=session.now(),
        world=session.world,
    )


def _print_score(report: ScoreReport) -> None:
    table = Table(title=f"{report.script_title}: {report.total:g} / {report.max:g}")
    for column in ("criterion", "points", "rating", "explanation"):
        table.add_column(column)
    for c in report.criteria:
        table.add_row(c.id, f"{c.points:g}/{c.max:g}", c.rating, c.explanation)
    out.print(table)


def run(
    script: Annotated[str, typer.Argument(help="a library id or a script file")],
    speed: Annotated[float, typer.Option(help=f"drill minutes per wall minute (x{MIN_SPEED:g}-x{MAX_SPEED:g})")] = 1.0,
    autopilot: Annotated[
        str | None, typer.Option(help=f"play with a scripted team: {', '.join(PROFILES)}")
    ] = None,
    db: DbOpt = None,
    playbook: PlaybookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a drill: headless with --autopilot (virtual clock), else live in real time."""
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise InvalidDefinition(f"--speed must be between {MIN_SPEED:g} and {MAX_SPEED:g}")
    team = None if autopilot is None else profile(autopilot)
    book = _playbook(playbook)
    loaded = find_script(script, playbook=book)
    store = _store(db)
    try:
        if team is not None:
            clock = VirtualClock()
            manager = SessionManager(store, clock=clock, playbook=book)
            session = manager.create(loaded).session
            run_autopilot(session, team, clock, speed=speed)
        else:
            manager = SessionManager(store, clock=SystemClock(), playbook=book)
            created = manager.create(loaded)
            session = created.session
            if not as_json:
                out.print(f"session {session.id}: join code {created.join_code}, "
                          f"facilitator key {created.facilitator_key}", highlight=False)
            session.start(speed=speed)

            def emit(record: Record) -> None:
                if not as_json:
                    out.print(f"{clock_time(loaded.clock_start, record.at)}  {describe(record)}",
                              highlight=False, markup=False, soft_wrap=True)

            play_live(session, sleep=time.sleep, emit=emit)
        report = _score(session)
    finally:
        store.close()
    if as_json:
        print(json.dumps(report.summary()))
        return
    out.print(f"session {report.session_id}", highlight=False)
    _print_score(report)


def score(
    session_id: Annotated[str, typer.Argument(help="the session id printed by drill run")],
    fmt: Annotated[Literal["json", "md", "html"], typer.Option("--format", help="json, md or html")] = "md",
    db: DbOpt = None,
) -> None:
    """A session's score report, compared with earlier sessions of the same script."""
    store = _store(db)
    try:
        manager = SessionManager(store, clock=SystemClock())
        session = manager.get(session_id)
        report = _score(session)
        comparison = compare(report, manager.history(session.script.id, before=session.id))
    finally:
        store.close()
    print(render(report, fmt, comparison), end="" if fmt != "json" else "\n")


def postmortem(
    session_id: Annotated[str, typer.Argument(help="the session id printed by drill run")],
    db: DbOpt = None,
) -> None:
    """The session's postmortem as written, or the draft from its timeline."""
    store = _store(db)
    try:
        session = SessionManager(store, clock=SystemClock()).get(session_id)
        written = session.state.postmortem
        text = written.text if written is not None else draft_postmortem(
            session.records(), session.state, session.script, session.playbook
        )
    finally:
        store.close()
    print(text, end="" if text.endswith("\n") else "\n")


def register(app: typer.Typer) -> None:
    """Add the ``drill`` command group to the root app."""
    group = typer.Typer(help="Game-day drills: run, score, postmortem.", no_args_is_help=True)
    group.command("list")(list_scripts)
    group.command("show")(show)
    group.command("run")(run)
    group.command("score")(score)
    group.command("postmortem")(postmortem)
    drill_review.add_commands(group)
    app.add_typer(group, name="drill")
