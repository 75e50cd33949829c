"""PagerDuty API bodies import with PagerDuty's semantics and the issue's naming rules."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.naming import slug
from playbook.errors import InvalidDefinition
from playbook.escalation import escalation_timeline
from playbook.schedules import on_call_at
from playbook.services import urgency_at
from tests.integrations.conftest import PAGERDUTY, import_bodies

NY = ZoneInfo("America/New_York")


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAGERDUTY / name).read_text(encoding="utf-8"))
    return body


def layer(name: str, users: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "start": "2026-01-05T00:00:00-05:00",
        "rotation_virtual_start": "2026-01-05T00:00:00-05:00",
        "rotation_turn_length_seconds": 86400,
        "users": [{"user": {"id": u, "type": "user_reference"}} for u in users],
        **extra,
    }


def schedule(layers: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "schedule": {
            "id": "PSCHED1",
            "type": "schedule",
            "name": "Platform On-Call",
            "time_zone": "America/New_York",
            "schedule_layers": layers,
            **extra,
        }
    }


# --- naming -------------------------------------------------------------------------------


def test_slug_lowercases_and_turns_each_run_of_other_characters_into_one_dash() -> None:
    assert slug("Checkout Team On-Call") == "checkout-team-on-call"
    assert slug("  --Daily__Engineering  Rotation (EU) 2--") == "daily-engineering-rotation-eu-2"
    assert slug("Ünïcode Team") == "n-code-team"


@given(st.text())
def test_a_slug_is_only_letters_digits_and_single_inner_dashes(name: str) -> None:
    result = slug(name)
    assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in result)
    assert "--" not in result and not result.startswith("-") and not result.endswith("-")
    assert slug(result) == result


# --- the shared fixtures ------------------------------------------------------------------


def test_fixture_schedule_keeps_its_daily_window_and_pagerduty_id() -> None:
    book = import_bodies(fixture("schedule.json"), fixture("users.json"))
    sched = book.schedule("PI7DH85")
    assert sched.name == "daily-engineering-rotation"
    assert sched.time_zone == "America/New_York"
    # The final schedule's entry: 2015-11-10 08:00-17:00 New York; the users file names
    # PXPGF42 "Earline Greenholt".
    assert on_call_at(sched, datetime(2015, 11, 10, 8, 0, tzinfo=NY)) == ("earline-greenholt",)
    assert on_call_at(sched, datetime(2015, 11, 10, 16, 59, tzinfo=NY)) == ("earline-greenholt",)
    assert on_call_at(sched, datetime(2015, 11, 10, 17, 0, tzinfo=NY)) == ()
    assert on_call_at(sched, datetime(2015, 11, 10, 7, 59, tzinfo=NY)) == ()


def test_without_a_users_file_people_are_named_by_user_id() -> None:
    book = import_bodies(fixture("schedule.json"))
    assert book.schedule("daily-engineering-rotation").layers[0].users == ("PXPGF42",)
    assert [p.name for p in book.people] == ["PXPGF42"]


def test_users_keep_their_time_zone_and_job_title() -> None:
    book = import_bodies(fixture("schedule.json"), fixture("users.json"))
    kyler = next(p for p in book.people if p.name == "kyler-kuhn")
    assert (kyler.time_zone, kyler.title) == ("Asia/Hong_Kong", "Senior Engineer")


def test_fixture_policy_loops_num_loops_more_times_and_names_both_targets() -> None:
    book = import_bodies(
        fixture("schedule.json"), fixture("escalation-policy.json"), fixture("users.json")
    )
    policy = book.policy("PT20YPA")
    assert policy.name == "another-escalation-policy"
    timeline = escalation_timeline(policy, horizon=1000)
    # one rule of 30 minutes, num_loops 2: three passes
    assert [(n.minute, n.loop) for n in timeline] == [(0, 0), (30, 1), (60, 2)]
    assert [str(t) for t in timeline[0].targets] == [
        "user:kyler-kuhn",
        "schedule:daily-engineering-rotation",
    ]


def test_policy_list_body_and_service_body_import_together() -> None:
    book = import_bodies(
        fixture("schedules-with-layers.json"),
        fixture("escalation-policies.json"),
        fixture("escalation-policy.json"),
        fixture("service.json"),
    )
    assert [p.name for p in book.escalation_policies] == [
        "engineering-escalation-policy",
        "another-escalation-policy",
    ]
    assert book.policy("PANZZEQ").num_loops == 0
    (service,) = book.services
    assert (service.name, service.escalation_policy) == (
        "my-application-service",
        "another-escalation-policy",
    )


def test_fixture_service_is_high_urgency_in_lima_support_hours_and_low_outside() -> None:
    book = import_bodies(
        fixture("schedule.json"), fixture("escalation-policy.json"), fixture("service.json")
    )
    service = book.services[0]
    lima = ZoneInfo("America/Lima")
    assert urgency_at(service, datetime(2026, 12, 1, 9, 0, tzinfo=lima)) == "high"  # Tuesday
    assert urgency_at(service, datetime(2026, 12, 1, 16, 59, tzinfo=lima)) == "high"
    assert urgency_at(service, datetime(2026, 12, 1, 17, 0, tzinfo=lima)) == "low"
    assert urgency_at(service, datetime(2026, 12, 5, 12, 0, tzinfo=lima)) == "low"  # Saturday


def test_a_policy_naming_a_schedule_no_file_defines_is_refused() -> None:
    with pytest.raises(InvalidDefinition, match=r"PI7DH85.*no file defines"):
        import_bodies(fixture("escalation-policy.json"))


# --- PagerDuty semantics on generated bodies ----------------------------------------------


def test_api_lists_layers_newest_first_and_the_newest_wins() -> None:
    weekend = layer(
        "Weekend",
        ["PWEEKND"],
        restrictions=[
            {
                "type": "weekly_restriction",
                "start_day_of_week": 6,
                "start_time_of_day": "00:00:00",
                "duration_seconds": 2 * 86400,
            }
        ],
    )
    book = import_bodies(schedule([weekend, layer("Base", ["PBASE01"])]))
    sched = book.schedule("platform-on-call")
    assert [layer.name for layer in sched.layers] == ["Base", "Weekend"]
    assert on_call_at(sched, datetime(2026, 1, 10, 12, 0, tzinfo=NY)) == ("PWEEKND",)  # Saturday
    assert on_call_at(sched, datetime(2026, 1, 11, 23, 59, tzinfo=NY)) == ("PWEEKND",)  # Sunday
    assert on_call_at(sched, datetime(2026, 1, 12, 0, 0, tzinfo=NY)) == ("PBASE01",)  # Monday


def test_rotation_virtual_start_sets_whose_turn_it_is() -> None:
    # Virtual start two days after the start: on the start day the rotation is two turns
    # before A's, so (users A, B, C) it is B's turn (-2 mod 3 = 1).
    rotated = layer("Daily", ["PA", "PB", "PC"], rotation_virtual_start="2026-01-07T00:00:00-05:00")
    sched = import_bodies(schedule([rotated])).schedule("platform-on-call")
    assert on_call_at(sched, datetime(2026, 1, 5, 12, tzinfo=NY)) == ("PB",)
    assert on_call_at(sched, datetime(2026, 1, 7, 12, tzinfo=NY)) == ("PA",)


def test_a_layer_end_and_overrides_are_kept() -> None:
    ended = layer("Old", ["POLD"], end="2026-01-06T00:00:00-05:00")
    overrides = {
        "name": "Overrides",
        "rendered_schedule_entries": [
            {
                "start": "2026-01-05T09:00:00-05:00",
                "end": "2026-01-05T10:00:00-05:00",
                "user": {"id": "PSUB", "type": "user_reference"},
            }
        ],
    }
    sched = import_bodies(schedule([ended], overrides_subschedule=overrides)).schedule("PSCHED1")
    assert on_call_at(sched, datetime(2026, 1, 5, 9, 30, tzinfo=NY)) == ("PSUB",)
    assert on_call_at(sched, datetime(2026, 1, 5, 10, 0, tzinfo=NY)) == ("POLD",)
    assert on_call_at(sched, datetime(2026, 1, 6, 0, 0, tzinfo=NY)) == ()


def test_a_whole_day_daily_restriction_restricts_nothing() -> None:
    full = layer(
        "All day",
        ["PA"],
        restrictions=[
            {
                "type": "daily_restriction",
                "start_time_of_day": "00:00:00",
                "duration_seconds": 86400,
            }
        ],
    )
    sched = import_bodies(schedule([full])).schedule("PSCHED1")
    assert sched.layers[0].restrictions == ()


def test_round_robin_rule_pages_one_target_in_turn_and_advances_each_loop() -> None:
    body = {
        "escalation_policy": {
            "id": "PRR0001",
            "name": "Round Robin Team",
            "num_loops": 1,
            "escalation_rules": [
                {
                    "escalation_delay_in_minutes": 5,
                    "escalation_rule_assignment_strategy": {"type": "round_robin"},
                    "targets": [
                        {"id": "PA", "type": "user_reference"},
                        {"id": "PB", "type": "user_reference"},
                        {"id": "PC", "type": "user_reference"},
                    ],
                },
                {
                    "escalation_delay_in_minutes": 10,
                    "escalation_rule_assignment_strategy": "assign_to_everyone",
                    "targets": [{"id": "PLEAD", "type": "user_reference"}],
                },
            ],
        }
    }
    policy = import_bodies(body).policy("round-robin-team")

    def people(turn: int) -> list[tuple[float, list[str]]]:
        return [
            (n.minute, [t.id for t in n.targets])
            for n in escalation_timeline(policy, horizon=100, turn=turn)
        ]

    assert people(0) == [(0, ["PA"]), (5, ["PLEAD"]), (15, ["PB"]), (20, ["PLEAD"])]
    assert people(1) == [(0, ["PB"]), (5, ["PLEAD"]), (15, ["PC"]), (20, ["PLEAD"])]
    assert people(2)[0] == (0, ["PC"])
    assert people(3)[0] == (0, ["PA"])


def test_two_schedules_with_one_slug_are_refused() -> None:
    first = schedule([layer("L", ["PA"])])
    second = schedule([layer("L", ["PA"])])
    second["schedule"] = {**second["schedule"], "id": "POTHER1", "name": "platform on call"}
    with pytest.raises(InvalidDefinition, match="both be named 'platform-on-call'"):
        import_bodies(first, second)


def test_a_body_with_no_pagerduty_objects_is_refused() -> None:
    with pytest.raises(InvalidDefinition, match="no PagerDuty objects"):
        import_bodies({"limit": 25})
