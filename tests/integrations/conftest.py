"""Where the external fixtures live, and a tiny helper to import response bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integrations.document import base_document, dump_playbook, merge_sections
from integrations.pagerduty import account_from_bodies, account_sections
from playbook.model import Playbook

FIXTURES = Path(__file__).parents[1] / "fixtures"
PAGERDUTY = FIXTURES / "pagerduty"
SEED004_TF = FIXTURES / "terraform" / "seed004.tf"


def shared_dir() -> Path | None:
    """``shared/`` beside the checkout (or beside one of its parents), if present."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared"
        if (candidate / "fixtures" / "pagerduty").is_dir():
            return candidate
    return None


def import_bodies(*bodies: dict[str, Any]) -> Playbook:
    """The playbook that importing these response bodies writes."""
    account = account_from_bodies((f"body{i}.json", b) for i, b in enumerate(bodies))
    doc, _ = merge_sections(base_document(None), account_sections(account))
    return dump_playbook(doc, "out.yaml")[1]
