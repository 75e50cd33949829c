"""The grouping model follows Alertmanager 0.25's dispatcher and notification log.

The first tests transcribe the timing cases of Alertmanager's own acceptance tests
(``test/with_api_v2/acceptance/send_test.go``) and of ``dispatch/dispatch_test.go``
``TestAggrGroup``, in seconds. An acceptance test pushes an alert's resolve at some instant;
here that instant is the episode's end, since it is when Alertmanager sees the alert
resolved. ``resolve_timeout: 10s`` gives an alert pushed without ``endsAt`` at ``t`` the
end ``t + 10``.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.grouping import (
    NEW,
    REASONS,
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
Episode = tuple[float, float, float]  # received, startsAt, end


def run(
    episodes: list[Episode],
    timers: Timers,
    *,
    group: list[int] | None = None,
    identity: list[int] | None = None,
    until: float = INF,
) -> Notifications:
    n = len(episodes)
    return dispatch(
        [e[0] for e in episodes],
        [e[1] for e in episodes],
        [e[2] for e in episodes],
        group if group is not None else [0] * n,
        identity if identity is not None else list(range(n)),
        timers,
        until=until,
    )


def flat(notes: Notifications) -> list[tuple[float, str, str, tuple[int, ...]]]:
    """(time, reason, status, alerts) of each notification."""
    return [
        (round(t, 6), REASONS[r], "firing" if f else "resolved", a)
        for t, r, f, a in zip(notes.time, notes.reason, notes.firing, notes.alerts, strict=True)
    ]


# --- Alertmanager's acceptance tests ------------------------------------------------------


def test_repeat_acceptance_case_repeats_every_tick_then_sends_the_resolve() -> None:
    # TestRepeat: group_wait 1s, group_interval 1s, repeat_interval 1ms; the alert fires at 1
    # and is pushed resolved at 3.5. Wanted: 2-2.5 firing, 3-3.5 firing, 4-4.5 resolved.
    notes = run([(1.0, 1.0, 3.5)], Timers(wait=1, interval=1, repeat=0.001))
    assert flat(notes) == [
        (2.0, "new", "firing", (0,)),
        (3.0, "repeat", "firing", (0,)),
        (4.0, "resolved", "resolved", (0,)),
    ]


def test_batching_acceptance_case_batches_new_alerts_and_repeats_after_the_interval() -> None:
    # TestBatching: group_by [] (one group), 1s/1s, repeat_interval 4900ms. test1 and test5
    # (startsAt 1) are pushed at 1.1 and 1.7; test2, test3 (startsAt 1.5) and test4 (1.6) at
    # 3.3. Wanted: both at 2.0-2.5, all five at 4.1-4.5, all five again at 9.1-9.5.
    episodes = [(1.1, 1.0, INF), (1.7, 1.0, INF), (3.3, 1.5, INF), (3.3, 1.5, INF), (3.3, 1.6, INF)]
    notes = run(episodes, Timers(wait=1, interval=1, repeat=4.9), until=10)
    assert flat(notes) == [
        (2.1, "new", "firing", (0, 1)),
        (4.1, "new", "firing", (0, 1, 2, 3, 4)),
        (9.1, "repeat", "firing", (0, 1, 2, 3, 4)),
    ]
    assert notes.new[1] == (2, 3, 4)  # test2's startsAt is old, but the group has flushed


def test_resolved_acceptance_case_sends_one_all_clear_after_the_resolve_timeout() -> None:
    # TestResolved: group_wait 1s, group_interval 5s, resolve_timeout 10s; three alerts at 1.
    # Wanted: all three firing at 2-2.5, all three resolved (endsAt 11) at 12-13.
    notes = run([(1.0, 1.0, 11.0)] * 3, Timers(wait=1, interval=5, repeat=3600))
    assert flat(notes) == [
        (2.0, "new", "firing", (0, 1, 2)),
        (12.0, "resolved", "resolved", (0, 1, 2)),
    ]


RESOLVED_FILTER = [
    (1.0, 1.0, 4.0),  # v1: pushed at 1, pushed again at 3 with endsAt 4
    (1.0, 1.0, 11.0),  # v2: resolve_timeout
    (3.0, 3.0, 18.0),  # v3: pushed at 3, refreshed at 8 (resolve_timeout from then)
]


def test_resolved_filter_acceptance_case_with_send_resolved() -> None:
    # TestResolvedFilter, the send_resolved: true receiver: v1 and v2 at 2-2.5; v1 resolved
    # with v2 and v3 at 7-7.5; v2 resolved (timed out) with v3 at 12-12.5.
    notes = run(RESOLVED_FILTER, Timers(wait=1, interval=5, repeat=3600), until=13)
    assert flat(notes) == [
        (2.0, "new", "firing", (0, 1)),
        (7.0, "new", "firing", (0, 1, 2)),
        (12.0, "resolved", "firing", (1, 2)),
    ]
    assert notes.resolved == [(), (0,), (1,)]
    assert notes.new == [(0, 1), (2,), ()]


def test_resolved_filter_acceptance_case_without_send_resolved() -> None:
    # The send_resolved: false receiver: v1 and v2 at 2-2.5; v2 and v3 at 7-7.5; nothing at 12.
    timers = Timers(wait=1, interval=5, repeat=3600, send_resolved=False)
    notes = run(RESOLVED_FILTER, timers, until=13)
    assert flat(notes) == [(2.0, "new", "firing", (0, 1)), (7.0, "new", "firing", (1, 2))]


def test_merge_acceptance_case_a_refire_after_the_resolve_is_new_again() -> None:
    # TestMergeAlerts: 1s/1s, repeat 1ms; the alert (startsAt 1) is resolved at 4.8 and a
    # new occurrence (startsAt 5, no overlap, no merge) is pushed at 5.3: wanted at 6-6.5.
    notes = run(
        [(1.0, 1.0, 4.8), (5.3, 5.0, INF)],
        Timers(wait=1, interval=1, repeat=0.001),
        identity=[7, 7],
        until=6.5,
    )
    assert flat(notes) == [
        (2.0, "new", "firing", (0,)),
        (3.0, "repeat", "firing", (0,)),
        (4.0, "repeat", "firing", (0,)),
        (5.0, "resolved", "resolved", (0,)),
        (6.3, "new", "firing", (1,)),
    ]


def test_cold_start_acceptance_case_an_old_alert_flushes_its_new_group_at_once() -> None:
    # TestColdStart's alerts without --dispatch.start-delay (a later Alertmanager's flag):
    # test1 pushed at 1 with startsAt -100 flushes at once; test2 at 2 waits for the 6s tick.
    notes = run([(1.0, -100.0, INF), (2.0, 2.0, INF)], Timers(wait=1, interval=6, repeat=600), until=8)
    assert flat(notes) == [(1.0, "new", "firing", (0,)), (7.0, "new", "firing", (0, 1))]


def test_aggr_group_case_an_alert_an_hour_old_skips_group_wait_for_the_batch() -> None:
    # TestAggrGroup: a1 (startsAt in the future) then a2 (startsAt an hour ago) are inserted
    # into a new group (group_wait 1s, group_interval 300ms): both go out at once; a3 then
    # comes with the next group_interval tick.
    episodes = [(0.0, 60.0, 3600.0), (0.0, -3600.0, 7200.0), (0.1, 60.0, 300.0)]
    notes = run(episodes, Timers(wait=1, interval=0.3, repeat=3600), until=1)
    assert flat(notes) == [(0.0, "new", "firing", (0, 1)), (0.3, "new", "firing", (0, 1, 2))]


# --- the rules, one by one ----------------------------------------------------------------

MINUTES = Timers(wait=0.5, interval=5, repeat=240)


def test_a_firing_alert_is_sent_after_group_wait() -> None:
    assert flat(run([(100.0, 100.0, 130.0)], MINUTES)) == [
        (100.5, "new", "firing", (0,)),
        (105.5 + 25, "resolved", "resolved", (0,)),
    ]


def test_a_group_that_never_notified_sends_nothing_for_alerts_resolved_before_its_first_flush() -> (
    None
):
    assert flat(run([(100.0, 100.0, 100.4), (100.1, 100.1, 100.5)], MINUTES)) == []


def test_an_old_alert_joining_a_group_that_has_not_flushed_flushes_it_at_once() -> None:
    # Alertmanager 0.25's insert: !hasFlushed and startsAt + group_wait before now.
    notes = run([(0.0, 0.0, 60.0), (0.2, -3.0, 60.0), (4.0, 4.0, 60.0)], MINUTES)
    assert [t for t, *_ in flat(notes)][:2] == [0.2, 5.2]
    assert notes.alerts[0] == (0, 1)


def test_a_new_alert_in_a_notified_group_waits_for_the_next_interval_tick() -> None:
    notes = run([(100.0, 100.0, 200.0), (102.0, 102.0, 200.0), (103.0, 103.0, 200.0)], MINUTES)
    assert flat(notes)[:2] == [(100.5, "new", "firing", (0,)), (105.5, "new", "firing", (0, 1, 2))]
    assert notes.new[1] == (1, 2)


def test_a_repeat_interval_that_is_an_exact_multiple_repeats_one_tick_later() -> None:
    # 240 min = 48 ticks of 5 min; the log stamps the send just after its tick, so the
    # 48th tick is not yet past the interval: the repeat goes at the 49th.
    notes = run([(0.0, 0.0, 600.0)], MINUTES)
    assert flat(notes) == [
        (0.5, "new", "firing", (0,)),
        (245.5, "repeat", "firing", (0,)),
        (490.5, "repeat", "firing", (0,)),
        (600.5, "resolved", "resolved", (0,)),
    ]


def test_a_repeat_goes_at_the_first_tick_past_a_repeat_interval_that_is_not_a_multiple() -> None:
    notes = run([(0.0, 0.0, 300.0)], Timers(wait=0.5, interval=7, repeat=240))
    # ceil(240 / 7) = 35 ticks: 245 minutes after the first notification.
    assert [(t, r) for t, r, *_ in flat(notes)] == [(0.5, "new"), (245.5, "repeat"), (301.5, "resolved")]


def test_a_partial_resolve_is_sent_once_and_the_resolved_alert_is_dropped() -> None:
    notes = run([(0.0, 0.0, 12.0), (0.0, 0.0, 31.0)], MINUTES)
    assert flat(notes) == [
        (0.5, "new", "firing", (0, 1)),
        (15.5, "resolved", "firing", (0, 1)),
        (35.5, "resolved", "resolved", (1,)),
    ]
    assert notes.resolved == [(), (0,), (1,)]


def test_an_emptied_group_is_deleted_and_a_later_alert_waits_group_wait_again() -> None:
    notes = run([(0.0, 0.0, 10.0), (20.0, 20.0, 60.0)], MINUTES)
    assert [(t, r) for t, r, *_ in flat(notes)] == [
        (0.5, "new"),
        (10.5, "resolved"),
        (20.5, "new"),
        (60.5, "resolved"),
    ]


def test_a_flap_that_refires_before_the_next_tick_is_neither_resolved_nor_new() -> None:
    # Same labels: the re-fire replaces the resolved occurrence before the group sees it.
    notes = run([(0.0, 0.0, 6.0), (8.0, 8.0, 9.0)], MINUTES, identity=[7, 7])
    assert flat(notes) == [(0.5, "new", "firing", (0,)), (10.5, "resolved", "resolved", (1,))]


def test_without_send_resolved_nothing_is_sent_when_a_group_clears() -> None:
    timers = Timers(wait=0.5, interval=5, repeat=240, send_resolved=False)
    assert flat(run([(0.0, 0.0, 12.0), (0.0, 0.0, 31.0)], timers)) == [
        (0.5, "new", "firing", (0, 1))
    ]


def test_grouping_off_triggers_when_an_alert_fires_and_resolves_when_it_ends() -> None:
    notes = direct([0.0, 1.0], [5.0, 50.0], [4, 9])
    assert flat(notes) == [
        (0.0, "new", "firing", (0,)),
        (1.0, "new", "firing", (1,)),
        (5.0, "resolved", "resolved", (0,)),
        (50.0, "resolved", "resolved", (1,)),
    ]
    assert notes.key == [4, 9, 4, 9]


# --- group_by over the simulator's labels -------------------------------------------------


def test_group_by_all_labels_groups_each_alert_series_alone() -> None:
    table = alert_table([0.0, 1.0, 2.0], [50.0] * 3, fingerprint=[3, 3, 8])
    keys = group_keys(table, GroupingSpec(group_by=("...",)))
    assert keys.tolist() == [3, 3, 8]


def test_group_by_nothing_makes_one_group() -> None:
    table = alert_table([0.0, 1.0], [50.0, 50.0], service=[0, 1], alertname=[2, 5], services=("a", "b"))
    assert set(group_keys(table, GroupingSpec(group_by=())).tolist()) == {0}


def test_a_label_the_alerts_lack_splits_nothing() -> None:
    table = alert_table([0.0, 1.0], [50.0, 50.0], service=[0, 1], services=("a", "b"))
    with_team = group_keys(table, GroupingSpec(group_by=("service", "team")))
    assert with_team.tolist() == group_keys(table, GroupingSpec(group_by=("service",))).tolist()
    assert with_team[0] != with_team[1]


@pytest.mark.parametrize(
    ("group_by", "message"),
    [
        (("...", "service"), "cannot be combined"),
        (("not-a-label",), "not a label name"),
        (("service", "service"), "twice"),
        (("1x",), "not a label name"),
    ],
)
def test_invalid_group_by_is_refused(group_by: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GroupingSpec(group_by=group_by)


def test_the_simulator_groups_in_minutes_with_the_same_model() -> None:
    table = alert_table([100.0, 102.0], [130.0, 130.0])
    notes = group_alerts(table, GroupingSpec(group_by=("service",)))
    assert flat(notes) == [(100.5, "new", "firing", (0,)), (105.5, "new", "firing", (0, 1)), (130.5, "resolved", "resolved", (0, 1))]


# --- properties ---------------------------------------------------------------------------

episode_lists = st.lists(
    st.tuples(st.floats(0, 2000), st.floats(0, 30), st.floats(0.01, 400), st.integers(0, 2)),
    min_size=1,
    max_size=40,
)
timers_st = st.builds(
    Timers,
    wait=st.sampled_from([0.0, 0.5, 2.0]),
    interval=st.sampled_from([1.0, 5.0, 7.0]),
    repeat=st.sampled_from([5.0, 60.0, 240.0]),
    send_resolved=st.booleans(),
)


def _episodes(raw: list[tuple[float, float, float, int]]) -> tuple[list[Episode], list[int]]:
    return [(r, r - back, r + length) for r, back, length, _ in raw], [g for *_, g in raw]


@settings(max_examples=80, deadline=None)
@given(episode_lists, timers_st)
def test_notifications_come_in_time_order_and_tell_the_truth_about_each_alert(
    raw: list[tuple[float, float, float, int]], timers: Timers
) -> None:
    episodes, group = _episodes(raw)
    notes = run(episodes, timers, group=group)
    assert notes.time == sorted(notes.time)
    for t, key, firing, alerts, resolved in zip(
        notes.time, notes.key, notes.firing, notes.alerts, notes.resolved, strict=True
    ):
        assert alerts and all(group[a] == key and episodes[a][0] <= t for a in alerts)
        assert set(resolved) == {a for a in alerts if episodes[a][2] <= t}
        assert firing == (len(resolved) < len(alerts))
        if not timers.send_resolved:
            assert firing and not resolved


@settings(max_examples=80, deadline=None)
@given(episode_lists, timers_st)
def test_every_alert_sent_firing_is_sent_resolved_exactly_once_with_send_resolved(
    raw: list[tuple[float, float, float, int]], timers: Timers
) -> None:
    episodes, group = _episodes(raw)
    timers = Timers(timers.wait, timers.interval, timers.repeat, send_resolved=True)
    notes = run(episodes, timers, group=group)
    sent_firing = {a for alerts, res in zip(notes.alerts, notes.resolved, strict=True) for a in alerts if a not in res}
    sent_resolved = [a for res in notes.resolved for a in res]
    assert sorted(sent_resolved) == sorted(set(sent_resolved))
    # With distinct label sets nothing replaces an alert, so each one that was announced is
    # cleared; and one that lasts past group_wait + group_interval is always announced.
    assert sent_firing <= set(sent_resolved)
    for a, (received, _, end) in enumerate(episodes):
        if end - received > timers.wait + timers.interval:
            assert a in sent_firing
    assert all(n == NEW or not new for n, new in zip(notes.reason, notes.new, strict=True))
