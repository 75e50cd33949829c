"""The participant workspace's evidence panels: a checked query, what it shows, its HTML.

Each panel (dashboards, logs, changes, runbook, dependencies) answers a :class:`Query`. A
participant's own request (opening the panel, searching, changing the window) is a ``look``
in the drill: :func:`show` with ``record=True`` performs the :class:`~drills.actions.Look`
action while the drill runs and renders what the recorded event holds, so the debrief's
"evidence looked at" is exactly what the page showed. A live re-render (``record=False``,
once a drill minute on the stream) computes the same answer with
:func:`drills.workspace.observe` and records nothing. Outside a running drill there is
nothing to record: the panel shows the answer as of the drill clock.

Nothing here reads the truth: only the world's observable evidence and the participant view.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from markdown_it import MarkdownIt
from markupsafe import Markup

from drills import evidence
from drills.actions import Look
from drills.events import EvidenceViewed
from drills.narrative import clock_time
from drills.session import DrillSession
from drills.workspace import FAST_BURN, WINDOWS, burn_rates, observe, window_bounds
from drills.world.alerts import rules_for
from drills.world.logs import LEVELS
from playbook.errors import InvalidDefinition
from webui.charts import MapNode, Series, line_chart, service_map
from webui.gamedaypanels import show as gameday_show
from webui.rendering import render
from webui.rooms import act
from webui.services import Services

__all__ = ["EVIDENCE", "PANELS", "Panel", "Query", "panel_context", "show"]

Panel = Literal["dashboards", "logs", "changes", "runbook", "dependencies"]
PANELS: tuple[Panel, ...] = ("dashboards", "logs", "changes", "runbook", "dependencies")
#: The ``look`` evidence each panel is.
EVIDENCE: dict[Panel, Literal["metrics", "logs", "changes", "runbook", "dependencies"]] = {
    "dashboards": "metrics", "logs": "logs", "changes": "changes", "runbook": "runbook",
    "dependencies": "dependencies",
}
WINDOW_LABELS = {"15m": "last 15 min", "1h": "last hour", "start": "since the start"}


@dataclass(frozen=True)
class Query:
    """A panel's parameters as the request gave them (checked by :func:`_look`)."""

    service: str = ""
    window: str = "15m"
    level: str = ""
    q: str = ""
    name: str = ""


def _md() -> MarkdownIt:
    # Runbooks are ours, but raw HTML stays off all the same: the page's CSP and escaping hold.
    return MarkdownIt("commonmark", {"html": False, "linkify": False})


@cache
def _runbook_html(name: str) -> Markup:
    text = evidence.runbook(name)
    return Markup(_md().render(text or ""))  # noqa: S704 - markdown-it escapes; raw HTML is off


def _refuse(reason: str, field: str) -> InvalidDefinition:
    return InvalidDefinition(reason, field=field)


def _default_service(room: DrillSession) -> str:
    world = room.script.world
    assert world is not None
    entry = [s.name for s in world.services if s.entry]
    return (entry or list(world.names))[0]


def _latest_runbook(room: DrillSession, names: list[str]) -> str | None:
    """The shipped runbook of the alert that fired last (what the tab opens on by default)."""
    with room.lock:
        alerts = sorted(room.state.alerts.values(), key=lambda a: a.fired_at, reverse=True)
    for alert in alerts:
        name = alert.runbook.removeprefix("runbook:")
        if name in names:
            return name
    return None


def _look(room: DrillSession, panel: Panel, query: Query, now: float) -> Look:
    """The look ``query`` is on ``panel``, or InvalidDefinition naming the bad field."""
    world = room.script.world
    assert world is not None
    if query.window not in WINDOWS:
        raise _refuse(f"unknown window {query.window!r} (use {', '.join(WINDOWS)})", "window")
    if query.service and query.service not in world.names:
        raise _refuse(f"no service {query.service!r} (known: {', '.join(world.names)})", "service")
    if query.level and query.level not in LEVELS:
        raise _refuse(f"unknown level {query.level!r} (use {', '.join(LEVELS)})", "level")
    start, end = window_bounds(query.window, now)
    match panel:
        case "dashboards":
            return Look(evidence="metrics", service=query.service or _default_service(room), start=start, end=end)
        case "logs":
            return Look(evidence="logs", service=query.service or None, level=query.level or None,
                        text=query.q, start=start, end=end)
        case "runbook":
            names = evidence.runbook_names()
            name = query.name or _latest_runbook(room, names) or names[0]
            if name not in names:
                raise _refuse(f"no runbook {name!r} (known: {', '.join(names)})", "name")
            return Look(evidence="runbook", name=name)
        case "changes" | "dependencies":
            return Look(evidence=EVIDENCE[panel])
    raise _refuse(f"unknown panel {panel!r}", "panel")  # pragma: no cover - a Literal


def _answer(services: Services, room: DrillSession, name: str, look: Look, now: float, *,
            record: bool) -> object:
    """The recorded look's result (``record`` while the drill runs), else the look observed at ``now``."""
    with room.lock:
        running = room.state.status == "running"
        state = room.state
    if record and running:
        for r in act(services, room, name, look):
            if isinstance(r.event, EvidenceViewed):
                return r.event.result
    world = room.world
    assert world is not None
    return observe(look, world, state, room.playbook, room.script.clock_start, now)


def _seconds(clock_start: datetime, at: float) -> str:
    return (clock_start + timedelta(minutes=at)).strftime("%H:%M:%S")


def _dashboards(room: DrillSession, look: Look, result: Any, now: float) -> dict[str, Any]:
    start = room.script.clock_start
    minutes: list[int] = result["minute"]

    def label(m: int) -> str:
        return clock_time(start, m)

    def chart(title: str, unit: str, *series: Series, threshold: float | None = None) -> dict[str, Any]:
        svg = line_chart(title=title, minutes=minutes, series=series, unit=unit, label=label, threshold=threshold)
        legend = [{"label": x.label, "key": k, "last": x.values[-1] if x.values else None} for k, x in enumerate(series)]
        return {"title": title, "unit": unit, "legend": legend, "svg": svg}

    charts = [
        chart("Requests", "rps", Series("requests/s", result["requests_per_second"])),
        chart("Errors", "%", Series("error rate", result["error_rate"])),
        chart("Latency", "ms", Series("p50", result["latency_p50_ms"]), Series("p99", result["latency_p99_ms"])),
        chart("Saturation", "%", Series("saturation", result["saturation_pct"])),
    ]
    if "pool_in_use" in result:
        charts.append(chart("Connection pool", "connections", Series("in use", result["pool_in_use"]),
                            Series("size", [float(s or 0) for s in result["pool_size"]])))
    if "queue_depth" in result:
        charts.append(chart("Queue depth", "messages", Series("depth", result["queue_depth"])))
    world = room.world
    assert world is not None and look.service is not None
    slo = None
    if "HighErrorBudgetBurn" in rules_for(world.spec.service(look.service)) and minutes:
        full = evidence.metrics_window(world, look.service, now, 0, minutes[-1])
        budget = 1 - world.spec.slo_availability
        burn = burn_rates(full["requests_per_second"], full["error_rate"], budget)[minutes[0]:]
        slo = {
            "availability": world.spec.slo_availability * 100,
            "burn": burn[-1] if burn else 0.0,
            "chart": chart("SLO burn rate (1 h)", "x budget", Series("burn rate", [round(b, 2) for b in burn]),
                           threshold=FAST_BURN),
        }
    return {"charts": charts, "slo": slo, "service": look.service}


def _dependencies(result: Any) -> dict[str, Any]:
    nodes = [MapNode(d["service"], d["calls"], d["health"]) for d in result]
    return {"map": service_map(nodes), "rows": result}


def panel_context(room: DrillSession, panel: Panel, query: Query, look: Look, result: Any,
                  now: float) -> dict[str, Any]:
    """What ``_<panel>.html`` renders for ``query`` and the look's ``result``."""
    world = room.script.world
    assert world is not None
    start = room.script.clock_start
    window = query.window if query.window in WINDOWS else "15m"
    base: dict[str, Any] = {
        "room": room.id, "panel": panel, "query": query, "window": window, "windows": WINDOW_LABELS,
        "services": list(world.names), "levels": LEVELS, "clock": clock_time(start, now),
    }
    match panel:
        case "dashboards":
            return {**base, **_dashboards(room, look, result, now)}
        case "logs":
            lines = [{**line, "time": _seconds(start, line["at"])} for line in result]
            return {**base, "lines": lines}
        case "changes":
            return {**base, "changes": [{**c, "time": clock_time(start, c["at"])} for c in result]}
        case "dependencies":
            return {**base, **_dependencies(result)}
        case "runbook":
            return {**base, "names": evidence.runbook_names(), "runbook_name": look.name,
                    "html": _runbook_html(look.name or "")}
    return base  # pragma: no cover - a Literal


class _Cache:
    """Live panel bodies by what they depend on, shared by everyone in a room.

    A live body is a function of the room, the panel, the query, the whole drill minute and
    the operations the world has had (an operation rewrites the minutes after it): ten
    people watching the same dashboard in a minute cost one render. Bounded, oldest out.
    """

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: dict[tuple[object, ...], str] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> str | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple[object, ...], html: str) -> None:
        with self._lock:
            self._items[key] = html
            while len(self._items) > self._size:
                del self._items[next(iter(self._items))]


_LIVE = _Cache()


def show(services: Services, room: DrillSession, name: str, panel: Panel, query: Query, *,
         record: bool) -> str:
    """The panel's body for ``query``; ``record``: the participant asked (a ``look``)."""
    if room.script.is_gameday:  # the real system's panels: webui/gamedaypanels.py
        return gameday_show(services, room, name, panel, query, record=record)
    world = room.world
    if room.script.world is None or world is None:
        return render("participant/_nothing.html", panel=panel, room=room.id)
    now = room.now()
    look = _look(room, panel, query, now)
    key = (room.id, panel, look.model_dump_json(exclude={"start", "end"}), query.window, int(now),
           len(world.operations))
    if not record and (cached := _LIVE.get(key)) is not None:
        return cached
    # A live body is the world at the whole minute, so that it depends only on its key.
    result = _answer(services, room, name, look, now if record else float(int(now)), record=record)
    html = render(f"participant/_{panel}.html", **panel_context(room, panel, query, look, result, now))
    if not record:
        _LIVE.put(key, html)
    return html
