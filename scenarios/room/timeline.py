"""A chaos run's events in the drill timeline: each one a log inject in the room.

:class:`DrillTimeline` is the sink of a :class:`~scenarios.chaosrun.TimelineHandler` (the
``RunEventHandler``): every event (experiment started, steady state before, each activity,
steady state after, rollbacks, run finished) is posted to the room as a ``log`` inject from the
``chaos-toolkit`` service, so the facilitator's timeline (and the postmortem drafted from it)
shows when the fault went in and when it was rolled back beside the alerts and the team's moves.

Chaos Toolkit swallows its handlers' exceptions (logging them at debug level), so the handler
catches and logs the sink's errors itself (``TimelineHandler.failures`` counts them).

Participants see these lines: the drill engine has no facilitator-only inject.
"""

from __future__ import annotations

from pydantic import SecretStr

from scenarios.chaosrun import ChaosEvent
from scenarios.room.drillapi import DrillApi, InjectRequest

__all__ = ["SERVICE", "DrillTimeline", "describe_event"]

#: The service the chaos run's log lines come from.
SERVICE = "chaos-toolkit"

_PHASES = {
    "hypothesis_before": "steady-state probe (before)",
    "method": "method",
    "hypothesis_after": "steady-state probe (after)",
    "rollbacks": "rollback",
}


def describe_event(event: ChaosEvent) -> tuple[str, str]:
    """The log line and level an event becomes. Pure."""
    status = event.status or ""
    match event.kind:
        case "started":
            return f"Chaos experiment started: {event.name}", "info"
        case "steady_state_before":
            if status == "met":
                return "Steady state held before the fault", "info"
            return "Steady state did NOT hold before the fault: the run is invalid", "error"
        case "method_started":
            return "Chaos method started: load and fault go in now", "warning"
        case "action_completed" | "probe_completed":
            kind = event.kind.removesuffix("_completed")
            phase = _PHASES.get(str(event.detail.get("phase")), "")
            where = f"{phase} " if phase and phase != "method" else ""
            level = "info" if status == "succeeded" else "error"
            output = event.detail.get("output")
            if status == "succeeded" and output is not None:
                value = f"{output:.3g}" if isinstance(output, float) else str(output)[:200]
                return f"Chaos {where}{kind} {event.name} = {value}", level
            return f"Chaos {where}{kind} {event.name}: {status or 'done'}", level
        case "steady_state_after":
            if status == "met":
                return "Steady state held under the fault", "info"
            return "Steady state did not hold under the fault (users were hurt)", "warning"
        case "rollbacks_started":
            return "Chaos rollbacks started: the fault is being cleared", "info"
        case "rollbacks_completed":
            return "Chaos rollbacks completed", "info"
        case "interrupted":
            return "Chaos experiment interrupted (rollbacks still run)", "error"
        case "finished":
            deviated = " (deviated)" if event.detail.get("deviated") else ""
            return f"Chaos experiment finished: {status}{deviated}", "info"
    return f"Chaos {event.kind}: {event.name or ''} {status}".strip(), "info"


class DrillTimeline:
    """A sink posting each chaos event into a running room (facilitator key or receiver token)."""

    def __init__(self, api: DrillApi, room_id: str, token: SecretStr) -> None:
        self.api = api
        self.room_id = room_id
        self._token = token
        self.delivered = 0

    def __call__(self, event: ChaosEvent) -> None:
        line, level = describe_event(event)
        # The chaos run's steps name the fault: only the facilitator may see them.
        detail = {"type": "log", "service": SERVICE, "level": level, "line": line, "facilitator_only": True}
        self.api.fire_inject(
            self.room_id,
            InjectRequest(inject=f"chaos-{event.kind}", detail=detail),
            token=self._token,
        )
        self.delivered += 1
