"""Every rubric criterion earns its points for the playbook's behaviour and loses them for the
flaw it names: one passing and one failing case each, on conn-pool-leak (SEV2, first real
alert at minute 16, rollback works 4 minutes after it is applied)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drills.actions import (
    Acknowledge,
    Action,
    AddNote,
    ApplyMitigation,
    AssignRole,
    Declare,
    PostUpdate,
    Resolve,
    WritePostmortem,
)
from drills.postmortem import draft_postmortem
from drills.scoring import CriterionScore, timeliness, update_problems
from playbook.rubric import default_rubric
from tests.drills.conftest import Drill

GOOD_UPDATE = (
    "Checkout errors: some customers cannot place orders (impact). We are rolling back the "
    "deploy and expect recovery within 30 minutes. Next update at 15:00 UTC."
)


def play(d: Drill, **changes: Any) -> dict[str, CriterionScore]:
    """A textbook response, with ``changes`` (None drops a step), scored."""
    plan: dict[str, Any] = {
        "ack": 17.0,
        "declare": 19.0,
        "severity": "SEV2",
        "roles": 19.5,
        "ic": "alice",
        "tl": "bob",
        "status_page": 23.0,
        "updates": (24.0,),
        "text": GOOD_UPDATE,
        "mitigations": (("rollback-order-service", 28.0),),
        "mitigator": "bob",
        "note_by": "dave",
        "notes": (20.0, 29.0, 33.0),
        "resolve": 35.0,
        "postmortem": 60.0,
        "pm_items": "| Add a pool exhaustion alert | @bob | 2026-05-01 | P1 |\n",
        "pm_edit": lambda text: text,
    }
    plan.update(changes)
    steps: list[tuple[float, str, Action]] = []
    if plan["ack"] is not None:
        steps.append((plan["ack"], "alice", Acknowledge()))
    if plan["declare"] is not None:
        steps.append((plan["declare"], "alice", Declare(severity=plan["severity"], title="Checkout errors")))
    if plan["roles"] is not None:
        steps.append((plan["roles"], plan["ic"], AssignRole(person=plan["ic"], role="Incident Commander")))
        steps.append((plan["roles"], plan["ic"], AssignRole(person=plan["tl"], role="Technical Lead")))
        steps.append((plan["roles"], plan["ic"], AssignRole(person="carol", role="Communications Lead")))
        steps.append((plan["roles"], plan["ic"], AssignRole(person="dave", role="Scribe")))
    if plan["status_page"] is not None:
        steps.append((plan["status_page"], "carol", PostUpdate(audience="status_page", text=plan["text"])))
    for at in plan["updates"]:
        steps.append((at, "carol", PostUpdate(audience="internal", text=plan["text"])))
    for mitigation, at in plan["mitigations"]:
        steps.append((at, plan["mitigator"], ApplyMitigation(mitigation=mitigation)))
    for at in plan["notes"]:
        steps.append((at, plan["note_by"], AddNote(text=f"note at {at}")))
    if plan["resolve"] is not None and plan["roles"] is not None:  # only an IC resolves
        steps.append((plan["resolve"], plan["ic"], Resolve()))
    for at, actor, action in sorted(steps, key=lambda s: s[0]):
        d.at(at).act(actor, action)
    if plan["postmortem"] is not None and d.session.state.resolved:
        s = d.session
        draft = draft_postmortem(s.records(), s.state, s.script, s.playbook)
        text = plan["pm_edit"](fill(draft)) + plan["pm_items"]
        d.at(plan["resolve"] + plan["postmortem"]).act("dave", WritePostmortem(text=text))
    return d.score()


def fill(draft: str) -> str:
    """The team's edits: replace every prompt of the draft with content."""
    out = []
    for line in draft.splitlines():
        stripped = line.strip()
        if stripped.startswith("_") and stripped.endswith("_") and "blameless" not in stripped:
            out.append("Filled in by the team.")
        elif stripped in ("- None recorded.", "None identified."):
            out.append("- Something the team wrote.")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.fixture
def run(drill: Drill) -> Callable[..., dict[str, CriterionScore]]:
    return lambda **changes: play(drill, **changes)


def test_the_textbook_response_earns_every_point(run: Callable[..., dict[str, CriterionScore]]) -> None:
    scores = run()
    assert {c.id: (c.points, c.rating) for c in scores.values()} == {
        c.id: (c.points, "P") for c in default_rubric().criteria
    }


# (criterion, changes that break it, expected fraction of its points, words in the explanation)
FAILING: list[tuple[str, dict[str, Any], float, str]] = [
    ("acknowledge", {"ack": None}, 0.0, "no real alert was acknowledged"),
    ("acknowledge", {"ack": 46.0, "mitigations": (("rollback-order-service", 47.0),),
                     "notes": (20.0, 48.0, 52.0), "resolve": 55.0},
     0.5, "30 min after the first real alert, over the SEV2 target"),
    ("declare", {"declare": 36.0, "roles": 36.5, "status_page": 40.0, "updates": (41.0,),
                 "notes": (37.0, 38.0, 39.0), "resolve": 42.0}, 0.5, "20 min after"),
    ("severity", {"severity": "SEV1"}, 0.75, "over-classified by 1 level"),
    ("severity", {"severity": "SEV3"}, 0.5, "under-classified by 1 level"),
    ("roles", {"roles": 24.0}, 0.0, "0 of 3 roles within 2 min"),
    ("ic_separation", {"mitigator": "alice"}, 0.5, "the IC ran 1 mitigation"),
    ("ic_separation", {"roles": None, "notes": ()}, 0.0, "nobody was named Incident Commander"),
    ("status_page", {"status_page": None}, 0.0, "no status-page update"),
    ("status_page", {"status_page": 34.0}, 0.75, "15 min after declaring, over the 10 min window"),
    ("internal_updates", {"updates": (), "resolve": 60.0}, 0.0, "0 internal update(s) on time, 2 missed"),
    ("internal_updates", {"updates": (24.0, 70.0), "resolve": 80.0}, 0.5, "1 internal update(s) on time, 1 missed"),
    ("update_content", {"text": "We are working on it, it will be fixed soon."}, 0.0, "without an estimate"),
    ("mitigate_time", {"mitigations": (), "resolve": 35.0}, 0.0, "never mitigated"),
    ("mitigation_choice", {"mitigations": (("failover-database", 27.0), ("rollback-order-service", 28.0))},
     0.5, "harmful: Fail over database-primary"),
    ("mitigation_choice", {"mitigations": (("hotfix-connection-reuse", 28.0),), "resolve": 50.0,
                           "notes": (20.0, 29.0, 47.0)}, 0.5, "risky: Ship a hotfix"),
    ("mitigation_choice", {"mitigations": (("raise-pool-size", 28.0),), "notes": (20.0, 29.0, 30.0)},
     0.0, "no working mitigation"),
    ("timeline", {"note_by": "bob"}, 0.0, "0 timeline note(s) by the Scribe (3 expected); 3 note(s) by others"),
    ("postmortem", {"postmortem": None}, 0.0, "no postmortem was written"),
    ("postmortem", {"postmortem": 49 * 60.0}, 0.75, "written after 48 h"),
    ("postmortem", {"pm_items": ""}, 0.5 * 6 / 7 + 0.25, "0 action item(s)"),
    ("postmortem", {"pm_edit": lambda t: t.replace("## Root Cause", "## Musings")}, 0.5 * 6 / 7 + 0.5,
     "missing: Root Cause"),
]


@pytest.mark.parametrize(("criterion", "changes", "fraction", "words"), FAILING,
                         ids=[f"{c}-{i}" for i, (c, *_rest) in enumerate(FAILING)])
def test_each_flaw_costs_its_criterion(
    run: Callable[..., dict[str, CriterionScore]],
    criterion: str,
    changes: dict[str, Any],
    fraction: float,
    words: str,
) -> None:
    score = run(**changes)[criterion]
    assert score.points == round(score.max * fraction, 1)
    assert score.rating != "P"
    assert words in score.explanation


def test_every_criterion_has_a_failing_case() -> None:
    from tests.drills.test_judging import WORLD_FAILING

    assert {c for c, *_ in FAILING + WORLD_FAILING} == {c.id for c in default_rubric().criteria}


def test_evidence_names_the_records_a_criterion_rests_on(drill: Drill) -> None:
    scores = play(drill)
    records = {r.seq: r for r in drill.session.records()}
    assert [records[s].kind for s in scores["acknowledge"].evidence] == ["alert_fired", "acknowledged"]
    assert {records[s].kind for s in scores["timeline"].evidence} == {"note_added"}


def test_update_content_accepts_the_playbook_template_and_estimates() -> None:
    params = default_rubric().parameters
    assert update_problems(GOOD_UPDATE, params) == []
    assert update_problems("We are working on it. Will be fixed soon, within 2 hours. Impact: users. "
                           "Next update in 30 minutes.", params) == []
    assert update_problems("Fixed soon.", params) == [
        "no impact", "no what we are doing", "no next update", "says 'Fixed soon' without an estimate"
    ]


@given(target=st.floats(1, 120), late=st.floats(1.5, 5), minutes=st.floats(0, 1000))
@settings(max_examples=200)
def test_timeliness_is_full_on_time_and_falls_to_zero_at_the_late_factor(
    target: float, late: float, minutes: float
) -> None:
    value = timeliness(minutes, target, late)
    assert 0 <= value <= 1
    assert (value == 1) == (minutes <= target)
    if minutes >= target * late:
        assert value == 0
