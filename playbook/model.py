"""The playbook: a team's whole incident process as one validated document.

A :class:`Playbook` bundles severity levels, the classifier, roles, people, on-call
schedules, escalation policies and template overrides, and checks every cross-reference
(a rule naming a severity, a policy naming a schedule) when it is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator

from playbook._frozen import FROZEN
from playbook.classifier import Classification, Classifier, classify
from playbook.context import AlertContext
from playbook.escalation import EscalationPolicy
from playbook.loader import BadReference, load_model
from playbook.roles import RoleSpec
from playbook.rubric import Rubric, default_rubric
from playbook.schedules import Schedule, lint_schedule
from playbook.services import Service
from playbook.severity import SeverityLevel

if TYPE_CHECKING:
    from playbook.templates import TemplateSet

__all__ = ["DEFAULT_PLAYBOOK_PATH", "Person", "Playbook", "default_playbook", "load_playbook"]

DEFAULT_PLAYBOOK_PATH = Path(__file__).parent / "data" / "default.yaml"


class Person(BaseModel):
    """Someone who can be paged: a name (as used in schedules), a title and a time zone."""

    model_config = FROZEN

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.@-]+$")
    title: str = ""
    time_zone: str = "UTC"
    pagerduty_id: str | None = Field(default=None, description="the user's id in PagerDuty")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


def _unique(items: Iterable[Any], what: str, loc: tuple[str | int, ...]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.name in seen:
            raise BadReference((*loc, i, "name"), f"duplicate {what} name {item.name!r}")
        seen.add(item.name)


class Playbook(BaseModel):
    """A team's incident process. Unknown keys are errors; references are checked on load."""

    model_config = FROZEN

    name: str = Field(min_length=1)
    description: str = ""
    severities: tuple[SeverityLevel, ...] = Field(min_length=1)
    classifier: Classifier
    roles: tuple[RoleSpec, ...] = ()
    people: tuple[Person, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    escalation_policies: tuple[EscalationPolicy, ...] = ()
    services: tuple[Service, ...] = ()
    templates: dict[str, str] = Field(
        default_factory=dict, description="template id → Jinja2 source overriding the default"
    )
    rubric: Rubric = Field(default_factory=default_rubric, description="how drills are scored")

    # -- lookups -------------------------------------------------------------------------
    @property
    def severity_order(self) -> tuple[str, ...]:
        """Severity names, most severe first."""
        return tuple(s.name for s in self.severities)

    def severity(self, name: str) -> SeverityLevel:
        for level in self.severities:
            if level.name == name:
                return level
        raise KeyError(f"unknown severity {name!r} (known: {', '.join(self.severity_order)})")

    def policy(self, name: str) -> EscalationPolicy:
        """The policy called ``name``, or whose PagerDuty id is ``name``."""
        for policy in self.escalation_policies:
            if policy.name == name:
                return policy
        for policy in self.escalation_policies:
            if policy.pagerduty_id == name:
                return policy
        known = ", ".join(p.name for p in self.escalation_policies)
        raise KeyError(f"unknown escalation policy {name!r} (known: {known})")

    def schedule(self, name: str) -> Schedule:
        """The schedule called ``name``, or whose PagerDuty id is ``name``."""
        for schedule in self.schedules:
            if schedule.name == name:
                return schedule
        for schedule in self.schedules:
            if schedule.pagerduty_id == name:
                return schedule
        known = ", ".join(s.name for s in self.schedules)
        raise KeyError(f"unknown schedule {name!r} (known: {known})")

    @cached_property
    def schedules_by_name(self) -> dict[str, Schedule]:
        return {s.name: s for s in self.schedules}

    @cached_property
    def template_set(self) -> TemplateSet:
        # Jinja is imported on first use: loading a playbook (``drillbit classify``) skips it.
        from playbook.templates import TemplateSet  # noqa: PLC0415

        return TemplateSet(self.templates)

    def classify(self, ctx: AlertContext) -> Classification:
        """Classify with this playbook's rules."""
        return classify(self.classifier, ctx)

    def warnings(self) -> list[str]:
        """Things that load but are probably wrong (such as fully shadowed schedule layers)."""
        return [w for s in self.schedules for w in lint_schedule(s)]

    # -- validation ----------------------------------------------------------------------
    def cross_check(self) -> None:
        """Raise :class:`BadReference` for the first reference that does not resolve."""
        _unique(self.severities, "severity", ("severities",))
        _unique(self.schedules, "schedule", ("schedules",))
        _unique(self.escalation_policies, "escalation policy", ("escalation_policies",))
        _unique(self.people, "person", ("people",))
        _unique(self.services, "service", ("services",))
        levels = set(self.severity_order)
        for i, rule in enumerate(self.classifier.rules):
            if rule.severity not in levels:
                raise BadReference(
                    ("classifier", "rules", i, "severity"), f"unknown severity {rule.severity!r}"
                )
            tiers = rule.when.tier or ()
            for tier in tiers:
                if tier not in self.classifier.service_tiers and tier != "standard":
                    raise BadReference(
                        ("classifier", "rules", i, "when", "tier"), f"unknown service tier {tier!r}"
                    )
        if self.classifier.default_severity not in levels:
            raise BadReference(
                ("classifier", "default_severity"),
                f"unknown severity {self.classifier.default_severity!r}",
            )
        roles = [r.role for r in self.roles]
        for i, spec in enumerate(self.roles):
            if roles.count(spec.role) > 1:
                raise BadReference(("roles", i, "role"), f"role {spec.role} is defined twice")
            for sev in spec.required_for:
                if sev not in levels:
                    raise BadReference(("roles", i, "required_for"), f"unknown severity {sev!r}")
        people = {p.name for p in self.people}
        if people:
            for i, schedule in enumerate(self.schedules):
                for j, layer in enumerate(schedule.layers):
                    for user in layer.users:
                        if user not in people:
                            raise BadReference(
                                ("schedules", i, "layers", j, "users"),
                                f"unknown person {user!r} (add them under people)",
                            )
        policies = {p.name for p in self.escalation_policies}
        for i, policy in enumerate(self.escalation_policies):
            for j, step in enumerate(policy.rules):
                for target in step.targets:
                    loc = ("escalation_policies", i, "rules", j, "targets")
                    if target.type == "schedule" and target.id not in self.schedules_by_name:
                        raise BadReference(loc, f"unknown schedule {target.id!r}")
                    if target.type == "user" and people and target.id not in people:
                        raise BadReference(loc, f"unknown person {target.id!r}")
        for i, service in enumerate(self.services):
            if service.escalation_policy not in policies:
                raise BadReference(
                    ("services", i, "escalation_policy"),
                    f"unknown escalation policy {service.escalation_policy!r}",
                )
        for i, level in enumerate(self.severities):
            if level.escalation_policy is not None and level.escalation_policy not in policies:
                raise BadReference(
                    ("severities", i, "escalation_policy"),
                    f"unknown escalation policy {level.escalation_policy!r}",
                )
        try:
            self.rubric.cross_check()
        except BadReference as exc:
            raise BadReference(("rubric", *exc.loc), exc.message) from None
        for name in self.templates:
            if name not in self.template_set.names():
                raise BadReference(("templates", name), f"unknown template {name!r}")


def load_playbook(path: str | Path, *, text: str | None = None) -> Playbook:
    """Load and fully validate a playbook file; raises InvalidDefinition naming file:line."""
    return load_model(Playbook, path, text=text)


_default: Playbook | None = None


def default_playbook() -> Playbook:
    """The default playbook shipped with drillbit (the seeds' process), loaded once."""
    global _default  # noqa: PLW0603 - a process-wide cache of an immutable value
    if _default is None:
        _default = load_playbook(DEFAULT_PLAYBOOK_PATH)
    return _default
