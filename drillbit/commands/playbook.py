"""Playbook commands: check, classify, oncall, escalate, render."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from drillbit.commands.output import plain_table
from drillbit.commands.playbook_cache import cache_dir, load_cached
from playbook.context import AlertContext
from playbook.errors import InvalidDefinition
from playbook.escalation import EscalationPolicy, escalation_timeline, paged_timeline
from playbook.model import DEFAULT_PLAYBOOK_PATH, Playbook
from playbook.schedules import on_call_at

__all__ = ["register"]

PlaybookOpt = Annotated[
    Path | None,
    typer.Option("--playbook", help="playbook YAML (default: the shipped default playbook)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]

def _load(path: Path | None) -> Playbook:
    """The playbook at ``path`` (default: the shipped one), validated once per content."""
    return load_cached(path or DEFAULT_PLAYBOOK_PATH, cache_dir())


def _aware(text: str, zone: Callable[[], str]) -> datetime:
    """``--at`` as an aware instant; a naive one is read on the clock ``zone()`` names."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidDefinition(f"--at {text!r} is not an ISO-8601 date-time") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(zone()))
    return at


def _policy_zone(book: Playbook, policy: EscalationPolicy) -> str:
    """The time zone of the schedules ``policy`` pages (as ``oncall`` reads a naive --at)."""
    zones = {
        book.schedule(t.id).time_zone
        for rule in policy.rules
        for t in rule.targets
        if t.type == "schedule"
    }
    if len(zones) > 1:
        raise InvalidDefinition(
            f"--at has no offset and policy {policy.name!r} pages schedules in "
            f"{', '.join(sorted(zones))}: add an offset"
        )
    return zones.pop() if zones else "UTC"


def check(
    file: Annotated[Path | None, typer.Argument(help="playbook YAML to validate")] = None,
    default: Annotated[bool, typer.Option("--default", help="check the shipped default")] = False,
    now: Annotated[
        str | None, typer.Option(help="ISO instant the four-week gap check starts (default: now)")
    ] = None,
) -> None:
    """Validate a playbook and print its summary; warnings go to stderr.

    Warns about fully shadowed layers and about schedules with nobody on call at some
    time in the next four weeks.
    """
    if file is None and not default:
        raise InvalidDefinition("give a playbook FILE or --default")
    book = _load(file)
    start = datetime.now(UTC) if now is None else _aware(now, lambda: "UTC")
    source = file or DEFAULT_PLAYBOOK_PATH
    def minutes(value: float | None) -> str:
        return "-" if value is None else f"{value:g} min"

    rows = [
        (
            f"{level.name} {level.label}",
            level.response or minutes(level.response_minutes),
            minutes(level.resolution_minutes),
            minutes(level.update_every_minutes),
            ", ".join(level.who_is_paged) or "ticket",
            level.escalation_policy or "-",
        )
        for level in book.severities
    ]
    columns = ("severity", "response", "RTO", "updates", "paged", "policy")
    print(plain_table(f"playbook {book.name!r} ({source})", columns, rows))
    print(
        f"{len(book.classifier.rules)} classifier rules, {len(book.roles)} roles, "
        f"{len(book.people)} people, {len(book.schedules)} schedules, "
        f"{len(book.escalation_policies)} escalation policies: valid"
    )
    from playbook.coverage import coverage_warnings  # noqa: PLC0415 - only `check` needs it

    gaps = [w for schedule in book.schedules for w in coverage_warnings(schedule, start)]
    for warning in [*book.warnings(), *gaps]:
        print(f"warning: {warning}", file=sys.stderr)


def classify(
    service: Annotated[str, typer.Option(help="the alerting service")],
    playbook: PlaybookOpt = None,
    error_rate: Annotated[float, typer.Option(help="percent of requests failing")] = 0.0,
    latency_p99_ms: Annotated[float, typer.Option()] = 0.0,
    affected_users_pct: Annotated[float, typer.Option()] = 0.0,
    data_loss: Annotated[bool, typer.Option("--data-loss")] = False,
    security: Annotated[bool, typer.Option("--security")] = False,
    revenue: Annotated[bool, typer.Option("--revenue")] = False,
    dependents: Annotated[str, typer.Option(help="comma-separated dependent services")] = "",
    duration_minutes: Annotated[float, typer.Option()] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Classify an alert with the playbook's severity rules."""
    book = _load(playbook)
    try:
        ctx = AlertContext(
            service=service,
            error_rate=error_rate,
            latency_p99_ms=latency_p99_ms,
            affected_users_pct=affected_users_pct,
            is_data_loss=data_loss,
            is_security_event=security,
            is_revenue_impacting=revenue,
            dependent_services=tuple(d.strip() for d in dependents.split(",") if d.strip()),
            duration_minutes=duration_minutes,
        )
    except ValueError as exc:
        raise InvalidDefinition(str(exc).splitlines()[-1]) from None
    verdict = book.classify(ctx)
    if as_json:
        print(
            json.dumps(
                {"severity": verdict.severity, "rule": verdict.rule, "reason": verdict.reason}
            )
        )
    else:
        print(f"{verdict.severity} ({verdict.rule or 'default'}): {verdict.reason}")


def oncall(
    schedule: Annotated[str, typer.Option(help="schedule name or PagerDuty id")],
    at: Annotated[str, typer.Option(help="ISO-8601 instant; naive means the schedule's zone")],
    playbook: PlaybookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Who is on call on a schedule at an instant."""
    book = _load(playbook)
    try:
        sched = book.schedule(schedule)
    except KeyError as exc:
        raise InvalidDefinition(exc.args[0]) from None
    instant = _aware(at, lambda: sched.time_zone)
    people = list(on_call_at(sched, instant))
    if as_json:
        print(json.dumps({"schedule": schedule, "at": instant.isoformat(), "on_call": people}))
    else:
        print(f"{schedule} at {instant.isoformat()}: {', '.join(people) or 'nobody'}")


def escalate(
    policy: Annotated[str, typer.Option(help="escalation policy name or PagerDuty id")],
    playbook: PlaybookOpt = None,
    ack_after: Annotated[
        float | None, typer.Option(help="minutes until someone acknowledges")
    ] = None,
    horizon: Annotated[float, typer.Option(help="minutes to look ahead")] = 240.0,
    at: Annotated[
        str | None,
        typer.Option(
            help="ISO-8601 start (naive means the policy's schedules' zone): name who is "
            "paged, skipping rules with nobody on call"
        ),
    ] = None,
    turn: Annotated[
        int, typer.Option(min=0, help="round-robin turn: incidents that reached the policy before")
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """The notification timeline of an escalation policy (name or PagerDuty id)."""
    book = _load(playbook)
    try:
        pol = book.policy(policy)
    except KeyError as exc:
        raise InvalidDefinition(exc.args[0]) from None
    if at is None:
        rows = [n.as_dict() for n in escalation_timeline(pol, ack_minute=ack_after, horizon=horizon, turn=turn)]
    else:
        start = _aware(at, lambda: _policy_zone(book, pol))
        rows = [
            n.as_dict()
            for n in paged_timeline(
                pol,
                start=start,
                schedules=book.schedules_by_name,
                ack_minute=ack_after,
                horizon=horizon,
                turn=turn,
            )
        ]
    if as_json:
        print(json.dumps(rows))
        return
    columns = ("minute", "rule", "loop", "targets", *(["people"] if at else []))
    lines: list[tuple[str, ...]] = []
    for row in rows:
        cells = [f"{row['minute']:g}", str(row["rule"]), str(row["loop"]), ", ".join(row["targets"])]
        if at is not None:
            people = ", ".join(row["people"]) or "nobody"
            cells.append(people + (" (skipped: next rule now)" if row["skipped"] else ""))
        lines.append(tuple(cells))
    print(plain_table(f"escalation policy {pol.name!r}", columns, lines))


def render(
    template: Annotated[str, typer.Argument(help="template id, e.g. status_update")],
    playbook: PlaybookOpt = None,
    var: Annotated[list[str] | None, typer.Option("--var", help="key=value, repeatable")] = None,
) -> None:
    """Render a comms or postmortem template with the given variables."""
    book = _load(playbook)
    variables: dict[str, object] = {}
    for item in var or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidDefinition(f"--var {item!r} must look like key=value")
        variables[key] = _value(value)
    # The playbook is validated (its overrides compiled once when it loaded), so only the
    # template asked for is compiled here: one of six, most of render's own time.
    from playbook.templates import TemplateSet  # noqa: PLC0415 - Jinja only for render

    print(TemplateSet(book.templates, compile_all=False).render(template, **variables), end="")


def _value(text: str) -> object:
    """A --var value: ISO-8601 date-times become aware datetimes (naive means UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if "T" not in text and " " not in text:
        return text  # a bare date stays text: templates print dates as given
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def register(app: typer.Typer) -> None:
    """Add the playbook commands to the root app."""
    group = typer.Typer(help="Validate and inspect playbooks.", no_args_is_help=True)
    group.command("check")(check)
    app.add_typer(group, name="playbook")
    app.command("classify")(classify)
    app.command("oncall")(oncall)
    app.command("escalate")(escalate)
    app.command("render")(render)
