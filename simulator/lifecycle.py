"""An incident's life in the pager: notifications open, change and resolve incidents.

Alertmanager's notifications (:mod:`simulator.grouping`) carry the group key as their
deduplication key, as its PagerDuty integration does:

1. **Open.** A firing notification whose key has no open incident opens one; severity is
   the most severe of its alerts; the incident is *actionable* if any alert is, else a
   *duplicate* (a re-page of a known problem, or a repeat notification) or *noise*. A
   severity with ``page: false`` becomes a ticket: nobody is paged, its key stays free,
   and it is recorded as a row (:data:`simulator.records.TicketRow`).
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

from collections.abc import Sequence
from itertools import compress
from operator import not_

import numpy as np
import numpy.typing as npt

from simulator.arrivals import ACTIONABLE, DUPLICATE, NOISE, AlertTable
from simulator.compiled import Compiled
from simulator.grouping import Notifications
from simulator.kernel import Kernel
from simulator.pager import Pager
from simulator.paging import Step
from simulator.records import Incident, TicketRow

__all__ = ["Lifecycle"]

# Which alert represents a notification: actionable before duplicate before noise.
# An incident's route: policy index (-1: a ticket), full timeline, rules per pass, low
# urgency (None: it depends on the opening minute).
Route = tuple[int, list[Step], int, bool | None]

_KIND_RANK = np.zeros(3, dtype=np.int64)
_KIND_RANK[[ACTIONABLE, DUPLICATE, NOISE]] = [0, 1, 2]


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
        rank = _KIND_RANK[alerts.kind]
        self.a_order = ((rank * levels + severity) * count + np.arange(count)).tolist()
        self.policy_index = {name: i for i, name in enumerate(compiled.policies)}
        self.auto_resolve = compiled.study.paging.auto_resolve_on_clear
        self.open_by_key: dict[int, Incident] = {}
        self.opened_by_alert: dict[int, int] = {}
        self.routes: dict[tuple[int, int], Route] = {}  # (severity, service) -> route
        self.cleared_keys: set[int] = set()
        self.resolves: list[float] = []
        self.opened = 0  # incidents and tickets so far: the next one's id
        self.incidents: list[Incident] = []  # paged, in id order
        self.tickets: list[TicketRow] = []  # in id order
        self.ticket_members: dict[int, list[int]] = {}  # with trace: each ticket's alerts

    def feed(self, pager: Pager) -> None:
        """Every notification at its minute, then the rest of the run."""
        kernel, notes, trace = self.kernel, self.notes, self.trace
        open_by_key, auto, cleared_keys = self.open_by_key, self.auto_resolve, self.cleared_keys
        # Every resolve reaches the pager, whether or not it resolves an open incident.
        self.resolves = list(compress(notes.time, map(not_, notes.firing)))
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
            incident = self.open_incident(key, t, new or self.firing_alerts(i), 0 if new else 1)
            if incident is not None:
                open_by_key[key] = incident
                kernel.soon(pager.start, incident)
        kernel.finish()

    def firing_alerts(self, note: int) -> list[int]:
        resolved = set(self.notes.resolved[note])
        return [a for a in self.notes.alerts[note] if a not in resolved]

    def open_incident(
        self, key: int, t: float, alerts: Sequence[int], repeat: int
    ) -> Incident | None:
        """Open an incident for a firing notification: the paged incident, or None for a
        ticket (recorded as a row in ``tickets``: nothing happens to a ticket after it opens)."""
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
        after_clear = 0
        if key in self.cleared_keys:
            self.cleared_keys.discard(key)
            after_clear = 1
        ident = self.opened
        self.opened = ident + 1
        shown = DUPLICATE if repeat and kind[best] == ACTIONABLE else kind[best]
        count = 0 if repeat else len(alerts)
        route = self.routes.get((severity, service)) or self.route(severity, service)
        if route[0] < 0:
            self.tickets.append(
                (ident, key, t, detect, severity, shown, service, best, count, repeat, after_clear)
            )
            if self.trace:
                self.ticket_members[ident] = list(alerts)
            return None
        incident = Incident(
            ident, key, t, detect, severity, shown, service, best, count,
            (self.a_start[best], service, ordinal),
        )  # fmt: skip
        self.incidents.append(incident)
        incident.repeat, incident.after_clear = repeat, after_clear
        if self.trace:
            incident.members, incident.changes = list(alerts), []
        self.set_route(incident)
        return incident

    def route(self, severity: int, service: int) -> Route:
        """The route of (severity, service), computed once: policy index (-1: a ticket),
        full timeline, rules per pass, low urgency (None: it depends on the opening minute)."""
        c = self.c
        policy = c.policy_for(severity, service)
        low = None if c.urgency_varies(service) else c.urgency_at(severity, service, 0.0) == "low"
        if policy is None:
            route: Route = (-1, [], 1, low)
        else:
            route = (
                self.policy_index[policy],
                c.paging.timeline(policy, "high"),
                c.paging.rule_count(policy),
                low,
            )
        self.routes[(severity, service)] = route
        return route

    def set_route(self, incident: Incident) -> None:
        """The incident's policy, full timeline, rules per pass, and urgency (its service's
        rule at its opening time, else its severity's)."""
        severity, service = incident.severity, incident.service
        route = self.routes.get((severity, service)) or self.route(severity, service)
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
