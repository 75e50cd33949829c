"""What the script and the playbook make happen next: injects, pages, reactions, truth.

:func:`next_due` is pure: from the script, the playbook and the session state it returns the
earliest group of system events still to come (an inject, a page with its escalation, a
mitigation's reaction, the impact stopping), or ``None``. The session appends that group and
asks again until the next group lies after the drill clock's "now", so the same log always
produces the same future, and a reopened session picks up exactly where it stopped.

Pages follow :func:`playbook.escalation.escalation_timeline`: each alert that pages starts its
severity's escalation policy (or the script's ``page_policy``) when it fires; acknowledging it,
the alert clearing or the incident being resolved stops its pages.

On a drill with a world, the world is the other source: each minute in which alerts fire or
resolve, users' impact starts, or it stops (and stays stopped five minutes as things stand)
is one group, recorded with ``source: world``; an alert that fires carries what a pager shows
(the rule's name, labels with its own ``severity`` label, summary, runbook), never the
playbook's verdict. Its ``critical`` alerts page through the script's ``page_policy`` or the
most severe level's policy; ``warning`` alerts page nobody (seed 002 routes only critical
alerts to PagerDuty). Stakeholders (``stakeholders.py``) write when their rules say so.
The world is scanned up to half an hour past the drill's end (``LOOKAHEAD`` minutes past
"now" beyond that).
"""

from __future__ import annotations

from dataclasses import dataclass

from drills.events import DrillEvent, InjectDelivered, Source, StakeholderMessage
from drills.script import AlertInject, DrillScript, Inject
from drills.stakeholders import next_messages
from drills.state import AlertState, DrillState
from drills.world.run import AlertChange, World
from playbook.context import AlertContext
from playbook.escalation import EscalationPolicy, escalation_timeline
from playbook.events import AlertFired, AlertResolved, Escalated, ImpactStarted, Mitigated, PageSent
from playbook.model import Playbook

__all__ = ["LOOKAHEAD", "Due", "deliver", "next_due", "page_policy", "upcoming"]

_PAGE_HORIZON = 24 * 60.0
LOOKAHEAD = 10


@dataclass(frozen=True)
class Due:
    """One event the drill will record at ``at`` unless the team changes the future first."""

    at: float
    source: Source
    ref: str | None
    event: DrillEvent


def deliver(
    inject: Inject, *, at: float, incident_id: str, playbook: Playbook, source: Source
) -> Due:
    """The event an inject becomes when it reaches the team."""
    if isinstance(inject, AlertInject):
        verdict = playbook.classify(inject.context)
        event: DrillEvent = AlertFired(
            at=at,
            incident_id=incident_id,
            alert_id=inject.key,
            summary=inject.summary,
            actionable=inject.actionable,
            context=inject.context,
            severity=verdict.severity,
        )
    else:
        content = inject.model_dump(
            mode="json",
            exclude={
                "id", "at", "type", "red_herring", "while_impacted", "facilitator_note",
                "facilitator_only",
            },
        )
        event = InjectDelivered(
            at=at,
            incident_id=incident_id,
            inject_id=inject.id,
            inject_type=inject.type,
            content=content,
            facilitator_only=inject.facilitator_only,
        )
    return Due(at, source, inject.id, event)


def page_policy(
    alert: AlertState, script: DrillScript, playbook: Playbook
) -> EscalationPolicy | None:
    """The escalation policy an alert pages through, or None when it pages nobody."""
    if alert.inject_id is not None:
        try:
            inject = script.inject(alert.inject_id)
        except KeyError:
            inject = None
        if isinstance(inject, AlertInject) and not inject.pages:
            return None
    if alert.severity is None and alert.labels:
        if alert.labels.get("severity") != "critical":
            return None
        if script.page_policy is not None:
            return playbook.policy(script.page_policy)
        top = playbook.severity(playbook.severity_order[0])
        return None if top.escalation_policy is None else playbook.policy(top.escalation_policy)
    if script.page_policy is not None:
        return playbook.policy(script.page_policy)
    if alert.severity is None:
        return None
    level = playbook.severity(alert.severity)
    if not level.page or level.escalation_policy is None:
        return None
    return playbook.policy(level.escalation_policy)


def _pages(alert: AlertState, policy: EscalationPolicy, incident_id: str) -> list[list[Due]]:
    """Every page this alert will have sent, as groups (an escalation and its first page)."""
    groups: list[list[Due]] = []
    stop = alert.acked_at
    for note in escalation_timeline(
        policy,
        start_minute=alert.fired_at,
        ack_minute=stop,
        horizon=alert.fired_at + _PAGE_HORIZON,
    ):
        for k, target in enumerate(note.targets):
            group: list[Due] = []
            if k == 0 and (note.rule > 1 or note.loop > 0):
                group.append(
                    Due(
                        note.minute,
                        "system",
                        alert.alert_id,
                        Escalated(
                            at=note.minute,
                            incident_id=incident_id,
                            rule=note.rule,
                            loop=note.loop,
                            reason="timeout",
                        ),
                    )
                )
            group.append(
                Due(
                    note.minute,
                    "system",
                    alert.alert_id,
                    PageSent(
                        at=note.minute,
                        incident_id=incident_id,
                        target=str(target),
                        rule=note.rule,
                        loop=note.loop,
                        urgency=policy.urgency,
                    ),
                )
            )
            groups.append(group)
    return groups


def _alert_event(change: AlertChange, world: World, incident_id: str) -> DrillEvent:
    at = float(change.minute)
    if not change.firing:
        return AlertResolved(at=at, incident_id=incident_id, alert_id=change.alert_id)
    svc = world.spec.service(change.service)
    m = world.at(change.minute).metrics[change.service]
    callers = sorted(s.name for s in world.spec.services if change.service in s.calls)
    return AlertFired(
        at=at,
        incident_id=incident_id,
        alert_id=change.alert_id,
        summary=f"{change.rule}: {change.summary}",
        context=AlertContext(
            service=change.service,
            error_rate=round(min(100.0, m.error_rate), 1),
            latency_p99_ms=round(m.latency_p99_ms),
            is_revenue_impacting=svc.revenue,
            dependent_services=tuple(callers),
        ),
        labels={"alertname": change.rule, "service": change.service, "severity": change.severity},
        runbook=f"runbook:{change.runbook}",
    )


def _world_group(state: DrillState, world: World, incident_id: str, horizon: int) -> list[Due] | None:
    """The first minute after the last recorded one with world events, up to ``horizon``."""
    onset_seen = state.impact_started_at is not None
    for m in range(state.world_minute + 1, horizon + 1):
        group: list[Due] = []
        at = float(m)
        impacted = world.impacted(m)
        if not onset_seen and impacted:
            group.append(Due(at, "world", None, ImpactStarted(at=at, incident_id=incident_id)))
        group.extend(Due(at, "world", c.alert_id, _alert_event(c, world, incident_id)) for c in world.alert_changes(m))
        if onset_seen and state.mitigated_at is None and world.recovered(m):
            group.append(Due(at, "world", None, Mitigated(at=at, incident_id=incident_id)))
        if group:
            return group
    return None


def _candidates(
    script: DrillScript, playbook: Playbook, state: DrillState, incident_id: str,
    world: World | None = None, now: float = 0.0,
) -> list[list[Due]]:
    out: list[list[Due]] = []
    truth = script.truth
    if world is not None:
        # Up to the drill's end (and half an hour past) at least: the facilitator's look-ahead
        # and a virtual clock both need the next world event, however far it is.
        horizon = max(int(max(now, state.last_at)) + LOOKAHEAD, int(script.duration_minutes) + 30)
        group = _world_group(state, world, incident_id, horizon)
        if group is not None:
            out.append(group)
        for msg in next_messages(script, playbook, state, world, horizon):
            event = StakeholderMessage(at=msg.at, incident_id=incident_id, message_id=msg.message_id,
                                       persona=msg.persona, sender=msg.sender, channel=msg.channel, text=msg.text)
            out.append([Due(msg.at, "system", msg.message_id, event)])
    elif state.impact_started_at is None and not script.is_gameday:  # a game day's impact is real
        start = truth.impact_started_at
        out.append([Due(start, "system", None, ImpactStarted(at=start, incident_id=incident_id))])
    stopped = state.mitigated_at
    for inject in script.injects:
        if inject.while_impacted and stopped is not None and inject.at > stopped:
            continue  # the broken world this inject describes is gone
        if inject.id not in state.delivered:
            due = deliver(inject, at=inject.at, incident_id=incident_id, playbook=playbook, source="script")
            out.append([due])
    real = {a.key for a in script.real_alerts()}
    for mitigation_id, applied_at in state.mitigations.items():
        mitigation = script.mitigation(mitigation_id)
        for inject in mitigation.reaction:
            if inject.id not in state.delivered:
                at = applied_at + inject.at
                due = deliver(inject, at=at, incident_id=incident_id, playbook=playbook, source="reaction")
                out.append([due])
        if mitigation.effect == "works" and stopped is None:
            at = applied_at + mitigation.takes_minutes
            group = [Due(at, "reaction", mitigation.id, Mitigated(at=at, incident_id=incident_id))]
            group.extend(
                Due(at, "reaction", alert.alert_id,
                    AlertResolved(at=at, incident_id=incident_id, alert_id=alert.alert_id))
                for alert in state.alerts.values()
                if alert.resolved_at is None and alert.alert_id in real
            )
            out.append(group)
    if not state.resolved:
        for alert in state.alerts.values():
            if alert.resolved_at is not None:
                continue
            policy = page_policy(alert, script, playbook)
            if policy is None:
                continue
            groups = _pages(alert, policy, incident_id)
            # Each group holds one PageSent, and ``pages`` counts those already recorded.
            if alert.pages < len(groups):
                out.append(groups[alert.pages])
    return out


def next_due(
    script: DrillScript, playbook: Playbook, state: DrillState, incident_id: str,
    world: World | None = None, now: float = 0.0,
) -> list[Due] | None:
    """The earliest group of events still to come (recorded together), or None."""
    candidates = _candidates(script, playbook, state, incident_id, world, now)
    if not candidates:
        return None
    return min(candidates, key=lambda group: group[0].at)


def upcoming(
    script: DrillScript, playbook: Playbook, state: DrillState, incident_id: str,
    world: World | None = None, now: float = 0.0,
) -> list[Due]:
    """Every event due next from each source as things stand (the facilitator's look-ahead).

    Not a full forecast: delivering one event can make others due (an alert's pages).
    """
    groups = _candidates(script, playbook, state, incident_id, world, now)
    return sorted((due for group in groups for due in group), key=lambda d: d.at)
