"""Which later layers the shadow lint names (drillbit's rule, ``playbook/schedules.py``): the
last later layer that alone covers a shadowed layer, or else every later layer that has
someone on call over it; a later layer that only touches it is not named."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from playbook.schedules import Layer, Restriction, Schedule, lint_schedule, shadowed_layers

DAY = 86_400


def layer(name: str, *windows: tuple[str, float], end: datetime | None = None) -> Layer:
    restrictions = tuple(
        Restriction(type="daily_restriction", start_time_of_day=start, duration_seconds=int(hours * 3600))
        for start, hours in windows
    )
    return Layer(name=name, start=datetime(2025, 1, 1), end=end, rotation_virtual_start=datetime(2025, 1, 1),
                 rotation_turn_length_seconds=DAY, users=(name.lower(),), restrictions=restrictions)


def schedule(*layers: Layer) -> Schedule:
    return Schedule(name="ops", time_zone="America/New_York", layers=layers)


def test_each_shadowed_layer_names_the_last_layer_that_covers_it_alone() -> None:
    four = schedule(layer("A"), layer("B"), layer("C"), layer("D"))
    by_d = "layer 'D' covers it completely (PagerDuty renders only the later layer)"
    assert lint_schedule(four) == [
        f"schedule 'ops': layer '{name}' is never on call: {by_d}" for name in ("A", "B", "C")
    ]


def test_a_wider_daily_window_shadows_a_narrower_one_every_day() -> None:
    # 08:00-18:00 every day covers 09:00-17:00 every day, for the year the lint looks at.
    assert shadowed_layers(schedule(layer("Day", ("09:00:00", 8)), layer("Wide", ("08:00:00", 10)))) == [
        "Day"
    ]
    assert shadowed_layers(schedule(layer("Day", ("09:00:00", 8)), layer("Short", ("09:00:00", 7.5)))) == []


def test_layers_that_cover_it_together_are_named_but_not_one_that_only_touches_it() -> None:
    # Day 09-17 is covered by Morning 00-12 and Afternoon 12-24 together; Evening 17-09
    # (overnight, for three days) meets Day at 17:00 and 09:00 but never overlaps it.
    ops = schedule(
        layer("Day", ("09:00:00", 8)),
        layer("Morning", ("00:00:00", 12)),
        layer("Afternoon", ("12:00:00", 12)),
        layer("Evening", ("17:00:00", 16), end=datetime(2025, 1, 4)),
    )
    assert lint_schedule(ops) == [
        "schedule 'ops': layer 'Day' is never on call: layers 'Morning', 'Afternoon' cover it "
        "completely (PagerDuty renders only the later layers)"
    ]


def test_a_layer_is_named_for_any_stretch_it_has_over_the_shadowed_one() -> None:
    # Lunch is on 06-08 (before Day) and 12-13 (within it) every day.
    ops = schedule(
        layer("Day", ("09:00:00", 8)),
        layer("Morning", ("00:00:00", 12)),
        layer("Afternoon", ("12:00:00", 12)),
        layer("Lunch", ("06:00:00", 2), ("12:00:00", 1)),
    )
    assert lint_schedule(ops) == [
        "schedule 'ops': layer 'Day' is never on call: layers 'Morning', 'Afternoon', 'Lunch' "
        "cover it completely (PagerDuty renders only the later layers)"
    ]


def test_a_naive_horizon_is_refused_by_name() -> None:
    naive = datetime(2025, 1, 1)
    with pytest.raises(ValueError, match=r"^horizon_start must be time-zone aware, got naive 2025-01-01T00:00:00$"):
        shadowed_layers(schedule(layer("A")), horizon_start=naive)
    assert shadowed_layers(schedule(layer("A")), horizon_start=naive.replace(tzinfo=ZoneInfo("UTC"))) == []
