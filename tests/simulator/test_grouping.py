"""Grouping follows Alertmanager: group_wait, group_interval ticks, repeat_interval, deletion."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.grouping import Notifications, group_alerts
from simulator.sections import GroupingSpec
from tests.simulator.helpers import alert_table

GROUP = GroupingSpec(
    group_by=("service",), group_wait_seconds=30, group_interval_minutes=5, repeat_interval_hours=4
)


def flat(notes: Notifications) -> list[tuple[float, bool, list[int]]]:
    return [
        (round(t, 6), r, m) for t, r, m in zip(notes.time, notes.repeat, notes.members, strict=True)
    ]


def test_a_firing_alert_is_sent_after_group_wait() -> None:
    notes = group_alerts(alert_table([100.0], [130.0]), GROUP)
    assert flat(notes) == [(100.5, False, [0])]


def test_an_alert_that_clears_within_group_wait_sends_nothing() -> None:
    notes = group_alerts(alert_table([100.0], [100.4]), GROUP)
    assert flat(notes) == []


def test_a_new_alert_in_a_notified_group_waits_for_the_next_interval_tick() -> None:
    notes = group_alerts(alert_table([100.0, 102.0, 103.0], [200.0, 200.0, 200.0]), GROUP)
    assert flat(notes) == [(100.5, False, [0]), (105.5, False, [1, 2])]


def test_alerts_arriving_within_group_wait_go_out_together() -> None:
    notes = group_alerts(alert_table([100.0, 100.2], [200.0, 200.0]), GROUP)
    assert flat(notes) == [(100.5, False, [0, 1])]


def test_an_unresolved_group_renotifies_every_repeat_interval() -> None:
    notes = group_alerts(alert_table([0.0], [600.0]), GROUP)
    assert flat(notes) == [(0.5, False, [0]), (240.5, True, [0]), (480.5, True, [0])]


def test_repeat_interval_is_rounded_up_to_a_multiple_of_group_interval() -> None:
    spec = GROUP.model_copy(update={"group_interval_minutes": 7.0})
    notes = group_alerts(alert_table([0.0], [300.0]), spec)
    # ceil(240 / 7) = 35 ticks: 245 minutes after the first notification.
    assert flat(notes) == [(0.5, False, [0]), (245.5, True, [0])]


def test_a_group_with_nothing_firing_is_deleted_and_a_later_alert_starts_over() -> None:
    notes = group_alerts(alert_table([0.0, 20.0], [10.0, 60.0]), GROUP)
    # The first flush after 10.0 finds nothing firing (at 10.5); the second alert starts a
    # new group and waits group_wait again.
    assert flat(notes) == [(0.5, False, [0]), (20.5, False, [1])]


def test_a_flapping_alert_already_notified_does_not_notify_again() -> None:
    # Same fingerprint, re-fires while the group lives: not new to the notification log.
    table = alert_table([0.0, 3.0, 9.0], [6.0, 8.0, 12.0], fingerprint=[7, 7, 7])
    notes = group_alerts(table, GROUP)
    assert flat(notes) == [(0.5, False, [0])]


def test_alerts_of_different_services_form_different_groups() -> None:
    table = alert_table([0.0, 1.0], [50.0, 50.0], service=[0, 1], services=("a", "b"))
    notes = group_alerts(table, GROUP)
    assert flat(notes) == [(0.5, False, [0]), (1.5, False, [1])]
    assert notes.key[0] != notes.key[1]


def test_grouping_off_sends_each_alert_at_once_keyed_by_fingerprint() -> None:
    table = alert_table([0.0, 1.0, 2.0], [0.1, 0.2, 50.0], fingerprint=[4, 4, 9])
    notes = group_alerts(table, GroupingSpec(enabled=False))
    assert flat(notes) == [(0.0, False, [0]), (1.0, False, [1]), (2.0, False, [2])]
    assert notes.key == [4, 4, 9]


alert_lists = st.lists(
    st.tuples(st.floats(0, 2000), st.floats(0.01, 400), st.integers(0, 2), st.integers(0, 3)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(alert_lists)
def test_notifications_never_precede_their_alerts_and_come_in_time_order(
    alerts: list[tuple[float, float, int, int]],
) -> None:
    alerts.sort()
    table = alert_table(
        [a[0] for a in alerts], [a[0] + a[1] for a in alerts],
        service=[a[2] for a in alerts], alertname=[a[3] for a in alerts], services=("a", "b", "c"),
    )  # fmt: skip
    spec = GroupingSpec(group_by=("service", "alertname"))
    notes = group_alerts(table, spec)
    assert notes.time == sorted(notes.time)
    for t, members in zip(notes.time, notes.members, strict=True):
        assert members
        for a in members:
            assert table.time[a] <= t < table.end[a]  # sent while firing, never before it fired


@settings(max_examples=60, deadline=None)
@given(alert_lists)
def test_every_alert_still_firing_at_its_groups_next_flush_is_notified(
    alerts: list[tuple[float, float, int, int]],
) -> None:
    alerts.sort()
    table = alert_table(
        [a[0] for a in alerts], [a[0] + 30 + a[1] for a in alerts], service=[0] * len(alerts)
    )
    notes = group_alerts(table, GroupingSpec(group_by=("service",)))
    notified = {a for members in notes.members for a in members}
    # Every alert lasts over 30 minutes (> group_wait + group_interval), so each one is sent.
    assert notified == set(range(len(alerts)))
