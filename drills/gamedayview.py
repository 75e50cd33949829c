"""What a game-day room's panels and console show: pure functions of its log (no world).

In a game-day room (``drills/gameday.py``) the real system is in the log, posted by the game
day's runner, so the workspace reads it from there:

* :func:`real_series`: the real metrics snapshots (``metrics`` injects) of a service, one value
  per drill minute (the last snapshot of a minute), for the Dashboards tab;
* :func:`real_changes`: the Changes tab: the chaos run's changes as a change feed shows them
  (that something changed on the staging system, and when it was reverted; *what* it changed is
  the drill's truth, withheld until the debrief) and the team's own operations;
* :func:`fault_state`: the facilitator's "true state": the faults the experiment injects, the
  chaos run's steps and the latest real fault state the runner read from the target and the
  proxy (facilitator-only ``log`` injects).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from drills.events import InjectDelivered, Operated, Record
from drills.gameday import CHAOS_SERVICE, FAULTS_SERVICE, GameDayFault
from drills.narrative import clock_time

__all__ = ["SIGNALS", "FaultState", "fault_state", "real_changes", "real_series"]

#: The real signals a snapshot holds, in chart order.
SIGNALS = ("requests_per_second", "error_rate", "latency_p99_ms")


def _delivered(records: Sequence[Record], kind: str) -> list[tuple[Record, InjectDelivered]]:
    return [(r, r.event) for r in records if isinstance(r.event, InjectDelivered) and r.event.inject_type == kind]


def real_series(records: Sequence[Record], service: str, start: float | None = None,
                end: float | None = None) -> dict[str, list[float]]:
    """``{"minute": [...], signal: [...]}`` of ``service``'s real snapshots between ``start`` and
    ``end`` (drill minutes, inclusive); a signal a snapshot lacks is NaN."""
    by_minute: dict[int, dict[str, float]] = {}
    for record, event in _delivered(records, "metrics"):
        if event.content.get("service") != service:
            continue
        minute = int(record.at)
        if (start is not None and minute < start) or (end is not None and minute > end):
            continue
        values = event.content.get("values") or {}
        by_minute[minute] = {k: float(v) for k, v in values.items() if isinstance(v, (int, float))}
    minutes = sorted(by_minute)
    out: dict[str, list[float]] = {"minute": [float(m) for m in minutes]}
    for signal in SIGNALS:
        out[signal] = [by_minute[m].get(signal, math.nan) for m in minutes]
    return out


def _redacted(line: str) -> str | None:
    """A chaos-run line as the team's change feed shows it (None: not a change)."""
    if line.startswith("Chaos method started"):
        return "game-day experiment: changes to the staging system begin"
    if line.startswith("Chaos action ") and not line.startswith("Chaos rollback"):
        return "a change to the staging system (what it changed is withheld until the debrief)"
    if line.startswith("Chaos rollbacks started"):
        return "the experiment's changes are being reverted"
    if line.startswith("Chaos rollbacks completed"):
        return "the experiment's changes are reverted"
    return None


def real_changes(records: Sequence[Record], clock_start: datetime) -> list[dict[str, object]]:
    """The Changes tab of a game-day room, newest first (see the module doc)."""
    out: list[dict[str, object]] = []
    for r in records:
        e = r.event
        if isinstance(e, InjectDelivered) and e.content.get("service") == CHAOS_SERVICE:
            summary = _redacted(str(e.content.get("line", "")))
            if summary is not None:
                out.append({"at": r.at, "time": clock_time(clock_start, r.at), "kind": "chaos",
                            "service": "staging", "summary": summary, "author": "game day", "version": ""})
        elif isinstance(e, Operated):
            out.append({"at": r.at, "time": clock_time(clock_start, r.at), "kind": e.operation.verb,
                        "service": e.operation.target, "summary": f"{e.label} (on the real system)",
                        "author": e.actor or "", "version": ""})
    out.sort(key=lambda c: float(str(c["at"])), reverse=True)
    return out


@dataclass(frozen=True)
class FaultState:
    """The facilitator's view of the real system: what the run injects and holds now."""

    faults: tuple[GameDayFault, ...]
    now: str | None  # the latest fault-state line the runner read from the system
    now_at: str | None
    steps: list[tuple[str, str]]  # (clock time, the chaos run's step)


def fault_state(records: Sequence[Record], faults: tuple[GameDayFault, ...], clock_start: datetime) -> FaultState:
    """The real fault state as the room heard it (the runner's lines and the chaos steps)."""
    now = now_at = None
    steps: list[tuple[str, str]] = []
    for r in records:
        e = r.event
        if not isinstance(e, InjectDelivered) or e.inject_type != "log":
            continue
        line = str(e.content.get("line", ""))
        if e.content.get("service") == FAULTS_SERVICE:
            now, now_at = line, clock_time(clock_start, r.at)
        elif e.content.get("service") == CHAOS_SERVICE:
            steps.append((clock_time(clock_start, r.at), line))
    return FaultState(faults, now, now_at, steps[-12:])
