"""A person's state by local time, acknowledgement draws and the fatigue load."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from simulator.clock import local_clock
from simulator.distributions import Fixed, Lognormal
from simulator.responders import ASLEEP, OFF_HOURS, WORKING, Responder
from simulator.sections import AckSpec, FatigueSpec, MissSpec, Profile
from simulator.streams import KeyedDraws, stream_key

START = datetime.fromisoformat("2025-01-06T00:00:00-05:00")  # Monday, New York


def person(
    profile: Profile | None = None,
    fatigue: FatigueSpec | None = None,
    zone: str = "America/New_York",
) -> Responder:
    return Responder(
        0,
        "alice",
        profile or Profile(),
        local_clock(zone, START, 60 * 24 * 60.0),
        fatigue or FatigueSpec(enabled=False),
        KeyedDraws(stream_key(1, 0, "response", "alice")),
    )


@pytest.mark.parametrize(
    ("minute", "state"),
    [
        (10 * 60, WORKING),  # Monday 10:00
        (17 * 60 + 30, OFF_HOURS),  # Monday 17:30
        (23 * 60 + 30, ASLEEP),  # Monday 23:30
        (3 * 60, ASLEEP),  # Monday 03:00
        (5 * 1440 + 12 * 60, OFF_HOURS),  # Saturday noon
    ],
)
def test_state_follows_the_persons_local_working_and_sleep_hours(minute: float, state: int) -> None:
    assert person().state(minute) == state


def test_a_new_york_morning_stays_a_morning_across_the_dst_change() -> None:
    # 2025-03-09: clocks go forward. 10:00 local on Monday 2025-03-10 is minute 63 days - 1 hour.
    alice = person()
    monday_after = 63 * 1440 + 10 * 60 - 60
    assert alice.clock.datetime_at(monday_after).hour == 10
    assert alice.state(monday_after) == WORKING


def test_someone_always_available_is_always_working() -> None:
    alice = person(Profile(always_available=True))
    assert {alice.state(m) for m in np.arange(0, 10080, 37.0)} == {WORKING}


def test_acknowledgement_delay_depends_on_the_state() -> None:
    profile = Profile(
        ack=AckSpec(working=Fixed(value=1), off_hours=Fixed(value=2), asleep=Fixed(value=7)),
        miss=MissSpec(working=0, off_hours=0, asleep=0),
    )
    alice = person(profile)
    assert [alice.respond(m, b"page")[0] for m in (600.0, 1080.0, 180.0)] == [1.0, 2.0, 7.0]


def test_a_certain_miss_is_always_missed() -> None:
    alice = person(Profile(miss=MissSpec(working=1, off_hours=1, asleep=1)))
    assert all(alice.respond(600.0 + i, bytes([i]))[1] for i in range(20))


def test_fatigue_load_halves_every_half_life_and_sleep_pages_weigh_more() -> None:
    fatigue = FatigueSpec(half_life_hours=2, sleep_weight=3)
    alice = person(fatigue=fatigue)
    alice.notice(180.0)  # asleep: weighs 3
    assert alice.current_load(180.0) == 3.0
    assert math.isclose(alice.current_load(300.0), 1.5)
    alice.notice(600.0)  # working: weighs 1
    assert math.isclose(alice.current_load(600.0), 3.0 * 2 ** (-420 / 120) + 1.0)


def test_availability_waits_for_the_next_working_minute() -> None:
    alice = person()
    assert alice.minutes_until_available(600.0, "working") == 0.0
    assert alice.minutes_until_available(180.0, "working") == 6 * 60  # 03:00 -> 09:00
    assert alice.minutes_until_available(180.0, "awake") == 4 * 60  # 03:00 -> 07:00


def test_the_same_page_gets_the_same_delay_whatever_came_before() -> None:
    profile = Profile(ack=AckSpec(working=Lognormal(median=2, p90=6)))
    alone, busy = person(profile), person(profile)
    for i in range(50):
        busy.respond(600.0 + i, b"another page %d" % i)
    assert alone.respond(700.0, b"this page") == busy.respond(700.0, b"this page")
