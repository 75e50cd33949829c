"""The postmortem draft follows the playbook template and the timeline; sections count only
once filled; action items are read back from the Markdown table."""

from __future__ import annotations

from datetime import date

import pytest

from drills.actions import Acknowledge, AssignRole, Declare, Resolve
from drills.postmortem import draft_postmortem, filled_sections, parse_action_items
from playbook.templates import POSTMORTEM_SECTIONS, missing_sections
from tests.drills.conftest import Drill


def test_the_draft_has_every_section_and_the_timeline_but_no_truth(drill: Drill) -> None:
    drill.at(17).act("alice", Acknowledge())
    drill.at(19).act("alice", Declare(severity="SEV2", title="Checkout errors"))
    drill.act("alice", AssignRole(person="alice", role="Incident Commander"))
    drill.at(40).act("alice", Resolve())
    s = drill.session
    text = draft_postmortem(s.records(), s.state, s.script, s.playbook)
    assert missing_sections(text) == []
    assert "| 14:28 | Alert high-error-rate fired: HighErrorRate" in text
    assert "| 14:31 | alice declared SEV2: Checkout errors (#incident-2026-04-15-checkout-errors) |" in text
    assert s.script.truth.root_cause not in text
    assert "Impact started" not in text
    assert filled_sections(text) == ("Timeline",)  # the rest are prompts for the team


def test_filled_sections_need_content_beyond_the_prompts() -> None:
    text = "## Summary\n\nIt broke.\n\n## Root Cause\n\n_What broke?_\n\n## Action Items\n\n| Action | Owner | Due | Priority |\n|---|---|---|---|\n"
    assert filled_sections(text) == ("Summary",)
    assert set(filled_sections(text + "| a | b | 2026-01-01 | P1 |\n")) == {"Summary", "Action Items"}
    assert len(POSTMORTEM_SECTIONS) == 7


def test_action_items_are_read_from_the_table_in_any_column_order() -> None:
    text = (
        "## Action Items\n\n| Action | Owner | Priority | Due Date |\n|--|--|--|--|\n"
        "| Add index validation to migration CI | @alice | P1 | 2025-11-20 |\n"
        "| Update DB runbook \\| wiki | @bob | P2 | 2025-11-22 |\n\n## Appendix\n| x | y |\n"
    )
    items = parse_action_items(text)
    assert [(i.action, i.owner, i.due, i.priority) for i in items] == [
        ("Add index validation to migration CI", "@alice", date(2025, 11, 20), "P1"),
        ("Update DB runbook | wiki", "@bob", date(2025, 11, 22), "P2"),
    ]


def test_action_items_without_owner_or_with_a_bad_priority_are_rejected() -> None:
    header = "## Action Items\n| Action | Owner | Due | Priority |\n|-|-|-|-|\n"
    with pytest.raises(ValueError, match="owner"):
        parse_action_items(header + "| Fix it |  | 2026-01-01 | P1 |\n")
    with pytest.raises(ValueError, match="priority"):
        parse_action_items(header + "| Fix it | @a | 2026-01-01 | urgent |\n")
    with pytest.raises(ValueError, match="needs a Owner column"):
        parse_action_items("## Action Items\n| Action | Due | Priority |\n")
    assert parse_action_items("# nothing here") == ()
