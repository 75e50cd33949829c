"""Drill scripts: the injects a drill delivers on its clock, and the truth it hides.

A script is data, validated completely before a drill starts (``load_script``): unknown keys,
bad values and broken references fail with ``file:line: field: message``. Injects are
dispatched on their ``type`` key:

=================  ==============================================================
``alert``          an alert with its :class:`~playbook.context.AlertContext`; it is
                   classified by the playbook and pages through an escalation policy
``metrics``        a snapshot of a service's error rate, latency, saturation
``log``            a log line
``customer_report``  a customer or support ticket
``exec_message``   a message from an executive
``deploy``         a deployment event
=================  ==============================================================

Any inject may be a red herring (``red_herring: true``); an alert may be noise
(``actionable: false``). Both are truth: participants never see the flags. An inject marked
``while_impacted: true`` describes the broken world (an error-rate snapshot, an angry
executive) and is skipped if a working mitigation has stopped the impact before it is due.

A script of ``kind: gameday`` (``drills/gameday.py``) is a game day's room on the real system:
no world, no injects, no mitigation catalogue; its ``gameday`` spec names the target's services
and the faults the chaos run injects (its truth), and everything in its log comes from outside.

The hidden :class:`Truth` holds the root cause, the expected severity (by default the
playbook's verdict on the worst real alert) and the mitigation catalogue. Each mitigation
works, has no effect, or makes things worse, and carries a ``reaction``: injects delivered
after it is applied (``at`` counts minutes from that moment), which is how the script reacts
to the team. A working mitigation stops the impact ``takes_minutes`` after it is applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drills.gameday import GameDaySpec
from drills.truth import untouched_severity
from drills.world.alerts import check_rules
from drills.world.spec import WorldSpec
from playbook.context import AlertContext
from playbook.errors import InvalidDefinition
from playbook.loader import BadReference, LineMap, parse_yaml, validate_data
from playbook.model import Playbook
from playbook.safeyaml import read_definition
from playbook.severity import severity_rank

__all__ = [
    "AlertInject",
    "CustomerReportInject",
    "DeployInject",
    "DrillScript",
    "ExecMessageInject",
    "Inject",
    "LogInject",
    "MetricValues",
    "MetricsInject",
    "Mitigation",
    "Truth",
    "load_script",
]

_ID = r"^[a-z0-9][a-z0-9_.-]*$"
_PLAYBOOK: ContextVar[Playbook | None] = ContextVar("drill_script_playbook", default=None)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricValues(_Model):
    """A service's golden signals at one instant; absent values are unknown."""

    error_rate: float | None = Field(default=None, ge=0, le=100, description="percent")
    latency_p99_ms: float | None = Field(default=None, ge=0)
    saturation_pct: float | None = Field(default=None, ge=0, le=100)
    requests_per_second: float | None = Field(default=None, ge=0)


class _InjectBase(_Model):
    id: str = Field(pattern=_ID)
    at: float = Field(ge=0, description="drill minutes (in a reaction: after the mitigation)")
    red_herring: bool = False
    while_impacted: bool = Field(
        default=False, description="skipped when a working mitigation stopped the impact first"
    )
    facilitator_note: str = ""
    facilitator_only: bool = Field(
        default=False,
        description="only the facilitator sees it (e.g. a chaos run's own steps, which would "
        "give the cause away); alerts always reach the team",
    )


class AlertInject(_InjectBase):
    type: Literal["alert"] = "alert"

    @field_validator("facilitator_only")
    @classmethod
    def _alerts_reach_the_team(cls, value: bool) -> bool:
        if value:
            raise ValueError("an alert pages the team, so it cannot be facilitator_only")
        return value

    alert_id: str | None = Field(default=None, pattern=_ID, description="defaults to the id")
    summary: str = Field(min_length=1)
    context: AlertContext
    actionable: bool = True
    pages: bool = True
    runbook: str = ""

    @property
    def key(self) -> str:
        return self.alert_id or self.id


class MetricsInject(_InjectBase):
    type: Literal["metrics"] = "metrics"
    service: str = Field(min_length=1)
    values: MetricValues


class LogInject(_InjectBase):
    type: Literal["log"] = "log"
    service: str = Field(min_length=1)
    level: Literal["debug", "info", "warning", "error", "critical"] = "error"
    line: str = Field(min_length=1)


class CustomerReportInject(_InjectBase):
    type: Literal["customer_report"] = "customer_report"
    customer: str = Field(min_length=1)
    channel: str = "support"
    text: str = Field(min_length=1)


class ExecMessageInject(_InjectBase):
    type: Literal["exec_message"] = "exec_message"
    sender: str = Field(min_length=1)
    text: str = Field(min_length=1)


class DeployInject(_InjectBase):
    type: Literal["deploy"] = "deploy"
    service: str = Field(min_length=1)
    version: str = Field(min_length=1)
    by: str = ""
    change: str = ""


Inject = Annotated[
    AlertInject | MetricsInject | LogInject | CustomerReportInject | ExecMessageInject | DeployInject,
    Field(discriminator="type"),
]


class Mitigation(_Model):
    """One entry of the mitigation catalogue, and how the script reacts to it."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1, description="what participants see and choose")
    effect: Literal["works", "no_effect", "harmful"]
    risky: bool = Field(
        default=False, description="works, but the playbook discourages it here (seed 003 hotfix)"
    )
    takes_minutes: float = Field(default=3, ge=0, description="works: minutes until impact stops")
    explanation: str = Field(min_length=1, description="for the facilitator and the report")
    reaction: tuple[Inject, ...] = ()


class Truth(_Model):
    """What the facilitator knows and the participants must find out.

    On a drill with a ``world``, the mitigation catalogue is empty: the team acts with the
    generic operations and the world says what each one does.
    """

    root_cause: str = Field(min_length=1)
    impact: str = Field(min_length=1, description="what users experience")
    impact_started_at: float = Field(default=0, ge=0)
    expected_severity: str | None = Field(
        default=None, description="default: the playbook's verdict on the worst real alert"
    )
    contributing_factors: tuple[str, ...] = ()
    action_items: tuple[str, ...] = Field(default=(), description="what a good postmortem lists")
    hints: tuple[str, ...] = Field(default=(), description="for the facilitator, mildest first")
    mitigations: tuple[Mitigation, ...] = ()


class Stakeholder(_Model):
    """A persona's message template (Jinja2) overriding the library's."""

    persona: Literal["executive", "support", "customer"]
    sender: str = Field(min_length=1)
    template: str = Field(min_length=1)


class DrillScript(_Model):
    """A game-day drill: title, briefings, injects on the drill clock, and the truth."""

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1, description="one line for the library (participant-safe)")
    briefing: str = Field(min_length=1, description="for the facilitator only")
    participant_briefing: str = Field(min_length=1, description="what the team knows at minute 0")
    services: tuple[str, ...] = Field(min_length=1)
    seeds: tuple[str, ...] = Field(default=(), description="the seed texts it is drawn from")
    duration_minutes: float = Field(gt=0, description="when the facilitator should wrap up")
    clock_start: datetime = Field(
        default=datetime(2026, 4, 15, 14, 0, tzinfo=UTC),
        description="the fictional UTC instant of drill minute 0 (channel names, postmortem times)",
    )
    page_policy: str | None = Field(
        default=None, description="escalation policy for every page (default: by severity)"
    )
    injects: tuple[Inject, ...] = ()
    truth: Truth
    world: WorldSpec | None = Field(default=None, description="the live model of the drill's services")
    stakeholders: tuple[Stakeholder, ...] = ()
    kind: Literal["drill", "gameday"] = Field(
        default="drill", description="gameday: played on the real system (no world, no injects)"
    )
    gameday: GameDaySpec | None = Field(default=None, description="kind gameday: the experiment and its faults")

    @field_validator("clock_start")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        """A clock start without a zone is UTC (the seeds quote incident times in UTC)."""
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    # -- lookups --------------------------------------------------------------------------
    def all_injects(self) -> Iterator[tuple[str, int, Inject]]:
        """(where, index, inject) for timeline injects and every mitigation's reaction."""
        for i, inject in enumerate(self.injects):
            yield "injects", i, inject
        for m in self.truth.mitigations:
            for i, inject in enumerate(m.reaction):
                yield m.id, i, inject

    def inject(self, inject_id: str) -> Inject:
        for _, _, inject in self.all_injects():
            if inject.id == inject_id:
                return inject
        raise KeyError(f"unknown inject {inject_id!r}")

    def mitigation(self, mitigation_id: str) -> Mitigation:
        for m in self.truth.mitigations:
            if m.id == mitigation_id:
                return m
        known = ", ".join(m.id for m in self.truth.mitigations)
        raise KeyError(f"unknown mitigation {mitigation_id!r} (known: {known})")

    def alerts(self) -> list[AlertInject]:
        return [i for _, _, i in self.all_injects() if isinstance(i, AlertInject)]

    @property
    def is_gameday(self) -> bool:
        return self.kind == "gameday"

    @property
    def operable(self) -> bool:
        """Whether the team acts with the generic operations (a world, or the real system)."""
        return self.world is not None or self.is_gameday

    @property
    def services_shown(self) -> tuple[str, ...]:
        """The services participants may look at (the world's, or the script's list)."""
        return self.world.names if self.world is not None else self.services

    def real_alerts(self) -> list[AlertInject]:
        """Timeline alerts that are neither noise nor red herrings."""
        return [
            i
            for i in self.injects
            if isinstance(i, AlertInject) and i.actionable and not i.red_herring
        ]

    def expected_severity(self, playbook: Playbook) -> str:
        """The truth's severity, or the playbook's verdict on the worst real alert (on a world:
        on the true state when the first real alert fires, if nobody acts; a session's score
        judges the true state at its declaration instead)."""
        if self.truth.expected_severity is not None:
            return self.truth.expected_severity
        if self.is_gameday:
            return playbook.severity_order[-1]  # no real alert yet: the score reads the real ones
        if self.world is not None:
            start = self.clock_start.hour + self.clock_start.minute / 60
            return untouched_severity(self.world, playbook, start)
        order = playbook.severity_order
        verdicts = [playbook.classify(a.context).severity for a in self.real_alerts()]
        return min(verdicts, key=lambda s: severity_rank(order, s))

    def digest(self) -> str:
        """A hash of the script's content, recorded with each session."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]

    # -- validation -----------------------------------------------------------------------
    def _check_gameday(self) -> None:
        """A game day has its spec, and nothing simulated: no world, injects or catalogue."""
        if self.gameday is None:
            raise BadReference(("gameday",), "a drill of kind gameday needs its gameday spec")
        for name in ("world", "injects", "stakeholders"):
            if getattr(self, name):
                raise BadReference((name,), f"a game day is played on the real system: it has no {name}")
        if self.truth.mitigations:
            raise BadReference(("truth", "mitigations"), "a game day has no mitigation catalogue: the real system says what works")
        for i, fault in enumerate(self.gameday.faults):
            if fault.service not in self.services:
                raise BadReference(("gameday", "faults", i, "service"), f"{fault.service!r} is not one of the services")

    def cross_check(self) -> None:
        if self.is_gameday:
            self._check_gameday()
            return
        if self.gameday is not None:
            raise BadReference(("gameday",), "only a drill of kind gameday has a gameday spec")
        ids: set[str] = set()
        alert_ids: set[str] = set()
        position = {m.id: k for k, m in enumerate(self.truth.mitigations)}
        for where, i, inject in self.all_injects():
            loc: tuple[str | int, ...] = (
                ("injects", i)
                if where == "injects"
                else ("truth", "mitigations", position[where], "reaction", i)
            )
            if inject.id in ids:
                raise BadReference((*loc, "id"), f"duplicate inject id {inject.id!r}")
            ids.add(inject.id)
            if isinstance(inject, AlertInject):
                if inject.key in alert_ids:
                    raise BadReference((*loc, "alert_id"), f"duplicate alert id {inject.key!r}")
                alert_ids.add(inject.key)
            if where == "injects" and inject.at > self.duration_minutes:
                raise BadReference(
                    (*loc, "at"),
                    f"inject at minute {inject.at:g} is after the drill ends "
                    f"(duration_minutes: {self.duration_minutes:g})",
                )
        if self.world is not None:
            self.world.cross_check(("world",))
            for i, name in check_rules(self.world):
                raise BadReference(("world", "services", i, "alerts"), f"unknown alert rule {name!r}")
            if self.truth.mitigations:
                raise BadReference(("truth", "mitigations"),
                                   "a drill with a world has no mitigation catalogue: the world says what works")
        elif not self.real_alerts():
            raise BadReference(("injects",), "a drill needs at least one real (actionable) alert")
        seen: set[str] = set()
        for i, m in enumerate(self.truth.mitigations):
            if m.id in seen:
                raise BadReference(("truth", "mitigations", i, "id"), f"duplicate mitigation {m.id!r}")
            seen.add(m.id)
        if self.world is None and not any(m.effect == "works" for m in self.truth.mitigations):
            raise BadReference(("truth", "mitigations"), "no mitigation works: the drill cannot end well")
        playbook = _PLAYBOOK.get()
        if playbook is None:
            return
        order = playbook.severity_order
        expected = self.truth.expected_severity
        if expected is not None and expected not in order:
            raise BadReference(
                ("truth", "expected_severity"),
                f"unknown severity {expected!r} (known: {', '.join(order)})",
            )
        if self.page_policy is not None:
            known = [p.name for p in playbook.escalation_policies]
            if self.page_policy not in known:
                raise BadReference(
                    ("page_policy",),
                    f"unknown escalation policy {self.page_policy!r} (known: {', '.join(known)})",
                )


_INJECT_TYPES: dict[str, type[BaseModel]] = {
    cls.model_fields["type"].default: cls
    for cls in (AlertInject, MetricsInject, LogInject, CustomerReportInject, ExecMessageInject, DeployInject)
}


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _check_inject(item: Any, prefix: tuple[str | int, ...], lines: LineMap, source: str) -> None:
    """Validate one inject by its ``type`` so errors name its own fields (not the union's tag)."""
    if not isinstance(item, dict):
        return
    kind = item.get("type")
    cls = _INJECT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = ", ".join(_INJECT_TYPES)
        raise InvalidDefinition(
            f"unknown inject type {kind!r} (known: {known})",
            source=source,
            line=lines.get((*prefix, "type"), lines.get(prefix)),
            field=_dotted((*prefix, "type")),
        )
    n = len(prefix)
    sub = {loc[n:]: line for loc, line in lines.items() if loc[:n] == prefix}
    try:
        validate_data(cls, item, sub, source=source)
    except InvalidDefinition as exc:
        field = _dotted(prefix) + ("." + exc.field if exc.field else "")
        raise InvalidDefinition(
            exc.message, source=source, line=exc.line or lines.get(prefix), field=field
        ) from None


def _check_injects(data: Any, lines: LineMap, source: str) -> None:
    if not isinstance(data, dict):
        return
    injects = data.get("injects")
    for i, item in enumerate(injects if isinstance(injects, list) else []):
        _check_inject(item, ("injects", i), lines, source)
    truth = data.get("truth")
    mitigations = truth.get("mitigations") if isinstance(truth, dict) else None
    for j, mitigation in enumerate(mitigations if isinstance(mitigations, list) else []):
        reaction = mitigation.get("reaction") if isinstance(mitigation, dict) else None
        for i, item in enumerate(reaction if isinstance(reaction, list) else []):
            _check_inject(item, ("truth", "mitigations", j, "reaction", i), lines, source)


def load_script(
    path: str | Path, *, playbook: Playbook | None = None, text: str | None = None
) -> DrillScript:
    """Load and validate a script; with ``playbook``, also check its severity and policy names.

    Raises :class:`~playbook.errors.InvalidDefinition` naming ``file:line: field``.
    """
    source = str(path)
    if text is None:
        text = read_definition(path)
    data, lines = parse_yaml(text, source=source)
    _check_injects(data, lines, source)
    token = _PLAYBOOK.set(playbook)
    try:
        return validate_data(DrillScript, data, lines, source=source)
    finally:
        _PLAYBOOK.reset(token)
