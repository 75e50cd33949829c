"""An incident's life in the pager: notifications open, change and resolve incidents.

Alertmanager's notifications (:mod:`simulator.grouping`) carry the group key as their
deduplication key, as its PagerDuty integration does:

1. **Open.** A firing notification whose key has no open incident opens one; severity is
   the most severe of its alerts; the incident is *actionable* if any alert is, else a
   *duplicate* (a re-page of a known problem, or a repeat notification) or *noise*. A
   severity with ``page: false`` becomes a ticket; nobody is paged.
2. **Merge and change.** A firing notification whose key has an open incident is merged
   into it. A more severe alert raises its severity and, if nobody has acknowledged yet,
   restarts escalation under the new level's policy (seed 003's ``upgrade_severity``); an
   actionable alert makes a noise or duplicate incident actionable.
3. **Resolve.** A resolved notification (``paging.auto_resolve_on_clear``) resolves the
   incident in the pager: escalation stops, the key is free (a re-fire opens a new
   incident and pages again), and the pager decides what becomes of the incident
   (:mod:`simulator.pager`: cleared if unacknowledged; worked to the end otherwise).

The rest of the life is the pager's (escalation, acknowledgement) and the dispatcher's
(work, :mod:`simulator.dispatch`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.arrivals import ACTIONABLE, DUPLICATE, NOISE, AlertTable
from simulator.compiled import Compiled
from simulator.grouping import Notifications
from simulator.kernel import Kernel
from simulator.pager import Pager
from simulator.paging import Step
from simulator.records import TICKET, WORKED, Incident

__all__ = ["Lifecycle"]

# Which alert represents a notification: actionable before duplicate before noise.
_KIND_RANK = {ACTIONABLE: 0, DUPLICATE: 1, NOISE: 2}


class Lifecycle:
    """The feeder of one run: walks the notifications and keeps the open incidents by key."""

    def __init__(
        self,
        kernel: Kernel,
        compiled: Compiled,
        alerts: AlertTable,
        severity: npt.NDArray[np.int64],
        notes: Notifications,
        *,
        trace: bool,
    ) -> None:
        self.kernel = kernel
        self.c = compiled
        self.notes = notes
        self.trace = trace
        self.a_start = alerts.started.tolist()
        self.a_kind = alerts.kind.tolist()
        self.a_service = alerts.service.tolist()
        self.a_severity = severity.tolist()
        # Which alert represents several: actionable before duplicate before noise, then
        # the most severe, then the first; as one integer per alert, to compare fast.
        levels, count = len(compiled.severity_names), len(alerts)
        self.a_order = [
            (_KIND_RANK[k] * levels + s) * count + a
            for a, (k, s) in enumerate(zip(self.a_kind, self.a_severity, strict=True))
        ]
        self.policy_index = {name: i for i, name in enumerate(compiled.policies)}
        self.auto_resolve = compiled.study.paging.auto_resolve_on_clear
        self.open_by_key: dict[int, Incident] = {}
        self.opened_by_alert: dict[int, int] = {}
        # (severity, service) -> policy index, timeline, rules per pass, low urgency (None:
        # it depends on the opening minute).
        self.routes: dict[tuple[int, int], tuple[int, list[Step], int, bool | None]] = {}
        self.cleared_keys: set[int] = set()
        self.resolves: list[float] = []
        self.incidents: list[Incident] = []

    def feed(self, pager: Pager) -> None:
        """Every notification at its minute, then the rest of the run."""
        kernel, notes, trace = self.kernel, self.notes, self.trace
        open_by_key, auto, cleared_keys = self.open_by_key, self.auto_resolve, self.cleared_keys
        # Every resolve reaches the pager, whether or not it resolves an open incident.
        self.resolves = [
            t for t, firing in zip(notes.time, notes.firing, strict=True) if not firing
        ]
        now = kernel.now  # the feeder's clock
        rows = zip(notes.time, notes.key, notes.firing, notes.new, strict=True)
        for i, (t, key, firing, new) in enumerate(rows):
            if not firing and (not auto or key not in open_by_key):
                continue  # only the feeder opens incidents: none can open for the key before t
            if t > now:
                kernel.advance(t)
                now = kernel.now
            incident = open_by_key.get(key)
            if not firing:
                if incident is not None:
                    incident.cleared = t  # the pager resolves it; the pager sees it
                    del open_by_key[key]
                    cleared_keys.add(key)
                continue
            if incident is not None:
                incident.notifications += 1
                if new:
                    incident.alerts += len(new)
                    if trace:
                        incident.members.extend(new)
                    if self.join(incident, new):
                        pager.upgrade(incident)
                continue
            incident = self.open_incident(
                key, t, list(new) if new else self.firing_alerts(i), not new
            )
            if key in cleared_keys:
                cleared_keys.discard(key)
                incident.after_clear = 1
            if incident.status == WORKED:
                open_by_key[key] = incident
                kernel.soon(pager.start, incident)
        kernel.finish()

    def firing_alerts(self, note: int) -> list[int]:
        resolved = set(self.notes.resolved[note])
        return [a for a in self.notes.alerts[note] if a not in resolved]

    def open_incident(self, key: int, t: float, alerts: list[int], repeat: bool) -> Incident:
        sev, kind = self.a_severity, self.a_kind
        if len(alerts) == 1:
            best = alerts[0]
            severity = sev[best]
            detect = t if repeat else self.a_start[best]
        else:
            best = min(alerts, key=self.a_order.__getitem__)
            severity = min([sev[a] for a in alerts])
            detect = t if repeat else min([self.a_start[a] for a in alerts])
        # The incident's name for responder draws: its alert (firing minute and service, the
        # same in every variant that keeps the alert) and how many incidents that alert
        # opened before (a repeat notification's duplicate incident, a re-fire's new one).
        ordinal = self.opened_by_alert.get(best, 0)
        self.opened_by_alert[best] = ordinal + 1
        service = self.a_service[best]
        incident = Incident(
            len(self.incidents),
            key,
            t,
            detect,
            severity,
            DUPLICATE if repeat and kind[best] == ACTIONABLE else kind[best],
            service,
            best,
            0 if repeat else len(alerts),
            (self.a_start[best], service, ordinal),
        )
        self.incidents.append(incident)
        if repeat:
            incident.repeat = 1
        if self.trace:
            incident.members, incident.changes = list(alerts), []
        self.set_route(incident)
        if incident.policy < 0:
            incident.status = TICKET
        return incident

    def set_route(self, incident: Incident) -> None:
        """The incident's policy, full timeline, rules per pass, and urgency (its service's
        rule at its opening time, else its severity's)."""
        severity, service = incident.severity, incident.service
        route = self.routes.get((severity, service))
        if route is None:
            c = self.c
            policy = c.policy_for(severity, service)
            low = (
                None if c.urgency_varies(service) else c.urgency_at(severity, service, 0.0) == "low"
            )
            if policy is None:
                route = (-1, [], 1, low)
            else:
                route = (
                    self.policy_index[policy],
                    c.paging.timeline(policy, "high"),
                    c.paging.rule_count(policy),
                    low,
                )
            self.routes[(severity, service)] = route
        incident.policy, incident.timeline, incident.rules, low = route
        if low is None:
            low = self.c.urgency_at(severity, service, incident.open) == "low"
        incident.low = low

    def join(self, incident: Incident, new: tuple[int, ...]) -> bool:
        """New alerts merged into an open incident: a severity upgrade, or noise turned real.

        True if escalation must restart (an upgrade while nobody has acknowledged)."""
        sev, kind = self.a_severity, self.a_kind
        best = new[0] if len(new) == 1 else min(new, key=self.a_order.__getitem__)
        if kind[best] == ACTIONABLE and incident.kind != ACTIONABLE:
            incident.kind, incident.alert = ACTIONABLE, best
            incident.became_actionable = 1
        top = sev[best] if len(new) == 1 else min([sev[a] for a in new])
        if top >= incident.severity or self.c.policy_for(top, incident.service) is None:
            return False
        if self.trace:
            incident.changes.append((self.kernel.now, incident.severity, top))
        incident.severity = top
        incident.upgrades += 1
        self.set_route(incident)
        return incident.waiting

    def closed(self, incident: Incident) -> None:
        """The incident is over (worked to the end, or unrouted): free its key if it holds it."""
        if self.open_by_key.get(incident.key) is incident:
            del self.open_by_key[incident.key]
