"""Terraform's PagerDuty resources as a PagerDuty account.

Reads ``pagerduty_schedule``, ``pagerduty_escalation_policy``, ``pagerduty_user`` and
``pagerduty_service`` resources from ``.tf`` files (HCL, parsed by python-hcl2) or from
``terraform show -json`` output (``values`` or ``planned_values``, child modules too).
Resources are named by their Terraform resource name: ``pagerduty_user.alice`` is person
``alice``. A reference such as ``pagerduty_user.alice.id`` (or ``data.pagerduty_user.alice.id``)
names that resource; in ``show -json`` the ids are resolved, and are matched back to the
resources that carry them. Terraform writes layers bottom to top: a later ``layer`` block
wins (PagerDuty renders it over the earlier ones), so layers keep their written order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

from integrations.files import read_text
from integrations.pagerduty.account import Account, Obj
from playbook.errors import InvalidDefinition

__all__ = ["Resource", "account_from_terraform", "parse_hcl", "parse_show_json", "read_terraform"]

_KINDS = {
    "pagerduty_user": "users",
    "pagerduty_schedule": "schedules",
    "pagerduty_escalation_policy": "policies",
    "pagerduty_service": "services",
}
_REF = re.compile(r"^\$\{\s*((?:data\.)?[A-Za-z0-9_]+\.[A-Za-z0-9_-]+)(?:\.id)?\s*\}$")


@dataclass(frozen=True)
class Resource:
    """One resource: its type, name and attribute values (blocks are lists of dicts)."""

    type: str
    name: str
    values: dict[str, Any]
    source: str

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"


def _clean(value: Any) -> Any:
    """python-hcl2 values as plain data: quotes stripped, ``${a.b.id}`` kept as ``${a.b.id}``."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value[1:-1]
    return value


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def parse_hcl(text: str, source: str) -> list[Resource]:
    """The PagerDuty resources of one ``.tf`` file."""
    try:
        tree = hcl2.loads(text)
    except Exception as exc:  # the parser raises lark's many error types
        line = getattr(exc, "line", None)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidDefinition(f"invalid HCL: {message}", source=source, line=line) from None
    out: list[Resource] = []
    for block in tree.get("resource", []):
        for quoted, named in block.items():
            rtype = _unquote(quoted)
            if rtype not in _KINDS:
                continue
            for name, values in named.items():
                out.append(Resource(rtype, _unquote(name), _clean(values), source))
    return out


def _module_resources(module: Mapping[str, Any], source: str) -> Iterable[Resource]:
    for item in module.get("resources", []):
        if item.get("mode", "managed") == "managed" and item.get("type") in _KINDS:
            yield Resource(item["type"], str(item["name"]), dict(item.get("values") or {}), source)
    for child in module.get("child_modules", []):
        yield from _module_resources(child, source)


def parse_show_json(data: Any, source: str) -> list[Resource]:
    """The PagerDuty resources of ``terraform show -json`` output (state or plan)."""
    if not isinstance(data, Mapping):
        raise InvalidDefinition("terraform show -json output is a JSON object", source=source)
    values = data.get("values") or data.get("planned_values")
    if not isinstance(values, Mapping) or "root_module" not in values:
        raise InvalidDefinition(
            "no values.root_module: is this `terraform show -json` output?", source=source
        )
    return list(_module_resources(values["root_module"], source))


def read_terraform(path: Path) -> list[Resource]:
    """The resources of a ``.tf`` file or a ``.json`` ``terraform show -json`` file."""
    text = read_text(path)
    if path.suffix == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidDefinition(
                f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno
            ) from None
        return parse_show_json(data, str(path))
    return parse_hcl(text, str(path))


def _block(values: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A nested block that appears at most once (a list of one dict in both forms)."""
    value = values.get(key)
    if isinstance(value, list):
        return dict(value[0]) if value else {}
    return dict(value) if isinstance(value, Mapping) else {}


class _Refs:
    """Turns references and resolved ids into account idents, naming what they point at."""

    def __init__(self, account: Account, resources: list[Resource]) -> None:
        self.account = account
        self.by_id = {
            str(r.values["id"]): r.address for r in resources if isinstance(r.values.get("id"), str)
        }

    def __call__(self, value: Any, kind: str) -> str:
        text = str(value)
        match = _REF.match(text)
        if match is not None:
            address = match.group(1)
            self.account.names.setdefault((kind, address), address.rsplit(".", 1)[-1])
            return address
        return self.by_id.get(text, text)


def _schedule(r: Resource, ref: _Refs) -> Obj:
    layers = []
    for layer in r.values.get("layer") or []:
        layers.append(
            {
                "name": layer.get("name"),
                "start": layer.get("start"),
                "end": layer.get("end") or None,
                "rotation_virtual_start": layer.get("rotation_virtual_start"),
                "rotation_turn_length_seconds": layer.get("rotation_turn_length_seconds"),
                "users": [{"user": {"id": ref(u, "users")}} for u in layer.get("users") or []],
                "restrictions": list(layer.get("restriction") or []),
            }
        )
    return {
        "id": r.address,
        "name": r.values.get("name") or r.name,
        "time_zone": r.values.get("time_zone"),
        "description": r.values.get("description") or "",
        "schedule_layers": layers,
    }


def _policy(r: Resource, ref: _Refs) -> Obj:
    rules = []
    for rule in r.values.get("rule") or []:
        targets = []
        for target in rule.get("target") or []:
            kind = str(target.get("type") or "user_reference")
            targets.append(
                {
                    "type": kind,
                    "id": ref(target.get("id"), "schedules" if "schedule" in kind else "users"),
                }
            )
        strategy = _block(rule, "escalation_rule_assignment_strategy").get("type")
        rules.append(
            {
                "escalation_delay_in_minutes": rule.get("escalation_delay_in_minutes"),
                "targets": targets,
                "escalation_rule_assignment_strategy": strategy or "assign_to_everyone",
            }
        )
    return {
        "id": r.address,
        "name": r.values.get("name") or r.name,
        "description": r.values.get("description") or "",
        "num_loops": r.values.get("num_loops") or 0,
        "escalation_rules": rules,
    }


def _service(r: Resource, ref: _Refs) -> Obj:
    out: Obj = {
        "id": r.address,
        "name": r.values.get("name") or r.name,
        "description": r.values.get("description") or "",
        "escalation_policy": {"id": ref(r.values.get("escalation_policy"), "policies")},
    }
    rule = _block(r.values, "incident_urgency_rule")
    if rule:
        for key in ("during_support_hours", "outside_support_hours"):
            if key in rule:
                rule[key] = _block(rule, key)
        out["incident_urgency_rule"] = {k: v for k, v in rule.items() if v not in (None, [], {})}
    hours = _block(r.values, "support_hours")
    if hours:
        out["support_hours"] = hours
    return out


def _user(r: Resource, ref: _Refs) -> Obj:
    del ref
    return {
        k: r.values[k] for k in ("name", "time_zone", "job_title", "email") if r.values.get(k)
    } | {"id": r.address}


_BUILD = {"users": _user, "schedules": _schedule, "policies": _policy, "services": _service}


def account_from_terraform(files: Iterable[list[Resource]]) -> Account:
    """One account from the resources of several files; a repeated address is refused."""
    resources = [r for file in files for r in file]
    account = Account(layers_newest_first=False)
    seen: dict[str, str] = {}
    for r in resources:
        if r.address in seen:
            raise InvalidDefinition(
                f"resource {r.address} is defined twice (also in {seen[r.address]})",
                source=r.source,
            )
        seen[r.address] = r.source
    ref = _Refs(account, resources)
    for r in resources:
        kind = _KINDS[r.type]
        account.of(kind)[r.address] = _BUILD[kind](r, ref)
        account.names[(kind, r.address)] = r.name
        account.sources[(kind, r.address)] = r.source
        if isinstance(r.values.get("id"), str):
            account.pagerduty_ids[(kind, r.address)] = r.values["id"]
    if not resources:
        raise InvalidDefinition(
            "no pagerduty_* resources found", source=", ".join(sorted(seen)) or None
        )
    return account
