"""A PagerDuty account as plain API objects, gathered from response bodies.

Each file is one PagerDuty REST API v2 response body: ``{"schedule": ...}``,
``{"schedules": [...]}``, ``{"escalation_policy": ...}``, ``{"escalation_policies": [...]}``,
``{"users": [...]}``, ``{"services": [...]}``, ``{"service": ...}``, ``{"user": ...}``, in any
combination (one body may hold several keys). Objects keep PagerDuty's field names; the
account also carries the drillbit name of every object (see :mod:`integrations.naming`).
Terraform builds the same account (:mod:`integrations.terraform`) with other names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations.naming import check_unique, slug
from playbook.errors import InvalidDefinition

__all__ = ["KINDS", "Account", "account_from_bodies"]

Obj = dict[str, Any]

# response key -> (kind, is a list)
_KEYS: dict[str, tuple[str, bool]] = {
    "schedule": ("schedules", False),
    "schedules": ("schedules", True),
    "escalation_policy": ("policies", False),
    "escalation_policies": ("policies", True),
    "user": ("users", False),
    "users": ("users", True),
    "service": ("services", False),
    "services": ("services", True),
}
KINDS = ("users", "schedules", "policies", "services")
_WHAT = {
    "users": "user",
    "schedules": "schedule",
    "policies": "escalation policy",
    "services": "service",
}


@dataclass
class Account:
    """API-shaped objects by kind, with their drillbit names by id.

    ``layers_newest_first`` says how each schedule lists its layers: True for the API
    (the newest, winning layer first), False for Terraform (written bottom to top).
    """

    users: dict[str, Obj] = field(default_factory=dict)
    schedules: dict[str, Obj] = field(default_factory=dict)
    policies: dict[str, Obj] = field(default_factory=dict)
    services: dict[str, Obj] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    pagerduty_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    layers_newest_first: bool = True

    def of(self, kind: str) -> dict[str, Obj]:
        objects: dict[str, Obj] = getattr(self, kind)
        return objects

    def person(self, user_id: str) -> str:
        """The person a user id names: the user's slug when known, else the id itself."""
        return self.names.get(("users", user_id), user_id)

    def name(self, kind: str, ident: str) -> str | None:
        """The drillbit name of object ``ident`` of ``kind``, if the account has it."""
        return self.names.get((kind, ident))


def _objects(body: Any, source: str) -> Iterable[tuple[str, Obj]]:
    if not isinstance(body, Mapping):
        raise InvalidDefinition("a PagerDuty response body is a JSON object", source=source)
    found = False
    for key, (kind, is_list) in _KEYS.items():
        if key not in body:
            continue
        found = True
        value = body[key]
        items = value if is_list else [value]
        if not isinstance(items, list):
            raise InvalidDefinition(f"{key} must be a list", source=source, field=key)
        for index, item in enumerate(items):
            where = f"{key}[{index}]" if is_list else key
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                raise InvalidDefinition("each object needs a string id", source=source, field=where)
            if not isinstance(item.get("name"), str):
                raise InvalidDefinition("missing name", source=source, field=f"{where}.name")
            yield kind, dict(item)
    if not found:
        keys = ", ".join(sorted(_KEYS))
        raise InvalidDefinition(
            f"no PagerDuty objects here (expected one of: {keys})", source=source
        )


def account_from_bodies(bodies: Iterable[tuple[str, Any]]) -> Account:
    """Gather ``(source, parsed JSON)`` response bodies into one account, named by slug.

    The same object in two files (a schedule in both ``GET /schedules`` and
    ``GET /schedules/{id}``) is kept once, the later file winning.
    """
    account = Account()
    for source, body in bodies:
        for kind, obj in _objects(body, source):
            account.of(kind)[obj["id"]] = obj
            account.sources[(kind, obj["id"])] = source
            account.pagerduty_ids[(kind, obj["id"])] = obj["id"]
    for kind in KINDS:
        pairs = [(ident, slug(obj["name"])) for ident, obj in account.of(kind).items()]
        check_unique(pairs, _WHAT[kind], ", ".join(sorted(set(account.sources.values()))))
        account.names.update(((kind, ident), name) for ident, name in pairs)
    return account
