"""What one replication measured: the study's outputs, from the run's lean records.

Only incidents *opened* inside the measured window (after the warm-up) count, and only
pages *sent* inside it. Definitions (minutes unless named otherwise):

* ``mtta``: first alert -> acknowledgement, over paged incidents (``playbook.metrics``'
  ``time_to_acknowledge``: detection is the first alert).
* ``mttr`` / ``mttm``: first alert -> resolved / mitigated, over actionable incidents
  (``time_to_resolve`` / ``time_to_mitigate``); also per severity (``mttr.SEV1``...).
* ``incidents_per_week``: paged incidents, acknowledged (worked) or resolved by their alerts
  before anyone acknowledged (``cleared_before_ack_per_week``); ``noise_ratio`` and
  ``reached_rule_N`` are over both. Lifecycle counts: resolved notifications, incidents
  opened on a group key whose previous incident a resolve had closed, severity upgrades, noise incidents made
  actionable, escalation rules skipped because nobody was on call, pages sent.
* ``wait_minutes``: incident opened -> a responder starts work; ``resolve_minutes``:
  opened -> resolved; both over every worked incident (noise too: it costs a triage).
* ``breach_response`` / ``breach_resolution``: share of actionable incidents whose time to
  acknowledge / resolve exceeds the severity's ``response_minutes`` / ``resolution_minutes``.
* ``reached_rule_N``: share of paged incidents whose escalation reached rule N.
* ``noise_ratio``: share of paged incidents that needed no action (noise or duplicates);
  ``alert_noise_ratio``: noise alerts / all alerts.
* Per person: pages; pages per on-call week (on call = on any schedule the policies page);
  interruptions per week in each bucket of ``playbook.metrics.bucket_of`` (business,
  off_hours, sleep): notifications are clustered first (``interruption_starts``, 60 s,
  over all of a person's pages) and each interruption counts in the bucket of its first
  notification, so a burst across 18:00 is one interruption, not two; the longest run
  of consecutive nights with a sleep interruption; hours on incidents per week, raw and
  weighted by role; the burnout index.
* Team figures average the per-person ones over the team (``metrics.team``, by default
  everyone in the paged rotations); ``max_consecutive_interrupted_nights`` is over anyone.
* ``shifts_over_limit``: share of 12-hour shifts (blocks from ``shift_start_hour`` in the
  alerts' zone) in which someone on call for a first-rule schedule was first-paged for
  more than ``max_incidents_per_shift`` incidents (Google SRE's on-call load limit).

Burnout index (per person, per week of the horizon; weights and bands in ``metrics.burnout``)::

    burnout = business * B + off_hours * O + sleep * S + hours * H

with ``B``, ``O``, ``S`` the weekly interruptions in each bucket and ``H`` the weekly
role-weighted hours on incidents; bands: below 5 sustainable, 5-10 elevated, 10-20 high,
20 and above burning out (defaults).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from playbook.metrics import bucket_of, interruption_starts
from simulator.arrivals import ACTIONABLE, NOISE, AlertTable
from simulator.clock import DAY, HOUR, WEEK, local_clock
from simulator.compiled import ROLES, Compiled
from simulator.model import CLEARED, WORKED, RunRecords
from simulator.sections import BurnoutSpec

__all__ = [
    "BUCKETS",
    "PERSON_METRICS",
    "burnout_band",
    "burnout_index",
    "longest_run",
    "replication_metrics",
]

BUCKETS = ("business", "off_hours", "sleep")
PERSON_METRICS = (
    "pages",
    "on_call_weeks",
    "pages_per_on_call_week",
    "business_interruptions_per_week",
    "off_hours_interruptions_per_week",
    "sleep_interruptions_per_week",
    "max_consecutive_interrupted_nights",
    "hours_on_incidents_per_week",
    "weighted_hours_per_week",
    "burnout_index",
)
BAND_NAMES = ("sustainable", "elevated", "high", "burning out")

FloatArray = npt.NDArray[np.float64]


@lru_cache(maxsize=16)
def _bucket_table(sleep: tuple[int, int], business: tuple[int, int]) -> npt.NDArray[np.int64]:
    """Bucket index for each local hour of the week (0 = Monday 00:00), via ``bucket_of``."""
    monday = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday; bucket_of reads only wall-clock fields
    return np.array(
        [
            BUCKETS.index(bucket_of(monday + timedelta(hours=h), sleep=sleep, business=business))
            for h in range(168)
        ],
        dtype=np.int64,
    )


def longest_run(values: list[int]) -> int:
    """The longest run of consecutive integers in ``values`` (any order, repeats allowed)."""
    best = run = 0
    previous: int | None = None
    for value in sorted(set(values)):
        run = run + 1 if previous is not None and value == previous + 1 else 1
        best = max(best, run)
        previous = value
    return best


def burnout_index(
    spec: BurnoutSpec, business: float, off_hours: float, sleep: float, hours: float
) -> float:
    """The burnout index from weekly interruptions per bucket and weekly weighted hours."""
    return (
        spec.business * business
        + spec.off_hours * off_hours
        + spec.sleep * sleep
        + spec.hours * hours
    )


def burnout_band(spec: BurnoutSpec, value: float) -> str:
    """The band name of a burnout index value."""
    for name, limit in zip(BAND_NAMES, spec.bands, strict=False):
        if value < limit:
            return name
    return BAND_NAMES[-1]


def _mean(values: FloatArray) -> float:
    return float(values.mean()) if values.size else math.nan


def _incident_metrics(c: Compiled, rec: RunRecords, weeks: float) -> dict[str, float]:
    inc = rec.incidents
    w0 = c.warmup_minutes
    measured = inc["open"] >= w0
    worked = measured & (inc["status"] == WORKED)
    cleared = measured & (inc["status"] == CLEARED)
    routed = worked | cleared  # paged incidents, acknowledged or resolved by their alerts
    actionable = worked & (inc["kind"] == ACTIONABLE)
    tta = inc["ack"] - inc["detect"]
    ttr = inc["resolved"] - inc["detect"]
    out: dict[str, float] = {
        "incidents_per_week": float(routed.sum()) / weeks,
        "tickets_per_week": float((measured & (inc["status"] == 1)).sum()) / weeks,
        "unrouted_per_week": float((measured & (inc["status"] == 2)).sum()) / weeks,
        "mtta": _mean(tta[worked]),
        "mttm": _mean((inc["mitigated"] - inc["detect"])[actionable]),
        "mttr": _mean(ttr[actionable]),
        "wait_minutes": _mean((inc["start"] - inc["open"])[worked]),
        "resolve_minutes": _mean((inc["resolved"] - inc["open"])[worked]),
        "noise_ratio": _mean((inc["kind"][routed] != ACTIONABLE).astype(np.float64)),
        "cleared_before_ack_per_week": float(cleared.sum()) / weeks,
        "after_clear_incidents_per_week": float(inc["after_clear"][measured].sum()) / weeks,
        "severity_upgrades_per_week": float(inc["upgrades"][measured].sum()) / weeks,
        "became_actionable_per_week": float(inc["became_actionable"][measured].sum()) / weeks,
        "skipped_levels_per_week": float(inc["skips"][measured].sum()) / weeks,
        "resolved_notifications_per_week": float((rec.resolves >= w0).sum()) / weeks,
        "pages_per_week": float((rec.pages["time"] >= w0).sum()) / weeks,
    }
    response = np.array([math.nan if v is None else v for v in c.response_minutes])[inc["severity"]]
    resolution = np.array([math.nan if v is None else v for v in c.resolution_minutes])[
        inc["severity"]
    ]
    has_response = actionable & ~np.isnan(response)
    has_resolution = actionable & ~np.isnan(resolution)
    out["breach_response"] = _mean((tta > response)[has_response].astype(np.float64))
    out["breach_resolution"] = _mean((ttr > resolution)[has_resolution].astype(np.float64))
    for index, name in enumerate(c.severity_names):
        if not c.page[index]:
            continue
        at = actionable & (inc["severity"] == index)
        out[f"mtta.{name}"] = _mean(tta[at])
        out[f"mttr.{name}"] = _mean(ttr[at])
    rules = max((len(c.book.policy(p).rules) for p in c.policies), default=1)
    paged = routed & (inc["pages"] > 0)
    for rule in range(2, rules + 1):
        reached = (inc["rule"] >= rule) | (inc["loop"] > 0)
        out[f"reached_rule_{rule}"] = _mean(reached[paged].astype(np.float64))
    return out


def _first_pages(
    rec: RunRecords,
) -> tuple[npt.NDArray[np.int64], FloatArray, npt.NDArray[np.int64]]:
    """(incident, time, person) of each incident's first page (pages are in time order)."""
    pages = rec.pages
    incidents, first = np.unique(pages["incident"], return_index=True)
    return incidents, pages["time"][first], pages["person"][first]


def _shift_blocks(c: Compiled) -> tuple[frozenset[tuple[int, int]], float, float]:
    """The (person, block) shifts on call in the first-rule schedules, the first block's
    start and the block length: the same in every replication, so computed once."""
    cached: tuple[frozenset[tuple[int, int]], float, float] | None = c.__dict__.get(
        "_shift_blocks"
    )
    if cached is not None:
        return cached
    spec = c.study.metrics
    length = spec.shift_hours * HOUR
    clock = local_clock(c.study.alerts.time_zone, c.study.start, c.total_minutes)
    local0 = clock.local(0.0)
    b0 = ((spec.shift_start_hour * HOUR - local0 % DAY) % length) - length
    w0, w1 = c.warmup_minutes, c.total_minutes
    on_call: set[tuple[int, int]] = set()
    for index in c.paging.first_rule_schedules(c.policies):
        sched = c.paging.schedules[index]
        for start, end, u in zip(sched.starts, sched.ends, sched.users, strict=True):
            s, e = max(start, w0), min(end, w1)
            if s >= e:
                continue
            first_block = math.floor((s - b0) / length)
            last_block = math.ceil((e - b0) / length) - 1
            on_call.update((u, b) for b in range(first_block, last_block + 1))
    cached = (frozenset(on_call), b0, length)
    object.__setattr__(c, "_shift_blocks", cached)
    return cached


def _shift_share(c: Compiled, rec: RunRecords) -> float:
    """Share of on-call 12-hour shifts (first-rule schedules) with too many incidents."""
    on_call, b0, length = _shift_blocks(c)
    if not on_call:
        return math.nan
    _, times, people = _first_pages(rec)
    inside = times >= c.warmup_minutes
    blocks = np.floor((times[inside] - b0) / length).astype(np.int64)
    counts = Counter(zip(people[inside].tolist(), blocks.tolist(), strict=True))
    # A shift with no incidents is never over the limit (max_incidents_per_shift >= 0).
    limit = c.study.metrics.max_incidents_per_shift
    over = sum(1 for key, n in counts.items() if n > limit and key in on_call)
    return over / len(on_call)


def _person_metrics(c: Compiled, rec: RunRecords, weeks: float) -> dict[str, dict[str, float]]:
    spec = c.study.metrics
    w0, w1 = c.warmup_minutes, c.total_minutes
    table = _bucket_table(spec.sleep_hours, spec.business_hours)
    night_shift = spec.sleep_hours[1] * HOUR  # a night is dated by the evening it starts
    spans = c.paging.on_call_spans(c.policies)
    pages = rec.pages
    inside = pages["time"] >= w0
    times_all, people_all = pages["time"][inside], pages["person"][inside]
    work = rec.work
    measured = rec.incidents["open"] >= w0
    in_window = measured[work["incident"]] if work["incident"].size else np.zeros(0, dtype=bool)
    weights = np.array([spec.role_weights.get(role, 0.5) for role in ROLES])
    durations = (work["end"] - work["start"]) / HOUR
    out: dict[str, dict[str, float]] = {}
    involved = set(people_all.tolist()) | set(c.team) | set(work["person"][in_window].tolist())
    for person in sorted(involved):
        mine = people_all == person
        # An interruption is bucketed (and dated) by its first notification.
        starts = np.asarray(
            interruption_starts(
                times_all[mine].tolist(), window_minutes=spec.interruption_window_minutes
            ),
            dtype=np.float64,
        )
        local = c.clocks[person].local_array(starts)
        buckets = table[((local % WEEK) // HOUR).astype(np.int64)]
        counts = np.bincount(buckets, minlength=len(BUCKETS))
        per_bucket = {name: float(counts[b]) / weeks for b, name in enumerate(BUCKETS)}
        nights = np.floor((local[buckets == 2] - night_shift) / DAY).astype(np.int64).tolist()
        on_call = sum(max(0.0, min(e, w1) - max(s, w0)) for s, e in spans.get(person, [])) / WEEK
        pick = in_window & (work["person"] == person)
        hours = float(durations[pick].sum()) / weeks
        weighted = float((durations[pick] * weights[work["role"][pick]]).sum()) / weeks
        out[c.names[person]] = {
            "pages": float(mine.sum()),
            "on_call_weeks": on_call,
            "pages_per_on_call_week": float(mine.sum()) / on_call if on_call > 0 else math.nan,
            "business_interruptions_per_week": per_bucket["business"],
            "off_hours_interruptions_per_week": per_bucket["off_hours"],
            "sleep_interruptions_per_week": per_bucket["sleep"],
            "max_consecutive_interrupted_nights": float(longest_run(nights)),
            "hours_on_incidents_per_week": hours,
            "weighted_hours_per_week": weighted,
            "burnout_index": burnout_index(
                spec.burnout,
                per_bucket["business"],
                per_bucket["off_hours"],
                per_bucket["sleep"],
                weighted,
            ),
        }
    return out


def replication_metrics(
    c: Compiled, rec: RunRecords, alerts: AlertTable
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """(team and incident metrics, per-person metrics) of one replication."""
    weeks = c.horizon_minutes / WEEK
    out = _incident_metrics(c, rec, weeks)
    in_window = alerts.time >= c.warmup_minutes
    out["alerts_per_day"] = float(in_window.sum()) / (c.horizon_minutes / DAY)
    out["alert_noise_ratio"] = _mean((alerts.kind[in_window] == NOISE).astype(np.float64))
    people = _person_metrics(c, rec, weeks)
    team = [people[c.names[p]] for p in c.team if c.names[p] in people]

    def team_mean(key: str) -> float:
        values = [p[key] for p in team if not math.isnan(p[key])]
        return float(np.mean(values)) if values else math.nan

    pages = sum(p["pages"] for p in team)
    on_call = sum(p["on_call_weeks"] for p in team)
    out["pages_per_on_call_week"] = pages / on_call if on_call > 0 else math.nan
    for key in (
        "business_interruptions_per_week",
        "off_hours_interruptions_per_week",
        "sleep_interruptions_per_week",
        "hours_on_incidents_per_week",
        "weighted_hours_per_week",
    ):
        out[key] = team_mean(key)
    out["burnout_index"] = team_mean("burnout_index")
    out["burnout_index_max"] = max((p["burnout_index"] for p in team), default=math.nan)
    out["max_consecutive_interrupted_nights"] = max(
        (p["max_consecutive_interrupted_nights"] for p in people.values()), default=0.0
    )
    out["shifts_over_limit"] = _shift_share(c, rec)
    return out, people
