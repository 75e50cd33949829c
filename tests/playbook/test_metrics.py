"""Process metrics: exact times on hand-built timelines, summaries, and on-call load."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbook.errors import InvalidDefinition
from playbook.events import (
    Acknowledged,
    ActionItem,
    AlertFired,
    EventBase,
    ImpactStarted,
    IncidentDeclared,
    Mitigated,
    PageSent,
    PostmortemWritten,
    Resolved,
    SeverityChanged,
)
from playbook.metrics import (
    ActionItemStats,
    IncidentRecord,
    SeverityMetrics,
    action_item_stats,
    bucket_of,
    count_interruptions,
    incident_record,
    interruption_starts,
    off_hours_pages,
    pages_per_shift,
    summarize,
    time_to_acknowledge,
    time_to_declare,
    time_to_detect,
    time_to_mitigate,
    time_to_resolve,
)


def alert(
    at: float, inc: str = "a", *, actionable: bool = True, severity: str | None = None
) -> AlertFired:
    return AlertFired(
        at=at, incident_id=inc, alert_id=f"alert-{at}", actionable=actionable, severity=severity
    )


def declared(at: float, severity: str, inc: str = "a") -> IncidentDeclared:
    return IncidentDeclared(at=at, incident_id=inc, severity=severity, title="t")


def item(action: str, due: date, completed_on: date | None = None) -> ActionItem:
    return ActionItem(action=action, owner="@o", due=due, priority="P1", completed_on=completed_on)


# Seed 002's timeline, in minutes after 14:00 UTC: users affected from 14:28 (its status
# page), alert 14:32, declared and acknowledged 14:33, error rate normal 14:51, resolved 14:53.
SEED_002: list[EventBase] = [
    ImpactStarted(at=28, incident_id="a"),
    alert(32, severity="SEV2"),
    PageSent(at=32, incident_id="a", target="alice", rule=1),
    Acknowledged(at=33, incident_id="a", actor="alice"),
    declared(33, "SEV2"),
    Mitigated(at=51, incident_id="a"),
    Resolved(at=53, incident_id="a"),
]


def test_seed_002_timeline_gives_exact_times() -> None:
    assert time_to_detect(SEED_002) == 4
    assert time_to_acknowledge(SEED_002) == 1
    assert time_to_declare(SEED_002) == 1
    assert time_to_mitigate(SEED_002) == 19
    assert time_to_resolve(SEED_002) == 21


def test_seed_002_record_holds_severity_and_times() -> None:
    assert incident_record(list(reversed(SEED_002))) == IncidentRecord(
        incident_id="a",
        severity="SEV2",
        time_to_detect=4,
        time_to_acknowledge=1,
        time_to_declare=1,
        time_to_mitigate=19,
        time_to_resolve=21,
        alert_count=1,
    )


def test_times_are_none_when_their_events_are_missing() -> None:
    reported_by_hand = [
        declared(10, "SEV3"),
        Acknowledged(at=11, incident_id="a"),
        Resolved(at=30, incident_id="a"),
    ]
    assert [
        f(reported_by_hand)
        for f in (
            time_to_detect,
            time_to_acknowledge,
            time_to_declare,
            time_to_mitigate,
            time_to_resolve,
        )
    ] == [None, None, None, None, None]


def test_acknowledgment_counts_from_the_first_page_when_no_alert_fired() -> None:
    events = [
        PageSent(at=5, incident_id="a", target="bob", rule=1),
        Acknowledged(at=12.5, incident_id="a"),
    ]
    assert time_to_acknowledge(events) == 7.5


def test_times_start_at_the_first_alert_not_a_later_one() -> None:
    events = [
        alert(20),
        alert(10),
        Acknowledged(at=14, incident_id="a"),
        Resolved(at=40, incident_id="a"),
    ]
    assert time_to_acknowledge(events) == 4
    assert time_to_resolve(events) == 30


def test_severity_is_the_highest_reached_not_the_last() -> None:
    events = [
        declared(1, "SEV3"),
        SeverityChanged(at=5, incident_id="a", old="SEV3", new="SEV1"),
        SeverityChanged(at=9, incident_id="a", old="SEV1", new="SEV2"),
    ]
    assert incident_record(events).severity == "SEV1"


def test_without_a_declaration_severity_is_the_first_alerts() -> None:
    events = [alert(9, severity="SEV1"), alert(3, severity="SEV3")]
    assert incident_record(events).severity == "SEV3"
    assert incident_record([alert(3)]).severity is None


def test_severity_compares_by_the_given_order() -> None:
    events = [declared(1, "P3"), SeverityChanged(at=2, incident_id="a", old="P3", new="P2")]
    assert incident_record(events, severity_order=("P1", "P2", "P3")).severity == "P2"


def test_unknown_severity_is_an_invalid_definition() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        incident_record([declared(1, "P1")])
    assert str(caught.value) == "unknown severity 'P1' (known: SEV1, SEV2, SEV3, SEV4)"


@pytest.mark.parametrize("order", [(), ("SEV1", "SEV1")])
def test_severity_order_must_name_each_level_once(order: tuple[str, ...]) -> None:
    with pytest.raises(InvalidDefinition, match="severity order must name each level once"):
        incident_record(SEED_002, severity_order=order)


@pytest.mark.parametrize("events", [[], [alert(1, "a"), alert(2, "b")]])
def test_a_record_needs_one_incident(events: list[EventBase]) -> None:
    with pytest.raises(InvalidDefinition, match="a timeline must hold exactly one incident"):
        incident_record(events)


def test_action_item_stats_as_of_a_day() -> None:
    items = [
        item("on time", date(2026, 4, 22), completed_on=date(2026, 4, 20)),
        item("late", date(2026, 4, 22), completed_on=date(2026, 4, 25)),
        item("overdue", date(2026, 4, 24)),
        item("due today", date(2026, 4, 30)),
        item("done later", date(2026, 5, 9), completed_on=date(2026, 5, 2)),
    ]
    assert action_item_stats(items, today=date(2026, 4, 30)) == ActionItemStats(
        total=5,
        completed=2,
        completion_rate=0.4,
        on_time_rate=1 / 3,
        overdue=(items[2],),
    )


def test_action_item_stats_of_nothing_has_no_rates() -> None:
    assert action_item_stats([], today=date(2026, 1, 1)) == ActionItemStats(0, 0, None, None, ())


def _three_incidents() -> list[list[EventBase]]:
    postmortem = PostmortemWritten(
        at=2000, incident_id="a", action_items=(item("alert", date(2026, 1, 1)),)
    )
    return [
        [*SEED_002, postmortem],
        [
            ImpactStarted(at=0, incident_id="b"),
            alert(10, "b"),
            alert(11, "b", actionable=False),
            Acknowledged(at=13, incident_id="b"),
            declared(15, "SEV1", "b"),
            Resolved(at=70, incident_id="b"),
        ],
        [alert(0, "c", actionable=False, severity="SEV4"), Acknowledged(at=2, incident_id="c")],
    ]


def test_summary_means_rates_and_frequencies() -> None:
    summary = summarize(_three_incidents(), period_days=14, today=date(2026, 1, 2))
    assert summary.incident_count == 3
    assert summary.per_week == 1.5
    assert (summary.mttd, summary.mtta, summary.mttr) == (7, 2, 40.5)
    assert summary.by_severity == {
        "SEV1": SeverityMetrics(count=1, per_week=0.5, mttd=10, mtta=3, mttr=60),
        "SEV2": SeverityMetrics(count=1, per_week=0.5, mttd=4, mtta=1, mttr=21),
        "SEV3": SeverityMetrics(count=0, per_week=0.0, mttd=None, mtta=None, mttr=None),
        "SEV4": SeverityMetrics(count=1, per_week=0.5, mttd=None, mtta=2, mttr=None),
    }
    assert summary.unclassified == 0
    assert summary.postmortem_completion_rate == 0.5
    assert summary.alert_noise_ratio == 0.5
    assert summary.action_items == ActionItemStats(
        total=1,
        completed=0,
        completion_rate=0.0,
        on_time_rate=0.0,
        overdue=(item("alert", date(2026, 1, 1)),),
    )


def test_summary_without_period_or_day_leaves_frequency_and_items_out() -> None:
    summary = summarize(_three_incidents())
    assert summary.per_week is None
    assert summary.by_severity["SEV1"].per_week is None
    assert summary.action_items is None


def test_postmortem_requirement_is_a_parameter() -> None:
    summary = summarize(_three_incidents(), postmortem_required=("SEV4",))
    assert summary.postmortem_completion_rate == 0.0


def test_summary_of_no_incidents_has_no_means() -> None:
    summary = summarize([], period_days=7, today=date(2026, 1, 1))
    assert (summary.incident_count, summary.per_week, summary.mttd, summary.mtta, summary.mttr) == (
        0,
        0,
        None,
        None,
        None,
    )
    assert summary.postmortem_completion_rate is None
    assert summary.alert_noise_ratio is None
    assert summary.action_items == ActionItemStats(0, 0, None, None, ())


def test_incident_with_no_severity_counts_as_unclassified() -> None:
    summary = summarize([[alert(0, "x"), Resolved(at=5, incident_id="x")]])
    assert (summary.unclassified, summary.mttr) == (1, 5)
    assert all(m.count == 0 for m in summary.by_severity.values())


@pytest.mark.parametrize("period", [0, -7, float("nan")])
def test_period_must_be_positive(period: float) -> None:
    with pytest.raises(InvalidDefinition, match="period_days must be a positive number"):
        summarize([], period_days=period)


def test_postmortem_required_severities_must_be_known() -> None:
    with pytest.raises(InvalidDefinition, match="unknown severity 'P1'"):
        summarize([], postmortem_required=("P1",))


# 2025-10-13 is a Monday, so 2025-10-17 is a Friday.
@pytest.mark.parametrize(
    ("local", "bucket"),
    [
        (datetime(2025, 10, 17, 17, 59), "business"),
        (datetime(2025, 10, 17, 18, 0), "off_hours"),
        (datetime(2025, 10, 17, 21, 59), "off_hours"),
        (datetime(2025, 10, 17, 22, 0), "sleep"),
        (datetime(2025, 10, 18, 12, 0), "off_hours"),
        (datetime(2025, 10, 19, 7, 59), "sleep"),
        (datetime(2025, 10, 20, 7, 59), "sleep"),
        (datetime(2025, 10, 20, 8, 0), "business"),
        (datetime(2025, 10, 20, 0, 0), "sleep"),
    ],
)
def test_bucket_boundaries(local: datetime, bucket: str) -> None:
    assert bucket_of(local) == bucket


def test_bucket_hours_are_configurable() -> None:
    monday = datetime(2025, 10, 13, 6, 30)
    assert bucket_of(monday, sleep=(0, 6), business=(9, 17)) == "off_hours"
    assert bucket_of(monday.replace(hour=23), sleep=(0, 6), business=(9, 17)) == "off_hours"
    assert bucket_of(monday.replace(hour=7), sleep=(23, 7), business=(7, 19)) == "business"


def test_sleep_wins_where_windows_overlap() -> None:
    assert bucket_of(datetime(2025, 10, 13, 7, 30), business=(7, 18)) == "sleep"


@pytest.mark.parametrize("hours", [(-1, 8), (22, 25)])
def test_bucket_hours_must_be_on_the_clock(hours: tuple[int, int]) -> None:
    with pytest.raises(InvalidDefinition, match="sleep hours must be whole hours from 0 to 24"):
        bucket_of(datetime(2025, 10, 13, 12, 0), sleep=hours)


@pytest.mark.parametrize(
    ("times", "count"),
    [
        ([], 0),
        ([5.0], 1),
        ([0, 0.5, 1.0], 1),  # within the window, inclusive
        ([0, 0.5, 1.01], 2),
        ([0, 0.9, 1.8, 2.7], 2),  # anchored at the cluster's first page, not chained
        ([3, 0, 2.5, 0.2], 2),  # order does not matter
    ],
)
def test_interruptions_cluster_pages_within_a_minute_of_the_first(
    times: list[float], count: int
) -> None:
    assert count_interruptions(times) == count


def test_an_interruption_starts_at_its_first_notification() -> None:
    assert interruption_starts([3, 0, 2.5, 0.2, 0.9]) == [0, 2.5]
    assert interruption_starts([]) == []


@given(times=st.lists(st.floats(-1e6, 1e6), max_size=30), window=st.floats(0, 100))
def test_every_notification_is_within_the_window_of_an_earlier_or_equal_start(
    times: list[float], window: float
) -> None:
    starts = interruption_starts(times, window_minutes=window)
    assert all(b - a > window for a, b in itertools.pairwise(starts))
    for t in times:
        anchor = max(s for s in starts if s <= t)
        assert t - anchor <= window


def test_zero_window_merges_only_simultaneous_pages() -> None:
    assert count_interruptions([5, 5, 5, 6], window_minutes=0) == 2


@pytest.mark.parametrize(("times", "window"), [([1.0], -1.0), ([float("nan")], 1.0)])
def test_interruptions_refuse_nonsense(times: list[float], window: float) -> None:
    with pytest.raises(InvalidDefinition):
        count_interruptions(times, window_minutes=window)


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(times=st.lists(finite, min_size=1, max_size=30), window=st.floats(0, 100), data=st.data())
def test_interruptions_are_between_one_and_all_and_ignore_order(
    times: list[float], window: float, data: st.DataObject
) -> None:
    count = count_interruptions(times, window_minutes=window)
    assert 1 <= count <= len(times)
    shuffled = data.draw(st.permutations(times))
    assert count_interruptions(shuffled, window_minutes=window) == count


def test_pages_per_shift() -> None:
    assert pages_per_shift(6, 4) == 1.5
    assert pages_per_shift(3, 0) is None
    with pytest.raises(InvalidDefinition, match="must be >= 0"):
        pages_per_shift(-1, 2)


def test_off_hours_pages_buckets_in_the_responders_zone() -> None:
    pages = [
        datetime(2025, 10, 17, 21, 59, tzinfo=UTC),  # Friday 17:59 in New York
        datetime(2025, 10, 17, 22, 0, tzinfo=UTC),  # Friday 18:00
        datetime(2025, 10, 18, 2, 0, tzinfo=UTC),  # Friday 22:00
        datetime(2025, 10, 18, 16, 0, tzinfo=UTC),  # Saturday 12:00
    ]
    assert off_hours_pages(pages, "America/New_York") == {"business": 1, "off_hours": 2, "sleep": 1}
    assert off_hours_pages([], "UTC") == {"business": 0, "off_hours": 0, "sleep": 0}


def test_off_hours_pages_refuse_naive_times_and_unknown_zones() -> None:
    with pytest.raises(InvalidDefinition, match="has no time zone"):
        off_hours_pages([datetime(2025, 10, 17, 12, 0)], "UTC")
    with pytest.raises(InvalidDefinition, match="unknown time zone 'Mars/Olympus'"):
        off_hours_pages([], "Mars/Olympus")
