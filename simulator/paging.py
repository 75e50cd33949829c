"""Who a page reaches, and when: the playbook's schedules and escalation policies, compiled.

Schedules are rendered once per scenario with :func:`playbook.schedules.render` over the
whole run and looked up by bisection, so finding who is on call costs a bisect rather
than a call to ``on_call_at``. Escalation timelines come from
:func:`playbook.escalation.escalation_timeline` (never re-implemented here): the model walks
them and stops at the first acknowledgement, which is exactly the playbook's rule that a
notification due at or after the acknowledgement is not sent.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from playbook.escalation import EscalationPolicy, Target, escalation_timeline
from playbook.model import Playbook
from playbook.schedules import Schedule, render
from simulator.clock import minute_of

__all__ = [
    "SCHEDULE",
    "TICKET",
    "USER",
    "CompiledSchedule",
    "Paging",
    "Step",
    "compile_schedule",
    "compile_targets",
]

USER, SCHEDULE, TICKET = 0, 1, 2
_KINDS = {"user": USER, "schedule": SCHEDULE, "ticket": TICKET}

CompiledTarget = tuple[int, int]  # (kind, person or schedule index)


@dataclass(frozen=True)
class CompiledSchedule:
    """A schedule's final shifts over the run, in simulated minutes (sorted, disjoint)."""

    name: str
    starts: list[float]
    ends: list[float]
    users: list[int]

    def at(self, minute: float) -> int:
        """The person on call at ``minute``, or -1."""
        i = bisect_right(self.starts, minute) - 1
        if i >= 0 and minute < self.ends[i]:
            return self.users[i]
        return -1


def compile_schedule(
    schedule: Schedule, start: datetime, total_minutes: float, person_index: dict[str, int]
) -> CompiledSchedule:
    """Render ``schedule`` over the run (a day of margin each side) into bisectable lists."""
    shifts = render(
        schedule, start - timedelta(days=1), start + timedelta(minutes=total_minutes + 2 * 1440)
    )
    return CompiledSchedule(
        name=schedule.name,
        starts=[minute_of(start, s.start) for s in shifts],
        ends=[minute_of(start, s.end) for s in shifts],
        users=[person_index[s.user] for s in shifts],
    )


def compile_targets(
    targets: tuple[Target, ...], person_index: dict[str, int], schedule_index: dict[str, int]
) -> tuple[CompiledTarget, ...]:
    out: list[CompiledTarget] = []
    for target in targets:
        kind = _KINDS[target.type]
        if kind == USER:
            out.append((USER, person_index[target.id]))
        elif kind == SCHEDULE:
            out.append((SCHEDULE, schedule_index[target.id]))
        else:
            out.append((TICKET, -1))
    return tuple(out)


@dataclass(frozen=True)
class Step:
    """One notification of an escalation timeline, ``minute`` after the incident opens."""

    minute: float
    rule: int
    loop: int
    targets: tuple[CompiledTarget, ...]
    round_robin: bool = False  # notify targets[turn % len] only (see Paging.assigned)


class Paging:
    """Schedules and escalation timelines of one scenario, with fast target resolution."""

    def __init__(
        self,
        book: Playbook,
        *,
        start: datetime,
        total_minutes: float,
        person_index: dict[str, int],
    ) -> None:
        self.schedule_index = {s.name: i for i, s in enumerate(book.schedules)}
        self.schedules = [
            compile_schedule(s, start, total_minutes, person_index) for s in book.schedules
        ]
        self.person_index = person_index
        self._timelines: dict[tuple[str, str], list[Step]] = {}
        self._policies = {p.name: p for p in book.escalation_policies}

    def timeline(self, policy: str, urgency: Literal["high", "low"]) -> list[Step]:
        """The full timeline of ``policy`` at ``urgency`` if nobody ever acknowledges."""
        cached = self._timelines.get((policy, urgency))
        if cached is None:
            pol: EscalationPolicy = self._policies[policy]
            cached = []
            for n in escalation_timeline(pol, horizon=math.inf, urgency=urgency):
                rule = pol.rules[n.rule - 1]
                targets = rule.targets if rule.round_robin else n.targets
                compiled = compile_targets(targets, self.person_index, self.schedule_index)
                cached.append(Step(n.minute, n.rule, n.loop, compiled, rule.round_robin))
            self._timelines[(policy, urgency)] = cached
        return cached

    def rule_count(self, policy: str) -> int:
        """Rules in one pass of ``policy``."""
        return len(self._policies[policy].rules)

    @staticmethod
    def assigned(step: Step, turns: dict[tuple[int, int], int], policy: int) -> tuple[CompiledTarget, ...]:
        """The targets ``step`` notifies; a round-robin rule takes the next target in turn.

        ``turns`` counts, per (policy, rule), the notifications that rule has sent in this
        replication (the caller owns it, so replications stay independent).
        """
        if not step.round_robin:
            return step.targets
        key = (policy, step.rule)
        turn = turns.get(key, 0)
        turns[key] = turn + 1
        return (step.targets[turn % len(step.targets)],)

    def resolve(self, targets: tuple[CompiledTarget, ...], minute: float) -> list[int]:
        """The people ``targets`` notify at ``minute``, deduplicated, in target order."""
        if len(targets) == 1:
            kind, index = targets[0]
            if kind == USER:
                return [index]
            if kind == SCHEDULE:
                person = self.schedules[index].at(minute)
                return [person] if person >= 0 else []
            return []
        people: list[int] = []
        for kind, index in targets:
            person = (
                index
                if kind == USER
                else self.schedules[index].at(minute)
                if kind == SCHEDULE
                else -1
            )
            if person >= 0 and person not in people:
                people.append(person)
        return people

    def rotation_people(self, policies: list[str]) -> list[int]:
        """People who appear in any schedule the named policies page."""
        names: set[int] = set()
        for policy in policies:
            for rule in self._policies[policy].rules:
                for target in rule.targets:
                    if target.type == "schedule":
                        names.update(self.schedules[self.schedule_index[target.id]].users)
        return sorted(names)

    def on_call_spans(self, policies: list[str]) -> dict[int, list[tuple[float, float]]]:
        """Per person, the merged spans they are on call for any schedule the policies page."""
        spans: dict[int, list[tuple[float, float]]] = {}
        seen: set[int] = set()
        for policy in policies:
            for rule in self._policies[policy].rules:
                for target in rule.targets:
                    if target.type != "schedule":
                        continue
                    index = self.schedule_index[target.id]
                    if index in seen:
                        continue
                    seen.add(index)
                    sched = self.schedules[index]
                    for s, e, u in zip(sched.starts, sched.ends, sched.users, strict=True):
                        spans.setdefault(u, []).append((s, e))
        merged: dict[int, list[tuple[float, float]]] = {}
        for person, items in spans.items():
            out: list[tuple[float, float]] = []
            for s, e in sorted(items):
                if out and s <= out[-1][1]:
                    out[-1] = (out[-1][0], max(out[-1][1], e))
                else:
                    out.append((s, e))
            merged[person] = out
        return merged

    def first_rule_schedules(self, policies: list[str]) -> list[int]:
        """Schedules that rule 1 of the named policies pages (the primaries)."""
        out: list[int] = []
        for policy in policies:
            for target in self._policies[policy].rules[0].targets:
                if target.type == "schedule":
                    index = self.schedule_index[target.id]
                    if index not in out:
                        out.append(index)
        return out
