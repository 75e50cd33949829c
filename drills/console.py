"""What the facilitator's console shows beside the team's view: the world's true state now (in a
game day: the real fault state, :func:`real_now`),
what the team has and has not looked at, and the script's hints.

Pure functions of a session (read under its lock). This is truth: only the facilitator's
pages call it, and the debrief once it is released.
"""

from __future__ import annotations

from dataclasses import dataclass

from drills.debrief import evidence_missed
from drills.events import EvidenceViewed, HintSent
from drills.gamedayview import FaultState, fault_state
from drills.narrative import clock_time, describe
from drills.session import DrillSession

__all__ = ["FaultNow", "HintLine", "Looks", "ServiceNow", "WorldNow", "hints", "looks", "real_now", "world_now"]

# A service is failing past this error rate, slow past this p99 (the world's impact bars).
_FAILING_PCT = 2.0
_SLOW_MS = 2000.0


@dataclass(frozen=True)
class ServiceNow:
    name: str
    health: str  # "down", "failing", "slow" or "ok"
    error_rate: float
    latency_p99_ms: float
    saturation_pct: float
    requests_per_second: float
    red_herring: bool


@dataclass(frozen=True)
class FaultNow:
    id: str
    kind: str
    service: str
    category: str
    starts_at: float
    intensity: float  # 0: not (or no longer) holding, 1: full strength
    description: str


@dataclass(frozen=True)
class WorldNow:
    minute: int
    users_affected_pct: float
    impacted: bool
    services: list[ServiceNow]
    faults: list[FaultNow]


def _health(up: bool, error_rate: float, p99: float) -> str:
    if not up:
        return "down"
    if error_rate >= _FAILING_PCT:
        return "failing"
    return "slow" if p99 >= _SLOW_MS else "ok"


def world_now(session: DrillSession) -> WorldNow | None:
    """The world's true state at the drill's current minute (None: a scripted drill)."""
    spec, world = session.script.world, session.world
    if spec is None or world is None:
        return None
    with session.lock:
        minute = int(session.now())
        snap = world.at(minute)
        impacted = world.impacted(minute)
    herrings = set(spec.red_herrings)
    services = [
        ServiceNow(
            name=name, health=_health(m.up, m.error_rate, m.latency_p99_ms), error_rate=round(m.error_rate, 1),
            latency_p99_ms=round(m.latency_p99_ms), saturation_pct=round(m.saturation_pct, 1),
            requests_per_second=round(m.requests_per_second, 1), red_herring=name in herrings,
        )
        for name, m in snap.metrics.items()
    ]
    faults = [
        FaultNow(id=f.id, kind=f.kind, service=f.service, category=f.category, starts_at=f.starts_at,
                 intensity=round(snap.levels.get(f.id, 0.0), 2), description=f.description)
        for f in spec.faults
    ]
    return WorldNow(minute, round(snap.impact.affected_pct, 1), impacted, services, faults)


def real_now(session: DrillSession) -> FaultState | None:
    """A game day's true state: the faults its experiment injects, the chaos run's steps and
    the real fault state the runner last read from the target and the proxy (None: not a game
    day)."""
    spec = session.script.gameday
    if spec is None:
        return None
    with session.lock:
        records = session.records()
    return fault_state(records, spec.faults, session.script.clock_start)


@dataclass(frozen=True)
class Looks:
    """What the team looked at (when, who, what) and what showed the fault that it has not."""

    seen: list[tuple[str, str]]
    missed: list[str]


def looks(session: DrillSession) -> Looks:
    with session.lock:
        records = session.records()
    start = session.script.clock_start
    seen = [(clock_time(start, r.at), describe(r)) for r in records if isinstance(r.event, EvidenceViewed)]
    return Looks(seen=seen, missed=evidence_missed(records, session.script))


@dataclass(frozen=True)
class HintLine:
    level: int
    text: str
    sent_at: str | None  # drill clock time it went out, None: not sent


def hints(session: DrillSession) -> list[HintLine]:
    """The script's hints, mildest first, with when each was sent to the room."""
    with session.lock:
        sent = {r.event.level: r.at for r in session.records() if isinstance(r.event, HintSent)}
    start = session.script.clock_start
    return [
        HintLine(level, text, clock_time(start, sent[level]) if level in sent else None)
        for level, text in enumerate(session.script.truth.hints, 1)
    ]
