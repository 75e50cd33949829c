"""Imported sections merged onto a base playbook, validated, and written as YAML.

With no ``--base`` the base is the default playbook's severities, classifier, roles,
templates and rubric (its invented team, schedules and policies are left out). With a
base file, every section is merged by name and an imported item replaces the base's
item of the same name. A severity whose escalation policy is no longer defined pages
the first imported policy instead (said in the notes).
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from pathlib import Path
from typing import Any

import yaml

from playbook.loader import parse_yaml, validate_data
from playbook.model import DEFAULT_PLAYBOOK_PATH, Playbook

__all__ = ["SECTIONS", "base_document", "dump_playbook", "merge_sections"]

SECTIONS = ("people", "schedules", "escalation_policies", "services")


def base_document(path: Path | None) -> dict[str, Any]:
    """The base playbook as plain data (validated); the default without its team."""
    source = path or DEFAULT_PLAYBOOK_PATH
    data, lines = parse_yaml(source.read_text(encoding="utf-8"), source=str(source))
    validate_data(Playbook, data, lines, source=str(source))
    if path is None:
        for section in SECTIONS:
            data.pop(section, None)
        data["name"] = "imported"
        data["description"] = "Imported configuration on the default playbook's process."
    return dict(data)


def merge_sections(
    base: Mapping[str, Any], sections: Mapping[str, list[dict[str, Any]]]
) -> tuple[dict[str, Any], list[str]]:
    """``base`` with ``sections`` merged in by name; returns (document, notes)."""
    doc = deepcopy(dict(base))
    for section in SECTIONS:
        imported = sections.get(section, [])
        names = {item["name"] for item in imported}
        kept = [item for item in doc.get(section, []) if item.get("name") not in names]
        if kept or imported:
            doc[section] = [*kept, *imported]
    notes: list[str] = []
    policies = [p["name"] for p in doc.get("escalation_policies", [])]
    for level in doc.get("severities", []):
        wanted = level.get("escalation_policy")
        if wanted is not None and wanted not in policies:
            if policies:
                level["escalation_policy"] = policies[0]
                notes.append(
                    f"severity {level['name']} paged {wanted!r}, which is not defined; "
                    f"it now pages {policies[0]!r}"
                )
            else:
                level.pop("escalation_policy")
    return doc, notes


def dump_playbook(doc: Mapping[str, Any], source: str) -> tuple[str, Playbook]:
    """The YAML text of ``doc`` and the playbook it loads as (so the file is known good)."""
    text = yaml.safe_dump(dict(doc), sort_keys=False, allow_unicode=True, width=100)
    data, lines = parse_yaml(text, source=source)
    return text, validate_data(Playbook, data, lines, source=source)
