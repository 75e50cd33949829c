"""Simulated minutes on a wall clock, across daylight-saving changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from simulator.clock import local_clock, minute_of

START = datetime.fromisoformat("2025-01-06T00:00:00-05:00")  # Monday midnight, New York


def test_minute_zero_is_monday_midnight_local() -> None:
    clock = local_clock("America/New_York", START, 400 * 1440.0)
    assert clock.minute_of_week(0.0) == 0
    assert clock.minute_of_week(1440.0 * 5 + 60) == 5 * 1440 + 60  # Saturday 01:00


def test_the_spring_forward_moves_the_local_clock_an_hour() -> None:
    clock = local_clock("America/New_York", START, 400 * 1440.0)
    change = minute_of(START, datetime.fromisoformat("2025-03-09T03:00:00-04:00"))
    assert clock.offset(change - 1) == -300 and clock.offset(change) == -240
    assert clock.datetime_at(change).hour == 3 and clock.datetime_at(change - 1).hour == 1


def test_array_and_scalar_local_times_agree_and_match_zoneinfo() -> None:
    clock = local_clock("Europe/London", START, 400 * 1440.0)
    minutes = np.linspace(0, 399 * 1440, 997)
    local = clock.local_array(minutes)
    for m, value in zip(minutes, local, strict=True):
        assert value == clock.local(float(m))
        wall = (START + timedelta(minutes=float(m))).astimezone(clock.datetime_at(0).tzinfo)
        assert int(value % 1440) == wall.hour * 60 + wall.minute
