"""Empty escalation levels in a row: each hands on at once, so their delays add up (goalert's
``escalationskipifempty`` rule applied level after level)."""

from __future__ import annotations

from tests.playbook.test_escalation_gaps import _policy, flat


def test_two_empty_rules_in_a_row_both_hand_on_at_once() -> None:
    # nights has nobody at 10:00: rules 1 and 2 are skipped, dan is paged at once and the
    # boss one delay (15 min) later.
    policy = _policy("schedule:nights", "schedule:nights", "schedule:day", "user:boss")
    assert flat(policy, horizon=60) == [
        (0, 1, 0, [], True),
        (0, 2, 0, [], True),
        (0, 3, 0, ["dan"], False),
        (15, 4, 0, ["boss"], False),
    ]
