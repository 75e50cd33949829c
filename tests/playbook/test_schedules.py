"""On-call schedules follow PagerDuty's rotation, restriction, layer and override rules."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from playbook.schedules import (
    Layer,
    Override,
    Restriction,
    Schedule,
    Shift,
    layer_on_call,
    layer_shifts,
    lint_schedule,
    on_call_at,
    render,
    shadowed_layers,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WEEK = 604_800
DAY = 86_400
TEAM = ("alice", "bob", "carol", "dave")


def weekly_layer(name: str, virtual_start: datetime, **fields: Any) -> Layer:
    fields.setdefault("start", datetime(2025, 1, 1))
    return Layer(
        name=name,
        rotation_virtual_start=virtual_start,
        rotation_turn_length_seconds=WEEK,
        users=TEAM,
        **fields,
    )


def new_york(
    *layers: Layer, name: str = "checkout", overrides: tuple[Override, ...] = ()
) -> Schedule:
    return Schedule(name=name, time_zone="America/New_York", layers=layers, overrides=overrides)


def daily(start_time_of_day: str, hours: float) -> Restriction:
    return Restriction(
        type="daily_restriction",
        start_time_of_day=start_time_of_day,
        duration_seconds=int(hours * 3600),
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


PRIMARY = new_york(weekly_layer("Primary", datetime(2025, 1, 1)), name="checkout-primary")
SECONDARY = new_york(weekly_layer("Secondary", datetime(2025, 1, 8)), name="checkout-secondary")
# Seed 004's Terraform: both layers in ONE schedule, both unrestricted.
ONE_SCHEDULE = new_york(
    weekly_layer("Primary", datetime(2025, 1, 1)),
    weekly_layer("Secondary", datetime(2025, 1, 8)),
    name="checkout_oncall",
)


# --- rotation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "user"),
    [
        (ny(2025, 1, 1, 12), "alice"),
        (ny(2025, 1, 8, 12), "bob"),
        (ny(2025, 1, 15, 12), "carol"),
        (ny(2025, 1, 22, 12), "dave"),
        (ny(2025, 1, 29, 12), "alice"),
    ],
)
def test_primary_rotates_weekly_through_a_four_week_cycle(at: datetime, user: str) -> None:
    assert on_call_at(PRIMARY, at) == (user,)


def test_rotation_extends_backwards_before_virtual_start() -> None:
    early = new_york(weekly_layer("Primary", datetime(2025, 1, 1), start=datetime(2024, 12, 1)))
    assert layer_on_call(early, early.layers[0], ny(2024, 12, 25, 12)) == "dave"
    assert layer_on_call(early, early.layers[0], ny(2024, 12, 18, 12)) == "carol"
    assert on_call_at(early, ny(2024, 12, 25, 12)) == ("dave",)


def test_nobody_is_on_call_before_the_layer_starts() -> None:
    assert layer_on_call(PRIMARY, PRIMARY.layers[0], ny(2024, 12, 25, 12)) is None
    assert on_call_at(PRIMARY, ny(2024, 12, 25, 12)) == ()


def test_secondary_is_one_turn_behind_primary() -> None:
    assert on_call_at(SECONDARY, ny(2025, 1, 8, 12)) == ("alice",)
    assert on_call_at(SECONDARY, ny(2025, 1, 1, 12)) == ("dave",)


@given(st.integers(min_value=0, max_value=5 * 365 * DAY))
def test_secondary_is_always_primarys_previous_person(seconds: int) -> None:
    at = ny(2025, 1, 1) + timedelta(seconds=seconds)
    (primary,) = on_call_at(PRIMARY, at)
    assert on_call_at(SECONDARY, at) == (TEAM[TEAM.index(primary) - 1],)


def test_naive_layer_times_are_read_in_the_schedule_time_zone_and_aware_ones_kept() -> None:
    at = ny(2025, 1, 7, 20)  # 2025-01-08T01:00Z
    naive = new_york(weekly_layer("L", datetime(2025, 1, 1)))
    aware = new_york(weekly_layer("L", utc(2025, 1, 1), start=utc(2025, 1, 1)))
    assert on_call_at(naive, at) == ("alice",)
    assert on_call_at(aware, at) == ("bob",)


def test_a_single_users_touching_turns_render_as_one_shift() -> None:
    solo = new_york(
        Layer(
            name="solo",
            start=datetime(2025, 1, 1),
            rotation_virtual_start=datetime(2025, 1, 1),
            rotation_turn_length_seconds=DAY,
            users=("alice",),
        )
    )
    assert render(solo, ny(2025, 1, 1), ny(2025, 2, 1)) == [
        Shift("alice", utc(2025, 1, 1, 5), utc(2025, 2, 1, 5), "solo")
    ]


# --- daylight saving time ---------------------------------------------------------------


def test_whole_day_turns_hand_off_at_the_same_local_time_across_dst() -> None:
    shifts = layer_shifts(PRIMARY, PRIMARY.layers[0], ny(2025, 3, 1), ny(2025, 3, 20))
    assert shifts == [
        Shift("alice", utc(2025, 3, 1, 5), utc(2025, 3, 5, 5), "Primary"),
        Shift("bob", utc(2025, 3, 5, 5), utc(2025, 3, 12, 4), "Primary"),  # 00:00 EDT
        Shift("carol", utc(2025, 3, 12, 4), utc(2025, 3, 19, 4), "Primary"),
        Shift("dave", utc(2025, 3, 19, 4), utc(2025, 3, 20, 4), "Primary"),
    ]
    assert on_call_at(PRIMARY, ny(2025, 3, 12, 0, 30)) == ("carol",)
    autumn = layer_shifts(PRIMARY, PRIMARY.layers[0], ny(2025, 11, 1, 12), ny(2025, 11, 10))
    assert [(s.user, s.start.astimezone(NY).hour) for s in autumn] == [("dave", 12), ("alice", 0)]
    assert autumn[1].start == utc(2025, 11, 5, 5)  # 00:00 EST


def test_sub_day_turns_count_elapsed_time_across_dst() -> None:
    layer = Layer(
        name="halves",
        start=datetime(2025, 3, 8),
        rotation_virtual_start=datetime(2025, 3, 8, 8),
        rotation_turn_length_seconds=12 * 3600,
        users=("alice", "bob"),
    )
    schedule = new_york(layer)
    shifts = layer_shifts(schedule, layer, ny(2025, 3, 8, 8), ny(2025, 3, 10, 8))
    assert [(s.user, s.start) for s in shifts] == [
        ("alice", utc(2025, 3, 8, 13)),
        ("bob", utc(2025, 3, 9, 1)),
        ("alice", utc(2025, 3, 9, 13)),  # 09:00 EDT: twelve elapsed hours after 20:00 EST
        ("bob", utc(2025, 3, 10, 1)),
    ]


def test_daily_restriction_stays_at_nine_local_across_the_march_2025_dst_change() -> None:
    layer = Layer(
        name="business",
        start=datetime(2025, 1, 1),
        rotation_virtual_start=datetime(2025, 1, 1),
        rotation_turn_length_seconds=WEEK,
        users=("alice",),
        restrictions=(daily("09:00:00", 8),),
    )
    schedule = new_york(layer)
    shifts = layer_shifts(schedule, layer, ny(2025, 3, 7), ny(2025, 3, 11))
    assert [(s.start, s.end) for s in shifts] == [
        (utc(2025, 3, 7, 14), utc(2025, 3, 7, 22)),
        (utc(2025, 3, 8, 14), utc(2025, 3, 8, 22)),
        (utc(2025, 3, 9, 13), utc(2025, 3, 9, 21)),
        (utc(2025, 3, 10, 13), utc(2025, 3, 10, 21)),
    ]
    assert {(s.start.astimezone(NY).hour, s.end.astimezone(NY).hour) for s in shifts} == {(9, 17)}


# --- restrictions -----------------------------------------------------------------------


def test_daily_restriction_crossing_midnight_covers_the_night() -> None:
    night = new_york(
        weekly_layer("night", datetime(2025, 1, 1), restrictions=(daily("22:00:00", 8),))
    )
    assert on_call_at(night, ny(2025, 1, 2, 23)) == ("alice",)
    assert on_call_at(night, ny(2025, 1, 3, 5, 59)) == ("alice",)
    assert on_call_at(night, ny(2025, 1, 3, 6)) == ()
    assert on_call_at(night, ny(2025, 1, 3, 21, 59)) == ()
    assert render(night, ny(2025, 1, 2), ny(2025, 1, 4)) == [
        Shift("alice", utc(2025, 1, 2, 5), utc(2025, 1, 2, 11), "night"),  # from 2025-01-01 22:00
        Shift("alice", utc(2025, 1, 3, 3), utc(2025, 1, 3, 11), "night"),
        Shift("alice", utc(2025, 1, 4, 3), utc(2025, 1, 4, 5), "night"),
    ]


def test_weekly_restriction_crossing_sunday_into_monday() -> None:
    weekend = Restriction(
        type="weekly_restriction",
        start_time_of_day="20:00:00",
        duration_seconds=16 * 3600,
        start_day_of_week=7,
    )
    schedule = new_york(weekly_layer("weekend", datetime(2025, 1, 1), restrictions=(weekend,)))
    assert on_call_at(schedule, ny(2025, 1, 5, 19, 59)) == ()  # Sunday
    assert on_call_at(schedule, ny(2025, 1, 5, 20)) == ("alice",)
    assert on_call_at(schedule, ny(2025, 1, 6, 11, 59)) == ("alice",)  # Monday
    assert on_call_at(schedule, ny(2025, 1, 6, 12)) == ()
    # A range that opens on Monday morning still sees the window that began on Sunday;
    # the turn changes on Wednesday, so the next Sunday is bob's.
    assert render(schedule, ny(2025, 1, 6, 8), ny(2025, 1, 14)) == [
        Shift("alice", utc(2025, 1, 6, 13), utc(2025, 1, 6, 17), "weekend"),
        Shift("bob", utc(2025, 1, 13, 1), utc(2025, 1, 13, 17), "weekend"),
    ]


def test_restrictions_do_not_shift_turns() -> None:
    layer = weekly_layer("business", datetime(2025, 1, 1), restrictions=(daily("09:00:00", 8),))
    schedule = new_york(layer)
    for day in range(1, 60):
        at = ny(2025, 1, 1, 12) + timedelta(days=day)
        assert on_call_at(schedule, at) == on_call_at(PRIMARY, at)


def test_follow_the_sun_layers_hand_over_at_local_times_across_dst() -> None:
    def region(name: str, user: str, opens: str) -> Layer:
        return Layer(
            name=name,
            start=datetime(2025, 1, 1),
            rotation_virtual_start=datetime(2025, 1, 1),
            rotation_turn_length_seconds=WEEK,
            users=(user,),
            restrictions=(daily(opens, 8),),
        )

    schedule = Schedule(
        name="follow-the-sun",
        time_zone="Europe/London",
        layers=(
            region("apac", "kai", "00:00:00"),
            region("emea", "eve", "08:00:00"),
            region("amer", "abe", "16:00:00"),
        ),
    )
    start, end = datetime(2025, 3, 29, tzinfo=LONDON), datetime(2025, 4, 1, tzinfo=LONDON)
    shifts = render(schedule, start, end)
    local = [
        (
            s.layer,
            s.start.astimezone(LONDON).strftime("%d %H:%M"),
            s.end.astimezone(LONDON).strftime("%d %H:%M"),
        )
        for s in shifts
    ]
    assert local == [
        ("apac", "29 00:00", "29 08:00"),
        ("emea", "29 08:00", "29 16:00"),
        ("amer", "29 16:00", "30 00:00"),
        ("apac", "30 00:00", "30 08:00"),
        ("emea", "30 08:00", "30 16:00"),
        ("amer", "30 16:00", "31 00:00"),
        ("apac", "31 00:00", "31 08:00"),
        ("emea", "31 08:00", "31 16:00"),
        ("amer", "31 16:00", "01 00:00"),
    ]
    assert all(a.end == b.start for a, b in pairwise(shifts))
    assert shifts[3].end - shifts[3].start == timedelta(hours=7)  # clocks go forward at 01:00


# --- layers, ends and overrides ------------------------------------------------------


def test_one_schedule_seed_form_renders_only_the_secondary_layer() -> None:
    assert shadowed_layers(ONE_SCHEDULE) == ["Primary"]
    for week in range(8):
        at = ny(2025, 1, 1, 12) + timedelta(weeks=week)
        assert on_call_at(ONE_SCHEDULE, at) == on_call_at(SECONDARY, at)
    assert {s.layer for s in render(ONE_SCHEDULE, ny(2025, 1, 1), ny(2025, 3, 1))} == {"Secondary"}


def test_lint_warns_that_the_seed_primary_layer_is_never_on_call() -> None:
    assert lint_schedule(ONE_SCHEDULE) == [
        "schedule 'checkout_oncall': layer 'Primary' is never on call: layer 'Secondary' covers it"
        " completely (PagerDuty renders only the later layer)"
    ]


def test_two_separate_schedules_have_no_warnings() -> None:
    assert lint_schedule(PRIMARY) == []
    assert lint_schedule(SECONDARY) == []
    assert shadowed_layers(PRIMARY) == shadowed_layers(SECONDARY) == []


def test_a_restricted_later_layer_leaves_the_earlier_layer_visible() -> None:
    business = weekly_layer("business", datetime(2025, 1, 1), restrictions=(daily("09:00:00", 8),))
    assert shadowed_layers(new_york(weekly_layer("base", datetime(2025, 1, 1)), business)) == []
    assert shadowed_layers(new_york(business, weekly_layer("base", datetime(2025, 1, 1)))) == [
        "business"
    ]


def test_several_later_layers_can_shadow_together() -> None:
    schedule = new_york(
        weekly_layer("base", datetime(2025, 1, 1)),
        weekly_layer("day", datetime(2025, 1, 1), restrictions=(daily("08:00:00", 12),)),
        weekly_layer("night", datetime(2025, 1, 1), restrictions=(daily("20:00:00", 12),)),
    )
    assert lint_schedule(schedule) == [
        "schedule 'checkout': layer 'base' is never on call: layers 'day', 'night' cover it"
        " completely (PagerDuty renders only the later layers)"
    ]


def test_a_later_layer_that_ends_shadows_nothing() -> None:
    schedule = new_york(
        weekly_layer("Primary", datetime(2025, 1, 1)),
        weekly_layer("Secondary", datetime(2025, 1, 8), end=datetime(2025, 1, 15)),
    )
    assert shadowed_layers(schedule) == []
    assert on_call_at(schedule, ny(2025, 1, 14, 23, 59)) == ("alice",)  # Secondary
    assert on_call_at(schedule, ny(2025, 1, 15)) == ("carol",)  # Primary again
    assert layer_on_call(schedule, schedule.layers[1], ny(2025, 1, 15)) is None


def test_shadowing_is_checked_from_the_given_horizon() -> None:
    schedule = new_york(
        weekly_layer("Primary", datetime(2025, 1, 1)),
        weekly_layer("Secondary", datetime(2025, 1, 8), start=datetime(2025, 2, 1)),
    )
    assert shadowed_layers(schedule) == ["Primary"]
    assert shadowed_layers(schedule, horizon_start=ny(2025, 1, 1)) == []


def test_overrides_beat_every_layer() -> None:
    cover = Override(start=datetime(2025, 1, 2, 9), end=datetime(2025, 1, 2, 17), user="erin")
    schedule = new_york(*ONE_SCHEDULE.layers, overrides=(cover,))
    assert on_call_at(schedule, ny(2025, 1, 2, 12)) == ("erin",)
    assert render(schedule, ny(2025, 1, 2), ny(2025, 1, 3)) == [
        Shift("dave", utc(2025, 1, 2, 5), utc(2025, 1, 2, 14), "Secondary"),
        Shift("erin", utc(2025, 1, 2, 14), utc(2025, 1, 2, 22), "override"),
        Shift("dave", utc(2025, 1, 2, 22), utc(2025, 1, 3, 5), "Secondary"),
    ]


def test_the_later_of_overlapping_overrides_wins() -> None:
    schedule = new_york(
        *PRIMARY.layers,
        overrides=(
            Override(start=ny(2025, 1, 2, 9), end=ny(2025, 1, 2, 17), user="erin"),
            Override(start=ny(2025, 1, 2, 12), end=ny(2025, 1, 2, 13), user="frank"),
        ),
    )
    assert on_call_at(schedule, ny(2025, 1, 2, 12, 30)) == ("frank",)
    assert [
        (s.user, s.start.astimezone(NY).hour)
        for s in render(schedule, ny(2025, 1, 2, 9), ny(2025, 1, 2, 17))
    ] == [
        ("erin", 9),
        ("frank", 12),
        ("erin", 13),
    ]


def test_render_of_an_empty_range_is_empty() -> None:
    assert render(PRIMARY, ny(2025, 1, 2), ny(2025, 1, 2)) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda: on_call_at(PRIMARY, datetime(2025, 1, 1, 12)),
        lambda: layer_on_call(PRIMARY, PRIMARY.layers[0], datetime(2025, 1, 1, 12)),
        lambda: render(PRIMARY, datetime(2025, 1, 1), ny(2025, 2, 1)),
        lambda: shadowed_layers(PRIMARY, horizon_start=datetime(2025, 1, 1)),
    ],
)
def test_naive_instants_are_refused(call: Any) -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        call()


# --- validation -------------------------------------------------------------------------


def layer_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Primary",
        "start": "2025-01-01T00:00:00",
        "rotation_virtual_start": "2025-01-01T00:00:00",
        "rotation_turn_length_seconds": WEEK,
        "users": ["alice", "bob"],
    }
    return data | changes


def schedule_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "s", "time_zone": "America/New_York", "layers": [layer_data()]}
    return data | changes


def weekly_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "weekly_restriction",
        "start_time_of_day": "09:00:00",
        "duration_seconds": 3600,
    }
    return data | changes


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (schedule_data(time_zone="Mars/Olympus_Mons"), "unknown time zone 'Mars/Olympus_Mons'"),
        (schedule_data(time_zone="America"), "unknown time zone"),
        (schedule_data(time_zone=""), "unknown time zone"),
        (
            schedule_data(layers=[layer_data(restrictions=[weekly_data()])]),
            "needs start_day_of_week",
        ),
        (
            schedule_data(layers=[layer_data(restrictions=[weekly_data(start_day_of_week=8)])]),
            "less than or equal to 7",
        ),
        (
            schedule_data(
                layers=[
                    layer_data(
                        restrictions=[weekly_data(start_day_of_week=1, duration_seconds=WEEK + 1)]
                    )
                ]
            ),
            "at most a week",
        ),
        (
            schedule_data(
                layers=[
                    layer_data(
                        restrictions=[weekly_data(type="daily_restriction", start_day_of_week=1)]
                    )
                ]
            ),
            "only allowed on a weekly_restriction",
        ),
        (
            schedule_data(
                layers=[
                    layer_data(
                        restrictions=[weekly_data(type="daily_restriction", duration_seconds=DAY)]
                    )
                ]
            ),
            "less than a day",
        ),
        (
            schedule_data(
                layers=[layer_data(restrictions=[weekly_data(start_time_of_day="9:00")])]
            ),
            "HH:MM:SS",
        ),
        (
            schedule_data(
                layers=[layer_data(restrictions=[weekly_data(start_time_of_day="24:00:00")])]
            ),
            "HH:MM:SS",
        ),
        (
            schedule_data(
                layers=[layer_data(restrictions=[weekly_data(start_time_of_day="09:60:00")])]
            ),
            "HH:MM:SS",
        ),
        (schedule_data(layers=[layer_data(users=[])]), "at least 1 item"),
        (schedule_data(layers=[]), "at least 1 item"),
        (schedule_data(layers=[layer_data(rotation_turn_length_seconds=0)]), "greater than 0"),
        (schedule_data(layers=[layer_data(end="2024-12-31T00:00:00")]), "end must be after start"),
        (
            schedule_data(
                layers=[layer_data(start="2025-01-01T12:00:00Z", end="2025-01-01T06:00:00")]
            ),
            "layer 'Primary': end must be after start",
        ),
        (schedule_data(layers=[layer_data(), layer_data()]), "repeated: Primary"),
        (schedule_data(layers=[layer_data(name="override")]), "reserved for overrides"),
        (
            schedule_data(
                overrides=[
                    {"start": "2025-01-02T00:00:00", "end": "2025-01-01T00:00:00", "user": "x"}
                ]
            ),
            "end must be after start",
        ),
        (schedule_data(colour="red"), "Extra inputs are not permitted"),
    ],
)
def test_invalid_schedules_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Schedule.model_validate(data)


# --- render agrees with on_call_at --------------------------------------------------------

ZONES = ("UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata")
ORIGIN = datetime(2025, 3, 5)  # a month around the US, EU and Lord Howe DST changes


@st.composite
def restrictions(draw: st.DrawFn) -> Restriction:
    opens = f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 15, 30, 45])):02d}:00"
    if draw(st.booleans()):
        return daily(opens, draw(st.integers(1, 24 * 4 - 1)) / 4)
    return Restriction(
        type="weekly_restriction",
        start_time_of_day=opens,
        duration_seconds=draw(st.integers(1, 7 * 24)) * 3600,
        start_day_of_week=draw(st.integers(1, 7)),
    )


@st.composite
def layers(draw: st.DrawFn, name: str) -> Layer:
    start = ORIGIN + timedelta(hours=draw(st.integers(-10 * 24, 20 * 24)))
    # At least 2 h: a 1 h layer that starts inside a spring-forward gap ends at the very
    # instant it starts, which the schedule rightly refuses as empty.
    length = draw(st.none() | st.integers(2, 30 * 24))
    return Layer(
        name=name,
        start=start,
        end=None if length is None else start + timedelta(hours=length),
        rotation_virtual_start=ORIGIN
        + timedelta(minutes=draw(st.integers(-90 * 24 * 60, 90 * 24 * 60))),
        rotation_turn_length_seconds=draw(
            st.sampled_from([3600, 5400, 8 * 3600, 12 * 3600, DAY, 2 * DAY, WEEK])
        ),
        users=tuple(
            draw(st.lists(st.sampled_from(["ann", "ben", "cat", "dan"]), min_size=1, max_size=4))
        ),
        restrictions=tuple(draw(st.lists(restrictions(), max_size=2))),
    )


@st.composite
def overrides(draw: st.DrawFn) -> Override:
    start = ORIGIN + timedelta(minutes=draw(st.integers(0, 30 * 24 * 60)))
    return Override(
        start=start, end=start + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60))), user="ovi"
    )


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    count = draw(st.integers(1, 3))
    return Schedule(
        name="random",
        time_zone=draw(st.sampled_from(ZONES)),
        layers=tuple(draw(layers(f"layer{i}")) for i in range(count)),
        overrides=tuple(draw(st.lists(overrides(), max_size=2))),
    )


@settings(max_examples=150, deadline=None)
@given(
    schedules(),
    st.integers(0, 10 * 24),
    st.integers(1, 30 * 24),
    st.lists(st.integers(0, 10**9), max_size=20),
)
def test_render_agrees_with_on_call_at_everywhere(
    schedule: Schedule, offset_hours: int, span_hours: int, probes: list[int]
) -> None:
    zone = ZoneInfo(schedule.time_zone)
    # In UTC: arithmetic and comparisons on datetimes sharing a ZoneInfo are wall-clock ones.
    start = (ORIGIN + timedelta(hours=offset_hours)).replace(tzinfo=zone).astimezone(UTC)
    end = start + timedelta(hours=span_hours)
    shifts = render(schedule, start, end)

    for shift in shifts:
        assert start <= shift.start < shift.end <= end
    for first, second in pairwise(shifts):
        assert first.end <= second.start
        assert not (
            first.end == second.start and (first.user, first.layer) == (second.user, second.layer)
        )

    starts = [shift.start for shift in shifts]
    instants = [start, end - timedelta(microseconds=1)]
    instants += (
        [s.start for s in shifts]
        + [s.end - timedelta(microseconds=1) for s in shifts]
        + [s.end for s in shifts]
    )
    span_us = (end - start) // timedelta(microseconds=1)
    instants += [start + timedelta(microseconds=span_us * probe // 10**9) for probe in probes]
    for at in instants:
        if not start <= at < end:
            continue
        index = bisect_right(starts, at) - 1
        covering = shifts[index] if index >= 0 and at < shifts[index].end else None
        assert on_call_at(schedule, at) == (() if covering is None else (covering.user,))
        if covering is not None and covering.layer != "override":
            layer = next(layer for layer in schedule.layers if layer.name == covering.layer)
            assert layer_on_call(schedule, layer, at) == covering.user
