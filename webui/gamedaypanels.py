"""The participant workspace's panels in a game-day room: the real system, never a world.

:func:`show` is :func:`webui.workspace.show` for a ``kind: gameday`` room
(``drills/gameday.py``). The panels read the room's log, where the game day's runner posts the
real system (``drills/gamedayview.py``):

==============  ===========================================================================
dashboards      the real metrics snapshots of a service (requests/s, 5xx %, p99 ms from the
                real Prometheus), plotted per drill minute
changes         the chaos run's changes as a change feed shows them (what changed is withheld
                until the debrief) and the team's operations on the real system
logs            no logs: a game day does not read the real system's logs (look at your own
                logging), said so plainly
runbook         the shipped runbooks, as in any drill
dependencies    the services the team may act on (no simulated health)
==============  ===========================================================================

A participant's own request is a ``look`` in the drill (what was asked, and when) while it
runs; the panel renders the log as of now either way.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from drills import evidence
from drills.actions import Look
from drills.gamedayview import real_changes, real_series
from drills.narrative import clock_time
from drills.session import DrillSession
from drills.workspace import WINDOWS, window_bounds
from playbook.errors import InvalidDefinition
from webui.charts import Series, line_chart
from webui.rendering import render
from webui.rooms import act
from webui.services import Services

__all__ = ["show"]

WINDOW_LABELS = {"15m": "last 15 min", "1h": "last hour", "start": "since the start"}


@cache
def _runbook_html(name: str) -> Markup:
    # As the drill workspace renders runbooks: ours, but raw HTML stays off all the same.
    text = evidence.runbook(name) or ""
    return Markup(MarkdownIt("commonmark", {"html": False, "linkify": False}).render(text))  # noqa: S704


def _check(room: DrillSession, query: Any) -> None:
    if query.window not in WINDOWS:
        raise InvalidDefinition(f"unknown window {query.window!r} (use {', '.join(WINDOWS)})", field="window")
    services = room.script.services
    if query.service and query.service not in services:
        raise InvalidDefinition(f"no service {query.service!r} (known: {', '.join(services)})", field="service")


def _look(room: DrillSession, panel: str, query: Any, start: float, end: float) -> Look:
    service = query.service or room.script.services[0]
    match panel:
        case "dashboards":
            return Look(evidence="metrics", service=service, start=start, end=end)
        case "logs":
            return Look(evidence="logs", service=query.service or None, start=start, end=end)
        case "runbook":
            names = evidence.runbook_names()
            name = query.name or names[0]
            if name not in names:
                raise InvalidDefinition(f"no runbook {name!r} (known: {', '.join(names)})", field="name")
            return Look(evidence="runbook", name=name)
    return Look(evidence="changes" if panel == "changes" else "dependencies")


def _dashboards(room: DrillSession, service: str, start: float, end: float) -> dict[str, Any]:
    clock = room.script.clock_start
    with room.lock:
        records = room.records()
    data = real_series(records, service, start, end)
    minutes = [int(m) for m in data["minute"]]

    def chart(title: str, unit: str, *series: Series) -> dict[str, Any]:
        svg = line_chart(title=title, minutes=minutes, series=series, unit=unit,
                         label=lambda m: clock_time(clock, m))
        legend = [{"label": x.label, "key": k, "last": x.values[-1] if x.values else None} for k, x in enumerate(series)]
        return {"title": title, "unit": unit, "legend": legend, "svg": svg}

    charts = [
        chart("Requests", "rps", Series("requests/s", data["requests_per_second"])),
        chart("Errors (5xx)", "%", Series("error rate", data["error_rate"])),
        chart("Latency", "ms", Series("p99", data["latency_p99_ms"])),
    ] if minutes else []
    return {"charts": charts, "snapshots": len(minutes), "service": service}


def show(services: Services, room: DrillSession, name: str, panel: str, query: Any, *, record: bool) -> str:
    """The game-day panel's body for ``query``; ``record``: the participant asked (a ``look``)."""
    _check(room, query)
    now = room.now()
    start, end = window_bounds(query.window, now)
    look = _look(room, panel, query, start, end)
    with room.lock:
        running = room.state.status == "running"
    if record and running:
        act(services, room, name, look)
    base: dict[str, Any] = {
        "room": room.id, "panel": panel, "query": query, "window": query.window, "windows": WINDOW_LABELS,
        "services": list(room.script.services), "clock": clock_time(room.script.clock_start, now),
    }
    match panel:
        case "dashboards":
            assert look.service is not None
            return render("participant/_gameday_dashboards.html", **base, **_dashboards(room, look.service, start, end))
        case "changes":
            with room.lock:
                records = room.records()
            return render("participant/_changes.html", **base, changes=real_changes(records, room.script.clock_start))
        case "runbook":
            return render("participant/_runbook.html", **base, names=evidence.runbook_names(),
                          runbook_name=look.name, html=_runbook_html(look.name or ""))
    return render("participant/_gameday_none.html", **base)
