"""PagerDuty's empty escalation levels: a rule with nobody on call hands on to the next rule.

Cases follow goalert's ``test/smoke/escalationskipifempty_test.go`` (an empty first step
falls through to the second at once; a single empty step waits out its delay instead of
spending a loop) and PagerDuty's rule that a low-urgency incident is assigned to the next
level's on-call when the first level is empty.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from playbook.escalation import EscalationPolicy, paged_timeline
from playbook.schedules import Schedule

# Monday 2025-01-06 10:00 UTC.
START = datetime(2025, 1, 6, 10, tzinfo=UTC)


def _schedule(name: str, user: str, start: str | None = None) -> Schedule:
    """``user`` always on call, or one hour a day from ``start`` (UTC)."""
    layer: dict[str, Any] = {
        "name": "L",
        "start": "2025-01-01T00:00:00",
        "rotation_virtual_start": "2025-01-01T00:00:00",
        "rotation_turn_length_seconds": 86400,
        "users": [user],
    }
    if start is not None:
        layer["restrictions"] = [
            {"type": "daily_restriction", "start_time_of_day": start, "duration_seconds": 3600}
        ]
    return Schedule.model_validate({"name": name, "time_zone": "UTC", "layers": [layer]})


SCHEDULES = {
    "nights": _schedule("nights", "nina", "01:00:00"),  # nobody at 10:00
    "later": _schedule("later", "lara", "10:20:00"),  # lara from 10:20
    "day": _schedule("day", "dan"),
}


def _policy(*targets: str, delay: float = 15, loops: int = 0, urgency: str = "high") -> EscalationPolicy:
    return EscalationPolicy.model_validate(
        {
            "name": "p",
            "num_loops": loops,
            "urgency": urgency,
            "rules": [{"escalation_delay_in_minutes": delay, "targets": [t]} for t in targets],
        }
    )


def flat(policy: EscalationPolicy, **kw: Any) -> list[tuple[float, int, int, list[str], bool]]:
    timeline = paged_timeline(policy, start=START, schedules=SCHEDULES, **kw)
    return [(n.minute, n.rule, n.loop, list(n.people), n.skipped) for n in timeline]


def test_an_empty_first_rule_notifies_the_second_rule_at_once() -> None:
    policy = _policy("schedule:nights", "schedule:day", "user:boss")
    assert flat(policy, horizon=60) == [
        (0, 1, 0, [], True),
        (0, 2, 0, ["dan"], False),
        (15, 3, 0, ["boss"], False),
    ]


def test_a_rule_with_someone_on_call_is_never_skipped() -> None:
    policy = _policy("schedule:day", "schedule:nights", "user:boss")
    assert flat(policy, horizon=60) == [
        (0, 1, 0, ["dan"], False),
        (15, 2, 0, [], True),
        (15, 3, 0, ["boss"], False),
    ]


def test_a_single_empty_rule_waits_out_its_delay_and_keeps_its_loop() -> None:
    # goalert's SingleStep guard: the second pass comes after the full 30 minutes, when
    # lara is on call (from 10:20).
    policy = _policy("schedule:later", delay=30, loops=1)
    assert flat(policy, horizon=120) == [(0, 1, 0, [], False), (30, 1, 1, ["lara"], False)]


def test_an_empty_last_rule_waits_before_the_next_pass() -> None:
    policy = _policy("user:dan", "schedule:nights", loops=1)
    assert [(m, r, lp) for m, r, lp, *_ in flat(policy, horizon=60)] == [
        (0, 1, 0), (15, 2, 0), (30, 1, 1), (45, 2, 1),
    ]  # fmt: skip


def test_a_low_urgency_incident_goes_to_the_first_level_with_someone_on_call() -> None:
    policy = _policy("schedule:nights", "schedule:day", "user:boss", urgency="low")
    assert flat(policy) == [(0, 1, 0, [], True), (0, 2, 0, ["dan"], False)]


def test_an_acknowledgement_still_stops_the_shifted_timeline() -> None:
    policy = _policy("schedule:nights", "schedule:day", "user:boss")
    assert [m for m, *_ in flat(policy, ack_minute=15)] == [0, 0]


@given(st.lists(st.sampled_from(["schedule:nights", "schedule:day", "user:boss"]), min_size=1, max_size=5), st.integers(0, 3))
def test_skipping_never_reorders_and_every_skipped_rule_had_nobody(targets: list[str], loops: int) -> None:
    timeline = paged_timeline(_policy(*targets, loops=loops), start=START, schedules=SCHEDULES, horizon=10_000)
    minutes = [n.minute for n in timeline]
    assert minutes == sorted(minutes)
    assert all(not n.people for n in timeline if n.skipped)
    assert all(n.rule < len(targets) for n in timeline if n.skipped)
