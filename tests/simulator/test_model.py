"""The event model: escalation on no-ack, busy responders, dispatch modes, sleep, fatigue, roles.

Minute 0 of the tiny study is Monday 00:00 UTC; minute 600 is Monday 10:00 (working hours),
minute 180 is 03:00 (asleep), minute 1200 is 20:00 (off hours). Ack delays are fixed:
1 minute working, 2 off hours, 7 asleep.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.arrivals import DUPLICATE, NOISE
from simulator.model import TICKET, UNROUTED, WORKED
from tests.simulator.helpers import column, pages, run_alerts, tiny_study


def test_a_page_is_acknowledged_after_the_working_hours_delay() -> None:
    records = run_alerts(tiny_study(), [600.0], ["SEV3"])
    assert pages(records) == [(600.0, "alice")]
    assert column(records, "ack") == [601.0]
    assert column(records, "start") == [601.0]
    assert column(records, "resolved") == [631.0]


def test_an_unacknowledged_page_escalates_at_the_policy_minutes() -> None:
    study = tiny_study(
        {"responders.people": {"alice": {"miss": {"working": 1, "off_hours": 1, "asleep": 1}}}}
    )
    records = run_alerts(study, [600.0], ["SEV1"])
    # p1: primary at 0, secondary at 5; Bob (working) acknowledges a minute later, so the
    # manager's rule at minute 10 is never sent.
    assert pages(records) == [(600.0, "alice"), (605.0, "bob")]
    assert column(records, "ack") == [606.0]
    assert column(records, "rule") == [2]
    assert records.incidents["acker"].tolist() == [1]


def test_a_page_nobody_answers_runs_the_whole_timeline_then_the_first_person_picks_it_up() -> None:
    never = {"miss": {"working": 1, "off_hours": 1, "asleep": 1}}
    study = tiny_study({"responders.people": {"alice": never, "bob": never, "manager": never}})
    records = run_alerts(study, [600.0], ["SEV1"])
    assert pages(records) == [(600.0, "alice"), (605.0, "bob"), (610.0, "manager")]
    # unacked_pickup_minutes (30) after the last notification, by the first person paged.
    assert column(records, "ack") == [640.0]
    assert records.incidents["acker"].tolist() == [0]


def test_acknowledging_exactly_when_the_next_rule_is_due_stops_it() -> None:
    study = tiny_study({"responders.default.ack.working": {"dist": "fixed", "value": 5}})
    records = run_alerts(study, [600.0], ["SEV1"])
    assert pages(records) == [(600.0, "alice")]


def test_sleep_hours_use_the_asleep_delay_and_evenings_the_off_hours_delay() -> None:
    records = run_alerts(tiny_study(), [180.0, 1200.0], ["SEV3", "SEV3"])
    assert column(records, "ack") == [187.0, 1202.0]


def test_a_busy_responder_in_queue_mode_acknowledges_and_works_it_afterwards() -> None:
    records = run_alerts(tiny_study(), [600.0, 610.0], ["SEV3", "SEV3"])
    assert column(records, "ack") == [601.0, 611.0]
    # Alice works the first from 601 to 631, then the second.
    assert column(records, "start") == [601.0, 631.0]
    assert column(records, "resolved") == [631.0, 661.0]
    assert records.incidents["worker"].tolist() == [0, 0]


def test_a_busy_responder_in_escalate_mode_lets_escalation_continue() -> None:
    study = tiny_study({"dispatch.when_busy": "escalate"})
    records = run_alerts(study, [600.0, 610.0], ["SEV3", "SEV3"])
    # p3 pages the secondary at minute 15; Bob takes it.
    assert pages(records, 1) == [(610.0, "alice"), (625.0, "bob")]
    assert column(records, "ack") == [601.0, 626.0]
    assert records.incidents["worker"].tolist() == [0, 1]


def test_pool_dispatch_gives_the_oldest_waiting_incident_to_the_first_free_member() -> None:
    study = tiny_study({"dispatch.mode": "pool", "dispatch.pool": {"members": ["alice", "bob"]}})
    records = run_alerts(study, [600.0, 601.0, 602.0], ["SEV3"] * 3)
    # All acknowledged by the primary; Alice and Bob take the first two, the third waits
    # for Alice (free at 631).
    assert column(records, "start") == [601.0, 602.0, 631.0]
    assert sorted(records.incidents["worker"].tolist()[:2]) == [0, 1]


def test_pool_members_outside_their_availability_wait_until_it_starts() -> None:
    study = tiny_study(
        {"dispatch.mode": "pool", "dispatch.pool": {"members": ["bob"], "available": "working"}}
    )
    records = run_alerts(study, [180.0], ["SEV3"])  # 03:00; Bob works from 09:00
    assert column(records, "start") == [540.0]


def test_sev1_pulls_in_an_incident_commander_and_a_communications_lead() -> None:
    records = run_alerts(tiny_study(), [600.0], ["SEV1"])
    assert records.incidents["ic"].tolist() == [3]
    assert records.incidents["comms"].tolist() == [2]
    work = sorted(
        zip(
            records.work["role"].tolist(),
            records.work["person"].tolist(),
            records.work["start"].tolist(),
            strict=True,
        )
    )
    assert work == [(0, 0, 601.0), (1, 3, 606.0), (2, 2, 606.0)]
    # The Communications Lead writes the updates, so the work is not stretched.
    assert column(records, "resolved") == [631.0]


def test_without_a_communications_lead_status_updates_stretch_the_work() -> None:
    study = tiny_study({"work.roles.Communications Lead.candidates": ["user:ic"]})
    # The IC takes ic; the Comms Lead's only candidate is then busy: no Comms Lead.
    records = run_alerts(study, [600.0], ["SEV1"])
    assert records.incidents["comms"].tolist() == [-1]
    # 30 minutes of work, an update every 30 minutes costing 5: d = 30 + 5 * floor(d / 30) = 35.
    assert column(records, "resolved") == [636.0]
    assert records.incidents["updates"].tolist() == [1]


def test_a_severity_that_does_not_page_becomes_a_ticket() -> None:
    records = run_alerts(tiny_study(), [600.0], ["SEV4"])
    assert records.incidents["status"].tolist() == [TICKET]
    assert records.pages["time"].size == 0
    assert math.isnan(records.incidents["ack"][0])


def test_a_ticket_between_paged_incidents_keeps_its_place_with_or_without_trace() -> None:
    times, severities = [600.0, 700.0, 800.0], ["SEV3", "SEV4", "SEV3"]
    plain = run_alerts(tiny_study(), times, severities, fingerprint=[1, 2, 3])
    traced = run_alerts(tiny_study(), times, severities, fingerprint=[1, 2, 3], trace=True)
    assert plain.incidents["status"].tolist() == [WORKED, TICKET, WORKED]
    assert plain.incidents["alert"].tolist() == [0, 1, 2]
    assert plain.pages["incident"].tolist() == [0, 2]
    assert plain.incidents["policy"][1] == -1 and math.isnan(plain.incidents["cleared"][1])
    for name, values in plain.incidents.items():
        assert np.array_equal(values, traced.incidents[name], equal_nan=True), name
        assert values.dtype == traced.incidents[name].dtype, name
    assert traced.members == [[0], [1], [2]]
    assert traced.changes == [[], [], []]


def test_a_schedule_gap_with_nobody_to_page_leaves_the_incident_unrouted() -> None:
    study = tiny_study(
        {
            "playbook_patch": {
                "escalation_policies.p3.steps": [{"at_minute": 0, "targets": ["ticket:backlog"]}]
            }
        }
    )
    records = run_alerts(study, [600.0], ["SEV3"])
    assert records.incidents["status"].tolist() == [UNROUTED]


def test_noise_costs_a_triage_and_needs_no_roles() -> None:
    records = run_alerts(tiny_study(), [600.0, 700.0], ["SEV1", "SEV3"], kind=[NOISE, DUPLICATE])
    assert column(records, "resolved") == [606.0, 703.0]
    assert records.incidents["ic"].tolist() == [-1, -1]
    assert records.incidents["status"].tolist() == [WORKED, WORKED]


def test_fatigue_slows_acknowledgements_after_recent_pages() -> None:
    fatigue = {"enabled": True, "half_life_hours": 1, "sleep_weight": 2, "delay_per_unit": 0.5,
               "miss_per_unit": 0.0, "max_miss": 0.5}  # fmt: skip
    study = tiny_study({"responders.fatigue": fatigue})
    records = run_alerts(study, [600.0, 700.0, 760.0], ["SEV3"] * 3)
    ack = [a - t for a, t in zip(column(records, "ack"), [600.0, 700.0, 760.0], strict=True)]
    # Load before page 2: 1 * 2^(-100/60); before page 3: (load2 + 1) * 2^(-1).
    load2 = 2 ** (-100 / 60)
    load3 = (load2 + 1) * 0.5
    assert ack[0] == 1.0
    assert math.isclose(ack[1], 1.0 * (1 + 0.5 * load2), rel_tol=1e-5)
    assert math.isclose(ack[2], 1.0 * (1 + 0.5 * load3), rel_tol=1e-5)


def test_fatigue_raises_the_miss_probability_up_to_its_cap() -> None:
    fatigue = {
        "enabled": True,
        "half_life_hours": 1000,
        "delay_per_unit": 0.0,
        "miss_per_unit": 1.0,
        "max_miss": 1.0,
    }
    study = tiny_study({"responders.fatigue": fatigue})
    # The first page finds no load; after it, the load is 1 and every later page is missed
    # by Alice, so Bob (whose load is 0 at his first page) answers.
    records = run_alerts(study, [600.0, 700.0], ["SEV3", "SEV3"])
    assert records.incidents["acker"].tolist() == [0, 1]


def test_a_merged_notification_adds_its_alerts_to_the_open_incident() -> None:
    study = tiny_study({"grouping.enabled": True, "grouping.group_by": ["service"]})
    records = run_alerts(study, [600.0, 602.0], ["SEV3", "SEV3"], ends=[700.0, 700.0])
    assert len(records.incidents["open"]) == 1
    assert records.incidents["alerts"].tolist() == [2]
    # group_wait 30 s: the first notification opens the incident at 600.5.
    assert column(records, "open") == [600.5]
    assert column(records, "detect") == [600.0]


def test_a_round_robin_rule_pages_one_target_per_incident_in_turn() -> None:
    rule = {
        "escalation_delay_in_minutes": 15,
        "escalation_rule_assignment_strategy": "round_robin",
        "targets": ["user:alice", "user:bob"],
    }
    study = tiny_study(
        {"playbook_patch": {"escalation_policies.p3": {"name": "p3", "rules": [rule]}}}
    )
    records = run_alerts(study, [600.0, 700.0, 800.0], ["SEV3", "SEV3", "SEV3"])
    assert [pages(records, i) for i in range(3)] == [
        [(600.0, "alice")],
        [(700.0, "bob")],
        [(800.0, "alice")],
    ]
