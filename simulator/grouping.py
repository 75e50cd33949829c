"""Alertmanager's grouping and deduplication, as a pure function of the alert stream.

Semantics (Alertmanager's dispatcher and notification log):

* Alerts whose ``group_by`` labels are equal share an aggregation group. The first alert
  creates the group; the group flushes ``group_wait`` later and then every
  ``group_interval`` (its ticks are ``first + group_wait + k * group_interval``).
* At a flush the alerts still firing are considered. If any of them was not in the last
  notification sent, a notification goes out (so an alert that fires and clears within
  ``group_wait`` sends nothing, and new alerts in a notified group wait for the next tick).
* If nothing is new but alerts are still firing ``repeat_interval`` after the last
  notification, the group re-notifies. ``repeat_interval`` is rounded up to a multiple of
  ``group_interval`` because it is only checked at flushes.
* A flush that finds nothing firing deletes the group; a later alert starts a new one.

Every notification carries the group's key as its deduplication key, as Alertmanager's
PagerDuty integration does: the pager merges a notification into the open incident with
the same key, and opens a new incident otherwise.

With grouping off, each alert is sent the moment it fires, keyed by its fingerprint (so a
re-fire of an alert whose incident is still open is merged, like a monitor's own dedup key).

Alert condition durations are drawn up front (they do not depend on the responders), so
grouping runs before the event simulation and is shared by every variant with the same
grouping settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.arrivals import AlertTable
from simulator.sections import GroupingSpec

__all__ = ["Notifications", "group_alerts", "group_keys"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Notifications:
    """Notifications in time order. ``members[i]`` are the alerts notification ``i`` carries:
    the new ones, or for a repeat every alert still firing."""

    time: list[float]
    key: list[int]
    repeat: list[bool]
    members: list[list[int]]

    def __len__(self) -> int:
        return len(self.time)


def group_keys(table: AlertTable, spec: GroupingSpec) -> IntArray:
    """Each alert's group key from the ``group_by`` labels (all alerts share one if empty)."""
    key = np.zeros(len(table), dtype=np.int64)
    if "service" in spec.group_by:
        key = key * (len(table.services) + 1) + table.service
    if "alertname" in spec.group_by:
        names = int(np.max(table.alertname)) + 1 if len(table) else 1
        key = key * names + table.alertname
    return key


def _first_tick_at_or_after(t: float, origin: float, interval: float) -> int:
    return max(0, math.ceil((t - origin) / interval))


def _group_one_key(
    alerts: list[int],
    times: list[float],
    ends: list[float],
    fingerprints: list[int],
    key: int,
    wait: float,
    interval: float,
    repeat_ticks: int,
    out: list[tuple[float, int, bool, list[int]]],
) -> None:
    """Notifications of one group key; ``alerts`` are its alerts in firing order."""
    count = len(alerts)
    p = 0
    while p < count:
        origin = times[alerts[p]] + wait
        tick_index = 0
        members: list[int] = []
        sent: set[int] = set()
        last_sent = -1
        while True:
            tick = origin + tick_index * interval
            while p < count and times[alerts[p]] <= tick:
                members.append(alerts[p])
                p += 1
            members = [a for a in members if ends[a] > tick]
            if not members:
                break  # nothing firing at a flush: the group is deleted
            firing = {fingerprints[a] for a in members}
            new = [a for a in members if fingerprints[a] not in sent]
            if new:
                out.append((tick, key, False, new))
                sent, last_sent = firing, tick_index
            elif last_sent >= 0 and tick_index - last_sent >= repeat_ticks:
                out.append((tick, key, True, list(members)))
                sent, last_sent = firing, tick_index
            # Jump to the next flush where something can change: an arrival, a repeat, or
            # the moment the last firing alert has cleared.
            upcoming = [_first_tick_at_or_after(max(ends[a] for a in members), origin, interval)]
            if p < count:
                upcoming.append(_first_tick_at_or_after(times[alerts[p]], origin, interval))
            if last_sent >= 0:
                upcoming.append(last_sent + repeat_ticks)
            tick_index = max(tick_index + 1, min(upcoming))


def group_alerts(table: AlertTable, spec: GroupingSpec) -> Notifications:
    """The notifications Alertmanager sends for ``table`` under ``spec``."""
    times = table.time.tolist()
    if not spec.enabled:
        fingerprints = table.fingerprint.tolist()
        return Notifications(
            times, fingerprints, [False] * len(times), [[a] for a in range(len(times))]
        )
    keys = group_keys(table, spec)
    order = np.lexsort((np.arange(len(table)), table.time, keys))
    sorted_keys = keys[order]
    bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
    ends = table.end.tolist()
    fingerprints = table.fingerprint.tolist()
    wait = spec.group_wait_seconds / 60.0
    interval = spec.group_interval_minutes
    repeat_ticks = max(1, math.ceil(spec.repeat_interval_hours * 60.0 / interval - 1e-9))
    out: list[tuple[float, int, bool, list[int]]] = []
    for chunk in np.split(order, bounds) if len(table) else []:
        alerts = chunk.tolist()
        _group_one_key(
            alerts,
            times,
            ends,
            fingerprints,
            int(keys[alerts[0]]),
            wait,
            interval,
            repeat_ticks,
            out,
        )
    out.sort(key=lambda n: (n[0], n[1]))
    return Notifications(
        time=[n[0] for n in out],
        key=[n[1] for n in out],
        repeat=[n[2] for n in out],
        members=[n[3] for n in out],
    )
