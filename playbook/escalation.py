"""Escalation policies with PagerDuty semantics, and the notification timeline they produce.

A policy is an ordered list of rules. Rule 1's targets are notified at once; if nobody
acknowledges within the rule's delay, the next rule's targets are notified, and so on.
A rule whose targets have nobody on call is skipped at once: PagerDuty assigns "the next
user who is on-call in the next subsequent escalation level" (:func:`skipped_delay`,
:func:`paged_timeline`).
After the last rule's delay the policy starts again from rule 1, ``num_loops`` more times
(``num_loops: 2`` runs the rules three times in all), then stops. Acknowledging stops
escalation. A low-urgency incident notifies rule 1 and never escalates (PagerDuty's
urgency rule). A severity upgrade restarts the clock on the new severity's policy
(seed 003 ``upgrade_severity``).

A rule's ``escalation_rule_assignment_strategy`` is PagerDuty's: ``assign_to_everyone``
(the default) notifies all its targets; ``round_robin`` notifies ONE target, the next in
turn: the ``turn``-th time the rule is reached it notifies ``targets[turn % len]``, and if
that target does not acknowledge within the delay the incident moves on to the next rule
(PagerDuty's "Round Robin Scheduling": one responder per incident at that level, rotating
across incidents). Each pass of a looping policy reaches the rule again, so pass ``loop``
uses turn ``turn + loop``.

Two YAML forms are accepted: the delay form of PagerDuty's Terraform provider (seed 004),
``rules: [{escalation_delay_in_minutes: 10, targets: [...]}]``, and the cumulative form of
seed 003's ``ESCALATION_POLICIES``, ``steps: [{at_minute: 0, targets: [...]}, ...]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field, model_validator

from playbook._frozen import FROZEN
from playbook.schedules import Schedule, on_call_at

__all__ = [
    "EscalationPolicy",
    "EscalationRule",
    "Notification",
    "PagedNotification",
    "Target",
    "escalation_timeline",
    "paged_timeline",
    "resolve_targets",
    "skipped_delay",
    "upgraded_timeline",
]

_TARGET_TYPES = {
    "user": "user",
    "user_reference": "user",
    "schedule": "schedule",
    "schedule_reference": "schedule",
    "ticket": "ticket",
}


class Target(BaseModel):
    """Who a rule notifies: a user, a schedule's on-call, or a ticket queue (nobody paged).

    Written as ``{type: schedule_reference, id: checkout-primary}`` (Terraform's names) or
    as the short string ``"schedule:checkout-primary"``.
    """

    model_config = FROZEN

    type: Literal["user", "schedule", "ticket"]
    id: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            kind, sep, ident = value.partition(":")
            if not sep:
                raise ValueError(f"target {value!r} must look like 'user:NAME' or 'schedule:NAME'")
            value = {"type": kind, "id": ident}
        if isinstance(value, dict) and isinstance(value.get("type"), str):
            kind = value["type"]
            if kind not in _TARGET_TYPES:
                raise ValueError(f"unknown target type {kind!r} (use user, schedule or ticket)")
            value = {**value, "type": _TARGET_TYPES[kind]}
        return value

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"


class EscalationRule(BaseModel):
    """Notify ``targets``, then wait ``escalation_delay_in_minutes`` for an acknowledgement."""

    model_config = FROZEN

    escalation_delay_in_minutes: float = Field(gt=0)
    targets: tuple[Target, ...] = Field(min_length=1)
    escalation_rule_assignment_strategy: Literal["assign_to_everyone", "round_robin"] = (
        "assign_to_everyone"
    )

    @property
    def round_robin(self) -> bool:
        return self.escalation_rule_assignment_strategy == "round_robin"

    def assigned(self, turn: int) -> tuple[Target, ...]:
        """The targets notified the ``turn``-th time this rule is reached (0-based)."""
        if self.round_robin:
            return (self.targets[turn % len(self.targets)],)
        return self.targets


class _Step(BaseModel):
    model_config = FROZEN

    at_minute: float = Field(ge=0)
    targets: tuple[Target, ...] = Field(min_length=1)


class EscalationPolicy(BaseModel):
    """An ordered escalation policy; see the module docstring for its semantics."""

    model_config = FROZEN

    name: str = Field(min_length=1)
    description: str = ""
    pagerduty_id: str | None = Field(default=None, description="the policy's id in PagerDuty")
    num_loops: int = Field(default=0, ge=0, le=9)
    urgency: Literal["high", "low"] = "high"
    rules: tuple[EscalationRule, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _cumulative_form(cls, value: Any) -> Any:
        """Turn seed 003's ``steps`` (minutes since the start) into delay-form rules."""
        if not isinstance(value, dict) or "steps" not in value:
            return value
        if "rules" in value:
            raise ValueError("give either rules (delay form) or steps (cumulative form), not both")
        data = dict(value)
        raw_steps = data.pop("steps")
        last_delay = data.pop("last_step_delay_minutes", None)
        if not isinstance(raw_steps, list) or not raw_steps:
            raise ValueError("steps must be a non-empty list")
        steps = [_Step.model_validate(s) for s in raw_steps]
        minutes = [s.at_minute for s in steps]
        if minutes[0] != 0:
            raise ValueError("the first step must be at minute 0")
        if any(b <= a for a, b in pairwise(minutes)):
            raise ValueError("step minutes must strictly increase")
        gaps = [b - a for a, b in pairwise(minutes)]
        # The last step's delay only matters when the policy loops; by default it repeats
        # the previous gap (30 minutes for a single step), and YAML can set it.
        tail = last_delay if last_delay is not None else (gaps[-1] if gaps else 30.0)
        data["rules"] = [
            {"escalation_delay_in_minutes": delay, "targets": step.targets}
            for step, delay in zip(steps, [*gaps, tail], strict=True)
        ]
        return data

    @property
    def cycle_minutes(self) -> float:
        """Minutes one pass through all rules takes."""
        return sum(r.escalation_delay_in_minutes for r in self.rules)


@dataclass(frozen=True)
class Notification:
    """At ``minute``, rule ``rule`` (1-based) of pass ``loop`` (0-based) notifies ``targets``."""

    minute: float
    rule: int
    loop: int
    targets: tuple[Target, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "minute": self.minute,
            "rule": self.rule,
            "loop": self.loop,
            "targets": [str(t) for t in self.targets],
        }


def escalation_timeline(
    policy: EscalationPolicy,
    *,
    ack_minute: float | None = None,
    horizon: float = 24 * 60,
    start_minute: float = 0.0,
    urgency: Literal["high", "low"] | None = None,
    turn: int = 0,
) -> list[Notification]:
    """Every notification the policy sends from ``start_minute`` until acknowledged.

    A notification due at or after ``ack_minute`` is not sent; neither is one after
    ``horizon`` (inclusive bound). ``urgency`` overrides the policy's own. ``turn`` is the
    round-robin turn of this incident (how many incidents reached the rules before it).
    """
    out: list[Notification] = []
    effective_urgency = urgency or policy.urgency
    minute = start_minute
    for loop in range(policy.num_loops + 1):
        for index, rule in enumerate(policy.rules, start=1):
            if minute > horizon or (ack_minute is not None and minute >= ack_minute):
                return out
            out.append(Notification(minute, index, loop, rule.assigned(turn + loop)))
            if effective_urgency == "low":
                return out
            minute += rule.escalation_delay_in_minutes
    return out


def upgraded_timeline(
    segments: Sequence[tuple[float, EscalationPolicy]],
    *,
    ack_minute: float | None = None,
    horizon: float = 24 * 60,
) -> list[Notification]:
    """The timeline of an incident whose severity changed: ``segments`` are (minute, policy).

    Each change restarts the clock on the new policy and abandons the old one's schedule.
    """
    out: list[Notification] = []
    for i, (start, policy) in enumerate(segments):
        part = escalation_timeline(
            policy, ack_minute=ack_minute, horizon=horizon, start_minute=start
        )
        if i + 1 < len(segments):
            part = [n for n in part if n.minute < segments[i + 1][0]]
        out.extend(part)
    return out


def resolve_targets(
    targets: Sequence[Target], at: datetime, schedules: Mapping[str, Schedule]
) -> tuple[str, ...]:
    """The people ``targets`` notify at instant ``at`` (tickets notify nobody), deduplicated."""
    people: list[str] = []
    for target in targets:
        if target.type == "user":
            found: tuple[str, ...] = (target.id,)
        elif target.type == "schedule":
            found = on_call_at(schedules[target.id], at)
        else:
            found = ()
        people.extend(p for p in found if p not in people)
    return tuple(people)


class _Timed(Protocol):
    @property
    def minute(self) -> float: ...

    @property
    def rule(self) -> int: ...


def skipped_delay(timeline: Sequence[_Timed], index: int, rules: int) -> float | None:
    """Minutes saved by skipping step ``index`` of a full timeline whose rule has nobody on call.

    PagerDuty: "If nobody is on-call in the first level, then we will assign the incident to
    the next user who is on-call in the next subsequent escalation level": the next rule is
    notified at once. ``None`` when the step is the last rule of its pass (or of the
    timeline): there the rule's delay is waited out, because skipping would start the next
    pass, and spend one of the policy's loops, with no time elapsed (goalert's
    ``TestEscalationSkipIfEmpty_SingleStep``). ``rules`` is the number of rules in a pass.
    """
    step = timeline[index]
    if step.rule >= rules or index + 1 >= len(timeline):
        return None
    return timeline[index + 1].minute - step.minute


@dataclass(frozen=True)
class PagedNotification:
    """A notification of :func:`paged_timeline`: who it reached; ``skipped`` if nobody was
    on call and the next rule was notified at once."""

    minute: float
    rule: int
    loop: int
    targets: tuple[Target, ...]
    people: tuple[str, ...]
    skipped: bool

    def as_dict(self) -> dict[str, Any]:
        plain = Notification(self.minute, self.rule, self.loop, self.targets).as_dict()
        return {**plain, "people": list(self.people), "skipped": self.skipped}


def paged_timeline(
    policy: EscalationPolicy,
    *,
    start: datetime,
    schedules: Mapping[str, Schedule],
    ack_minute: float | None = None,
    horizon: float = 24 * 60,
    urgency: Literal["high", "low"] | None = None,
    turn: int = 0,
) -> list[PagedNotification]:
    """The timeline of an incident opened at ``start``, with people, empty rules skipped.

    As :func:`escalation_timeline`, except that each rule's targets are resolved at their
    instant and a rule with nobody on call hands on to the next rule at once
    (:func:`skipped_delay`), which moves every later notification earlier. A low-urgency
    incident stops after the first rule that reaches someone. ``turn`` is the incident's
    round-robin turn (see :func:`escalation_timeline`).
    """
    full = escalation_timeline(policy, horizon=math.inf, urgency="high", turn=turn)
    low = (urgency or policy.urgency) == "low"
    out: list[PagedNotification] = []
    shift = 0.0
    for index, note in enumerate(full):
        minute = note.minute - shift
        if minute > horizon or (ack_minute is not None and minute >= ack_minute):
            break
        people = resolve_targets(note.targets, start + timedelta(minutes=minute), schedules)
        saved = None if people else skipped_delay(full, index, len(policy.rules))
        out.append(
            PagedNotification(minute, note.rule, note.loop, note.targets, people, saved is not None)
        )
        if saved is not None:
            shift += saved
        elif low:
            break
    return out
