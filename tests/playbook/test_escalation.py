"""Escalation timelines follow PagerDuty's semantics and the seeds' minutes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from playbook.escalation import (
    EscalationPolicy,
    Notification,
    escalation_timeline,
    resolve_targets,
    upgraded_timeline,
)
from playbook.model import Playbook


def flat(timeline: list[Notification]) -> list[tuple[float, int, int, list[str]]]:
    return [(n.minute, n.rule, n.loop, [str(t) for t in n.targets]) for n in timeline]


def test_checkout_policy_loops_three_passes_in_all(book: Playbook) -> None:
    timeline = escalation_timeline(book.policy("checkout"), horizon=1000)
    primary, manager = ["schedule:checkout-primary"], ["user:engineering_manager"]
    assert flat(timeline) == [
        (0, 1, 0, primary),
        (10, 2, 0, manager),
        (25, 1, 1, primary),
        (35, 2, 1, manager),
        (50, 1, 2, primary),
        (60, 2, 2, manager),
    ]


def test_acknowledging_stops_escalation(book: Playbook) -> None:
    timeline = escalation_timeline(book.policy("checkout"), ack_minute=12)
    assert [(n.minute, n.rule) for n in timeline] == [(0, 1), (10, 2)]


def test_ack_exactly_at_escalation_minute_wins(book: Playbook) -> None:
    timeline = escalation_timeline(book.policy("checkout"), ack_minute=10)
    assert [n.minute for n in timeline] == [0]


def test_unacked_sev1_page_reaches_the_cto_at_minute_30(book: Playbook) -> None:
    timeline = escalation_timeline(book.policy("sev1"))
    assert flat(timeline) == [
        (0, 1, 0, ["schedule:checkout-primary"]),
        (5, 2, 0, ["schedule:checkout-secondary"]),
        (10, 3, 0, ["user:engineering_manager"]),
        (20, 4, 0, ["user:vp_engineering"]),
        (30, 5, 0, ["user:cto"]),
    ]


@pytest.mark.parametrize(
    ("policy", "minutes"),
    [("sev2", [0, 15, 30, 60]), ("sev3", [0, 60, 240]), ("sev4", [0])],
)
def test_seed_003_policies_fire_at_the_seed_minutes(
    book: Playbook, policy: str, minutes: list[int]
) -> None:
    assert [n.minute for n in escalation_timeline(book.policy(policy))] == minutes


def test_horizon_bounds_the_timeline(book: Playbook) -> None:
    assert [n.minute for n in escalation_timeline(book.policy("sev1"), horizon=10)] == [0, 5, 10]


def test_low_urgency_notifies_once_and_never_escalates(book: Playbook) -> None:
    timeline = escalation_timeline(book.policy("checkout"), urgency="low")
    assert flat(timeline) == [(0, 1, 0, ["schedule:checkout-primary"])]


def test_severity_upgrade_restarts_the_clock_on_the_new_policy(book: Playbook) -> None:
    timeline = upgraded_timeline([(0, book.policy("sev2")), (20, book.policy("sev1"))])
    assert [(n.minute, n.rule) for n in timeline] == [
        (0, 1),  # sev2 primary
        (15, 2),  # sev2 secondary
        (20, 1),  # upgraded: sev1 primary again, clock restarted
        (25, 2),
        (30, 3),
        (40, 4),
        (50, 5),
    ]


def test_cumulative_and_delay_forms_give_the_same_timeline() -> None:
    cumulative = EscalationPolicy.model_validate(
        {
            "name": "a",
            "num_loops": 1,
            "steps": [
                {"at_minute": 0, "targets": ["user:x"]},
                {"at_minute": 10, "targets": ["user:y"]},
            ],
            "last_step_delay_minutes": 15,
        }
    )
    delay = EscalationPolicy.model_validate(
        {
            "name": "a",
            "num_loops": 1,
            "rules": [
                {
                    "escalation_delay_in_minutes": 10,
                    "targets": [{"type": "user_reference", "id": "x"}],
                },
                {"escalation_delay_in_minutes": 15, "targets": [{"type": "user", "id": "y"}]},
            ],
        }
    )
    assert escalation_timeline(cumulative) == escalation_timeline(delay)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "a", "steps": [{"at_minute": 5, "targets": ["user:x"]}]}, "minute 0"),
        (
            {
                "name": "a",
                "steps": [
                    {"at_minute": 0, "targets": ["user:x"]},
                    {"at_minute": 0, "targets": ["user:y"]},
                ],
            },
            "strictly increase",
        ),
        (
            {"name": "a", "rules": [{"escalation_delay_in_minutes": 5, "targets": ["team:x"]}]},
            "unknown target type",
        ),
        (
            {"name": "a", "rules": [{"escalation_delay_in_minutes": 0, "targets": ["user:x"]}]},
            "greater than 0",
        ),
        ({"name": "a", "rules": [], "steps": []}, "not both"),
    ],
)
def test_invalid_policies_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EscalationPolicy.model_validate(data)


def test_schedule_targets_resolve_to_whoever_is_on_call(book: Playbook) -> None:
    at = datetime(2025, 1, 8, 12, tzinfo=ZoneInfo("America/New_York"))
    rule_targets = book.policy("sev1").rules[0].targets + book.policy("sev1").rules[1].targets
    assert resolve_targets(rule_targets, at, book.schedules_by_name) == ("bob", "alice")


policies = st.builds(
    lambda delays, loops: EscalationPolicy.model_validate(
        {
            "name": "p",
            "num_loops": loops,
            "rules": [
                {"escalation_delay_in_minutes": d, "targets": [f"user:u{i}"]}
                for i, d in enumerate(delays)
            ],
        }
    ),
    st.lists(st.floats(min_value=0.5, max_value=120, allow_nan=False), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=9),
)


@given(
    policy=policies,
    ack=st.none() | st.floats(min_value=0, max_value=1e5, allow_nan=False),
)
def test_escalation_always_terminates_in_order_and_before_the_ack(
    policy: EscalationPolicy, ack: float | None
) -> None:
    timeline = escalation_timeline(policy, ack_minute=ack, horizon=1e9)
    assert len(timeline) <= len(policy.rules) * (policy.num_loops + 1)
    minutes = [n.minute for n in timeline]
    assert minutes == sorted(minutes)
    if ack is None:
        assert len(timeline) == len(policy.rules) * (policy.num_loops + 1)
    else:
        assert all(m < ack for m in minutes)


@given(st.integers(min_value=1, max_value=6), st.integers(min_value=0, max_value=50))
def test_a_round_robin_rule_pages_exactly_one_target_cycling_with_its_length(n: int, turn: int) -> None:
    from playbook.escalation import EscalationRule

    rule = EscalationRule.model_validate(
        {
            "escalation_delay_in_minutes": 5,
            "escalation_rule_assignment_strategy": "round_robin",
            "targets": [f"user:u{i}" for i in range(n)],
        }
    )
    assert rule.assigned(turn) == (rule.targets[turn % n],)
    assert rule.assigned(turn + n) == rule.assigned(turn)
    everyone = rule.model_copy(update={"escalation_rule_assignment_strategy": "assign_to_everyone"})
    assert everyone.assigned(turn) == rule.targets
