"""PagerDuty objects -> drillbit playbook sections (plain data, validated by the playbook).

* Schedules keep their layers (``start``, ``end``, ``rotation_virtual_start``, turn length,
  users, daily and weekly restrictions), time zone and overrides (the entries of
  ``overrides_subschedule``, or an ``overrides`` list). The API lists layers newest first
  and the newest wins, while drillbit (like PagerDuty's rendering and Terraform's block
  order) lets the LATER layer win: API layers are reversed.
* Escalation policies keep rules, delays, user and schedule targets, ``num_loops`` and
  each rule's ``escalation_rule_assignment_strategy`` (a string or ``{type: ...}``).
* Services keep their escalation policy, ``incident_urgency_rule`` and ``support_hours``.
"""

from __future__ import annotations

from typing import Any

from integrations.pagerduty.account import Account, Obj
from playbook.errors import InvalidDefinition
from playbook.schedules import DAY_SECONDS

__all__ = ["account_sections"]

_TARGETS = {
    "user_reference": "user",
    "user": "user",
    "schedule_reference": "schedule",
    "schedule": "schedule",
}


def _fail(account: Account, kind: str, ident: str, where: str, message: str) -> InvalidDefinition:
    return InvalidDefinition(message, source=account.sources.get((kind, ident)), field=where)


def _pagerduty_id(account: Account, kind: str, ident: str, out: dict[str, Any]) -> None:
    known = account.pagerduty_ids.get((kind, ident))
    if known:
        out["pagerduty_id"] = known


def _ref_id(value: Any) -> str | None:
    """The id of a reference (``{"id": ...}``) or a bare id string."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _restrictions(raw: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in raw:
        kind = item.get("type")
        entry = {
            "type": kind,
            "start_time_of_day": item.get("start_time_of_day"),
            "duration_seconds": item.get("duration_seconds"),
        }
        if kind == "weekly_restriction":
            entry["start_day_of_week"] = item.get("start_day_of_week")
        out.append(entry)
    # A whole-day daily window covers everything: PagerDuty accepts it, it restricts nothing.
    if any(
        r["type"] == "daily_restriction" and (r["duration_seconds"] or 0) >= DAY_SECONDS
        for r in out
    ):
        return []
    return out


def _layer_users(account: Account, raw: list[Any]) -> list[str]:
    users: list[str] = []
    for entry in raw:
        ident = _ref_id(entry.get("user") if isinstance(entry, dict) and "user" in entry else entry)
        if ident is not None:
            users.append(account.person(ident))
    return users


def _overrides(account: Account, schedule: Obj) -> list[dict[str, Any]]:
    entries = list(schedule.get("overrides") or [])
    sub = schedule.get("overrides_subschedule") or {}
    entries.extend(sub.get("rendered_schedule_entries") or [])
    out = []
    for entry in entries:
        ident = _ref_id(entry.get("user"))
        if ident is not None:
            out.append(
                {
                    "start": entry.get("start"),
                    "end": entry.get("end"),
                    "user": account.person(ident),
                }
            )
    return out


def _schedule(account: Account, ident: str, schedule: Obj) -> dict[str, Any]:
    raw_layers = list(schedule.get("schedule_layers") or [])
    if not raw_layers:
        raise _fail(
            account,
            "schedules",
            ident,
            "schedule_layers",
            f"schedule {schedule['name']!r} has no layers",
        )
    if account.layers_newest_first:
        raw_layers.reverse()
    layers, seen = [], set()
    for index, raw in enumerate(raw_layers, start=1):
        name = str(raw.get("name") or f"Layer {index}")
        base, n = name, 2
        while name in seen or name == "override":
            name, n = f"{base} ({n})", n + 1
        seen.add(name)
        layer: dict[str, Any] = {
            "name": name,
            "start": raw.get("start"),
            "rotation_virtual_start": raw.get("rotation_virtual_start") or raw.get("start"),
            "rotation_turn_length_seconds": raw.get("rotation_turn_length_seconds"),
            "users": _layer_users(account, raw.get("users") or []),
        }
        if raw.get("end"):
            layer["end"] = raw["end"]
        restrictions = _restrictions(raw.get("restrictions") or [])
        if restrictions:
            layer["restrictions"] = restrictions
        layers.append(layer)
    out: dict[str, Any] = {
        "name": account.names[("schedules", ident)],
        "time_zone": schedule.get("time_zone") or "UTC",
        "description": schedule.get("description") or schedule["name"],
        "layers": layers,
    }
    _pagerduty_id(account, "schedules", ident, out)
    overrides = _overrides(account, schedule)
    if overrides:
        out["overrides"] = overrides
    return out


def _strategy(rule: Obj) -> str:
    value = rule.get("escalation_rule_assignment_strategy") or "assign_to_everyone"
    if isinstance(value, dict):
        value = value.get("type") or "assign_to_everyone"
    return str(value)


def _policy(account: Account, ident: str, policy: Obj) -> dict[str, Any]:
    rules = []
    for r, rule in enumerate(policy.get("escalation_rules") or []):
        targets = []
        for t, target in enumerate(rule.get("targets") or []):
            kind = _TARGETS.get(str(target.get("type") or "user_reference"))
            where = f"escalation_rules[{r}].targets[{t}]"
            target_id = _ref_id(target)
            if kind is None or target_id is None:
                raise _fail(
                    account, "policies", ident, where, f"unsupported target {target.get('type')!r}"
                )
            if kind == "schedule":
                name = account.name("schedules", target_id)
                if name is None:
                    raise _fail(
                        account,
                        "policies",
                        ident,
                        where,
                        f"policy {policy['name']!r} pages schedule {target_id!r}, which no file defines "
                        "(add its GET /schedules/{id} body)",
                    )
            else:
                name = account.person(target_id)
            targets.append({"type": kind, "id": name})
        rules.append(
            {
                "escalation_delay_in_minutes": rule.get("escalation_delay_in_minutes"),
                "targets": targets,
                "escalation_rule_assignment_strategy": _strategy(rule),
            }
        )
    out: dict[str, Any] = {
        "name": account.names[("policies", ident)],
        "description": policy.get("description") or policy["name"],
        "num_loops": policy.get("num_loops") or 0,
        "rules": rules,
    }
    _pagerduty_id(account, "policies", ident, out)
    return out


def _service(account: Account, ident: str, service: Obj) -> dict[str, Any]:
    policy_id = _ref_id(service.get("escalation_policy"))
    policy = None if policy_id is None else account.name("policies", policy_id)
    if policy is None:
        raise _fail(
            account,
            "services",
            ident,
            "escalation_policy",
            f"service {service['name']!r} uses escalation policy {policy_id!r}, which no file defines",
        )
    out: dict[str, Any] = {
        "name": account.names[("services", ident)],
        "description": service.get("description") or service["name"],
        "escalation_policy": policy,
    }
    _pagerduty_id(account, "services", ident, out)
    rule = service.get("incident_urgency_rule")
    if isinstance(rule, dict):
        out["incident_urgency_rule"] = {
            key: (
                {"type": "constant", "urgency": value.get("urgency")}
                if isinstance(value, dict)
                else value
            )
            for key, value in rule.items()
            if key in {"type", "urgency", "during_support_hours", "outside_support_hours"}
        }
    hours = service.get("support_hours")
    if isinstance(hours, dict):
        out["support_hours"] = {
            key: hours[key]
            for key in ("type", "time_zone", "start_time", "end_time", "days_of_week")
            if key in hours
        }
    return out


def _people(account: Account, sections: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for ident, user in account.users.items():
        person: dict[str, Any] = {"name": account.person(ident)}
        _pagerduty_id(account, "users", ident, person)
        if user.get("job_title"):
            person["title"] = user["job_title"]
        if user.get("time_zone"):
            person["time_zone"] = user["time_zone"]
        people[person["name"]] = person
    referenced = [u for s in sections["schedules"] for layer in s["layers"] for u in layer["users"]]
    referenced += [o["user"] for s in sections["schedules"] for o in s.get("overrides", [])]
    referenced += [
        t["id"]
        for p in sections["escalation_policies"]
        for r in p["rules"]
        for t in r["targets"]
        if t["type"] == "user"
    ]
    for name in referenced:
        people.setdefault(name, {"name": name})
    return list(people.values())


def account_sections(account: Account) -> dict[str, list[dict[str, Any]]]:
    """The playbook sections ``people``, ``schedules``, ``escalation_policies``, ``services``."""
    sections: dict[str, list[dict[str, Any]]] = {
        "schedules": [_schedule(account, i, s) for i, s in account.schedules.items()],
        "escalation_policies": [_policy(account, i, p) for i, p in account.policies.items()],
        "services": [_service(account, i, s) for i, s in account.services.items()],
    }
    sections["people"] = _people(account, sections)
    return sections
