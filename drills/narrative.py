"""One human line per record, for timelines, postmortem drafts and reports.

:func:`describe` never mentions the truth (noise flags, whether a mitigation works, when the
impact began): callers decide whether a record is shown at all (see ``drills/views.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from drills.events import (
    ChatPosted,
    DebriefReleased,
    DrillEnded,
    DrillPaused,
    DrillResumed,
    DrillStarted,
    EvidenceViewed,
    HintSent,
    HypothesisRecorded,
    InjectDelivered,
    Operated,
    ParticipantJoined,
    ParticipantRemoved,
    PostmortemEdited,
    Record,
    RoleReleased,
    RootCauseStated,
    SpeedChanged,
    StakeholderMessage,
    StakeholderReplied,
    TimelineMarked,
)
from playbook.events import (
    Acknowledged,
    AlertFired,
    AlertResolved,
    Escalated,
    ImpactStarted,
    IncidentDeclared,
    Mitigated,
    MitigationApplied,
    NoteAdded,
    PageSent,
    PostmortemWritten,
    Resolved,
    RoleAssigned,
    SeverityChanged,
    UpdatePosted,
)

__all__ = ["clock_time", "describe"]

_MAX = 160


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX else flat[: _MAX - 1] + "…"


def clock_time(clock_start: datetime, minute: float) -> str:
    """Drill minute ``minute`` on the script's fictional UTC clock, ``HH:MM``."""
    return (clock_start + timedelta(minutes=minute)).strftime("%H:%M")


def _inject_line(event: InjectDelivered) -> str:
    c = event.content
    match event.inject_type:
        case "metrics":
            values = c.get("values", {})
            parts = [
                f"{label} {values[key]:g}{unit}"
                for key, label, unit in (
                    ("error_rate", "errors", "%"),
                    ("latency_p99_ms", "p99", " ms"),
                    ("saturation_pct", "saturation", "%"),
                    ("requests_per_second", "rps", ""),
                )
                if values.get(key) is not None
            ]
            return f"Metrics {c.get('service')}: {', '.join(parts)}"
        case "log":
            return f"Log {c.get('service')} [{c.get('level')}]: {_short(str(c.get('line')))}"
        case "customer_report":
            return f"Customer report from {c.get('customer')} via {c.get('channel')}: {_short(str(c.get('text')))}"
        case "exec_message":
            return f"Message from {c.get('sender')}: {_short(str(c.get('text')))}"
        case "deploy":
            by = f" by {c['by']}" if c.get("by") else ""
            return f"Deploy {c.get('service')} {c.get('version')}{by}: {_short(str(c.get('change', '')))}"
    return f"{event.inject_type}: {_short(str(c))}"


def describe(record: Record) -> str:
    """What happened, in one line."""
    e = record.event
    who = e.actor or "system"
    match e:
        case AlertFired():
            label = e.labels.get("severity")
            return f"Alert {e.alert_id} fired ({label}): {e.summary}" if label else f"Alert {e.alert_id} fired: {e.summary}"
        case AlertResolved():
            return f"Alert {e.alert_id} cleared"
        case PageSent():
            return f"Paged {e.target} (rule {e.rule})"
        case Acknowledged():
            return f"{who} acknowledged alert {record.ref}"
        case Escalated():
            return f"{'Escalated by ' + who if e.reason == 'manual' else 'Escalated on timeout'} to rule {e.rule}"
        case IncidentDeclared():
            return f"{who} declared {e.severity}: {e.title} (#{e.channel})"
        case SeverityChanged():
            return f"{who} changed severity {e.old} -> {e.new}"
        case RoleAssigned():
            return f"{e.person} is {e.role} (by {who})"
        case RoleReleased():
            return f"{e.person} is no longer {e.role} (by {who})"
        case UpdatePosted():
            audience = {"internal": "Internal update", "status_page": "Status page update",
                        "executive": "Executive update"}[e.audience]
            return f"{audience} by {who}: {_short(e.text)}"
        case MitigationApplied():
            return f"{who} applied mitigation {e.mitigation}"
        case Mitigated():
            return "Impact stopped"
        case Resolved():
            summary = f": {_short(e.summary)}" if e.summary else ""
            return f"{who} resolved the incident{summary}"
        case NoteAdded():
            return f"Note by {who}: {_short(e.text)}"
        case PostmortemWritten():
            return f"{who} wrote the postmortem ({len(e.action_items)} action items)"
        case ImpactStarted():
            return "Impact started"
        case InjectDelivered():
            return _inject_line(e)
        case DrillStarted():
            return f"Drill started at x{e.speed:g}"
        case DrillPaused():
            return "Drill paused"
        case DrillResumed():
            return "Drill resumed"
        case SpeedChanged():
            return f"Drill speed x{e.speed:g}"
        case DrillEnded():
            return f"Drill ended{': ' + e.reason if e.reason else ''}"
        case ParticipantJoined():
            return f"{who} joined"
        case Operated():
            return f"{who} ran: {e.label}"
        case EvidenceViewed():
            return f"{who} looked at {_look(e)}"
        case HypothesisRecorded():
            return f"{who} hypothesised: {e.service} / {e.category.replace('_', ' ')}" + (f" ({e.text})" if e.text else "")
        case RootCauseStated():
            return f"Root cause stated: {e.service} / {e.category.replace('_', ' ')}"
        case StakeholderMessage():
            return f"{e.sender} ({e.channel}): {e.text}"
        case StakeholderReplied():
            return f"{who} replied to {e.message_id}: {e.text}"
        case ParticipantRemoved():
            return f"The facilitator removed {e.person}" + (f": {e.reason}" if e.reason else "")
        case HintSent():
            return f"Hint from the facilitator: {e.text}"
        case DebriefReleased():
            return "The facilitator released the debrief"
        case PostmortemEdited():
            return f"{who} saved postmortem revision {e.revision}"
        case ChatPosted():
            roles = f" ({', '.join(record.roles)})" if record.roles else ""
            return f"{who}{roles} in #{e.channel}: {_short(e.text)}"
        case TimelineMarked():
            return f"{e.author}: {_short(e.text)} (timeline entry by {who})"
    return e.kind  # pragma: no cover - the union is exhaustive


def _look(e: EvidenceViewed) -> str:
    r = e.request
    match e.evidence:
        case "metrics":
            return f"the metrics of {r.get('service')}"
        case "logs":
            parts = [p for p in (r.get("service"), r.get("level"), repr(r["text"]) if r.get("text") else None) if p]
            return "the logs" + (f" ({', '.join(parts)})" if parts else "")
        case "changes":
            return "the change feed"
        case "runbook":
            return f"the runbook {r.get('name')}"
        case "dependencies":
            return "the dependency map"
        case "oncall":
            return "the on-call schedule"
    return e.evidence
