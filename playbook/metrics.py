"""Process metrics over incident timelines: how fast we detect, respond and learn, and on-call load.

All durations are minutes on the timeline (events' ``at``), ``None`` when an event they need
is missing. The instants they start from:

- **impact**: the first ``impact_started`` (known only to simulations and a drill's truth).
- **detection**: the first ``alert_fired``. An incident someone reported by hand has no
  detection, so its declare/mitigate/resolve times are ``None`` rather than guessed.

Per incident:

- ``time_to_detect`` = impact -> detection. Seed 003: "between an issue starting and the first
  alert firing". Negative if the alert fired before impact was recorded; kept, not clamped.
- ``time_to_acknowledge`` = detection (or, with no alert, the first ``page_sent``) -> first
  ``acknowledged``. Seeds 000/003: "from alert to acknowledgment"; seed 004: "someone responds
  to a page".
- ``time_to_declare``, ``time_to_mitigate`` = detection -> first ``incident_declared`` /
  ``mitigated``. Seed 002's timeline (14:32 alert, 14:33 declared) declares in 1 minute.
- ``time_to_resolve`` = detection -> first ``resolved``. The seeds disagree on MTTR's origin:
  seed 000 says only "average resolution time", seed 002 pairs it with detection as separate
  concerns, seeds 003 and 004 measure "from detection to resolution". We take detection (003,
  004): the response process is what drillbit trains and measures, impact start is often known
  only in hindsight, and the time before detection is already MTTD's. Impact -> resolution is
  ``time_to_detect + time_to_resolve``.

Over many incidents (``summarize``): MTTD, MTTA and MTTR are means over the incidents that have
the value; incident frequency by severity (seeds 000, 003, 004); postmortem completion rate
(seed 003: the share of SEV1/SEV2 incidents with a postmortem); action-item completion (seeds
003, 004); alert noise ratio (seed 004: alerts that needed no human action).

On-call load (seeds 001, 003, 004): pages per shift, pages by time of day, interruptions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from statistics import fmean
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    first,
)
from playbook.severity import severity_rank

__all__ = [
    "DEFAULT_SEVERITY_ORDER",
    "POSTMORTEM_REQUIRED",
    "ActionItemStats",
    "Bucket",
    "IncidentRecord",
    "ProcessMetrics",
    "SeverityMetrics",
    "action_item_stats",
    "bucket_of",
    "count_interruptions",
    "incident_record",
    "interruption_starts",
    "off_hours_pages",
    "pages_per_shift",
    "summarize",
    "time_to_acknowledge",
    "time_to_declare",
    "time_to_detect",
    "time_to_mitigate",
    "time_to_resolve",
]

Bucket = Literal["business", "off_hours", "sleep"]

DEFAULT_SEVERITY_ORDER: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
# Seed 003: "Post-mortem completion rate: percentage of SEV-1/SEV-2 incidents" with one.
POSTMORTEM_REQUIRED: tuple[str, ...] = ("SEV1", "SEV2")


# --- per incident --------------------------------------------------------------------------


def _between(start: EventBase | None, end: EventBase | None) -> float | None:
    return None if start is None or end is None else end.at - start.at


def _detection(events: Sequence[EventBase]) -> AlertFired | None:
    return first(events, AlertFired)


def time_to_detect(events: Sequence[EventBase]) -> float | None:
    """Minutes from the first ``impact_started`` to the first ``alert_fired``."""
    return _between(first(events, ImpactStarted), _detection(events))


def time_to_acknowledge(events: Sequence[EventBase]) -> float | None:
    """Minutes from the first alert (or first page, with no alert) to the first acknowledgment."""
    origin: EventBase | None = _detection(events) or first(events, PageSent)
    return _between(origin, first(events, Acknowledged))


def time_to_declare(events: Sequence[EventBase]) -> float | None:
    """Minutes from the first alert to the declaration."""
    return _between(_detection(events), first(events, IncidentDeclared))


def time_to_mitigate(events: Sequence[EventBase]) -> float | None:
    """Minutes from the first alert to the first ``mitigated`` (user impact stopped)."""
    return _between(_detection(events), first(events, Mitigated))


def time_to_resolve(events: Sequence[EventBase]) -> float | None:
    """Minutes from the first alert to the first ``resolved`` (restored and verified)."""
    return _between(_detection(events), first(events, Resolved))


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """One incident reduced to what the process metrics need.

    ``severity`` is the most severe level the incident reached, ``None`` when nothing on the
    timeline names one. The alert counts feed the noise ratio, the postmortem fields the
    follow-through rates.
    """

    incident_id: str
    severity: str | None
    time_to_detect: float | None
    time_to_acknowledge: float | None
    time_to_declare: float | None
    time_to_mitigate: float | None
    time_to_resolve: float | None
    has_postmortem: bool = False
    action_items: tuple[ActionItem, ...] = ()
    alert_count: int = 0
    noise_alert_count: int = 0


def _rank(order: Sequence[str], severity: str) -> int:
    try:
        return severity_rank(order, severity)
    except ValueError as exc:
        raise InvalidDefinition(str(exc)) from None


def _check_order(order: Sequence[str]) -> None:
    if not order or len(set(order)) != len(order):
        raise InvalidDefinition(
            f"severity order must name each level once, most severe first; got {list(order)}"
        )


def _highest_severity(events: Sequence[EventBase], order: Sequence[str]) -> str | None:
    """The declared severity and every later change, or failing those the first alert's."""
    reached = [e.severity for e in events if isinstance(e, IncidentDeclared)]
    reached += [e.new for e in events if isinstance(e, SeverityChanged)]
    if not reached:
        alert = _detection(events)
        reached = [alert.severity] if alert is not None and alert.severity is not None else []
    return min(reached, key=lambda s: _rank(order, s)) if reached else None


def incident_record(
    events: Sequence[EventBase], *, severity_order: Sequence[str] = DEFAULT_SEVERITY_ORDER
) -> IncidentRecord:
    """The record of one incident's timeline (events in any order, all of one incident)."""
    _check_order(severity_order)
    ids = sorted({e.incident_id for e in events})
    if len(ids) != 1:
        raise InvalidDefinition(f"a timeline must hold exactly one incident, got {ids}")
    postmortems = [e for e in events if isinstance(e, PostmortemWritten)]
    alerts = [e for e in events if isinstance(e, AlertFired)]
    return IncidentRecord(
        incident_id=ids[0],
        severity=_highest_severity(events, severity_order),
        time_to_detect=time_to_detect(events),
        time_to_acknowledge=time_to_acknowledge(events),
        time_to_declare=time_to_declare(events),
        time_to_mitigate=time_to_mitigate(events),
        time_to_resolve=time_to_resolve(events),
        has_postmortem=bool(postmortems),
        action_items=tuple(item for pm in postmortems for item in pm.action_items),
        alert_count=len(alerts),
        noise_alert_count=sum(not a.actionable for a in alerts),
    )


# --- action items --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionItemStats:
    """Postmortem follow-through as of one day.

    ``completion_rate`` is completed / total (seed 004's "action item completion rate").
    ``on_time_rate`` is seed 003's "completed within their deadline", over the items whose
    outcome is settled: completed, or past due. ``overdue`` are open items whose due date has
    passed (an item due today is not yet overdue), earliest due first.
    """

    total: int
    completed: int
    completion_rate: float | None
    on_time_rate: float | None
    overdue: tuple[ActionItem, ...]


def _completed(item: ActionItem, today: date) -> bool:
    return item.completed_on is not None and item.completed_on <= today


def action_item_stats(items: Iterable[ActionItem], *, today: date) -> ActionItemStats:
    """Completion, on-time rate and overdue items as of ``today``.

    A completion dated after ``today`` has not happened yet, so the same items give the
    history of a quarter when replayed day by day.
    """
    items = list(items)
    done = [i for i in items if _completed(i, today)]
    on_time = [i for i in done if i.completed_on is not None and i.completed_on <= i.due]
    overdue = [i for i in items if not _completed(i, today) and i.due < today]
    settled = len(done) + len(overdue)
    return ActionItemStats(
        total=len(items),
        completed=len(done),
        completion_rate=len(done) / len(items) if items else None,
        on_time_rate=len(on_time) / settled if settled else None,
        overdue=tuple(sorted(overdue, key=lambda i: (i.due, i.action))),
    )


# --- over many incidents -------------------------------------------------------------------


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


@dataclass(frozen=True, slots=True)
class SeverityMetrics:
    """Count, weekly frequency and mean times for the incidents at one severity."""

    count: int
    per_week: float | None
    mttd: float | None
    mtta: float | None
    mttr: float | None


@dataclass(frozen=True, slots=True)
class ProcessMetrics:
    """The process dashboard (seed 004's list): every rate is ``None`` when it has no data.

    ``by_severity`` has every level of the severity order, in order; incidents with no
    severity at all count in ``unclassified`` and the overall figures only.
    """

    incident_count: int
    per_week: float | None
    mttd: float | None
    mtta: float | None
    mttr: float | None
    by_severity: Mapping[str, SeverityMetrics]
    unclassified: int
    postmortem_completion_rate: float | None
    action_items: ActionItemStats | None
    alert_noise_ratio: float | None


def _per_week(count: int, period_days: float | None) -> float | None:
    return None if period_days is None else count * 7 / period_days


def _severity_metrics(
    records: Sequence[IncidentRecord], period_days: float | None
) -> SeverityMetrics:
    return SeverityMetrics(
        count=len(records),
        per_week=_per_week(len(records), period_days),
        mttd=_mean(r.time_to_detect for r in records),
        mtta=_mean(r.time_to_acknowledge for r in records),
        mttr=_mean(r.time_to_resolve for r in records),
    )


def summarize(
    timelines: Iterable[Sequence[EventBase]],
    *,
    severity_order: Sequence[str] = DEFAULT_SEVERITY_ORDER,
    period_days: float | None = None,
    postmortem_required: Iterable[str] = POSTMORTEM_REQUIRED,
    today: date | None = None,
) -> ProcessMetrics:
    """Process metrics over incidents, one timeline each.

    ``period_days`` is the span the timelines cover; with it, frequencies are per week.
    ``postmortem_required`` are the severities whose incidents need a postmortem. With
    ``today``, action items from every postmortem are scored as of that day.
    """
    _check_order(severity_order)
    required = set(postmortem_required)
    for severity in sorted(required):
        _rank(severity_order, severity)
    if period_days is not None and not (math.isfinite(period_days) and period_days > 0):
        raise InvalidDefinition(f"period_days must be a positive number of days, got {period_days}")

    records = [incident_record(t, severity_order=severity_order) for t in timelines]
    needing = [r for r in records if r.severity in required]
    alerts = sum(r.alert_count for r in records)
    overall = _severity_metrics(records, period_days)
    return ProcessMetrics(
        incident_count=overall.count,
        per_week=overall.per_week,
        mttd=overall.mttd,
        mtta=overall.mtta,
        mttr=overall.mttr,
        by_severity={
            level: _severity_metrics([r for r in records if r.severity == level], period_days)
            for level in severity_order
        },
        unclassified=sum(r.severity is None for r in records),
        postmortem_completion_rate=(
            sum(r.has_postmortem for r in needing) / len(needing) if needing else None
        ),
        action_items=(
            None
            if today is None
            else action_item_stats((i for r in records for i in r.action_items), today=today)
        ),
        alert_noise_ratio=sum(r.noise_alert_count for r in records) / alerts if alerts else None,
    )


# --- on-call load --------------------------------------------------------------------------


def _check_hours(name: str, hours: tuple[int, int]) -> None:
    if any(isinstance(h, bool) or not isinstance(h, int) or not 0 <= h <= 24 for h in hours):
        raise InvalidDefinition(f"{name} hours must be whole hours from 0 to 24, got {hours}")


def _within(hour: int, window: tuple[int, int]) -> bool:
    """``start <= hour < end``, wrapping past midnight when ``start > end``; empty if equal."""
    start, end = window
    return start <= hour < end if start <= end else hour >= start or hour < end


def bucket_of(
    local: datetime, *, sleep: tuple[int, int] = (22, 8), business: tuple[int, int] = (8, 18)
) -> Bucket:
    """When a page lands in the responder's day, by local wall-clock time.

    ``sleep`` (default 22:00-08:00) applies every day and wins where windows overlap;
    ``business`` (default 08:00-18:00) applies Monday to Friday; everything else, weekday
    evenings and weekend days, is ``off_hours``. Windows are ``[start, end)`` in whole hours,
    so Friday 17:59 is business and 18:00 is off hours.
    """
    _check_hours("sleep", sleep)
    _check_hours("business", business)
    if _within(local.hour, sleep):
        return "sleep"
    if local.weekday() < 5 and _within(local.hour, business):  # Monday=0 .. Friday=4
        return "business"
    return "off_hours"


def interruption_starts(
    times_minutes: Sequence[float], *, window_minutes: float = 1.0
) -> list[float]:
    """The first notification of each interruption, in time order.

    Following PagerDuty's on-call reports (notifications within 60 s count as one), times are
    sorted and each cluster is anchored at its first notification: a later one joins the
    cluster if it comes at most ``window_minutes`` after that first one, and otherwise starts a
    new cluster. Anchoring (rather than chaining gap to gap) means a page every 30 seconds for
    ten minutes counts as ten interruptions, not one. An interruption happens when its first
    notification arrives, so that is the moment to bucket it by (:func:`bucket_of`): two pages
    30 s apart across 18:00 are one business-hours interruption, not one in each bucket.
    """
    if not (math.isfinite(window_minutes) and window_minutes >= 0):
        raise InvalidDefinition(f"window_minutes must be >= 0, got {window_minutes}")
    if not all(math.isfinite(t) for t in times_minutes):
        raise InvalidDefinition("notification times must be finite numbers of minutes")
    starts: list[float] = []
    for t in sorted(times_minutes):
        if not starts or t - starts[-1] > window_minutes:
            starts.append(t)
    return starts


def count_interruptions(times_minutes: Sequence[float], *, window_minutes: float = 1.0) -> int:
    """Notifications counted as interruptions: a burst within the window disturbs once
    (clusters as in :func:`interruption_starts`)."""
    return len(interruption_starts(times_minutes, window_minutes=window_minutes))


def pages_per_shift(page_count: int, shift_count: int) -> float | None:
    """Mean pages per on-call shift, ``None`` with no shifts.

    Seed 004 says to invest in reliability above two pages per shift; seed 003 says 2-3.
    """
    if page_count < 0 or shift_count < 0:
        raise InvalidDefinition(
            f"page and shift counts must be >= 0, got {page_count} pages, {shift_count} shifts"
        )
    return page_count / shift_count if shift_count else None


def off_hours_pages(
    page_times: Iterable[datetime],
    tz: str,
    *,
    sleep: tuple[int, int] = (22, 8),
    business: tuple[int, int] = (8, 18),
) -> dict[Bucket, int]:
    """Pages by bucket in the responder's time zone ``tz`` (an IANA name); every bucket listed.

    Page times must be time-zone aware: a naive time has no place on the responder's clock.
    """
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidDefinition(f"unknown time zone {tz!r}") from None
    counts: dict[Bucket, int] = {"business": 0, "off_hours": 0, "sleep": 0}
    for moment in page_times:
        if moment.utcoffset() is None:
            raise InvalidDefinition(f"page time {moment.isoformat()} has no time zone")
        counts[bucket_of(moment.astimezone(zone), sleep=sleep, business=business)] += 1
    return counts
