"""One replication's outputs, from records whose timelines are known exactly."""

from __future__ import annotations

import math

from simulator.compiled import compile_scenario
from simulator.metrics import (
    _bucket_table,
    burnout_band,
    burnout_index,
    longest_run,
    replication_metrics,
)
from simulator.sections import BurnoutSpec
from tests.simulator.helpers import alert_table, run_alerts, tiny_study


def test_the_longest_run_counts_consecutive_nights() -> None:
    assert longest_run([3, 1, 2, 2, 7, 8]) == 3
    assert longest_run([]) == 0


def test_buckets_come_from_playbook_bucket_of() -> None:
    table = _bucket_table((22, 8), (8, 18))
    monday_9, friday_18, saturday_12, tuesday_23 = 9, 4 * 24 + 18, 5 * 24 + 12, 24 + 23
    assert [int(table[h]) for h in (monday_9, friday_18, saturday_12, tuesday_23)] == [0, 1, 1, 2]


def test_the_burnout_index_is_its_documented_weighted_sum() -> None:
    spec = BurnoutSpec()
    assert burnout_index(spec, 1.0, 1.0, 1.0, 2.0) == 1 + 2 + 4 + 2
    assert [burnout_band(spec, v) for v in (4.9, 5.0, 12.0, 20.0)] == [
        "sustainable",
        "elevated",
        "high",
        "burning out",
    ]


def test_metrics_of_a_known_week() -> None:
    study = tiny_study()
    # Monday 10:00 twice 20 s apart (one interruption), Monday and Tuesday 03:00 (sleep).
    times = [180.0, 600.0, 600.33, 1440.0 + 180.0]
    records = run_alerts(study, times, ["SEV3"] * 4)
    compiled = compile_scenario(study.scenarios()[0])
    metrics, people = replication_metrics(compiled, records, alert_table(times))
    alice = people["alice"]
    assert alice["pages"] == 4
    assert alice["business_interruptions_per_week"] == 1.0
    assert alice["sleep_interruptions_per_week"] == 2.0
    assert alice["max_consecutive_interrupted_nights"] == 2.0
    # Acks: 03:00 asleep (7 min), 10:00 working (1 min; the second waits in the queue but
    # is acknowledged at once), Tuesday 03:00 asleep (7).
    assert math.isclose(metrics["mtta"], (7 + 1 + 1 + 7) / 4)
    assert metrics["noise_ratio"] == 0.0
    assert metrics["incidents_per_week"] == 4.0
    # Four SEV3 incidents of 30 minutes, all Alice's, as Technical Lead (weight 0.5).
    assert math.isclose(alice["hours_on_incidents_per_week"], 2.0)
    assert math.isclose(alice["weighted_hours_per_week"], 1.0)
    assert math.isclose(alice["burnout_index"], 1 * 1.0 + 4 * 2.0 + 1.0)
    assert metrics["max_consecutive_interrupted_nights"] == 2.0


def test_an_interruption_belongs_to_the_bucket_of_its_first_notification() -> None:
    study = tiny_study()
    # Monday 17:59:45 and 18:00:15 UTC: one interruption (30 s apart), begun in business hours.
    times = [17 * 60 + 59.75, 18 * 60 + 0.25]
    records = run_alerts(study, times, ["SEV3"] * 2)
    compiled = compile_scenario(study.scenarios()[0])
    _, people = replication_metrics(compiled, records, alert_table(times))
    alice = people["alice"]
    assert alice["pages"] == 2
    assert alice["business_interruptions_per_week"] == 1.0
    assert alice["off_hours_interruptions_per_week"] == 0.0


def test_a_burst_across_the_start_of_the_night_is_one_evening_interruption() -> None:
    study = tiny_study()
    # Monday 21:59:40 and 22:00:10: off hours then sleep hours (22-08); one interruption, no night.
    times = [21 * 60 + 59 + 40 / 60, 22 * 60 + 10 / 60]
    records = run_alerts(study, times, ["SEV3"] * 2)
    compiled = compile_scenario(study.scenarios()[0])
    _, people = replication_metrics(compiled, records, alert_table(times))
    alice = people["alice"]
    assert alice["off_hours_interruptions_per_week"] == 1.0
    assert alice["sleep_interruptions_per_week"] == 0.0
    assert alice["max_consecutive_interrupted_nights"] == 0.0
