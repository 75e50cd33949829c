"""Dotted-path overrides of plain data: how a variant names "any field" of a study.

A path is a string of dot-separated parts: ``grouping.enabled``,
``alerts.services.payments.noise_fraction``, ``playbook.escalation_policies.sev2.steps.1.at_minute``.
A part that meets a mapping is a key (missing intermediate keys are created, so the
schema, not this module, decides what is allowed). A part that meets a list is either an
integer index or the value of an item's ``name`` (or ``role``, or ``id``) key, so
``services.payments`` picks the service named payments wherever it sits in the list.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = ["OverrideError", "apply_overrides", "set_path"]

_NAME_KEYS = ("name", "role", "id")


class OverrideError(ValueError):
    """A path that does not lead anywhere in the data."""


def _list_index(items: list[Any], part: str, where: str) -> int:
    if part.lstrip("-").isdigit():
        index = int(part)
        if not -len(items) <= index < len(items):
            raise OverrideError(f"{where}: index {index} is out of range (0..{len(items) - 1})")
        return index
    for index, item in enumerate(items):
        if isinstance(item, Mapping) and any(item.get(key) == part for key in _NAME_KEYS):
            return index
    raise OverrideError(f"{where}: no item named {part!r}")


def set_path(data: Any, path: str, value: Any) -> None:
    """Set ``path`` in ``data`` (nested dicts and lists) to ``value``, in place."""
    parts = path.split(".")
    if not path or any(not part for part in parts):
        raise OverrideError(f"{path!r} is not a dotted path")
    node = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if last:
                node[part] = copy.deepcopy(value)
                return
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        elif isinstance(node, list):
            index = _list_index(node, part, where)
            if last:
                node[index] = copy.deepcopy(value)
                return
            node = node[index]
        else:
            raise OverrideError(f"{where}: cannot descend into a {type(node).__name__}")


def apply_overrides(data: Any, overrides: Mapping[str, Any]) -> Any:
    """A deep copy of ``data`` with every override applied, in order."""
    out = copy.deepcopy(data)
    for path, value in overrides.items():
        set_path(out, path, value)
    return out
