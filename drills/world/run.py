"""A world run: the snapshots minute by minute, and the alerts they fire, computed on demand.

``World`` is the drill world's one stateful object, shaped like the drill session: a thin
cache over pure parts (``model.step``, ``alerts``). The world at minute ``t`` depends only on
(the spec, the seed, the operations recorded before ``t``), so :meth:`World.add` drops what it
had computed past an operation's minute and the next read recomputes it; a replay that adds
the same operations reads the same world.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from drills.world.alerts import History, rule, rules_for, slug
from drills.world.model import Carry, Snapshot, step, topological
from drills.world.ops import Operation, Timed, timed_changes
from drills.world.spec import WorldSpec

__all__ = ["AlertChange", "World"]

_MAX_MINUTE = 7 * 24 * 60
_IMPACT_ERRORS = 2.0
_IMPACT_SLOW = 5.0
_SUSTAIN = 5


@dataclass(frozen=True)
class AlertChange:
    """An alert firing or resolving at a minute."""

    minute: int
    alert_id: str
    rule: str
    service: str
    firing: bool
    severity: str
    summary: str
    runbook: str
    value: float


@dataclass(frozen=True)
class _Track:
    pending_since: int | None
    firing: str | None
    count: int


class World:
    """The world of one session; feed it the team's operations as they are recorded."""

    def __init__(self, spec: WorldSpec, *, seed: int | None = None, start_hour: float = 14.0,
                 ops: Iterable[tuple[float, Operation]] = ()) -> None:
        self.spec = spec
        self.seed = spec.seed if seed is None else seed
        self.start_hour = start_hour
        self._ops: list[tuple[float, Operation]] = list(ops)
        self._changes: list[Timed] = timed_changes(spec, self._ops)
        self._order = topological(spec)
        self._snapshots: list[Snapshot] = []
        self._tracks: list[dict[tuple[str, str], _Track]] = []
        self._alerts: list[list[AlertChange]] = []
        self._history = History()
        self._budget = 1 - spec.slo_availability
        self._keys = [(name, s.name) for s in spec.services for name in rules_for(s)]
        # Sessions share worlds (a reopened session forks the last one): reads extend the
        # cache, so every read and write holds the lock.
        self._lock = threading.RLock()

    @property
    def operations(self) -> list[tuple[float, Operation]]:
        return list(self._ops)

    def add(self, at: float, op: Operation) -> None:
        """Record an operation at drill minute ``at`` (felt from the next whole minute)."""
        with self._lock:
            self._ops.append((at, op))
            self._changes = timed_changes(self.spec, self._ops)
            keep = max(0, math.floor(at) + 1)
            del self._snapshots[keep:]
            del self._tracks[keep:]
            del self._alerts[keep:]
            self._history.truncate(len(self._snapshots))

    def fork(self, ops: Iterable[tuple[float, Operation]]) -> World:
        """Another run of the same world with other operations (what-if, for scoring).

        The minutes both runs share (before the first operation they differ on) are reused.
        """
        ops = list(ops)
        other = World(self.spec, seed=self.seed, start_hour=self.start_hour, ops=ops)
        with self._lock:
            common = 0
            while common < min(len(ops), len(self._ops)) and ops[common] == self._ops[common]:
                common += 1
            differ = [at for at, _ in ops[common:]] + [at for at, _ in self._ops[common:]]
            keep = len(self._snapshots) if not differ else min(len(self._snapshots), math.floor(min(differ)) + 1)
            other._snapshots = self._snapshots[:keep]
            other._tracks = self._tracks[:keep]
            other._alerts = self._alerts[:keep]
        for snap in other._snapshots:
            other._history.append(snap.metrics)
        return other

    # -- reading ----------------------------------------------------------------------------
    def at(self, minute: int) -> Snapshot:
        """The world at ``minute`` (computed up to it if needed)."""
        minute = max(0, min(int(minute), _MAX_MINUTE))
        with self._lock:
            while len(self._snapshots) <= minute:
                self._advance()
            return self._snapshots[minute]

    def history(self, start: int, end: int) -> list[Snapshot]:
        """Snapshots for minutes ``start`` to ``end`` inclusive."""
        with self._lock:
            self.at(end)
            return self._snapshots[max(0, start): end + 1]

    def alert_changes(self, minute: int) -> list[AlertChange]:
        """Alerts that fire or resolve at ``minute``."""
        with self._lock:
            self.at(minute)
            return self._alerts[max(0, min(int(minute), _MAX_MINUTE))]

    def next_alert_change(self, after: int, horizon: int) -> list[AlertChange] | None:
        """The first group of alert changes in ``(after, horizon]``, or None."""
        for m in range(max(0, after + 1), horizon + 1):
            changes = self.alert_changes(m)
            if changes:
                return changes
        return None

    def firing(self, minute: int) -> dict[str, AlertChange]:
        """Alerts firing at ``minute``, by id."""
        out: dict[str, AlertChange] = {}
        for m in range(0, minute + 1):
            for c in self.alert_changes(m):
                if c.firing:
                    out[c.alert_id] = c
                else:
                    out.pop(c.alert_id, None)
        return out

    def impacted(self, minute: int) -> bool:
        """Users are hurt at ``minute``: errors >= 2 %, 5 % of requests slower than 2 s, a
        security event or data loss (the threshold of ``ImpactStarted`` and ``Mitigated``)."""
        i = self.at(minute).impact
        return i.error_rate >= _IMPACT_ERRORS or i.slow_pct >= _IMPACT_SLOW or i.security or i.data_loss

    def impact_onset(self, upto: int) -> int | None:
        """The first impacted minute up to ``upto``."""
        return next((m for m in range(0, upto + 1) if self.impacted(m)), None)

    def recovered(self, minute: int) -> bool:
        """Not impacted at ``minute`` nor the next :data:`_SUSTAIN` - 1 minutes (as things stand)."""
        return not any(self.impacted(m) for m in range(minute, minute + _SUSTAIN))

    # -- computing --------------------------------------------------------------------------
    def _advance(self) -> None:
        minute = len(self._snapshots)
        carry: Carry | None = self._snapshots[-1].carry if self._snapshots else None
        snap = step(self.spec, self._changes, minute, carry, start_hour=self.start_hour, seed=self.seed,
                    order=self._order)
        self._snapshots.append(snap)
        self._history.append(snap.metrics)
        history = self._history
        before = self._tracks[-1] if self._tracks else {}
        tracks: dict[tuple[str, str], _Track] = {}
        changes: list[AlertChange] = []
        for key in self._keys:
            name, service = key
            r = rule(name)
            track = before.get(key, _Track(None, None, 0))
            value = r.condition(history, service, self._budget)
            if value is None:
                if track.firing is not None:
                    changes.append(AlertChange(minute, track.firing, name, service, False, r.severity, "",
                                               r.runbook, 0.0))
                tracks[key] = _Track(None, None, track.count)
                continue
            pending = track.pending_since if track.pending_since is not None else minute
            firing = track.firing
            count = track.count
            if firing is None and minute - pending >= r.for_minutes:
                count += 1
                firing = f"{slug(name)}.{service}" + (f".{count}" if count > 1 else "")
                changes.append(AlertChange(minute, firing, name, service, True, r.severity,
                                           r.render(service, value), r.runbook, value))
            tracks[key] = _Track(pending, firing, count)
        self._tracks.append(tracks)
        self._alerts.append(changes)
