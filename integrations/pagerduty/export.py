"""A playbook's schedules, escalation policies, people and services back out to PagerDuty.

Two forms, both pure functions returning ``{file name: text}``:

* ``api-json``: one PagerDuty REST API v2 body per object (``{"schedule": ...}``,
  ``{"escalation_policy": ...}``, ``{"user": ...}``, ``{"service": ...}``), the request
  bodies of ``POST /schedules`` and so on. Layers are listed newest (winning) first, as
  the API lists them. An object's ``id`` is its PagerDuty id when the playbook knows it,
  else its drillbit name as a stand-in (PagerDuty assigns ids on create). Overrides ride
  along as the ``overrides_subschedule`` PagerDuty returns, and as ``POST
  /schedules/{id}/overrides`` bodies (``overrides-NAME.json``).
* ``terraform``: ``pagerduty.tf`` with ``pagerduty_user``, ``pagerduty_schedule``,
  ``pagerduty_escalation_policy`` and ``pagerduty_service`` resources named after the
  drillbit names, layers in block order (the later wins). The provider has no override
  resource, so overrides are left out (and said so).

What PagerDuty cannot hold is left out with a note: ticket targets (no one is paged),
fractional delays (rounded up to whole minutes), a policy's own ``urgency: low``.
Importing either form gives back the same on-call answers and escalation timelines.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from playbook.errors import InvalidDefinition
from playbook.escalation import EscalationPolicy
from playbook.model import Person, Playbook
from playbook.schedules import Layer, Schedule
from playbook.services import Service

__all__ = ["ExportFormat", "export_pagerduty", "select"]

ExportFormat = Literal["api-json", "terraform"]
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def select(
    book: Playbook, schedules: Sequence[str] | None, policies: Sequence[str] | None
) -> tuple[list[Schedule], list[EscalationPolicy], list[str]]:
    """The objects to export (names or PagerDuty ids); a policy brings the schedules it pages."""
    notes: list[str] = []
    try:
        chosen_policies = (
            list(book.escalation_policies)
            if policies is None
            else [book.policy(p) for p in policies]
        )
        chosen = (
            list(book.schedules)
            if schedules is None and policies is None
            else [book.schedule(s) for s in schedules or ()]
        )
    except KeyError as exc:
        raise InvalidDefinition(exc.args[0]) from None
    for policy in chosen_policies:
        for rule in policy.rules:
            for target in rule.targets:
                if target.type == "schedule" and all(s.name != target.id for s in chosen):
                    chosen.append(book.schedule(target.id))
                    notes.append(
                        f"policy {policy.name!r} pages schedule {target.id!r}: exported too"
                    )
    return chosen, chosen_policies, notes


def _aware(value: datetime, zone: ZoneInfo) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=zone)).isoformat()


def _people(
    book: Playbook, schedules: Iterable[Schedule], policies: Iterable[EscalationPolicy]
) -> list[Person]:
    wanted: list[str] = []
    for schedule in schedules:
        wanted += [u for layer in schedule.layers for u in layer.users]
        wanted += [o.user for o in schedule.overrides]
    for policy in policies:
        wanted += [t.id for rule in policy.rules for t in rule.targets if t.type == "user"]
    known = {p.name: p for p in book.people}
    return [known.get(name, Person(name=name)) for name in dict.fromkeys(wanted)]


class _Ids:
    def __init__(
        self,
        people: Iterable[Person],
        schedules: Iterable[Schedule],
        policies: Iterable[EscalationPolicy],
    ) -> None:
        self.user = {p.name: p.pagerduty_id or p.name for p in people}
        self.schedule = {s.name: s.pagerduty_id or s.name for s in schedules}
        self.policy = {p.name: p.pagerduty_id or p.name for p in policies}


def _kept_rules(
    policy: EscalationPolicy, notes: list[str]
) -> list[tuple[int, list[tuple[str, str]], str]]:
    """(whole-minute delay, [(kind, name)], strategy) per rule PagerDuty can hold."""
    kept: list[tuple[int, list[tuple[str, str]], str]] = []
    for index, rule in enumerate(policy.rules, start=1):
        targets: list[tuple[str, str]] = [(t.type, t.id) for t in rule.targets if t.type != "ticket"]
        if len(targets) < len(rule.targets):
            notes.append(
                f"policy {policy.name!r} rule {index}: ticket targets page nobody and are left out"
            )
        if not targets:
            continue
        delay = math.ceil(rule.escalation_delay_in_minutes)
        if delay != rule.escalation_delay_in_minutes:
            notes.append(
                f"policy {policy.name!r} rule {index}: delay rounded up to {delay} minutes"
            )
        kept.append((delay, targets, rule.escalation_rule_assignment_strategy))
    if policy.urgency == "low":
        notes.append(
            f"policy {policy.name!r}: urgency low belongs to a PagerDuty service's urgency rule"
        )
    return kept


# --- api-json -----------------------------------------------------------------------------


def _ref(kind: str, ident: str) -> dict[str, str]:
    return {"id": ident, "type": f"{kind}_reference"}


def _api_layer(layer: Layer, ids: _Ids, zone: ZoneInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": layer.name,
        "start": _aware(layer.start, zone),
        "rotation_virtual_start": _aware(layer.rotation_virtual_start, zone),
        "rotation_turn_length_seconds": layer.rotation_turn_length_seconds,
        "users": [{"user": _ref("user", ids.user[u])} for u in layer.users],
        "restrictions": [r.model_dump(exclude_none=True) for r in layer.restrictions],
    }
    if layer.end is not None:
        out["end"] = _aware(layer.end, zone)
    return out


def _api_schedule(schedule: Schedule, ids: _Ids) -> tuple[dict[str, Any], dict[str, Any] | None]:
    zone = ZoneInfo(schedule.time_zone)
    overrides = [
        {
            "start": _aware(o.start, zone),
            "end": _aware(o.end, zone),
            "user": _ref("user", ids.user[o.user]),
        }
        for o in schedule.overrides
    ]
    body: dict[str, Any] = {
        "id": ids.schedule[schedule.name],
        "type": "schedule",
        "name": schedule.name,
        "time_zone": schedule.time_zone,
        "description": schedule.description,
        "schedule_layers": [_api_layer(layer, ids, zone) for layer in reversed(schedule.layers)],
    }
    if overrides:
        body["overrides_subschedule"] = {
            "name": "Overrides",
            "rendered_schedule_entries": overrides,
        }
    return {"schedule": body}, ({"overrides": overrides} if overrides else None)


def _api_policy(policy: EscalationPolicy, ids: _Ids, notes: list[str]) -> dict[str, Any]:
    rules = [
        {
            "escalation_delay_in_minutes": delay,
            "escalation_rule_assignment_strategy": {"type": strategy},
            "targets": [
                _ref(kind, ids.user[name] if kind == "user" else ids.schedule[name])
                for kind, name in targets
            ],
        }
        for delay, targets, strategy in _kept_rules(policy, notes)
    ]
    return {
        "escalation_policy": {
            "id": ids.policy[policy.name],
            "type": "escalation_policy",
            "name": policy.name,
            "description": policy.description,
            "num_loops": policy.num_loops,
            "escalation_rules": rules,
        }
    }


def _api_service(service: Service, ids: _Ids) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": service.pagerduty_id or service.name,
        "type": "service",
        "name": service.name,
        "description": service.description,
        "escalation_policy": _ref("escalation_policy", ids.policy[service.escalation_policy]),
        "incident_urgency_rule": service.incident_urgency_rule.model_dump(exclude_none=True),
    }
    if service.support_hours is not None:
        body["support_hours"] = service.support_hours.model_dump()
    return {"service": body}


def _api_json(
    book: Playbook, schedules: list[Schedule], policies: list[EscalationPolicy], notes: list[str]
) -> dict[str, str]:
    people = _people(book, schedules, policies)
    ids = _Ids(people, schedules, policies)
    files: dict[str, Any] = {}
    for person in people:
        user = {
            "id": ids.user[person.name],
            "type": "user",
            "name": person.name,
            "time_zone": person.time_zone,
        }
        if person.title:
            user["job_title"] = person.title
        files[f"user-{person.name}.json"] = {"user": user}
    for schedule in schedules:
        body, overrides = _api_schedule(schedule, ids)
        files[f"schedule-{schedule.name}.json"] = body
        if overrides:
            files[f"overrides-{schedule.name}.json"] = overrides
    for policy in policies:
        files[f"escalation_policy-{policy.name}.json"] = _api_policy(policy, ids, notes)
    for service in book.services:
        if service.escalation_policy in ids.policy:
            files[f"service-{service.name}.json"] = _api_service(service, ids)
    return {name: json.dumps(body, indent=2) + "\n" for name, body in files.items()}


# --- terraform ----------------------------------------------------------------------------


def _hcl_string(value: str) -> str:
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def _hcl_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_value(v) for v in value) + "]"
    if isinstance(value, _Ref):
        return value.address
    return _hcl_string(str(value))


class _Ref:
    def __init__(self, address: str) -> None:
        self.address = address


def _block(name: str, body: list[tuple[str, Any]], depth: int, label: str = "") -> list[str]:
    pad = "  " * depth
    lines = [f"{pad}{name}{label} {{"]
    for key, value in body:
        if isinstance(value, tuple):  # a nested block: (block body)
            lines += _block(key, list(value), depth + 1)
        else:
            lines.append(f"{pad}  {key} = {_hcl_value(value)}")
    lines.append(f"{pad}}}")
    return lines


def _ident(name: str, what: str) -> str:
    if not _IDENT.match(name):
        raise InvalidDefinition(
            f"{what} {name!r} is not a Terraform resource name (letters, digits, _ and -, not starting with a digit)"
        )
    return name


def _tf_layer(layer: Layer, zone: ZoneInfo) -> tuple[Any, ...]:
    body: list[tuple[str, Any]] = [
        ("name", layer.name),
        ("start", _aware(layer.start, zone)),
    ]
    if layer.end is not None:
        body.append(("end", _aware(layer.end, zone)))
    body += [
        ("rotation_virtual_start", _aware(layer.rotation_virtual_start, zone)),
        ("rotation_turn_length_seconds", layer.rotation_turn_length_seconds),
        ("users", [_Ref(f"pagerduty_user.{_ident(u, 'person')}.id") for u in layer.users]),
    ]
    for r in layer.restrictions:
        body.append(
            ("restriction", tuple((k, v) for k, v in r.model_dump(exclude_none=True).items()))
        )
    return tuple(body)


def _terraform(
    book: Playbook, schedules: list[Schedule], policies: list[EscalationPolicy], notes: list[str]
) -> dict[str, str]:
    lines = ["# Written by `drillbit export pagerduty --format terraform`.", ""]
    for person in _people(book, schedules, policies):
        body: list[tuple[str, Any]] = [
            ("name", person.name),
            ("email", f"{person.name}@example.invalid"),
            ("time_zone", person.time_zone),
        ]
        if person.title:
            body.append(("job_title", person.title))
        lines += [
            *_block("resource", body, 0, f' "pagerduty_user" "{_ident(person.name, "person")}"'),
            "",
        ]
    for schedule in schedules:
        zone = ZoneInfo(schedule.time_zone)
        body = [("name", schedule.name), ("time_zone", schedule.time_zone)]
        if schedule.description:
            body.append(("description", schedule.description))
        body += [("layer", _tf_layer(layer, zone)) for layer in schedule.layers]
        if schedule.overrides:
            notes.append(
                f"schedule {schedule.name!r}: Terraform has no override resource; overrides left out"
            )
        lines += [
            *_block(
                "resource", body, 0, f' "pagerduty_schedule" "{_ident(schedule.name, "schedule")}"'
            ),
            "",
        ]
    for policy in policies:
        body = [("name", policy.name), ("num_loops", policy.num_loops)]
        if policy.description:
            body.append(("description", policy.description))
        for delay, targets, strategy in _kept_rules(policy, notes):
            rule: list[tuple[str, Any]] = [
                ("escalation_delay_in_minutes", delay),
                ("escalation_rule_assignment_strategy", (("type", strategy),)),
            ]
            for kind, name in targets:
                resource = "pagerduty_user" if kind == "user" else "pagerduty_schedule"
                rule.append(
                    (
                        "target",
                        (("type", f"{kind}_reference"), ("id", _Ref(f"{resource}.{name}.id"))),
                    )
                )
            body.append(("rule", tuple(rule)))
        lines += [
            *_block(
                "resource",
                body,
                0,
                f' "pagerduty_escalation_policy" "{_ident(policy.name, "policy")}"',
            ),
            "",
        ]
    exported = {p.name for p in policies}
    for service in book.services:
        if service.escalation_policy not in exported:
            continue
        urgency_rule = service.incident_urgency_rule
        urgency: list[tuple[str, Any]] = [("type", urgency_rule.type)]
        if urgency_rule.urgency:
            urgency.append(("urgency", urgency_rule.urgency))
        for key in ("during_support_hours", "outside_support_hours"):
            part = getattr(urgency_rule, key)
            if part is not None:
                urgency.append((key, (("type", part.type), ("urgency", part.urgency))))
        body = [
            ("name", service.name),
            (
                "escalation_policy",
                _Ref(f"pagerduty_escalation_policy.{service.escalation_policy}.id"),
            ),
            ("incident_urgency_rule", tuple(urgency)),
        ]
        if service.support_hours is not None:
            body.append(("support_hours", tuple(service.support_hours.model_dump().items())))
        lines += [
            *_block(
                "resource", body, 0, f' "pagerduty_service" "{_ident(service.name, "service")}"'
            ),
            "",
        ]
    return {"pagerduty.tf": "\n".join(lines)}


def export_pagerduty(
    book: Playbook,
    *,
    fmt: ExportFormat = "api-json",
    schedules: Sequence[str] | None = None,
    policies: Sequence[str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """The files of the export (name -> text) and notes on what PagerDuty cannot hold."""
    chosen, chosen_policies, notes = select(book, schedules, policies)
    kept = [p for p in chosen_policies if _kept_rules(p, [])]
    notes += [
        f"policy {p.name!r} pages nobody in PagerDuty terms: left out"
        for p in chosen_policies
        if p not in kept
    ]
    if fmt == "api-json":
        return _api_json(book, chosen, kept, notes), notes
    return _terraform(book, chosen, kept, notes), notes
