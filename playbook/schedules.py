"""On-call schedules with PagerDuty semantics: layers, restrictions, overrides, rendering.

Field names follow PagerDuty's Terraform provider (seed 004). Who is on call is a pure
function of a schedule and an instant; nothing here reads a clock.

Rules (PagerDuty's, except where marked):

* A layer's user at ``t`` is ``users[turn mod len(users)]`` where ``turn`` counts handoffs
  since ``rotation_virtual_start``; the rotation extends backwards before the virtual start.
* Restrictions limit a layer to recurring windows in the schedule's local wall-clock time;
  they never shift turns.
* In the final schedule the LAST layer with someone on call wins, and an override beats
  every layer. Of overlapping overrides the later listed wins (drillbit's rule).

Time zones. Turns of whole days hand off at the same local time across DST; other turn
lengths count elapsed seconds (the decision and its source are in ``_rotation``). Naive
datetimes in a schedule are wall-clock times in its ``time_zone`` (ambiguous ones take
the first occurrence; nonexistent ones, in a spring-forward gap, move forward by the gap:
``zoneinfo``'s ``fold=0`` reading). Every instant this module returns is aware and in
UTC, so results compare and bisect cheaply. Restriction windows are wall-clock times in
the schedule's zone, so a follow-the-sun design is several restricted layers of one
schedule (``apac`` 00:00-08:00, ``emea`` 08:00-16:00, ``amer`` 16:00-24:00) written in
that one zone, not in each team's own; their edges stay adjacent across DST changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator

from playbook._frozen import FROZEN

__all__ = [
    "Layer",
    "Override",
    "Restriction",
    "Schedule",
    "Shift",
    "coverage_spans",
    "layer_on_call",
    "layer_shifts",
    "lint_schedule",
    "on_call_at",
    "render",
    "shadowed_layers",
]

DAY_SECONDS = 86_400
WEEK_SECONDS = 7 * DAY_SECONDS
OVERRIDE = "override"  # the ``Shift.layer`` of a shift that comes from an override

_TIME_OF_DAY = re.compile(r"([01]\d|2[0-3]):([0-5]\d):([0-5]\d)")
_TICK = timedelta(microseconds=1)
# Once every layer has started and ended, coverage repeats weekly in wall-clock time; a
# year past that point also spans both DST changes, so the shadow check sees every case.
_SHADOW_TAIL = timedelta(weeks=53)

# (start, end, user): a half-open stretch [start, end) in UTC.
_Piece = tuple[datetime, datetime, str]
_Span = tuple[datetime, datetime]


def _parse_time_of_day(value: str) -> time:
    match = _TIME_OF_DAY.fullmatch(value)
    if match is None:
        raise ValueError(f"start_time_of_day must be HH:MM:SS, 00:00:00 to 23:59:59; got {value!r}")
    hour, minute, second = (int(part) for part in match.groups())
    return time(hour, minute, second)


def _comparable(first: datetime, second: datetime) -> bool:
    """Whether two datetimes can be ordered without knowing the schedule's zone."""
    return (first.tzinfo is None) == (second.tzinfo is None)


class Restriction(BaseModel):
    """A recurring window, in the schedule's wall-clock time, when a layer may have someone on call."""

    model_config = FROZEN

    type: Literal["daily_restriction", "weekly_restriction"]
    start_time_of_day: str = Field(description="HH:MM:SS, local to the schedule's time zone")
    duration_seconds: int = Field(gt=0)
    start_day_of_week: int | None = Field(
        default=None, ge=1, le=7, description="ISO: 1=Monday .. 7=Sunday; weekly only"
    )

    @field_validator("start_time_of_day")
    @classmethod
    def _check_time_of_day(cls, value: str) -> str:
        _parse_time_of_day(value)
        return value

    @model_validator(mode="after")
    def _check_shape(self) -> Restriction:
        if self.type == "daily_restriction":
            if self.start_day_of_week is not None:
                raise ValueError("start_day_of_week is only allowed on a weekly_restriction")
            if self.duration_seconds >= DAY_SECONDS:
                raise ValueError(
                    f"a daily_restriction lasts less than a day ({DAY_SECONDS} s); "
                    f"got {self.duration_seconds}"
                )
        else:
            if self.start_day_of_week is None:
                raise ValueError(
                    "a weekly_restriction needs start_day_of_week (1=Monday .. 7=Sunday)"
                )
            if self.duration_seconds > WEEK_SECONDS:
                raise ValueError(
                    f"a weekly_restriction lasts at most a week ({WEEK_SECONDS} s); "
                    f"got {self.duration_seconds}"
                )
        return self


class Layer(BaseModel):
    """One rotation of users taking turns; later layers of a schedule cover earlier ones."""

    model_config = FROZEN

    name: str = Field(min_length=1)
    start: datetime = Field(description="when the layer takes effect")
    end: datetime | None = None
    rotation_virtual_start: datetime
    rotation_turn_length_seconds: int = Field(gt=0)
    users: tuple[str, ...] = Field(min_length=1)
    restrictions: tuple[Restriction, ...] = ()

    @model_validator(mode="after")
    def _check_end(self) -> Layer:
        if self.end is not None and _comparable(self.start, self.end) and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Override(BaseModel):
    """A user on call over [start, end) whatever the layers say."""

    model_config = FROZEN

    start: datetime
    end: datetime
    user: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check_end(self) -> Override:
        if _comparable(self.start, self.end) and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Schedule(BaseModel):
    """A PagerDuty schedule: layers in PagerDuty order (later wins) and overrides on top."""

    model_config = FROZEN

    name: str = Field(min_length=1)
    time_zone: str = Field(description="IANA name, e.g. America/New_York")
    description: str = ""
    pagerduty_id: str | None = Field(default=None, description="the schedule's id in PagerDuty")
    layers: tuple[Layer, ...] = Field(min_length=1)
    overrides: tuple[Override, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _check_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'America/New_York'"
            ) from exc
        return value

    @model_validator(mode="after")
    def _check_layers_and_overrides(self) -> Schedule:
        names = [layer.name for layer in self.layers]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"layer names must be unique; repeated: {', '.join(duplicates)}")
        if OVERRIDE in names:
            raise ValueError(f"{OVERRIDE!r} is reserved for overrides; rename that layer")
        zone = ZoneInfo(self.time_zone)
        for layer in self.layers:
            if layer.end is not None and _instant(layer.end, zone) <= _instant(layer.start, zone):
                raise ValueError(f"layer {layer.name!r}: end must be after start")
        for override in self.overrides:
            if _instant(override.end, zone) <= _instant(override.start, zone):
                raise ValueError(f"override for {override.user!r}: end must be after start")
        return self


@dataclass(frozen=True, slots=True)
class Shift:
    """A stretch [start, end) in UTC when ``user`` is on call, from ``layer`` or ``"override"``."""

    user: str
    start: datetime
    end: datetime
    layer: str


# --- time helpers -------------------------------------------------------------------


def _instant(value: datetime, zone: ZoneInfo) -> datetime:
    """``value`` as a UTC instant; a naive value is a wall-clock time in ``zone``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock reading of ``instant`` in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be time-zone aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


# --- one layer ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rotation:
    """A layer with its instants resolved in the schedule's zone."""

    zone: ZoneInfo
    start: datetime
    end: datetime | None
    virtual_start: datetime
    virtual_wall: datetime
    length: timedelta
    wall_clock: bool
    users: tuple[str, ...]
    restrictions: tuple[Restriction, ...]

    def handoff(self, turn: int) -> datetime:
        """The instant turn number ``turn`` begins (turn 0 begins at the virtual start)."""
        if self.wall_clock:
            return (
                (self.virtual_wall + turn * self.length).replace(tzinfo=self.zone).astimezone(UTC)
            )
        return self.virtual_start + turn * self.length

    def turn_at(self, instant: datetime) -> int:
        """The turn in progress at ``instant``; negative before the virtual start."""
        if not self.wall_clock:
            return (instant - self.virtual_start) // self.length
        # Estimate from the wall clock, then settle against the real handoff instants
        # (a DST change moves a handoff by up to the size of the change).
        turn = (_wall(instant, self.zone) - self.virtual_wall) // self.length
        while self.handoff(turn) > instant:
            turn -= 1
        while self.handoff(turn + 1) <= instant:
            turn += 1
        return turn


def _rotation(schedule: Schedule, layer: Layer) -> _Rotation:
    zone = ZoneInfo(schedule.time_zone)
    virtual_start = _instant(layer.rotation_virtual_start, zone)
    # DST decision: a turn of whole days hands off at the same LOCAL time every turn (a
    # weekly Wednesday 00:00 handoff stays 00:00 New York time across March and November),
    # so such turns are counted on the schedule's wall clock; any other turn length is
    # counted in elapsed seconds. Sources: PagerDuty's "Time Zone Settings" article,
    # section "Daylight Saving Time" (support.pagerduty.com/main/docs/time-zones), says a
    # user in UTC sees a US-Eastern schedule's times move when DST begins in the schedule's
    # zone, i.e. times are held on the schedule's wall clock; and the schedule editor sets
    # daily and weekly rotations by a local "handoff time" (support.pagerduty.com/docs/
    # schedules). PagerDuty documents nothing for sub-day turns across DST; elapsed seconds
    # keeps them contiguous and matches rotation_turn_length_seconds literally.
    wall_clock = layer.rotation_turn_length_seconds % DAY_SECONDS == 0
    return _Rotation(
        zone=zone,
        start=_instant(layer.start, zone),
        end=None if layer.end is None else _instant(layer.end, zone),
        virtual_start=virtual_start,
        virtual_wall=_wall(virtual_start, zone),
        length=timedelta(seconds=layer.rotation_turn_length_seconds),
        wall_clock=wall_clock,
        users=layer.users,
        restrictions=layer.restrictions,
    )


def _merge_spans(spans: Iterable[_Span]) -> list[_Span]:
    """Sorted, disjoint spans covering the same instants; touching spans are joined."""
    merged: list[_Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _window_days(restriction: Restriction, first: date, last: date) -> Iterable[date]:
    """Local dates on which a window of ``restriction`` may open, to reach [first, last]."""
    if restriction.type == "daily_restriction":
        # A window opening the day before may run past midnight into ``first``.
        day, stop = first - timedelta(days=2), last + timedelta(days=1)
        step = timedelta(days=1)
    else:
        monday = first - timedelta(days=first.weekday())
        offset = timedelta(days=(restriction.start_day_of_week or 1) - 1)  # set when weekly
        day, stop = monday - timedelta(weeks=2) + offset, last + timedelta(weeks=1)
        step = timedelta(weeks=1)
    while day <= stop:
        yield day
        day += step


def _windows(rotation: _Rotation, lo: datetime, hi: datetime) -> list[_Span]:
    """The layer's restriction windows meeting [lo, hi), merged, in UTC.

    A window runs from its start time of day to that plus its duration on the wall clock,
    so a 22:00-06:00 window ends at 06:00 local even on a night the clocks change.
    """
    zone = rotation.zone
    first, last = _wall(lo, zone).date(), _wall(hi, zone).date()
    spans: list[_Span] = []
    for restriction in rotation.restrictions:
        opens = _parse_time_of_day(restriction.start_time_of_day)
        length = timedelta(seconds=restriction.duration_seconds)
        for day in _window_days(restriction, first, last):
            wall_start = datetime.combine(day, opens, tzinfo=zone)
            start = wall_start.astimezone(UTC)
            end = (wall_start + length).astimezone(UTC)  # aware + timedelta is wall-clock
            if start < end and start < hi and end > lo:
                spans.append((start, end))
    return _merge_spans(spans)


def _coverage(rotation: _Rotation, lo: datetime, hi: datetime) -> list[_Span]:
    """When the layer has someone on call within [lo, hi), whoever it is."""
    lo = max(lo, rotation.start)
    if rotation.end is not None:
        hi = min(hi, rotation.end)
    if lo >= hi:
        return []
    if not rotation.restrictions:
        return [(lo, hi)]
    return [(max(start, lo), min(end, hi)) for start, end in _windows(rotation, lo, hi)]


def _append(pieces: list[_Piece], start: datetime, end: datetime, user: str) -> None:
    """Add a piece, extending the last one when it is the same user and they touch."""
    if pieces and pieces[-1][2] == user and pieces[-1][1] == start:
        pieces[-1] = (pieces[-1][0], end, user)
    else:
        pieces.append((start, end, user))


def _layer_pieces(rotation: _Rotation, lo: datetime, hi: datetime) -> list[_Piece]:
    pieces: list[_Piece] = []
    count = len(rotation.users)
    for span_start, end in _coverage(rotation, lo, hi):
        start, turn = span_start, rotation.turn_at(span_start)
        while True:
            handoff = rotation.handoff(turn + 1)
            if handoff >= end:
                break
            if handoff > start:  # equal handoffs give an empty turn (a skipped local day)
                _append(pieces, start, handoff, rotation.users[turn % count])
                start = handoff
            turn += 1
        _append(pieces, start, end, rotation.users[turn % count])
    return pieces


# --- stacking layers and overrides ---------------------------------------------------


def _stack(sources: Sequence[Sequence[_Piece]]) -> list[tuple[datetime, datetime, str, int]]:
    """The final timeline of prioritised sources: at each instant the last source with a piece wins.

    Each source is sorted and non-overlapping. Returns (start, end, user, source index),
    joining touching stretches of the same user from the same source.
    """
    points = sorted({edge for source in sources for piece in source for edge in piece[:2]})
    cursors = [0] * len(sources)
    out: list[tuple[datetime, datetime, str, int]] = []
    for lo, hi in pairwise(points):
        for index in range(len(sources) - 1, -1, -1):
            source, cursor = sources[index], cursors[index]
            while cursor < len(source) and source[cursor][1] <= lo:
                cursor += 1
            cursors[index] = cursor
            if cursor < len(source) and source[cursor][0] <= lo:
                user = source[cursor][2]
                if out and out[-1][1] == lo and out[-1][2] == user and out[-1][3] == index:
                    out[-1] = (out[-1][0], hi, user, index)
                else:
                    out.append((lo, hi, user, index))
                break
    return out


def _override_pieces(schedule: Schedule, lo: datetime, hi: datetime) -> list[_Piece]:
    """The overrides meeting [lo, hi) as one source; a later override beats an earlier one."""
    zone = ZoneInfo(schedule.time_zone)
    sources: list[list[_Piece]] = []
    for override in schedule.overrides:
        start = max(_instant(override.start, zone), lo)
        end = min(_instant(override.end, zone), hi)
        if start < end:
            sources.append([(start, end, override.user)])
    pieces: list[_Piece] = []
    for start, end, user, _ in _stack(sources):
        _append(pieces, start, end, user)
    return pieces


# --- public functions ---------------------------------------------------------------


def layer_on_call(schedule: Schedule, layer: Layer, at: datetime) -> str | None:
    """Who ``layer`` (read in ``schedule``'s time zone) has on call at ``at``, if anyone."""
    instant = _aware(at, "at")
    rotation = _rotation(schedule, layer)
    if not _coverage(rotation, instant, instant + _TICK):
        return None
    return rotation.users[rotation.turn_at(instant) % len(rotation.users)]


def on_call_at(schedule: Schedule, at: datetime) -> tuple[str, ...]:
    """Who the final schedule has on call at ``at``: one user, or nobody.

    A tuple so callers can treat schedules and user lists alike; ``at`` must be aware.
    """
    instant = _aware(at, "at")
    zone = ZoneInfo(schedule.time_zone)
    for override in reversed(schedule.overrides):
        if _instant(override.start, zone) <= instant < _instant(override.end, zone):
            return (override.user,)
    for layer in reversed(schedule.layers):
        user = layer_on_call(schedule, layer, instant)
        if user is not None:
            return (user,)
    return ()


def layer_shifts(schedule: Schedule, layer: Layer, start: datetime, end: datetime) -> list[Shift]:
    """``layer``'s own shifts over [start, end), ignoring other layers and overrides.

    Turns of the same user that touch (a one-person layer) come back as one shift.
    """
    lo, hi = _aware(start, "start"), _aware(end, "end")
    pieces = _layer_pieces(_rotation(schedule, layer), lo, hi)
    return [
        Shift(user, piece_start, piece_end, layer.name) for piece_start, piece_end, user in pieces
    ]


def render(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The final schedule over [start, end): sorted, non-overlapping shifts; gaps left out.

    Computed from boundary instants (handoffs, window edges, layer and override edges),
    so a year of a multi-layer schedule takes milliseconds; bisect the result by ``start``.
    """
    lo, hi = _aware(start, "start"), _aware(end, "end")
    if lo >= hi:
        return []
    sources = [_layer_pieces(_rotation(schedule, layer), lo, hi) for layer in schedule.layers]
    sources.append(_override_pieces(schedule, lo, hi))
    names = [*(layer.name for layer in schedule.layers), OVERRIDE]
    return [
        Shift(user, piece_start, piece_end, names[index])
        for piece_start, piece_end, user, index in _stack(sources)
    ]


def coverage_spans(
    schedule: Schedule, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """When anyone at all is on call within [start, end): merged, sorted spans in UTC.

    Whose turn it is does not matter here, so this costs the layers' restriction windows
    and the overrides, never one step per handoff (a one-second rotation is as cheap as a
    weekly one).
    """
    lo, hi = _aware(start, "start"), _aware(end, "end")
    zone = ZoneInfo(schedule.time_zone)
    spans = [
        span for layer in schedule.layers for span in _coverage(_rotation(schedule, layer), lo, hi)
    ]
    for override in schedule.overrides:
        first, last = max(_instant(override.start, zone), lo), min(_instant(override.end, zone), hi)
        if first < last:
            spans.append((first, last))
    return _merge_spans(spans)


def _contains(outer: Sequence[_Span], inner: Sequence[_Span]) -> bool:
    """Whether merged spans ``outer`` cover every instant of sorted spans ``inner``."""
    index = 0
    for start, end in inner:
        while index < len(outer) and outer[index][1] <= start:
            index += 1
        if index == len(outer) or outer[index][0] > start or outer[index][1] < end:
            return False
    return True


def _overlap(first: Sequence[_Span], second: Sequence[_Span]) -> bool:
    """Whether two sorted, disjoint span lists share an instant."""
    i = j = 0
    while i < len(first) and j < len(second):
        if first[i][1] <= second[j][0]:
            i += 1
        elif second[j][1] <= first[i][0]:
            j += 1
        else:
            return True
    return False


def _shadowing(schedule: Schedule, horizon_start: datetime | None) -> list[tuple[int, list[int]]]:
    """Each fully shadowed layer's index with the later layers that have someone over it.

    The check runs from ``horizon_start`` (default: when the last layer starts, i.e. once
    the schedule is fully in effect) to a year past the last layer start or end. Coverage
    does not depend on whose turn it is, only on layer starts, ends and restriction
    windows, and those repeat weekly on the wall clock after the last start or end; a year
    also spans both DST changes. So rotation cycles need no longer window.
    """
    rotations = [_rotation(schedule, layer) for layer in schedule.layers]
    lo = (
        max(rotation.start for rotation in rotations)
        if horizon_start is None
        else _aware(horizon_start, "horizon_start")
    )
    events = [rotation.start for rotation in rotations]
    events.extend(rotation.end for rotation in rotations if rotation.end is not None)
    hi = max(lo, *events) + _SHADOW_TAIL
    coverages = [_coverage(rotation, lo, hi) for rotation in rotations]
    shadowed: list[tuple[int, list[int]]] = []
    for index, own in enumerate(coverages):
        later = coverages[index + 1 :]
        if own and _contains(_merge_spans(span for spans in later for span in spans), own):
            alone = [index + 1 + j for j, spans in enumerate(later) if _contains(spans, own)]
            together = [index + 1 + j for j, spans in enumerate(later) if _overlap(spans, own)]
            shadowed.append((index, alone[-1:] or together))
    return shadowed


def shadowed_layers(schedule: Schedule, *, horizon_start: datetime | None = None) -> list[str]:
    """Names of layers that are never on call because later layers cover them completely.

    PagerDuty renders only the later layer wherever both have someone, so such a layer is
    dead configuration (seed 004's one-schedule Primary/Secondary form is the classic case).
    """
    return [schedule.layers[index].name for index, _ in _shadowing(schedule, horizon_start)]


def lint_schedule(schedule: Schedule) -> list[str]:
    """Human-readable warnings about ``schedule`` (empty when it is fine)."""
    warnings: list[str] = []
    for index, covering in _shadowing(schedule, None):
        names = ", ".join(f"'{schedule.layers[j].name}'" for j in covering)
        if len(covering) == 1:
            by = f"layer {names} covers it completely (PagerDuty renders only the later layer)"
        else:
            by = f"layers {names} cover it completely (PagerDuty renders only the later layers)"
        warnings.append(
            f"schedule '{schedule.name}': layer '{schedule.layers[index].name}' is never on call: {by}"
        )
    return warnings
