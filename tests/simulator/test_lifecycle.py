"""Incidents that change: resolves from the alerts, re-fires, empty levels, severity upgrades.

The tiny study (tests/simulator/helpers.py): minute 600 is Monday 10:00 UTC, working hours;
acknowledgements take 1 minute; SEV1's policy p1 pages the primary (alice) at 0, the
secondary (bob) at 5 and the manager at 10; SEV3's p3 pages alice at 0 and bob at 15.
Grouping is off unless a test turns it on: an alert triggers when it fires and resolves
when it ends.
"""

from __future__ import annotations

import math
from typing import Any

from simulator.arrivals import ACTIONABLE, NOISE
from simulator.model import CLEARED, UNROUTED, WORKED
from tests.simulator.helpers import column, pages, run_alerts, tiny_study

NEVER = {"miss": {"working": 1, "off_hours": 1, "asleep": 1}}
ALICE_MISSES = {"responders.people": {"alice": NEVER}}
GROUPED = {"grouping.enabled": True, "grouping.group_by": ["service"]}


def test_an_alert_that_clears_before_anyone_acknowledges_stops_the_escalation() -> None:
    records = run_alerts(tiny_study(ALICE_MISSES), [600.0], ["SEV1"], ends=[603.0])
    assert pages(records) == [(600.0, "alice")]  # bob's rule at 605 comes after the resolve
    assert records.incidents["status"].tolist() == [CLEARED]
    assert column(records, "resolved") == [603.0]
    assert math.isnan(records.incidents["ack"][0])
    assert records.resolves.tolist() == [603.0]


def test_without_auto_resolve_the_pager_keeps_escalating_after_the_alert_clears() -> None:
    study = tiny_study({**ALICE_MISSES, "paging.auto_resolve_on_clear": False})
    records = run_alerts(study, [600.0], ["SEV1"], ends=[603.0])
    assert pages(records) == [(600.0, "alice"), (605.0, "bob")]
    assert column(records, "ack") == [606.0]
    assert math.isnan(records.incidents["cleared"][0])


def test_a_refire_after_the_resolve_opens_a_new_incident_and_pages_again() -> None:
    records = run_alerts(
        tiny_study(ALICE_MISSES), [600.0, 610.0], ["SEV1", "SEV1"], ends=[603.0, 700.0],
        fingerprint=[5, 5],
    )  # fmt: skip
    assert records.incidents["status"].tolist() == [CLEARED, WORKED]
    assert records.incidents["after_clear"].tolist() == [0, 1]
    assert pages(records, 1) == [(610.0, "alice"), (615.0, "bob")]


def test_without_auto_resolve_a_refire_is_merged_into_the_open_incident() -> None:
    study = tiny_study({"paging.auto_resolve_on_clear": False})
    records = run_alerts(
        study, [600.0, 610.0], ["SEV3", "SEV3"], ends=[603.0, 700.0], fingerprint=[5, 5]
    )
    assert len(records.incidents["open"]) == 1
    assert records.incidents["notifications"].tolist() == [2]


def test_a_responder_already_working_keeps_working_after_the_alert_clears() -> None:
    # Acknowledged at 601; the alert clears at 605; SEV3 work takes 30 minutes.
    records = run_alerts(tiny_study(), [600.0], ["SEV3"], ends=[605.0])
    assert records.incidents["status"].tolist() == [WORKED]
    assert column(records, "cleared") == [605.0]
    assert column(records, "resolved") == [631.0]


def test_a_refire_while_the_first_incident_is_worked_pages_the_busy_responder_again() -> None:
    records = run_alerts(
        tiny_study(), [600.0, 610.0], ["SEV3", "SEV3"], ends=[605.0, 700.0], fingerprint=[5, 5]
    )
    assert pages(records, 1) == [(610.0, "alice")]
    # Alice acknowledges at 611 and works it when the first is done (queue mode).
    assert column(records, "start") == [601.0, 631.0]


# --- PagerDuty's empty levels -------------------------------------------------------------


def _with_schedule(extra: dict[str, Any], steps: list[dict[str, Any]], **more: Any) -> Any:
    """The tiny study with one more schedule and p3 replaced by ``steps``."""
    base = tiny_study()
    schedules = [s.model_dump(mode="json") for s in base.scenarios()[0].book.schedules]
    patch = {"schedules": [*schedules, extra], "escalation_policies.p3.steps": steps}
    patch.update(more)
    return tiny_study({"playbook_patch": patch})


def _daily(name: str, start: str, user: str = "alice") -> dict[str, Any]:
    """A schedule with ``user`` on call for one hour a day from ``start`` (UTC)."""
    return {
        "name": name,
        "time_zone": "UTC",
        "layers": [
            {
                "name": "L",
                "start": "2025-01-01T00:00:00",
                "rotation_virtual_start": "2025-01-01T00:00:00",
                "rotation_turn_length_seconds": 86400,
                "users": [user],
                "restrictions": [
                    {"type": "daily_restriction", "start_time_of_day": start, "duration_seconds": 3600}
                ],
            }
        ],
    }


def test_a_rule_with_nobody_on_call_hands_on_to_the_next_rule_at_once() -> None:
    # goalert's TestEscalationSkipIfEmpty: step 0's schedule is empty, step 1 pages at once.
    study = _with_schedule(
        _daily("nights", "01:00:00"),
        [{"at_minute": 0, "targets": ["schedule:nights"]},
         {"at_minute": 15, "targets": ["schedule:secondary"]}],
    )  # fmt: skip
    records = run_alerts(study, [600.0], ["SEV3"])
    assert pages(records) == [(600.0, "bob")]
    assert column(records, "ack") == [601.0]


def test_a_skip_moves_every_later_rule_earlier() -> None:
    never = {"responders.people": {"bob": NEVER}}
    study = _with_schedule(
        _daily("nights", "01:00:00"),
        [{"at_minute": 0, "targets": ["schedule:nights"]},
         {"at_minute": 15, "targets": ["schedule:secondary"]},
         {"at_minute": 40, "targets": ["user:manager"]}],
    ).with_overrides(never)  # fmt: skip
    records = run_alerts(study, [600.0], ["SEV3"])
    assert pages(records) == [(600.0, "bob"), (625.0, "manager")]


def test_a_single_rule_with_nobody_on_call_waits_out_its_delay_instead_of_looping() -> None:
    # goalert's TestEscalationSkipIfEmpty_SingleStep: skipping would spend the repeat with no
    # time elapsed. Here the schedule has alice on call from 10:20, so the second pass (at
    # 10:30, after the 30-minute delay) reaches her.
    study = _with_schedule(
        _daily("later", "10:20:00"),
        [{"at_minute": 0, "targets": ["schedule:later"]}],
        **{"escalation_policies.p3.num_loops": 1},
    )
    records = run_alerts(study, [600.0], ["SEV3"])
    assert pages(records) == [(630.0, "alice")]


def test_a_low_urgency_incident_whose_first_rule_is_empty_pages_the_next_rule() -> None:
    study = _with_schedule(
        _daily("nights", "01:00:00"),
        [{"at_minute": 0, "targets": ["schedule:nights"]},
         {"at_minute": 15, "targets": ["schedule:secondary"]}],
        **{"severities.SEV3.urgency": "low"},
    )  # fmt: skip
    records = run_alerts(study.with_overrides({"responders.people": {"bob": NEVER}}), [600.0], ["SEV3"])
    assert pages(records) == [(600.0, "bob")]  # and nobody else: low urgency never escalates


def test_a_policy_with_nobody_on_call_anywhere_leaves_the_incident_unrouted() -> None:
    study = _with_schedule(
        _daily("nights", "01:00:00"), [{"at_minute": 0, "targets": ["schedule:nights"]}]
    )
    records = run_alerts(study, [600.0], ["SEV3"])
    assert records.incidents["status"].tolist() == [UNROUTED]


# --- severity upgrades and noise turned real ----------------------------------------------


def test_a_more_severe_alert_joining_restarts_escalation_under_the_new_policy() -> None:
    study = tiny_study({**GROUPED, **ALICE_MISSES})
    records = run_alerts(study, [600.0, 602.0], ["SEV3", "SEV1"], ends=[700.0, 700.0])
    # Opened at 600.5 as SEV3 (p3: bob at +15). The SEV1 alert joins at the 605.5 tick:
    # p1 starts over from there, alice at once and bob 5 minutes later.
    assert pages(records) == [(600.5, "alice"), (605.5, "alice"), (610.5, "bob")]
    assert column(records, "ack") == [611.5]
    assert records.incidents["severity"].tolist() == [0]
    assert records.incidents["upgrades"].tolist() == [1]


def test_a_less_severe_alert_joining_changes_nothing() -> None:
    study = tiny_study({**GROUPED, **ALICE_MISSES})
    records = run_alerts(study, [600.0, 602.0], ["SEV1", "SEV3"], ends=[700.0, 700.0])
    assert pages(records) == [(600.5, "alice"), (605.5, "bob")]
    assert records.incidents["upgrades"].tolist() == [0]


def test_an_upgrade_after_the_acknowledgement_does_not_page_again() -> None:
    study = tiny_study(GROUPED)
    records = run_alerts(study, [600.0, 602.0], ["SEV3", "SEV1"], ends=[700.0, 700.0])
    assert pages(records) == [(600.5, "alice")]
    assert records.incidents["severity"].tolist() == [0]


def test_an_actionable_alert_joining_a_noise_incident_gets_real_work_after_the_triage() -> None:
    study = tiny_study(GROUPED)
    records = run_alerts(
        study, [600.0, 602.0], ["SEV3", "SEV3"], kind=[NOISE, ACTIONABLE], ends=[700.0, 700.0]
    )
    # Acknowledged at 601.5, a 5-minute triage to 606.5; the actionable alert joined at
    # 605.5, so its 30 minutes of SEV3 work follow: resolved at 636.5.
    assert records.incidents["kind"].tolist() == [ACTIONABLE]
    assert records.incidents["became_actionable"].tolist() == [1]
    assert column(records, "resolved") == [636.5]
