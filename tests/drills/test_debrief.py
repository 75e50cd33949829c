"""The debrief: the team's timeline beside the textbook's, the gaps, the evidence seen and
missed, red herrings, each criterion with readable evidence, and an HSEEP AAR/IP."""

from __future__ import annotations

import json

import pytest

from drills.autopilot import PROFILES, run_autopilot
from drills.clock import VirtualClock
from drills.debrief import Debrief, debrief, render_debrief
from drills.library import find_script
from drills.session import DrillSession
from drills.store import Store
from playbook.model import Playbook
from playbook.rubric import default_rubric


def played(book: Playbook, name: str) -> tuple[DrillSession, Debrief]:
    clock = VirtualClock()
    script = find_script("conn-pool-leak", playbook=book)
    session = DrillSession.create(script=script, playbook=book, rubric=default_rubric(), store=Store(":memory:"),
                                  clock=clock)
    run_autopilot(session, PROFILES[name], clock)
    return session, debrief(session.records(), session_id=session.id, script=script, playbook=book,
                            rubric=session.rubric)


@pytest.fixture(scope="module")
def herring(book: Playbook) -> Debrief:
    return played(book, "red-herring")[1]


def test_the_textbook_team_has_no_gap_to_the_ideal_path(book: Playbook) -> None:
    _, d = played(book, "textbook")
    assert [g.gap for g in d.gaps] == [0.0] * 5
    assert d.areas_for_improvement == [] and d.evidence_missed == []


def test_a_slow_team_s_gap_is_its_delay(book: Playbook) -> None:
    _, d = played(book, "slow-to-declare")
    gap = {g.step: g.gap for g in d.gaps}
    assert gap["declare"] == 25.0 - 2.0  # declares 25 min after acknowledging, the textbook 2 min


def test_red_herrings_chased_and_the_hseep_actions_are_listed(herring: Debrief) -> None:
    assert [line.text for line in herring.red_herrings_chased] == [
        "bob hypothesised: search / code change (that recent deploy?)", "bob ran: rollback search to v7.1.4"]
    (action,) = herring.areas_for_improvement
    assert (action.criterion, action.owner, action.priority) == ("investigation", "Technical Lead", "P2")
    assert action.due == "2026-05-15"  # 30 days (P2) after the session's last record, 2026-04-15


def test_criteria_show_their_evidence_as_readable_events(herring: Debrief) -> None:
    investigation = next(c for c in herring.criteria if c.id == "investigation")
    assert [e.text for e in investigation.evidence][-1] == "bob ran: rollback search to v7.1.4"
    assert all(e.time.count(":") == 1 for c in herring.criteria for e in c.evidence)


def test_the_debrief_renders_as_markdown_html_and_json(herring: Debrief) -> None:
    md = render_debrief(herring, "md")
    assert md.startswith("# Debrief: ") and "## After-action report / improvement plan (HSEEP)" in md
    assert "| investigation |" in md and "## The ideal path" in md
    html = render_debrief(herring, "html")
    assert html.startswith("<!doctype html>") and "<h3>Strengths</h3>" in html
    assert json.loads(render_debrief(herring, "json"))["session_id"] == herring.session_id
