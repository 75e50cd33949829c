"""Escalation timelines at their edges: severity changes, horizons, skipped and ticket rules.

Expected minutes are worked out by hand from the delays in each policy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from playbook.escalation import (
    EscalationPolicy,
    Notification,
    Target,
    paged_timeline,
    resolve_targets,
    skipped_delay,
    upgraded_timeline,
)
from playbook.schedules import Schedule

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def policy(name: str, *delays: float, num_loops: int = 0, **rule: Any) -> EscalationPolicy:
    return EscalationPolicy.model_validate(
        {
            "name": name,
            "num_loops": num_loops,
            "rules": [
                {"escalation_delay_in_minutes": d, "targets": [f"user:{name}{i}"], **rule}
                for i, d in enumerate(delays, start=1)
            ],
        }
    )


def nobody_on_call() -> Schedule:
    return Schedule.model_validate(
        {
            "name": "empty",
            "time_zone": "UTC",
            "layers": [
                {
                    "name": "L",
                    "start": "2030-01-01T00:00:00Z",  # starts long after the incident
                    "rotation_virtual_start": "2030-01-01T00:00:00Z",
                    "rotation_turn_length_seconds": 86400,
                    "users": ["zed"],
                }
            ],
        }
    )


def test_a_severity_change_abandons_the_old_policy_at_the_change() -> None:
    # Old: rules at 0, 5, 10 (delays 5, 5, 5); the change at minute 10 drops the old rule
    # due at 10 itself; the new policy starts at 10: 10 and 13.
    notes = upgraded_timeline([(0.0, policy("a", 5, 5, 5)), (10.0, policy("b", 3, 3))])
    assert [(n.minute, str(n.targets[0])) for n in notes] == [
        (0.0, "user:a1"), (5.0, "user:a2"), (10.0, "user:b1"), (13.0, "user:b2"),
    ]  # fmt: skip


def test_each_of_several_changes_cuts_the_policy_before_it() -> None:
    # a from 0 (0, 5, 10, ...), b from 7 (7, 10, ...), c from 11: 0, 5 | 7, 10 | 11.
    segments = [(0.0, policy("a", 5, 5, 5)), (7.0, policy("b", 3, 3)), (11.0, policy("c", 9))]
    assert [(n.minute, str(n.targets[0])) for n in upgraded_timeline(segments)] == [
        (0.0, "user:a1"), (5.0, "user:a2"), (7.0, "user:b1"), (10.0, "user:b2"),
        (11.0, "user:c1"),
    ]  # fmt: skip


def test_a_severity_change_keeps_the_acknowledgement_and_the_horizon() -> None:
    segments = [(0.0, policy("a", 5, 5)), (6.0, policy("b", 3, 3, num_loops=9))]
    assert [n.minute for n in upgraded_timeline(segments, ack_minute=12.0)] == [0.0, 5.0, 6.0, 9.0]
    assert [n.minute for n in upgraded_timeline(segments, horizon=9.0)] == [0.0, 5.0, 6.0, 9.0]


def test_a_skipped_step_at_the_end_of_a_truncated_timeline_saves_nothing() -> None:
    truncated = [Notification(0.0, 1, 0, ()), Notification(5.0, 2, 0, ())]
    assert skipped_delay(truncated, 1, 3) is None  # rule 2 of 3, but nothing follows
    assert skipped_delay(truncated, 0, 3) == 5.0


def test_tickets_notify_nobody_and_people_are_listed_once() -> None:
    targets = [Target(type="ticket", id="queue"), Target(type="user", id="bob"),
               Target(type="user", id="bob")]  # fmt: skip
    assert resolve_targets(targets, START, {}) == ("bob",)
    assert resolve_targets(targets[:1], START, {}) == ()


def test_paged_timelines_go_past_a_day_when_the_horizon_does() -> None:
    # 10 passes of two 100-minute rules: notifications every 100 minutes from 0 to 1900.
    long = policy("p", 100, 100, num_loops=9)
    notes = paged_timeline(long, start=START, schedules={}, horizon=2000)
    assert [n.minute for n in notes] == [100.0 * k for k in range(20)]
    assert [str(n.targets[0]) for n in notes[:2]] == ["user:p1", "user:p2"]


def test_a_paged_notification_due_at_the_horizon_is_sent() -> None:
    notes = paged_timeline(policy("p", 5, 5), start=START, schedules={}, horizon=5.0)
    assert [n.minute for n in notes] == [0.0, 5.0]


def test_round_robin_turns_pick_who_a_paged_rule_reaches() -> None:
    rr = EscalationPolicy.model_validate(
        {
            "name": "rr",
            "rules": [
                {
                    "escalation_delay_in_minutes": 5,
                    "targets": ["user:ann", "user:ben"],
                    "escalation_rule_assignment_strategy": "round_robin",
                }
            ],
        }
    )
    assert paged_timeline(rr, start=START, schedules={})[0].people == ("ann",)
    assert paged_timeline(rr, start=START, schedules={}, turn=1)[0].people == ("ben",)


def test_an_empty_rule_is_skipped_at_once_and_still_listed() -> None:
    mixed = EscalationPolicy.model_validate(
        {
            "name": "m",
            "rules": [
                {"escalation_delay_in_minutes": 15, "targets": ["schedule:empty"]},
                {"escalation_delay_in_minutes": 10, "targets": ["user:bob"]},
            ],
        }
    )
    notes = paged_timeline(mixed, start=START, schedules={"empty": nobody_on_call()})
    assert [(n.minute, n.people, n.skipped, str(n.targets[0])) for n in notes] == [
        (0.0, (), True, "schedule:empty"), (0.0, ("bob",), False, "user:bob"),
    ]  # fmt: skip
