"""Trace mode: one replication's incidents as timelines of the shared event vocabulary.

The hot path keeps lean records; a traced run (``trace=True``) also keeps each incident's
alerts, and :func:`incident_timelines` rebuilds every incident as typed
:mod:`playbook.events` (alert fired, severity changed, page sent, escalated, acknowledged,
declared, role assigned, update posted, mitigated, resolved; an incident its alerts resolved
before anyone acknowledged ends with a ``resolved`` event and no actor), so the playbook's metrics, the drills'
scoring and the web UI can read a simulated incident like any other.
"""

from __future__ import annotations

import math

from playbook.context import AlertContext
from playbook.events import (
    Acknowledged,
    AlertFired,
    Escalated,
    EventBase,
    IncidentDeclared,
    Mitigated,
    PageSent,
    Resolved,
    RoleAssigned,
    SeverityChanged,
    UpdatePosted,
    sort_events,
)
from simulator.arrivals import ACTIONABLE, DUPLICATE, NOISE, AlertTable, classify_alerts
from simulator.compiled import ROLES, Compiled, compile_scenario
from simulator.model import CLEARED, WORKED, RunRecords
from simulator.runner import run_scenario_replication
from simulator.study import Scenario

__all__ = ["example_incident", "incident_timelines", "trace_replication"]


def _context(alerts: AlertTable, a: int) -> AlertContext:
    count = int(alerts.dependents[a])
    return AlertContext(
        service=alerts.services[int(alerts.service[a])],
        error_rate=float(alerts.error_rate[a]),
        latency_p99_ms=float(alerts.latency_p99_ms[a]),
        affected_users_pct=float(alerts.affected_users_pct[a]),
        is_data_loss=bool(alerts.data_loss[a]),
        is_security_event=bool(alerts.security[a]),
        is_revenue_impacting=bool(alerts.revenue[a]),
        dependent_services=tuple(f"dependent-{i + 1}" for i in range(count)),
    )


def _incident_id(index: int) -> str:
    return f"INC-{index:05d}"


def incident_timelines(
    compiled: Compiled,
    alerts: AlertTable,
    records: RunRecords,
    *,
    severity: list[int] | None = None,
    only: set[int] | None = None,
) -> dict[str, list[EventBase]]:
    """Incident id -> its events in time order, for every incident (or those in ``only``)."""
    if not records.members and len(records.incidents["open"]):
        raise ValueError("records come from an untraced run; simulate with trace=True")
    inc = {k: v.tolist() for k, v in records.incidents.items()}
    names = compiled.names
    levels = compiled.book.severities
    out: dict[str, list[EventBase]] = {}
    pages_by_incident: dict[int, list[tuple[float, int, int, int]]] = {}
    for t, person, incident, rule, loop in zip(
        records.pages["time"].tolist(),
        records.pages["person"].tolist(),
        records.pages["incident"].tolist(),
        records.pages["rule"].tolist(),
        records.pages["loop"].tolist(),
        strict=True,
    ):
        pages_by_incident.setdefault(incident, []).append((t, person, rule, loop))
    roles_by_incident: dict[int, list[tuple[int, int, float]]] = {}
    for person, role, start, _, incident in zip(
        records.work["person"].tolist(),
        records.work["role"].tolist(),
        records.work["start"].tolist(),
        records.work["end"].tolist(),
        records.work["incident"].tolist(),
        strict=True,
    ):
        roles_by_incident.setdefault(incident, []).append((role, person, start))
    for i in range(len(inc["open"])):
        if only is not None and i not in only:
            continue
        ident = _incident_id(i)
        level = levels[inc["severity"][i]]
        events: list[EventBase] = []
        for a in records.members[i]:
            kind = int(alerts.kind[a])
            root_actionable = kind == ACTIONABLE and int(alerts.root[a]) == a
            events.append(
                AlertFired(
                    at=float(alerts.time[a]),
                    incident_id=ident,
                    alert_id=f"A{a}",
                    summary=f"{alerts.services[int(alerts.service[a])]} alert {int(alerts.alertname[a])}"
                    + (
                        " (noise)" if kind == NOISE else " (duplicate)" if kind == DUPLICATE else ""
                    ),
                    actionable=kind == ACTIONABLE,
                    context=_context(alerts, a) if root_actionable else None,
                    severity=compiled.severity_names[severity[a]]
                    if severity is not None
                    else level.name,
                )
            )
        for at, old, new in records.changes[i] if records.changes else ():
            events.append(
                SeverityChanged(
                    at=at,
                    incident_id=ident,
                    old=compiled.severity_names[old],
                    new=compiled.severity_names[new],
                )
            )
        reached: set[tuple[int, int]] = set()
        urgency = compiled.urgency_at(inc["severity"][i], inc["service"][i], inc["open"][i])
        for t, person, rule, loop in pages_by_incident.get(i, []):
            if (rule, loop) not in reached:
                reached.add((rule, loop))
                if rule > 1 or loop > 0:
                    events.append(Escalated(at=t, incident_id=ident, rule=rule, loop=loop))
            events.append(
                PageSent(
                    at=t,
                    incident_id=ident,
                    target=names[person],
                    rule=rule,
                    loop=loop,
                    urgency=urgency,
                )
            )
        if inc["status"][i] == CLEARED:
            events.append(
                Resolved(
                    at=inc["cleared"][i],
                    incident_id=ident,
                    summary="its alerts cleared before anyone acknowledged (Alertmanager resolve)",
                )
            )
        if inc["status"][i] != WORKED or math.isnan(inc["ack"][i]):
            out[ident] = sort_events(events)
            continue
        worker = names[inc["worker"][i]]
        events.append(
            Acknowledged(at=inc["ack"][i], incident_id=ident, actor=names[inc["acker"][i]])
        )
        start, resolved = inc["start"][i], inc["resolved"][i]
        if inc["kind"][i] == ACTIONABLE:
            service = alerts.services[inc["service"][i]]
            events.append(
                IncidentDeclared(
                    at=start, incident_id=ident, actor=worker, severity=level.name,
                    title=f"{service}: {level.label or level.name} incident",
                )
            )  # fmt: skip
            for role, person, joined in sorted(roles_by_incident.get(i, [])):
                events.append(
                    RoleAssigned(
                        at=joined, incident_id=ident, role=ROLES[role], person=names[person]
                    )
                )
            cadence = level.update_every_minutes
            for n in range(1, inc["updates"][i] + 1):
                assert cadence is not None
                author = names[inc["comms"][i]] if inc["comms"][i] >= 0 else worker
                events.append(
                    UpdatePosted(
                        at=start + n * cadence, incident_id=ident, actor=author, audience="internal",
                        text=f"Update {n}: {service} {level.name} in progress",
                    )
                )  # fmt: skip
        events.append(Mitigated(at=inc["mitigated"][i], incident_id=ident, actor=worker))
        events.append(Resolved(at=resolved, incident_id=ident, actor=worker))
        out[ident] = sort_events(events)
    return out


def trace_replication(
    scenario: Scenario, replication: int = 0, *, only: set[int] | None = None
) -> dict[str, list[EventBase]]:
    """Run one replication of ``scenario`` in trace mode and return its incident timelines."""
    records, alerts = run_scenario_replication(scenario, replication, trace=True)
    compiled = compile_scenario(scenario)
    severity = classify_alerts(alerts, scenario.book, scenario.study.alerts.noise_severity).tolist()
    return incident_timelines(compiled, alerts, records, severity=severity, only=only)


def example_incident(scenario: Scenario, replication: int = 0) -> list[EventBase]:
    """A telling incident of one replication: the first after the warm-up that escalated and
    needed roles, else the first that escalated, else the first worked one."""
    records, alerts = run_scenario_replication(scenario, replication, trace=True)
    compiled = compile_scenario(scenario)
    inc = records.incidents
    base = (inc["open"] >= compiled.warmup_minutes) & (inc["status"] == WORKED)
    candidates = [
        base & (inc["kind"] == ACTIONABLE) & (inc["rule"] >= 2) & (inc["ic"] >= 0),
        base & (inc["kind"] == ACTIONABLE) & (inc["rule"] >= 2),
        base & (inc["kind"] == ACTIONABLE),
        base,
    ]
    for mask in candidates:
        hits = mask.nonzero()[0]
        if hits.size:
            index = int(hits[0])
            severity = classify_alerts(
                alerts, scenario.book, scenario.study.alerts.noise_severity
            ).tolist()
            timelines = incident_timelines(
                compiled, alerts, records, severity=severity, only={index}
            )
            return timelines[_incident_id(index)]
    return []
