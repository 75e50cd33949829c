"""Evidence on request: what a participant can look up in the world, as recorded events.

Each look-up is an action (``drills/actions.py``: ``query_metrics``, ``search_logs``,
``view_changes``, ``open_runbook``, ``view_dependencies``, ``view_oncall``) whose event keeps
the request and what it returned, so the debrief can show who looked at what and when, and a
replay returns the same answers. Everything here is a pure function of the world, the script
and the session state at the drill minute of the request: nothing of the truth (faults,
intensities, red-herring marks) is ever part of a result.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from drills.state import DrillState
from drills.world.logs import lines_at, search
from drills.world.run import World
from drills.world.spec import WorldSpec
from playbook.model import Playbook
from playbook.schedules import on_call_at

__all__ = [
    "RUNBOOK_DIR",
    "change_feed",
    "dependency_map",
    "log_search",
    "metrics_window",
    "oncall_status",
    "runbook",
    "runbook_names",
]

RUNBOOK_DIR = Path(__file__).parent / "runbooks"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
_MAX_WINDOW = 24 * 60
SERIES = ("requests_per_second", "error_rate", "latency_p50_ms", "latency_p99_ms", "saturation_pct")


def _bounds(now: float, start: float | None, end: float | None) -> tuple[int, int]:
    last = int(now)
    hi = last if end is None else max(0, min(int(end), last))
    lo = max(0, hi - 30) if start is None else max(0, min(int(start), hi))
    return max(lo, hi - _MAX_WINDOW), hi


def metrics_window(world: World, service: str, now: float, start: float | None = None,
                   end: float | None = None) -> dict[str, Any]:
    """A service's series, one point a minute, from ``start`` to ``end`` (default: last 30 min)."""
    lo, hi = _bounds(now, start, end)
    rows = world.history(lo, hi)
    out: dict[str, Any] = {"service": service, "minute": [s.minute for s in rows]}
    for name in SERIES:
        out[name] = [round(float(getattr(s.metrics[service], name)), 2) for s in rows]
    pool = [s.metrics[service].pool_in_use for s in rows]
    if any(p is not None for p in pool):
        out["pool_in_use"] = [round(p or 0.0, 1) for p in pool]
        out["pool_size"] = [s.metrics[service].pool_size for s in rows]
    depth = [s.metrics[service].queue_depth for s in rows]
    if any(d is not None for d in depth):
        out["queue_depth"] = [round(d or 0.0) for d in depth]
    return out


def log_search(world: World, now: float, *, service: str | None, text: str, level: str | None,
               start: float | None = None, end: float | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Log lines matching, newest first (default window: the last 30 minutes)."""
    lo, hi = _bounds(now, start, end)
    lines = [line for snap in world.history(lo, hi) for line in lines_at(world.spec, snap, world.seed)]
    return [
        {"at": round(line.at, 3), "service": line.service, "level": line.level, "text": line.text}
        for line in search(lines, service=service, text=text, level=level, limit=limit)
    ]


def change_feed(spec: WorldSpec, world: World, now: float) -> list[dict[str, Any]]:
    """Deploys, config changes and flag flips up to now (the team's own operations too), newest first."""
    feed: list[dict[str, Any]] = [
        {"at": c.at, "kind": c.kind, "service": c.service, "summary": c.summary, "author": c.author,
         "version": c.version}
        for c in spec.changes if c.at <= now
    ]
    for fault in spec.faults:
        if fault.change and fault.starts_at <= now:
            version = fault.sets.get("version")
            kind = "deploy" if version is not None else "flag" if any(k.startswith("flag.") for k in fault.sets) else "config"
            feed.append({"at": fault.starts_at, "kind": kind, "service": fault.service, "summary": fault.change,
                         "author": fault.author or "deploy-bot", "version": None if version is None else str(version)})
    for at, op in world.operations:
        if at <= now:
            feed.append({"at": at, "kind": "operation", "service": op.target, "summary": op.label(),
                         "author": "incident team", "version": op.version})
    feed.sort(key=lambda c: c["at"], reverse=True)
    return feed


def _health(error_rate: float, p99: float, up: bool) -> str:
    if not up or error_rate >= 50:
        return "down"
    if error_rate >= 2 or p99 >= 2000:
        return "degraded"
    return "healthy"


def dependency_map(spec: WorldSpec, world: World, now: float) -> list[dict[str, Any]]:
    """Each service, what it calls and its health at the last whole minute."""
    snap = world.at(int(now))
    out = []
    for svc in spec.services:
        m = snap.metrics[svc.name]
        s = snap.settings[svc.name]
        calls = list(svc.calls)
        if s.failed_over and svc.failover is not None:
            calls = [svc.failover.redirect.get(d, d) for d in calls]
        out.append({
            "service": svc.name, "kind": svc.kind, "calls": calls, "description": svc.description,
            "health": _health(m.error_rate, m.latency_p99_ms, m.up),
            "error_rate": round(m.error_rate, 2), "latency_p99_ms": round(m.latency_p99_ms),
            "version": max(s.versions, key=lambda v: s.versions[v]), "replicas": round(m.replicas, 1),
            "owner": svc.owner,
        })
    return out


def oncall_status(playbook: Playbook, state: DrillState, clock_start: datetime, now: float) -> dict[str, Any]:
    """Who is on call now in each schedule, and who has been paged for which alert."""
    instant = clock_start + timedelta(minutes=now)
    on_call = {schedule.name: list(on_call_at(schedule, instant)) for schedule in playbook.schedules}
    pages = [
        {"alert_id": a.alert_id, "pages": a.pages, "acknowledged_by": a.acked_by}
        for a in state.alerts.values() if a.pages > 0
    ]
    return {"on_call": on_call, "paged": pages}


def runbook_names() -> list[str]:
    return sorted(p.stem for p in RUNBOOK_DIR.glob("*.md"))


def runbook(name: str) -> str | None:
    """A shipped runbook's Markdown, or None."""
    if not _NAME.match(name):
        return None
    path = RUNBOOK_DIR / f"{name}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None
