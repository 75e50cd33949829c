"""Score reports in JSON, Markdown and HTML (escaped), and the comparison with earlier runs."""

from __future__ import annotations

import json
from datetime import date

import pytest

from drills.actions import AddNote
from drills.autopilot import PROFILES, run_autopilot
from drills.clock import VirtualClock
from drills.report import compare, render
from drills.scoring import ScoreReport, score_session
from drills.script import DrillScript
from drills.session import DrillSession
from drills.store import Store
from playbook.events import ActionItem
from playbook.model import Playbook
from playbook.rubric import default_rubric
from tests.drills.conftest import Drill


def scored(script: DrillScript, book: Playbook, name: str) -> ScoreReport:
    clock = VirtualClock()
    session = DrillSession.create(script=script, playbook=book, rubric=default_rubric(),
                                  store=Store(":memory:"), clock=clock)
    run_autopilot(session, PROFILES[name], clock)
    return score_session(session.records(), session_id=name, script=script, playbook=book,
                         rubric=session.rubric)


@pytest.fixture(scope="module")
def reports(leak: DrillScript, book: Playbook) -> dict[str, ScoreReport]:
    return {name: scored(leak, book, name) for name in ("no-comms", "wrong-fix", "textbook")}


def test_the_json_report_carries_every_criterion_and_the_metrics(reports: dict[str, ScoreReport]) -> None:
    data = json.loads(render(reports["no-comms"], "json"))
    assert data["total"] == 80 and data["max"] == 100
    assert [c["id"] for c in data["criteria"]][:3] == ["acknowledge", "declare", "severity"]
    assert data["metrics"]["time_to_acknowledge"] == 1
    assert [i["criterion"] for i in data["improvement_plan"]] == [
        "internal_updates", "status_page", "update_content"
    ]


def test_the_markdown_report_ends_with_the_improvement_plan(reports: dict[str, ScoreReport]) -> None:
    text = render(reports["wrong-fix"], "md")
    assert "| Right mitigation | 4.5 / 9 | M |" in text
    plan = text.split("## Improvement plan")[1]
    assert "| P2 | mitigation_choice (M) | harmful: Fail over database-primary to the replica |" in plan
    assert "### The team's postmortem action items" in plan


def test_the_comparison_says_whether_the_team_is_improving(reports: dict[str, ScoreReport]) -> None:
    comparison = compare(reports["textbook"], [reports["no-comms"], reports["wrong-fix"]])
    # 100 against 95.5 (the last) and against the mean of 80 and 95.5 (87.75, shown to a tenth).
    assert (comparison.delta_vs_last, comparison.delta_vs_mean, comparison.improving) == (4.5, 12.2, True)
    assert comparison.criteria_deltas["mitigation_choice"] == 4.5
    assert "improving" in comparison.verdict
    fell = compare(reports["no-comms"], [reports["textbook"]])
    assert (fell.improving, fell.delta_vs_last) == (False, -20)
    assert fell.verdict.startswith("The team is declining: -20 points")
    assert compare(reports["textbook"], []).improving is None
    text = render(reports["textbook"], "md", comparison)
    assert "| **textbook (this one)** | **100 / 100** |" in text


def test_the_html_report_escapes_what_participants_typed(drill: Drill) -> None:
    drill.session.join("<script>alert(1)</script>")
    drill.at(20).act("carol", AddNote(text="x"))
    drill.act("<script>alert(1)</script>", AddNote(text="<b>bold</b>"))
    s = drill.session
    report = score_session(s.records(), session_id="<i>s</i>", script=s.script, playbook=s.playbook,
                           rubric=s.rubric)
    html = render(report, "html")
    assert "<i>s</i>" not in html and "&lt;i&gt;s&lt;/i&gt;" in html
    assert html.startswith("<!doctype html>")


def test_markdown_table_cells_escape_pipes_and_line_breaks(reports: dict[str, ScoreReport]) -> None:
    item = ActionItem(action="Split pool | batch\nand web", owner="@bob", due=date(2026, 5, 1), priority="P1")
    report = reports["textbook"].model_copy(update={"team_action_items": [item]})
    assert "| Split pool \\| batch and web | @bob | 2026-05-01 | P1 |" in render(report, "md")
