"""Outside alerts as drill injects: pure functions from a receiver payload to inject specs.

An Alertmanager alert or a PagerDuty trigger becomes an ``alert`` inject whose
:class:`~playbook.context.AlertContext` is read from its labels and annotations (or custom
details), so the playbook classifies it and the drill pages it like a scripted alert.

Senders repeat themselves (Alertmanager re-sends every firing alert of a group at each
``group_interval``; PagerDuty dedups triggers by ``dedup_key``), so each alert gets a stable
inject id and one already delivered is reported as a duplicate instead of firing twice:

- Alertmanager: ``am-<fingerprint>-<startsAt>``; an alert that fires again after resolving
  has a new ``startsAt`` and so is a new alert, as in Alertmanager.
- PagerDuty: ``pd-<hash of dedup_key>``, then ``pd-<hash>-2``, ``-3``...: as in PagerDuty,
  a ``trigger`` while the alert with that ``dedup_key`` is open is deduplicated, but once it
  was resolved the same key opens a new alert.

A "resolved" notification (Alertmanager) or a ``resolve`` event (PagerDuty) clears the
alert in the drill (``clear``): its pages stop, as they would in PagerDuty. An outside
``acknowledge`` cannot take the page for the team (acknowledging is the team's own scored
action), so it becomes a ``log`` inject the team sees in its timeline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from playbook.errors import InvalidDefinition
from webui.payloads import AlertmanagerAlert, AlertmanagerWebhook, PagerDutyEvent, alert_context

__all__ = ["Planned", "alertmanager_plan", "pagerduty_id", "pagerduty_plan", "truncation_log"]

Outcome = Literal["fire", "clear", "log", "duplicate", "ignored"]
_SERVICE_LABELS = ("service", "job", "app")


@dataclass(frozen=True)
class Planned:
    """What one alert of a payload becomes: an inject to deliver, or why nothing."""

    alert_id: str
    outcome: Outcome
    inject: dict[str, Any] | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def _digest(text: str, size: int = 16) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def _am_id(alert: AlertmanagerAlert) -> str:
    fingerprint = alert.fingerprint.lower()
    if not fingerprint or not fingerprint.isalnum():
        fingerprint = _digest(repr(sorted(alert.labels.items())))
    started = int(alert.startsAt.timestamp()) if alert.startsAt is not None else 0
    return f"am-{fingerprint}-{max(0, started)}"


def _service(labels: Mapping[str, str], name: str) -> str:
    for key in _SERVICE_LABELS:
        value = labels.get(key, "").strip()
        if value:
            return value
    raise InvalidDefinition(
        f"alert {name!r} has no service label (one of {', '.join(_SERVICE_LABELS)}): "
        "the playbook classifies alerts by service"
    )


def alertmanager_plan(
    hook: AlertmanagerWebhook, *, seen: Collection[str], cleared: Collection[str] = ()
) -> list[Planned]:
    """What each alert of a notification becomes.

    ``seen``: alert and inject ids delivered in the room; ``cleared``: alerts already cleared.

    Raises InvalidDefinition (a 422) for an alert the playbook cannot read, before anything
    is delivered.
    """
    plan: list[Planned] = []
    for alert in hook.alerts:
        labels = {**hook.commonLabels, **alert.labels}
        annotations = {**hook.commonAnnotations, **alert.annotations}
        name = labels.get("alertname", "alert")
        alert_id = _am_id(alert)
        service = _service(labels, name)
        context = alert_context(service, {**labels, **annotations})
        summary = annotations.get("summary") or annotations.get("description") or name
        if alert.status == "firing":
            if alert_id in seen:
                plan.append(Planned(alert_id, "duplicate", reason="already fired in this room"))
                continue
            inject = {
                "type": "alert",
                "id": alert_id,
                "at": 0,
                "summary": f"{name}: {summary}"[:1000] if summary != name else name,
                "context": context.model_dump(mode="json"),
                "runbook": annotations.get("runbook_url", "")[:1000],
                "facilitator_note": f"Alertmanager {hook.receiver or 'webhook'} {alert.generatorURL}"[:1000],
            }
            plan.append(Planned(alert_id, "fire", inject, details={"service": service}))
            continue
        if alert_id not in seen:
            plan.append(Planned(alert_id, "ignored", reason="resolved before it fired in this room"))
        elif alert_id in cleared:
            plan.append(Planned(alert_id, "duplicate", reason="resolution already reported"))
        else:
            plan.append(Planned(alert_id, "clear", details={"service": service}))
    return plan


def pagerduty_id(dedup_key: str, generation: int = 1) -> str:
    """The drill alert id of a PagerDuty dedup key (any text up to 255 characters) the
    ``generation``-th time an alert opens under it."""
    base = f"pd-{_digest(dedup_key)}"
    return base if generation == 1 else f"{base}-{generation}"


def _latest(dedup_key: str, seen: Collection[str]) -> int:
    """How many alerts have opened under ``dedup_key`` in the room (0: none)."""
    generation = 0
    while pagerduty_id(dedup_key, generation + 1) in seen:
        generation += 1
    return generation


def pagerduty_plan(
    event: PagerDutyEvent, *, dedup_key: str, seen: Collection[str], cleared: Collection[str] = ()
) -> Planned:
    """What a PagerDuty event becomes; ``dedup_key`` is the event's or a generated one."""
    latest = _latest(dedup_key, seen)
    alert_id = pagerduty_id(dedup_key, max(latest, 1))
    if event.event_action == "trigger":
        payload = event.payload
        assert payload is not None  # the model refuses a trigger without one
        if latest and alert_id not in cleared:
            return Planned(alert_id, "duplicate", reason="an alert with this dedup_key is open")
        alert_id = pagerduty_id(dedup_key, latest + 1)
        service = (payload.component or payload.source).strip()
        context = alert_context(service, payload.custom_details)
        inject = {
            "type": "alert",
            "id": alert_id,
            "at": 0,
            "summary": payload.summary,
            "context": context.model_dump(mode="json"),
            "facilitator_note": f"PagerDuty event from {event.client or payload.source}"[:1000],
        }
        return Planned(alert_id, "fire", inject, details={"service": service})
    if not latest:
        return Planned(alert_id, "ignored", reason=f"no alert with dedup_key {dedup_key[:80]!r} fired here")
    if alert_id in cleared:
        return Planned(alert_id, "duplicate", reason="already resolved")
    if event.event_action == "resolve":
        return Planned(alert_id, "clear")
    verb = "acknowledged"
    log_id = f"{alert_id}-{event.event_action}"
    if log_id in seen:
        return Planned(alert_id, "duplicate", reason=f"already {verb}")
    line = f"PagerDuty: alert {dedup_key[:80]} {verb} by {event.client or 'the integration'}"[:1000]
    inject = {"type": "log", "id": log_id, "at": 0, "service": "pagerduty", "level": "info", "line": line}
    return Planned(alert_id, "log", inject)


def truncation_log(hook: AlertmanagerWebhook) -> Planned | None:
    """A timeline line saying Alertmanager left alerts out of this notification, if it did.

    Alertmanager sends at most ``max_alerts`` alerts of a group and counts the rest in
    ``truncatedAlerts``; the room records that they exist (once per group and count).
    """
    if hook.truncatedAlerts <= 0:
        return None
    log_id = f"am-truncated-{_digest(hook.groupKey or hook.receiver)}-{hook.truncatedAlerts}"
    line = (
        f"Alertmanager left {hook.truncatedAlerts} more alert(s) of group {hook.groupKey[:200] or '?'} "
        "out of this notification (its max_alerts)"
    )
    inject = {"type": "log", "id": log_id, "at": 0, "service": "alertmanager", "level": "warning", "line": line[:1000]}
    return Planned(log_id, "log", inject, reason=f"{hook.truncatedAlerts} alerts truncated by Alertmanager")
