"""Alertmanager's dispatcher and notification log, as one pure function of alert episodes.

:func:`dispatch` is the grouping model: the simulator (:func:`group_alerts`) and
``drillbit grouping replay`` both call it, so what a user replays is what a study runs.
Times are plain numbers in one unit (the simulator uses minutes). The rules, read from
Alertmanager 0.25's ``dispatch/dispatch.go`` and ``notify/notify.go``
(``DedupStage.needsUpdate``) and checked against its acceptance tests
(``test/with_api_v2/acceptance/send_test.go``, transcribed in ``tests/simulator/test_grouping.py``):

* Alerts with equal ``group_by`` labels share an aggregation group. The first alert creates
  it; its first flush is ``group_wait`` later, then one every ``group_interval``.
* An alert whose ``startsAt`` is more than ``group_wait`` before it was received makes a
  group that has not flushed yet flush at once (``insert``: ``!hasFlushed`` and
  ``StartsAt + GroupWait`` before now); the ticks then run from that flush.
* An alert is identified by its label set: a later episode of the same labels replaces the
  earlier one in the group (so a flap that re-fires before the next tick is never resolved).
* At a flush, an alert is *resolved* if its end is at or before the tick. The notification
  log's last entry for the group decides (``needsUpdate``): with no entry, send if anything
  fires (a group that never notified sends nothing for alerts resolved before its first
  flush); a firing alert not in the entry's firing set: send (``new``); nothing firing:
  send if the entry had firing alerts (``resolved``, the all-clear); a resolved alert not in
  the entry's resolved set, with ``send_resolved``: send (``resolved``, a partial resolve:
  the notification carries the resolved alert once); otherwise send (``repeat``) when the
  entry is more than ``repeat_interval`` old.
* The log stamps a send a few milliseconds after its tick, so a ``repeat_interval`` that is
  an exact multiple of ``group_interval`` is *not* yet due at that tick: the model repeats at
  the first tick strictly more than ``repeat_interval`` after the previous send, which is
  what a real Alertmanager does most often (``repeat_interval`` 4h with 5m ticks: 4h05m).
* After each flush the resolved alerts are deleted; a group left empty is deleted (0.25
  deletes it at its next 30-second maintenance; the model at once), and a later alert
  with the same labels starts a new group with a fresh ``group_wait``.
* With ``send_resolved: false`` resolved alerts are logged but not sent: no all-clear and no
  partial-resolve notifications reach the receiver, and firing ones carry firing alerts only.

Every notification carries the group key (its PagerDuty dedup key). Grouping off
(:func:`direct`) sends each episode the moment it fires and its resolve when it ends,
keyed by the alert's own identity, like a monitor integrated with the pager directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from simulator.arrivals import AlertTable
from simulator.sections import GroupingSpec

__all__ = [
    "NEW",
    "REASONS",
    "REPEAT",
    "RESOLVED",
    "Notifications",
    "Timers",
    "direct",
    "dispatch",
    "group_alerts",
    "group_keys",
]

IntArray = npt.NDArray[np.int64]

NEW, RESOLVED, REPEAT = 0, 1, 2
REASONS = ("new", "resolved", "repeat")
_NOTHING = -1
_NEVER = 1 << 62  # a tick index no run reaches


@dataclass(frozen=True)
class Timers:
    """Alertmanager's route timers in the caller's time unit, and the receiver's send_resolved."""

    wait: float
    interval: float
    repeat: float
    send_resolved: bool = True

    @property
    def repeat_ticks(self) -> int:
        """Ticks after a send before a repeat is due: the first tick strictly past ``repeat``."""
        return math.floor(self.repeat / self.interval + 1e-9) + 1


@dataclass(frozen=True)
class Notifications:
    """Notifications in time order, as parallel lists.

    ``alerts[i]``: every alert notification ``i`` carries (indices into the caller's
    episodes, ascending); ``resolved[i]``: those of them that are resolved; ``new[i]``: the
    firing ones not in the group's previous notification (empty unless ``reason`` is NEW).
    ``firing[i]`` is the notification's status (some alert fires: PagerDuty ``trigger``;
    none: ``resolve``).
    """

    time: list[float]
    key: list[int]
    reason: list[int]
    firing: list[bool]
    alerts: list[tuple[int, ...]]
    resolved: list[tuple[int, ...]]
    new: list[tuple[int, ...]]

    def __len__(self) -> int:
        return len(self.time)


_Row = tuple[float, int, int, bool, tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def _notifications(rows: list[_Row]) -> Notifications:
    rows.sort(key=itemgetter(0, 1))
    return Notifications(
        time=[r[0] for r in rows],
        key=[r[1] for r in rows],
        reason=[r[2] for r in rows],
        firing=[r[3] for r in rows],
        alerts=[r[4] for r in rows],
        resolved=[r[5] for r in rows],
        new=[r[6] for r in rows],
    )


class _Group:
    """One aggregation group's alerts and its notification-log entry."""

    __slots__ = ("current", "entry_at", "entry_firing", "entry_resolved", "flushed")

    def __init__(self) -> None:
        self.current: dict[int, int] = {}  # identity -> episode
        self.flushed = False
        self.entry_firing: set[int] | None = None
        self.entry_resolved: set[int] = set()
        self.entry_at = 0  # tick index of the last send

    def reason(self, firing: set[int], resolved: list[int], tick: int, timers: Timers) -> int:
        """``DedupStage.needsUpdate``: why this flush notifies, or _NOTHING.

        ``firing`` and ``resolved`` hold the identities of the group's firing and resolved
        alerts at tick index ``tick``.
        """
        entry = self.entry_firing
        if entry is None:
            return NEW if firing else _NOTHING
        if not firing <= entry:
            return NEW
        if not firing:
            return RESOLVED if entry else _NOTHING
        if timers.send_resolved and any(r not in self.entry_resolved for r in resolved):
            return RESOLVED
        return REPEAT if tick - self.entry_at >= timers.repeat_ticks else _NOTHING


def _one_group(
    alerts: list[int],
    received: Sequence[float],
    starts: Sequence[float],
    ends: Sequence[float],
    identity: Sequence[int],
    key: int,
    timers: Timers,
    until: float,
    out: list[_Row],
) -> None:
    """Notifications of one group key; ``alerts`` in the order they were received."""
    count, p = len(alerts), 0
    wait, interval = timers.wait, timers.interval
    repeat_ticks, send_resolved = timers.repeat_ticks, timers.send_resolved
    while p < count:
        group = _Group()
        current = group.current
        tick = received[alerts[p]] + wait
        origin, j = tick, 0
        while True:
            while p < count:
                a = alerts[p]
                at = received[a]
                if at > tick:
                    break
                p += 1
                current[identity[a]] = a
                if not group.flushed and starts[a] + wait < at < tick:
                    tick = origin = at  # old enough: flush at once
            if tick > until:
                return
            group.flushed = True
            firing: list[int] = []
            resolved: list[int] = []
            for a in current.values():
                (firing if ends[a] > tick else resolved).append(a)
            fire_ids = {identity[a] for a in firing}
            gone = [identity[a] for a in resolved]
            reason = group.reason(fire_ids, gone, j, timers)
            if reason != _NOTHING:
                if firing or send_resolved:
                    out.append(
                        _row(group, tick, key, reason, firing, resolved, identity, send_resolved)
                    )
                group.entry_firing = fire_ids
                group.entry_resolved = set(gone)
                group.entry_at = j
            for ident in gone:
                del current[ident]
            if not current:
                break  # deleted; a later alert starts a new group
            # Jump to the next flush where something can change: the first tick at or after
            # an alert ends or arrives (the tolerance can only make it a tick early, which
            # costs an idle flush, never a send), or a repeat is due.
            soonest = min([ends[a] for a in firing])
            if p < count and received[alerts[p]] < soonest:
                soonest = received[alerts[p]]
            following = group.entry_at + repeat_ticks if group.entry_firing else _NEVER
            if soonest != math.inf:
                following = min(following, math.ceil((soonest - origin) / interval - 1e-9))
            if following == _NEVER:
                return  # firing for ever, never repeating: nothing more to send
            j = max(j + 1, following)
            tick = origin + j * interval


def _row(
    group: _Group,
    tick: float,
    key: int,
    reason: int,
    firing: list[int],
    resolved: list[int],
    identity: Sequence[int],
    send_resolved: bool,
) -> _Row:
    """The notification a flush sends (before the log entry is updated)."""
    new: tuple[int, ...] = ()
    if reason == NEW:
        entry = group.entry_firing
        new = _ascending([a for a in firing if identity[a] not in entry] if entry else firing)
    if not send_resolved:
        return (tick, key, reason, bool(firing), _ascending(firing), (), new)
    shown = _ascending(firing + resolved) if resolved else _ascending(firing)
    return (tick, key, reason, bool(firing), shown, _ascending(resolved), new)


def _ascending(episodes: list[int]) -> tuple[int, ...]:
    """``episodes`` as an ascending tuple (most flushes carry one alert: no sort then)."""
    return tuple(episodes) if len(episodes) < 2 else tuple(sorted(episodes))


def dispatch(
    received: Sequence[float],
    starts: Sequence[float],
    ends: Sequence[float],
    group: Sequence[int],
    identity: Sequence[int],
    timers: Timers,
    *,
    until: float = math.inf,
) -> Notifications:
    """What Alertmanager sends for these alert episodes (see the module docstring).

    Episode ``i`` was received at ``received[i]``, started at ``starts[i]`` and ends at
    ``ends[i]`` (``inf``: still firing); ``group[i]`` is its group key and ``identity[i]``
    its label set's identity. No flush after ``until`` is made.
    """
    order = [i for _, _, i in sorted(zip(group, received, range(len(received)), strict=True))]
    rows: list[_Row] = []
    begin = 0
    while begin < len(order):
        end = begin
        key = group[order[begin]]
        while end < len(order) and group[order[end]] == key:
            end += 1
        _one_group(order[begin:end], received, starts, ends, identity, key, timers, until, rows)
        begin = end
    return _notifications(rows)


def direct(
    received: Sequence[float],
    ends: Sequence[float],
    identity: Sequence[int],
    *,
    send_resolved: bool = True,
    until: float = math.inf,
) -> Notifications:
    """Grouping off: a trigger when each episode arrives and a resolve when it ends."""
    rows: list[_Row] = []
    for a, (t, end, ident) in enumerate(zip(received, ends, identity, strict=True)):
        if end <= t or t > until:
            continue
        rows.append((t, ident, NEW, True, (a,), (), (a,)))
        if send_resolved and end <= until:
            rows.append((end, ident, RESOLVED, False, (a,), (a,), ()))
    return _notifications(rows)


def group_keys(table: AlertTable, spec: GroupingSpec) -> IntArray:
    """Each alert's group key from the ``group_by`` labels.

    A simulated alert has the labels ``service`` and ``alertname`` and an identity (its
    fingerprint); ``['...']`` groups by all of them, i.e. by fingerprint. Any other label
    name is absent from every simulated alert, so, as in Alertmanager, it splits nothing.
    """
    if spec.group_all:
        return table.fingerprint.copy()
    key = np.zeros(len(table), dtype=np.int64)
    if "service" in spec.group_by:
        key = key * (len(table.services) + 1) + table.service
    if "alertname" in spec.group_by:
        names = int(np.max(table.alertname)) + 1 if len(table) else 1
        key = key * names + table.alertname
    return key


def group_alerts(
    table: AlertTable, spec: GroupingSpec, *, until: float = math.inf
) -> Notifications:
    """The notifications Alertmanager sends for the simulated ``table`` under ``spec``."""
    received = table.time.tolist()
    ends = table.end.tolist()
    identity = table.fingerprint.tolist()
    if not spec.enabled:
        return direct(received, ends, identity, send_resolved=spec.send_resolved, until=until)
    timers = Timers(
        wait=spec.group_wait_seconds / 60.0,
        interval=spec.group_interval_minutes,
        repeat=spec.repeat_interval_hours * 60.0,
        send_resolved=spec.send_resolved,
    )
    return dispatch(
        received,
        table.started.tolist(),
        ends,
        group_keys(table, spec).tolist(),
        identity,
        timers,
        until=until,
    )
