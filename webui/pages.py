"""What the room pages show: template contexts built from the engine's views.

Participants' pages are built only from :func:`drills.views.participant_view` (and the
postmortem draft, which is participant-safe), never from the facilitator's view, so nothing a
participant's page or stream renders can hold the truth or an undelivered inject. Each page
is a set of named panels; a live stream re-sends a panel only when its HTML changed, and a
participant's forms (``controls``) only when what they offer changed, so nobody's typing is
wiped by someone else's action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drills import console
from drills.evidence import runbook_names
from drills.narrative import clock_time
from drills.postmortem import draft_postmortem
from drills.session import DrillSession
from drills.views import FacilitatorView, ParticipantView, facilitator_view, participant_view
from drills.workspace import on_call_people, pages_received
from drills.world.logs import LEVELS
from playbook.roles import Role
from webui.rendering import render

__all__ = [
    "FACILITATOR_PANELS",
    "INJECT_TYPES",
    "PARTICIPANT_PANELS",
    "REMOVED",
    "SPEEDS",
    "WORKSPACE_TABS",
    "Links",
    "facilitator_context",
    "facilitator_panels",
    "participant_context",
    "participant_panels",
    "status_context",
]

SPEEDS = (1, 2, 5, 10, 20, 30, 60)
INJECT_TYPES = {
    "alert": "Alert (pages, classified by the playbook)",
    "log": "Log line",
    "customer_report": "Customer report",
    "exec_message": "Message from an executive",
    "deploy": "Deployment event",
    "metrics": "Metric snapshot",
}
REMOVED = "removed"  # the event that ends a removed participant's stream
PARTICIPANT_PANELS = (
    "status", "incident", "alerts", "metrics", "roster", "timeline", "controls",
    "channel",  # h12chan: the incident channel
    "triage",  # h12chan: observations, the playbook's verdict, declare
    "hypotheses",  # h12chan: the team's board
    "actions",  # h12chan: the generic catalog, destructive verbs confirmed
    "inbox",  # h12chan: stakeholders' messages and replies
)
FACILITATOR_PANELS = ("status", "controls", "roster", "upcoming", "score", "timeline", "world", "hints")
#: The workspace's tabs (key, label): the pager, then the evidence panels of webui.workspace.
WORKSPACE_TABS = (
    ("pager", "Pager"), ("dashboards", "Dashboards"), ("logs", "Logs"), ("changes", "Changes"),
    ("runbook", "Runbook"), ("dependencies", "Dependencies"),
)
_WINDOWS = (("15m", "last 15 min"), ("1h", "last hour"), ("start", "since the start"))
_EVIDENCE = {"log", "deploy", "metrics", "customer_report", "exec_message"}
_FEED = 200


@dataclass(frozen=True)
class Links:
    """Absolute links of a room, for the facilitator to hand out."""

    join: str
    facilitator: str
    alertmanager: str
    events: str
    receiver_token: str


def status_context(session: DrillSession) -> dict[str, Any]:
    """The status bar: cheap enough to re-render every second for the clock."""
    with session.lock:
        state = session.state
        now = session.now()
        anchor = state.anchor
        return {
            "room": session.id,
            "title": session.script.title,
            "status": state.status,
            "clock": clock_time(session.script.clock_start, now),
            "minute": now,
            "speed": anchor.speed if anchor else 1.0,
            "seq": state.last_seq,
        }


def _roles(view: ParticipantView) -> set[str]:
    return set(view.your_roles)


def _pager(session: DrillSession, view: ParticipantView, name: str, records: list[Any]) -> dict[str, Any]:
    """The pager's context: the pages of the log with the people they reached, and the alerts."""
    start = session.script.clock_start
    pages = [
        {**vars(p), "time": clock_time(start, p.at)}
        for p in pages_received(records, session.playbook, start, name)
    ]
    paged: dict[str, list[dict[str, Any]]] = {}
    for p in reversed(pages):
        paged.setdefault(str(p["alert_id"]), []).append(p)
    alerts = [
        {**a, "fired_clock": clock_time(start, a["fired_at"]),
         "runbook_name": _runbook_name(a.get("runbook"))}
        for a in view.alerts
    ]
    people = {p.casefold() for p in on_call_people(session.playbook)}
    return {
        "pages": pages,
        "alerts": alerts,
        "alerts_by_id": {a["alert_id"]: a for a in alerts},
        "paged_by_alert": paged,
        "you_on_call": name.casefold() in people,
    }


def _runbook_name(runbook: str | None) -> str | None:
    """A world alert's ``runbook:NAME`` when that runbook ships (it opens in the workspace)."""
    if not runbook or not runbook.startswith("runbook:"):
        return None
    name = runbook.removeprefix("runbook:")
    return name if name in runbook_names() else None


def participant_context(session: DrillSession, name: str, *, csrf: str) -> dict[str, Any]:
    """Everything the participant page renders, from the participant view only."""
    view = participant_view(session, name, feed=_FEED)
    with session.lock:
        state = session.state
        records = session.records()
        draft = ""
        if state.resolved and state.postmortem is None:
            draft = draft_postmortem(records, state, session.script, session.playbook)
    roles = _roles(view)
    holders = {role.value: sorted(p for p, rs in view.participants.items() if role.value in rs) for role in Role}
    ic_held = bool(holders[Role.INCIDENT_COMMANDER.value])
    incident = view.incident
    return {
        **status_context(session),
        "view": view,
        "you": name,
        "csrf": csrf,
        "roles": [r.value for r in Role],
        "holders": holders,
        "severities": list(session.playbook.severity_order),
        "is_ic": Role.INCIDENT_COMMANDER.value in roles,
        "is_comms": Role.COMMS_LEAD.value in roles,
        "is_tech": Role.TECH_LEAD.value in roles,
        "is_scribe": Role.SCRIBE.value in roles,
        "can_declare": incident is None and (Role.INCIDENT_COMMANDER.value in roles or not ic_held),
        "declared": incident is not None,
        "resolved": bool(incident and incident["resolved"]),
        "postmortem_written": state.postmortem is not None,
        "debrief_released": state.debrief_released,
        "postmortem_draft": draft,
        "evidence": [
            r for r in reversed(view.feed)
            if r.kind == "inject_delivered" and r.data.get("inject_type") in _EVIDENCE
        ],
        "feed": list(reversed(view.feed)),
        "paging": [a for a in view.alerts if a["paging"]],
        "seq": view.offset,
        **_pager(session, view, name, records),
        **_workspace(session),
    }


def _workspace(session: DrillSession) -> dict[str, Any]:
    """The workspace's static parts: its tabs, window and level choices, the first service."""
    world = session.script.world
    entry = [s.name for s in world.services if s.entry] if world else []
    return {
        "ws_tabs": WORKSPACE_TABS,
        "windows": _WINDOWS,
        "levels": LEVELS,
        "has_world": world is not None,
        "default_service": (entry or list(session.script.services_shown) or [""])[0],
    }


def controls_key(context: dict[str, Any]) -> tuple[Any, ...]:
    """What the participant's forms depend on; they are re-sent only when this changes."""
    view: ParticipantView = context["view"]
    return (
        view.status,
        tuple(view.your_roles),
        tuple(sorted((p, tuple(r)) for p, r in view.participants.items())),
        None if view.incident is None else (view.incident["severity"], view.incident["resolved"]),
        tuple(sorted(m["id"] for m in view.mitigations if m["applied_at"] is not None)),
        context["postmortem_written"],
        context["debrief_released"],
    )


def participant_panels(
    session: DrillSession, name: str, *, csrf: str
) -> Callable[[bool], tuple[int, dict[str, str]]]:
    """A renderer for one live stream: ``render(full)`` gives the panels to (re)send.

    ``full=False`` renders only the status bar (the clock); ``controls`` is rendered only
    when :func:`controls_key` changed since this stream last sent it.
    """
    last_key: list[tuple[Any, ...]] = []

    def panels(full: bool) -> tuple[int, dict[str, str]]:
        if not full:
            status = status_context(session)
            return status["seq"], {"status": render("participant/_status.html", **status)}
        with session.lock:
            removed, seq = name in session.state.removed, session.state.last_seq
        if removed:  # the stream's last message: nothing more of the room reaches them
            return seq, {REMOVED: "The facilitator removed you from this room."}
        context = participant_context(session, name, csrf=csrf)
        out = {
            panel: render(f"participant/_{panel}.html", **context)
            for panel in PARTICIPANT_PANELS
            if panel != "controls"
        }
        key = controls_key(context)
        if not last_key or last_key[0] != key:
            out["controls"] = render("participant/_controls.html", **context)
            last_key[:] = [key]
        return context["seq"], out

    return panels


def _inject_text(session: DrillSession, ref: str | None) -> str:
    if ref is None:
        return ""
    try:
        inject = session.script.inject(ref)
    except KeyError:
        return ""
    for name in ("summary", "line", "text", "change"):
        value = getattr(inject, name, None)
        if value:
            return str(value)
    return inject.type


def facilitator_context(session: DrillSession, *, csrf: str, links: Links) -> dict[str, Any]:
    """Everything the facilitator page renders: the truth, the look-ahead and the score."""
    view: FacilitatorView = facilitator_view(session)
    upcoming = [{**u, "text": _inject_text(session, u["ref"])} for u in view.upcoming[:20]]
    return {
        **status_context(session),
        "view": view,
        "csrf": csrf,
        "links": links,
        "speeds": SPEEDS,
        "inject_types": INJECT_TYPES,
        "upcoming": upcoming,
        "records": list(reversed(view.records[-300:])),
        "services": list(session.script.services),
        "seq": view.offset,
        # The true world beside the team's view, what the team looked at, the hints.
        "world": console.world_now(session),
        "real": console.real_now(session),
        "looks": console.looks(session),
        "hints": console.hints(session),
        "released": session.state.debrief_released,
    }


def facilitator_panels(
    session: DrillSession, *, csrf: str, links: Links
) -> Callable[[bool], tuple[int, dict[str, str]]]:
    """A renderer for the facilitator's live stream (see :func:`participant_panels`)."""

    def panels(full: bool) -> tuple[int, dict[str, str]]:
        if not full:
            status = status_context(session)
            return status["seq"], {"status": render("facilitator/_status.html", **status)}
        context = facilitator_context(session, csrf=csrf, links=links)
        return context["seq"], {
            panel: render(f"facilitator/_{panel}.html", **context) for panel in FACILITATOR_PANELS
        }

    return panels
