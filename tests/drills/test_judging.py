"""Scoring against the world: diagnosis, investigation, operations the world judges, updates
that must state the impact the world had, stakeholders answered, severity at declaration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from drills.actions import (
    Acknowledge,
    Action,
    AddNote,
    AssignRole,
    Declare,
    Hypothesis,
    Look,
    Operate,
    PostUpdate,
    ReleaseRole,
    Reply,
    Resolve,
    RootCause,
    WritePostmortem,
)
from drills.library import find_script
from drills.postmortem import draft_postmortem
from drills.scoring import CriterionScore
from drills.truth import true_context
from playbook.model import Playbook
from tests.drills.conftest import Drill
from tests.drills.test_scoring import fill

ROLLBACK = Operate(verb="rollback", target="order-service", version="v2.4.0")
LOOKS = (
    Look(evidence="runbook", name="high-error-budget-burn"),
    Look(evidence="changes"),
    Look(evidence="metrics", service="order-service"),
    Look(evidence="logs", service="order-service", level="error"),
)


def true_update(d: Drill, at: float) -> str:
    """An update stating the impact the world has at ``at`` (what a team reads off its dashboard)."""
    spec, world = d.session.script.world, d.session.world
    assert spec is not None and world is not None
    ctx = true_context(spec, world, at)
    return (f"Checkout errors: {ctx.error_rate:.0f}% of requests fail, customers cannot order. We are "
            "rolling back and expect recovery within 30 minutes. Next update at 15:00 UTC.")


def world_play(d: Drill, **changes: Any) -> dict[str, CriterionScore]:
    """A textbook team on the world's conn-pool-leak (first real alert at minute 16), with ``changes``."""
    plan: dict[str, Any] = {
        "ack": (17.0, None), "declare": 19.0, "severity": "SEV2", "roles": 19.5, "ic": "alice",
        "looks": (17.0, 17.5, 18.0, 18.5), "hypotheses": ((20.0, "order-service", "code_change"),),
        "status_page": 23.0, "updates": (24.0,), "text": None, "ops": ((27.0, "bob", ROLLBACK),),
        "notes": (20.0, 29.0, 33.0), "resolve": 35.0, "postmortem": 60.0,
        "root_cause": ("order-service", "code_change"), "extra": (), "resolver": "alice",
    }
    plan.update(changes)
    steps: list[tuple[float, str, Action | Callable[[float], Action]]] = []
    if plan["ack"] is not None:
        at, alert = plan["ack"]
        steps.append((at, "alice", Acknowledge(alert_id=alert)))
    steps.append((plan["declare"], "alice", Declare(severity=plan["severity"], title="Checkout errors")))
    steps += [(plan["roles"], plan["ic"], AssignRole(person=p, role=r)) for p, r in (
        (plan["ic"], "Incident Commander"), ("bob", "Technical Lead"), ("carol", "Communications Lead"),
        ("dave", "Scribe"))]
    steps += [(at, "bob", LOOKS[i]) for i, at in enumerate(plan["looks"])]
    steps += [(at, "bob", Hypothesis(service=s, category=c)) for at, s, c in plan["hypotheses"]]
    text = plan["text"]

    def update(audience: str) -> Callable[[float], Action]:
        return lambda at: PostUpdate(audience=audience, text=text or true_update(d, at))  # type: ignore[arg-type]

    if plan["status_page"] is not None:
        steps.append((plan["status_page"], "carol", update("status_page")))
    steps += [(at, "carol", update("executive")) for at in plan["updates"]]
    steps += [(at, who, op) for at, who, op in plan["ops"]]
    steps += [(at, "dave", AddNote(text=f"note at {at}")) for at in plan["notes"]]
    steps += list(plan["extra"])
    steps.append((plan["resolve"], plan["resolver"], Resolve()))  # the IC alone resolves
    for at, actor, action in sorted(steps, key=lambda s: s[0]):
        d.at(at)
        _answer(d)
        d.act(actor, action(at) if callable(action) else action)
    s = d.session
    draft = fill(draft_postmortem(s.records(), s.state, s.script, s.playbook))
    items = "| Add a pool exhaustion alert | @bob | 2026-05-01 | P1 |\n"
    service, category = plan["root_cause"]
    d.at(plan["resolve"] + plan["postmortem"]).act(
        "dave", WritePostmortem(text=draft + items, root_cause=RootCause(service=service, category=category)))
    return d.score()


def _answer(d: Drill) -> None:
    state = d.session.state
    for mid in state.messages:
        if mid not in state.replied and state.resolved_at is None:
            d.act("carol", Reply(message_id=mid, text="On it: next update within 20 minutes."))


@pytest.fixture
def world_drill(book: Playbook) -> Drill:
    return Drill(find_script("conn-pool-leak", playbook=book), book).start()


def test_the_textbook_team_earns_every_point_on_the_world(world_drill: Drill) -> None:
    scores = world_play(world_drill)
    assert {c.id: c.rating for c in scores.values() if c.points < c.max} == {}


# (criterion, changes, expected fraction, words); the first real alert (the pool warning) fires at
# minute 15, the first page at 16.
WORLD_FAILING: list[tuple[str, dict[str, Any], float, str]] = [
    ("diagnosis", {"hypotheses": ()}, 0.0, "no hypothesis was recorded"),
    # Wrong service in every hypothesis, right root cause in the postmortem: only its 40 %.
    ("diagnosis", {"hypotheses": ((20.0, "api-gateway", "capacity_or_traffic"),)}, 0.4, "none on the right service"),
    # Right 25 min after the pool alert (15): 15 min target, nothing at 45: 1 - 10/30 of 60 %, + 40 %.
    ("diagnosis", {"hypotheses": ((40.0, "order-service", "code_change"),), "resolve": 45.0}, 0.6 * (2 / 3) + 0.4,
     "first right hypothesis 25 min after"),
    ("diagnosis", {"root_cause": ("database-primary", "capacity_or_traffic")}, 0.6, "postmortem root cause"),
    ("investigation", {"looks": ()}, 0.0, "none at evidence that shows the fault"),
    ("investigation", {"looks": (28.0, 28.5, 29.0, 29.5)}, 0.5, "only after acting"),
    ("investigation", {"hypotheses": ((18.0, "search", "code_change"), (20.0, "order-service", "code_change"))},
     0.75, "1 red herring(s) pursued"),
    # A single-replica database restarting is down, then cold: the world says it hurt.
    ("mitigation_choice", {"ops": ((27.0, "bob", Operate(verb="restart", target="database-primary")),
                                   (28.0, "bob", ROLLBACK))}, 0.5, "harmful: restart database-primary"),
    ("mitigation_choice", {"ops": ((27.0, "bob", Operate(verb="resize_pool", target="database-primary", size=400)),),
                           "resolve": 40.0}, 0.0, "no operation stopped the impact"),
    ("update_content", {"text": "Update: [title]\nImpact: [impact]\nWe are working on it. Next update at 15:00 UTC."},
     0.0, "unedited template placeholders"),
    ("update_content", {"text": "Checkout: 1% of requests fail for some users. We are rolling back. "
                                "Next update at 15:00 UTC."}, 0.0, "impact not stated as it was"),
    ("severity", {"severity": "SEV1"}, 0.75, "over-classified by 1 level(s) (expected SEV2)"),
    ("ic_separation", {"ops": ((27.0, "alice", ROLLBACK),)}, 0.5, "the IC ran 1 mitigation"),
]


@pytest.mark.parametrize(("criterion", "changes", "fraction", "words"), WORLD_FAILING,
                         ids=[f"{c}-{i}" for i, (c, *_rest) in enumerate(WORLD_FAILING)])
def test_each_world_flaw_costs_its_criterion(
    world_drill: Drill, criterion: str, changes: dict[str, Any], fraction: float, words: str
) -> None:
    score = world_play(world_drill, **changes)[criterion]
    assert score.points == round(score.max * fraction, 1), score.explanation
    assert words in score.explanation


def test_acknowledging_only_a_noise_alert_earns_nothing(book: Playbook) -> None:
    d = Drill(find_script("alert-storm", playbook=book), book).start()
    noise = []
    for minute in range(1, 60):
        noise = [a for a in d.at(minute).session.state.unacked_alerts() if a.labels.get("service") == "batch-nodes"]
        if noise:
            break
    assert noise, "the maintenance noise fires"
    d.act("bob", Acknowledge(alert_id=noise[0].alert_id))
    assert d.session.state.alerts[noise[0].alert_id].acked_by == "bob"
    assert d.score()["acknowledge"].points == 0


def test_an_ic_hand_over_keeps_the_separation_and_binds_the_new_ic(world_drill: Drill) -> None:
    hand_over = ((25.0, "alice", ReleaseRole(person="alice", role="Incident Commander")),
                 (25.5, "alice", AssignRole(person="carol", role="Incident Commander")))
    # alice rolls back after handing over: she is no longer the IC, so nothing is lost.
    fine = world_play(world_drill, extra=hand_over, ops=((27.0, "alice", ROLLBACK),), resolver="carol")
    fine = fine["ic_separation"]
    assert fine.points == fine.max


def test_after_a_hand_over_the_new_ic_operating_costs_half(book: Playbook) -> None:
    d = Drill(find_script("conn-pool-leak", playbook=book), book).start()
    hand_over = ((25.0, "alice", ReleaseRole(person="alice", role="Incident Commander")),
                 (25.5, "alice", AssignRole(person="carol", role="Incident Commander")))
    score = world_play(d, extra=hand_over, ops=((27.0, "carol", ROLLBACK),), resolver="carol")["ic_separation"]
    assert score.points == score.max * 0.5 and "the IC ran 1 mitigation" in score.explanation
