"""PagerDuty's own schedule example (``GET /schedules/{id}`` in its OpenAPI reference,
tests/fixtures/pagerduty/schedule.json): one daily layer
restricted to 08:00-17:00 New York time, which PagerDuty renders as one 9-hour entry a day
and 37.5 % coverage. Plus the coverage of overrides and the naive-time refusals."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from playbook.schedules import (
    Layer,
    Override,
    Restriction,
    Schedule,
    Shift,
    coverage_spans,
    layer_shifts,
    on_call_at,
    render,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pagerduty" / "schedule.json"
NY = ZoneInfo("America/New_York")


def pagerduty_schedule(overrides: tuple[Override, ...] = ()) -> Schedule:
    raw: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))["schedule"]
    layers = tuple(
        Layer(
            name=layer["name"],
            start=layer["start"],
            rotation_virtual_start=layer["rotation_virtual_start"],
            rotation_turn_length_seconds=layer["rotation_turn_length_seconds"],
            users=tuple(u["user"]["id"] for u in layer["users"]),
            restrictions=tuple(Restriction(**r) for r in layer["restrictions"]),
        )
        for layer in raw["schedule_layers"]
    )
    return Schedule(name=raw["name"], time_zone=raw["time_zone"], layers=layers, overrides=overrides)


def test_the_example_renders_one_nine_hour_entry_a_day_as_pagerduty_does() -> None:
    # The layer's rendered_schedule_entries: 2015-11-09 08:00 to 17:00 at -05:00.
    schedule = pagerduty_schedule()
    day = datetime(2015, 11, 9, tzinfo=NY)
    expected = Shift("PXPGF42", datetime.fromisoformat("2015-11-09T08:00:00-05:00"),
                     datetime.fromisoformat("2015-11-09T17:00:00-05:00"), "Layer 1")
    assert render(schedule, day, day + timedelta(days=1)) == [expected]
    assert layer_shifts(schedule, schedule.layers[0], day, day + timedelta(days=1)) == [expected]


def test_the_example_covers_37_5_percent_of_a_day() -> None:
    schedule = pagerduty_schedule()
    day = datetime(2015, 11, 10, tzinfo=NY)
    spans = coverage_spans(schedule, day, day + timedelta(days=1))
    covered = sum((end - start for start, end in spans), timedelta())
    assert covered / timedelta(days=1) == 0.375


def test_the_example_has_nobody_before_its_layer_starts_or_outside_its_window() -> None:
    # The layer starts 2015-11-06 21:00, after that day's window: the first entry is the 7th.
    schedule = pagerduty_schedule()
    first = render(schedule, datetime(2015, 11, 6, tzinfo=NY), datetime(2015, 11, 8, tzinfo=NY))
    assert [(s.start.astimezone(NY).day, s.start.astimezone(NY).hour) for s in first] == [(7, 8)]
    assert on_call_at(schedule, datetime(2015, 11, 9, 17, 0, tzinfo=NY)) == ()
    assert on_call_at(schedule, datetime(2015, 11, 9, 16, 59, tzinfo=NY)) == ("PXPGF42",)


def test_coverage_counts_overrides_clipped_to_the_range() -> None:
    # An evening override next to the 08-17 window and one running past the range's end.
    evening = Override(start=datetime(2015, 11, 10, 19), end=datetime(2015, 11, 10, 21), user="PZ1")
    late = Override(start=datetime(2015, 11, 10, 23), end=datetime(2015, 11, 11, 6), user="PZ2")
    schedule = pagerduty_schedule(overrides=(evening, late))
    day = datetime(2015, 11, 10, tzinfo=NY)
    assert coverage_spans(schedule, day, day + timedelta(days=1)) == [
        (datetime(2015, 11, 10, 13, tzinfo=UTC), datetime(2015, 11, 10, 22, tzinfo=UTC)),
        (datetime(2015, 11, 11, 0, tzinfo=UTC), datetime(2015, 11, 11, 2, tzinfo=UTC)),
        (datetime(2015, 11, 11, 4, tzinfo=UTC), datetime(2015, 11, 11, 5, tzinfo=UTC)),
    ]


@pytest.mark.parametrize("which", ["start", "end"])
def test_layer_shifts_and_coverage_name_the_naive_bound(which: str) -> None:
    schedule = pagerduty_schedule()
    bounds = {"start": datetime(2015, 11, 9, tzinfo=NY), "end": datetime(2015, 11, 10, tzinfo=NY)}
    bounds[which] = bounds[which].replace(tzinfo=None)
    message = f"{which} must be time-zone aware, got naive {bounds[which].isoformat()}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        layer_shifts(schedule, schedule.layers[0], bounds["start"], bounds["end"])
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        coverage_spans(schedule, bounds["start"], bounds["end"])


def test_an_override_that_ends_where_the_range_starts_adds_no_span() -> None:
    before = Override(start=datetime(2015, 11, 9, 20), end=datetime(2015, 11, 10), user="PZ1")
    day = datetime(2015, 11, 10, tzinfo=NY)
    assert coverage_spans(pagerduty_schedule(overrides=(before,)), day, day + timedelta(days=1)) == [
        (datetime(2015, 11, 10, 13, tzinfo=UTC), datetime(2015, 11, 10, 22, tzinfo=UTC)),
    ]
