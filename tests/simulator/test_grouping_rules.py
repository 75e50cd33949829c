"""Grouping off, group keys, and the simulator's timers: the rules at their boundaries.

Expected notifications are worked out by hand from the rules in :mod:`simulator.grouping`'s
docstring (Alertmanager's dispatcher); times are minutes.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.grouping import (
    NEW,
    REASONS,
    RESOLVED,
    Notifications,
    Timers,
    direct,
    dispatch,
    group_alerts,
    group_keys,
)
from simulator.sections import GroupingSpec
from tests.simulator.helpers import alert_table

INF = math.inf


def rows(notes: Notifications) -> list[tuple[float, int, int, bool, tuple[int, ...], tuple[int, ...], tuple[int, ...]]]:  # fmt: skip
    """Every field of every notification, in order."""
    return list(
        zip(
            notes.time, notes.key, notes.reason, notes.firing, notes.alerts, notes.resolved,
            notes.new, strict=True,
        )
    )  # fmt: skip


# -- grouping off ---------------------------------------------------------------------------


def test_grouping_off_sends_each_field_of_a_trigger_and_its_resolve() -> None:
    assert rows(direct([2.0], [9.0], [7])) == [
        (2.0, 7, NEW, True, (0,), (), (0,)),
        (9.0, 7, RESOLVED, False, (0,), (0,), ()),
    ]


def test_grouping_off_skips_an_episode_over_before_it_arrives() -> None:
    # Episode 0 ends as it arrives, episode 1 before: neither pages; episode 2 still does.
    notes = direct([5.0, 5.0, 6.0], [5.0, 4.0, 8.0], [1, 2, 3])
    assert notes.key == [3, 3] and notes.alerts == [(2,), (2,)]


def test_grouping_off_sends_nothing_after_until_but_what_arrives_at_until() -> None:
    notes = direct([1.0, 10.0, 11.0], [10.0, 30.0, 12.0], [1, 2, 3], until=10.0)
    # 1 fires and resolves by 10 (a resolve at 10 itself counts); 2 fires at 10, resolves
    # after it; 3 arrives after it.
    assert [(t, k, r) for t, k, r, *_ in rows(notes)] == [
        (1.0, 1, NEW), (10.0, 1, RESOLVED), (10.0, 2, NEW),
    ]  # fmt: skip


def test_grouping_off_without_send_resolved_only_triggers() -> None:
    notes = direct([1.0, 2.0], [3.0, 4.0], [1, 2], send_resolved=False)
    assert notes.reason == [NEW, NEW] and notes.firing == [True, True]


def test_grouping_off_needs_one_end_and_identity_per_episode() -> None:
    with pytest.raises(ValueError, match=r"shorter|longer"):
        direct([1.0, 2.0], [3.0], [1, 2])
    with pytest.raises(ValueError, match=r"shorter|longer"):
        direct([1.0], [3.0], [1, 2])


# -- group keys -----------------------------------------------------------------------------

GROUP_BYS = [(), ("service",), ("alertname",), ("service", "alertname"), ("alertname", "service")]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 6)), min_size=1, max_size=25),
    st.sampled_from(GROUP_BYS),
)
def test_alerts_share_a_group_key_exactly_when_their_group_by_labels_match(
    labels: list[tuple[int, int]], group_by: tuple[str, ...]
) -> None:
    services = ("api", "db", "web", "cache")
    table = alert_table(
        [float(i) for i in range(len(labels))],
        service=[s for s, _ in labels],
        alertname=[a for _, a in labels],
        services=services,
    )
    keys = group_keys(table, GroupingSpec(group_by=group_by))
    assert keys.dtype == np.int64 and len(keys) == len(labels)
    assert all(k >= 0 for k in keys.tolist())

    def label_set(i: int) -> tuple[int, ...]:
        s, a = labels[i]
        return (s if "service" in group_by else -1, a if "alertname" in group_by else -1)

    for i in range(len(labels)):
        for j in range(len(labels)):
            assert (keys[i] == keys[j]) == (label_set(i) == label_set(j)), (i, j)


def test_two_alertnames_on_two_services_make_four_groups() -> None:
    # A collision here would merge a service's alerts into another's page.
    table = alert_table(
        [0.0, 1.0, 2.0, 3.0], service=[0, 0, 1, 1], alertname=[0, 1, 0, 1], services=("a", "b")
    )
    keys = group_keys(table, GroupingSpec(group_by=("service", "alertname"))).tolist()
    assert len(set(keys)) == 4


def test_no_alerts_have_no_keys() -> None:
    table = alert_table([])
    for group_by in GROUP_BYS:
        keys = group_keys(table, GroupingSpec(group_by=group_by))
        assert keys.dtype == np.int64 and keys.tolist() == []


def test_group_keys_by_all_labels_are_a_copy_of_the_fingerprints() -> None:
    table = alert_table([0.0, 1.0], fingerprint=[5, 6])
    keys = group_keys(table, GroupingSpec(group_by=("...",)))
    keys[0] = 99
    assert table.fingerprint.tolist() == [5, 6]


# -- the simulator's grouping ---------------------------------------------------------------


def test_a_repeat_is_timed_from_the_last_send_not_the_first() -> None:
    # One-minute ticks from 0 (no wait), repeat 10 min, resolves not sent. A fires for
    # ever; B arrives at 2 (a send: new) and ends at 10, a flush with nothing new to say.
    # The repeat is due at the first tick strictly more than 10 minutes after the send at 2:
    # 13, not at 10.
    timers = Timers(wait=0.0, interval=1.0, repeat=10.0, send_resolved=False)
    notes = dispatch([0.0, 2.0], [0.0, 2.0], [INF, 10.0], [1, 1], [1, 2], timers, until=14.0)
    assert notes.time == [0.0, 2.0, 13.0]
    assert [REASONS[r] for r in notes.reason] == ["new", "new", "repeat"]


def test_the_simulator_reads_group_wait_in_seconds_and_the_interval_in_minutes() -> None:
    # group_wait 120 s = 2 min: the first flush is at 100 + 2; the second alert (at 104)
    # waits for the next tick, group_interval 7 min later, at 109.
    table = alert_table([100.0, 104.0], [500.0, 500.0])
    spec = GroupingSpec(group_by=("service",), group_wait_seconds=120, group_interval_minutes=7)
    notes = group_alerts(table, spec, until=110.0)
    assert notes.time == [102.0, 109.0]
    assert notes.alerts == [(0,), (0, 1)]


def test_the_simulator_reads_the_repeat_interval_in_hours_to_the_minute() -> None:
    # One-minute ticks at 0.5 + j: the first strictly more than 60 minutes after the send
    # at 0.5 is 61.5.
    table = alert_table([0.0], [INF])
    spec = GroupingSpec(group_by=("service",), group_interval_minutes=1, repeat_interval_hours=1.0)
    assert group_alerts(table, spec, until=100.0).time == [0.5, 61.5]


def test_the_simulator_reads_the_repeat_interval_in_hours() -> None:
    # Ticks at 0.5 + 5j; repeat_interval 1 h = 60 min: the first tick strictly more than 60
    # minutes after the send at 0.5 is 65.5 (60.5 is exactly 60 later: not yet due).
    table = alert_table([0.0], [INF])
    spec = GroupingSpec(group_by=("service",), repeat_interval_hours=1.0)
    notes = group_alerts(table, spec, until=130.0)
    assert notes.time == [0.5, 65.5]  # the next, 130.5, is after until


def test_the_simulator_passes_send_resolved_to_the_grouping_model() -> None:
    table = alert_table([0.0], [12.0])
    quiet = group_alerts(table, GroupingSpec(send_resolved=False))
    assert quiet.reason == [NEW]
    loud = group_alerts(table, GroupingSpec(send_resolved=True))
    assert loud.reason == [NEW, RESOLVED] and loud.time == [0.5, 15.5]


def test_the_simulator_flushes_at_once_for_an_alert_that_started_long_before() -> None:
    # startsAt 10 minutes before it was received (more than group_wait): no wait at all.
    table = dataclasses.replace(alert_table([50.0], [80.0]), starts=np.asarray([40.0]))
    notes = group_alerts(table, GroupingSpec())
    assert notes.time[0] == 50.0


def test_the_simulator_makes_no_flush_after_until() -> None:
    table = alert_table([0.0, 30.0], [100.0, 100.0])
    notes = group_alerts(table, GroupingSpec(), until=20.0)
    assert notes.time == [0.5]


def test_the_simulator_with_grouping_off_sends_at_once_keyed_by_the_alert() -> None:
    table = alert_table([3.0, 4.0], [10.0, 20.0], fingerprint=[11, 12])
    notes = group_alerts(table, GroupingSpec(enabled=False), until=15.0)
    assert [(t, k, r) for t, k, r, *_ in rows(notes)] == [
        (3.0, 11, NEW), (4.0, 12, NEW), (10.0, 11, RESOLVED),
    ]  # fmt: skip
    quiet = group_alerts(table, GroupingSpec(enabled=False, send_resolved=False))
    assert quiet.reason == [NEW, NEW]
