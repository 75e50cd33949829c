"""A scenario prepared for fast runs: indices instead of names, schedules rendered, clocks built.

Compiling is deterministic and independent of the replication, so each worker process
compiles each scenario once (:func:`compile_scenario` caches by the scenario's digest) and
then runs any number of replications against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from playbook.model import Playbook
from playbook.roles import Role
from playbook.services import Service, urgency_at
from simulator.alertrouting import routed_policies
from simulator.clock import DAY, LocalClock, local_clock
from simulator.paging import CompiledTarget, Paging, compile_targets
from simulator.sections import Profile, SeverityWork
from simulator.study import Scenario, Study

__all__ = ["ROLES", "Compiled", "RoleNeed", "compile_scenario"]

# Role codes used in the per-incident work records, the Technical Lead (the worker) first.
ROLES: tuple[Role, ...] = (Role.TECH_LEAD, Role.INCIDENT_COMMANDER, Role.COMMS_LEAD, Role.SCRIBE)


@dataclass(frozen=True)
class RoleNeed:
    """A role an incident of some severity must staff (other than the worker's)."""

    code: int
    candidates: tuple[CompiledTarget, ...]
    join_minutes: float


@dataclass(frozen=True)
class Compiled:
    """Everything a replication of one scenario needs, by index."""

    name: str
    study: Study
    book: Playbook
    total_minutes: float
    warmup_minutes: float
    names: list[str]
    profiles: list[Profile]
    clocks: list[LocalClock]
    paging: Paging
    severity_names: list[str]
    page: list[bool]
    urgency: list[Literal["high", "low"]]
    severity_policy: list[str | None]
    update_every: list[float | None]
    response_minutes: list[float | None]
    resolution_minutes: list[float | None]
    service_policy: list[str | None]
    work: list[SeverityWork | None]
    roles: list[list[RoleNeed]]
    policies: list[str]
    team: list[int]
    pool: list[int]
    routed: dict[tuple[int, int], str | None] | None = None  # by an alertmanager_config
    book_services: tuple[Service | None, ...] = ()  # the playbook's service of each name

    @property
    def horizon_minutes(self) -> float:
        return self.total_minutes - self.warmup_minutes

    def policy_for(self, severity: int, service: int) -> str | None:
        """The escalation policy that pages an incident, or None for a ticket."""
        if not self.page[severity]:
            return None
        if self.routed is not None:
            return self.routed[(severity, service)]
        return self.service_policy[service] or self.severity_policy[severity]

    def urgency_varies(self, service: int) -> bool:
        """Whether an incident's urgency on ``service`` depends on when it opens (its
        playbook service's rule uses support hours); else :meth:`urgency_at` ignores the
        minute."""
        book_service = self.book_services[service] if self.book_services else None
        return (
            book_service is not None
            and book_service.incident_urgency_rule.type == "use_support_hours"
        )

    def urgency_at(self, severity: int, service: int, minute: float) -> Literal["high", "low"]:
        """The urgency of an incident opened at ``minute``: its service's urgency rule
        (:func:`playbook.services.urgency_at`, support hours included) when the playbook has
        a service of that name and the rule is not ``severity_based``, else the severity's."""
        book_service = self.book_services[service] if self.book_services else None
        if book_service is not None:
            chosen = urgency_at(book_service, self.study.start + timedelta(minutes=minute))
            if chosen is not None:
                return chosen
        return self.urgency[severity]


def _people(study: Study, book: Playbook) -> list[str]:
    names = [p.name for p in book.people]
    extra: set[str] = set()
    for schedule in book.schedules:
        for layer in schedule.layers:
            extra.update(layer.users)
        extra.update(o.user for o in schedule.overrides)
    for policy in book.escalation_policies:
        extra.update(t.id for rule in policy.rules for t in rule.targets if t.type == "user")
    for staffing in study.work.roles.values():
        extra.update(t.id for t in staffing.candidates if t.type == "user")
    if study.dispatch.pool is not None:
        extra.update(study.dispatch.pool.members)
    return names + sorted(extra - set(names))


_CACHE: dict[str, Compiled] = {}


def compile_scenario(scenario: Scenario) -> Compiled:
    """Compile ``scenario`` (cached per process by its digest)."""
    key = scenario.digest()
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    study, book = scenario.study, scenario.book
    total = study.total_days * DAY
    names = _people(study, book)
    index = {name: i for i, name in enumerate(names)}
    zones = {p.name: p.time_zone for p in book.people}
    profiles = [study.responders.profile(name) for name in names]
    clocks = [
        local_clock(profile.time_zone or zones.get(name, "UTC"), study.start, total)
        for name, profile in zip(names, profiles, strict=True)
    ]
    paging = Paging(book, start=study.start, total_minutes=total, person_index=index)
    levels = book.severities
    severity_policy = [
        study.paging.policy_by_severity.get(s.name, s.escalation_policy) for s in levels
    ]
    roles: list[list[RoleNeed]] = []
    for level in levels:
        needs = []
        for spec in book.roles:
            if level.name in spec.required_for and spec.role is not Role.TECH_LEAD:
                staffing = study.work.roles[spec.role]
                needs.append(
                    RoleNeed(
                        ROLES.index(spec.role),
                        compile_targets(staffing.candidates, index, paging.schedule_index),
                        staffing.join_minutes,
                    )
                )
        roles.append(sorted(needs, key=lambda n: n.code))
    # A study service named like a playbook service (an imported PagerDuty service) pages
    # that service's policy unless paging.policy_by_service says otherwise.
    by_name = {s.name: s for s in book.services}
    book_services = tuple(by_name.get(s.name) for s in study.alerts.services)
    service_policy = [
        study.paging.policy_by_service.get(
            s.name, None if match is None else match.escalation_policy
        )
        for s, match in zip(study.alerts.services, book_services, strict=True)
    ]
    config = study.alertmanager
    routed = (
        None
        if config is None
        else routed_policies(config, study.receivers, study.alerts.services, book)
    )
    policies = sorted(
        {p for p in severity_policy if p is not None}
        | {p for p in service_policy if p is not None}
        | {p for p in (routed or {}).values() if p is not None}
    )
    pool = [index[m] for m in study.dispatch.pool.members] if study.dispatch.pool else []
    if study.metrics.team is not None:
        team = [index[m] for m in study.metrics.team]
    else:
        team = sorted(set(paging.rotation_people(policies)) | set(pool))
    compiled = Compiled(
        name=scenario.name,
        study=study,
        book=book,
        total_minutes=total,
        warmup_minutes=study.warmup_days * DAY,
        names=names,
        profiles=profiles,
        clocks=clocks,
        paging=paging,
        severity_names=list(book.severity_order),
        page=[s.page for s in levels],
        urgency=[s.urgency for s in levels],
        severity_policy=severity_policy,
        update_every=[s.update_every_minutes for s in levels],
        response_minutes=[s.response_minutes for s in levels],
        resolution_minutes=[s.resolution_minutes for s in levels],
        service_policy=service_policy,
        work=[study.work.for_severity(s.name) for s in levels],
        roles=roles,
        policies=policies,
        team=team,
        pool=pool,
        routed=routed,
        book_services=book_services,
    )
    if len(_CACHE) >= 64:  # a long notebook session: keep the cache bounded
        _CACHE.clear()
    _CACHE[key] = compiled
    return compiled
