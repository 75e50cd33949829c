"""The discrete-event model: notifications become incidents, pages, acknowledgements and work.

One SimPy environment per (scenario, replication). The alert stream and Alertmanager's
notifications are computed before the run (they do not depend on the responders); the
run has one *feeder* process walking the notifications and one process per incident, so
an incident costs a handful of events: its start, one timeout per escalation rule it
reaches, one until the acknowledgement, one for the work.

An incident's life:

1. **Open.** A firing notification whose deduplication key has no open incident opens one;
   one whose key does is merged into it. Severity is the most severe of the notification's
   alerts; the incident is *actionable* if any alert is, else a *duplicate* (a re-page of a
   known problem, or a repeat notification) or *noise*. A severity with ``page: false``
   becomes a ticket; nobody is paged.
2. **Changes.** New alerts merged into an open incident may raise its severity: the
   incident takes the new level and, if nobody has acknowledged yet, escalation restarts
   at that moment under the new level's policy (seed 003's ``upgrade_severity``; pending
   acknowledgements of pages already sent still count). An actionable alert makes a noise
   or duplicate incident actionable (if its triage is under way, the real work follows it).
3. **Escalation.** The policy's timeline (``escalation_timeline``) is walked: each rule's
   targets are resolved against the schedules at that minute and each person draws an
   acknowledgement delay and whether they miss it (:mod:`simulator.responders`). The first
   acknowledgement stops escalation; a rule due at or after it is not sent. A rule with
   nobody on call hands on to the next rule at once (PagerDuty's empty levels,
   ``playbook.escalation.skipped_delay``). With ``when_busy: escalate`` a busy person does
   not answer. If nobody answers, the first person paged picks it up
   ``unacked_pickup_minutes`` after the last notification.
4. **Clearing.** A resolved notification (``paging.auto_resolve_on_clear``) resolves the
   incident in the pager: escalation stops, and an incident nobody acknowledged by then is
   closed unworked (status ``CLEARED``); one already acknowledged is worked to the end (the
   work model says when it is really fixed). The key is free again, so a re-fire opens a
   new incident and pages again.
5. **Work.** ``on_call``: the acknowledger works it, after anything already in their queue.
   ``pool``: the first free pool member takes the oldest waiting incident. SEV1/SEV2-style
   severities (per ``role.required_for``) pull in role holders: the first free candidate.
6. **Resolution** after the (update-stretched) work; everyone involved is released.

Records are kept lean (tuples and lists, converted to numpy arrays at the end); with
``trace=True`` each incident also keeps its alerts, for :mod:`simulator.trace`.
"""

from __future__ import annotations

import math
import struct
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from playbook.escalation import skipped_delay
from simulator.arrivals import ACTIONABLE, DUPLICATE, NOISE, AlertTable
from simulator.compiled import Compiled, RoleNeed
from simulator.grouping import Notifications
from simulator.paging import SCHEDULE, USER, Step
from simulator.responders import Responder
from simulator.streams import KeyedDraws, stream_key
from simulator.work import stretch, updates_during

__all__ = ["CLEARED", "TICKET", "UNROUTED", "WORKED", "RunRecords", "simulate"]

WORKED, TICKET, UNROUTED, CLEARED = 0, 1, 2, 3
NAN = math.nan
INF = math.inf

# Incident columns, in record order.
INCIDENT_COLUMNS = (
    "open", "detect", "severity", "kind", "service", "alert", "policy", "status",
    "ack", "acker", "start", "worker", "mitigated", "resolved", "rule", "loop",
    "pages", "alerts", "notifications", "updates", "ic", "comms", "scribe", "repeat",
    "cleared", "upgrades", "became_actionable", "after_clear", "skips",
)  # fmt: skip
INT_COLUMNS = frozenset(
    {"severity", "kind", "service", "alert", "policy", "status", "acker", "worker", "rule",
     "loop", "pages", "alerts", "notifications", "updates", "ic", "comms", "scribe", "repeat",
     "upgrades", "became_actionable", "after_clear", "skips"}
)  # fmt: skip


@dataclass
class RunRecords:
    """What one replication of one scenario produced, as numpy columns.

    ``incidents``: one row per incident (see ``INCIDENT_COLUMNS``); times are simulated
    minutes, ``nan`` where they do not apply (a ticket is never acknowledged).
    ``pages``: time, person, incident, rule, loop, and the acknowledgement delay the person
    drew (``inf``: missed; ``nan``: busy, not answered). ``work``: person, role code, start, end,
    incident (who spent time on what, in which role). ``members``: with ``trace=True``,
    each incident's alerts and its severity changes (minute, old, new). ``resolves``: when resolved notifications reached the pager.
    """

    incidents: dict[str, npt.NDArray[Any]]
    pages: dict[str, npt.NDArray[Any]]
    work: dict[str, npt.NDArray[Any]]
    members: list[list[int]] = field(default_factory=list)
    changes: list[list[tuple[float, int, int]]] = field(default_factory=list)
    resolves: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


class _Incident:
    __slots__ = (
        "ack", "acker", "after_clear", "alert", "alerts", "became_actionable", "changes",
        "cleared", "comms", "detect", "ic", "id", "key", "kind", "loop", "low", "members", "mitigated",
        "name", "notifications", "open", "pages", "policy", "process", "repeat", "resolved", "rule", "rules",
        "scribe", "service", "severity", "skips", "start", "status", "timeline", "updates",
        "upgrades", "waiting", "worker",
    )  # fmt: skip

    def __init__(self, ident: int, key: int, open_at: float) -> None:
        self.id = ident
        self.key = key
        self.open = open_at
        self.detect = open_at
        self.severity = 0
        self.kind = ACTIONABLE
        self.service = 0
        self.alert = -1
        self.policy = -1
        self.status = WORKED
        self.ack = NAN
        self.acker = -1
        self.start = NAN
        self.worker = -1
        self.mitigated = NAN
        self.resolved = NAN
        self.rule = 0
        self.loop = 0
        self.pages = 0
        self.alerts = 0
        self.notifications = 1
        self.updates = 0
        self.ic = -1
        self.comms = -1
        self.scribe = -1
        self.repeat = 0
        self.cleared = INF
        self.upgrades = 0
        self.became_actionable = 0
        self.after_clear = 0
        self.skips = 0
        self.rules = 1
        self.low = False
        self.waiting = False
        self.process: simpy.Process | None = None
        self.timeline: list[Step] = []
        self.members: list[int] = []
        self.changes: list[tuple[float, int, int]] = []
        self.name: tuple[float, int, int] = (open_at, 0, 0)

    def row(self) -> tuple[float | int, ...]:
        return (
            self.open, self.detect, self.severity, self.kind, self.service, self.alert,
            self.policy, self.status, self.ack, self.acker, self.start, self.worker,
            self.mitigated, self.resolved, self.rule, self.loop, self.pages, self.alerts,
            self.notifications, self.updates, self.ic, self.comms, self.scribe, self.repeat,
            NAN if self.cleared == INF else self.cleared, self.upgrades,
            self.became_actionable, self.after_clear, self.skips,
        )  # fmt: skip


# A page's name for its responder's keyed draws: incident (alert minute, service, ordinal),
# escalation restarts so far (severity upgrades), escalation rule, loop.
_page_name = struct.Struct("<dqqqqq").pack

# Which alert represents a notification: actionable before duplicate before noise.
_KIND_RANK = {ACTIONABLE: 0, DUPLICATE: 1, NOISE: 2}


class _Run:
    """The state of one run; its methods are the SimPy processes."""

    def __init__(
        self,
        compiled: Compiled,
        alerts: AlertTable,
        severity: npt.NDArray[np.int64],
        notes: Notifications,
        replication: int,
        trace: bool,
    ) -> None:
        study = compiled.study
        self.c = compiled
        self.env = simpy.Environment()
        self.notes = notes
        self.trace = trace
        self.a_start = alerts.started.tolist()
        self.a_kind = alerts.kind.tolist()
        self.a_service = alerts.service.tolist()
        self.a_severity = severity.tolist()
        self.z1, self.u1 = alerts.z1.tolist(), alerts.u1.tolist()
        self.z2, self.u2 = alerts.z2.tolist(), alerts.u2.tolist()
        self.people = [
            Responder(
                i,
                name,
                compiled.profiles[i],
                compiled.clocks[i],
                study.responders.fatigue,
                KeyedDraws(stream_key(study.seed, replication, "response", name)),
            )
            for i, name in enumerate(compiled.names)
        ]
        self.paging = compiled.paging
        self.schedules = compiled.paging.schedules
        self.policy_index = {name: i for i, name in enumerate(compiled.policies)}
        self.escalate_busy = study.dispatch.when_busy == "escalate"
        self.pickup = study.dispatch.unacked_pickup_minutes
        self.pool_mode = study.dispatch.mode == "pool"
        self.availability = study.dispatch.pool.available if study.dispatch.pool else "always"
        self.in_pool = [False] * len(self.people)
        for member in compiled.pool:
            self.in_pool[member] = True
        self.idle: deque[Responder] = deque()
        self.waiting: deque[simpy.Event] = deque()
        self.noise_triage = study.work.noise_triage
        self.duplicate_triage = study.work.duplicate_triage
        self.update_cost = study.work.update_minutes
        self.role_join = {
            need.code: need.join_minutes for needs in compiled.roles for need in needs
        }
        self.open_by_key: dict[int, _Incident] = {}
        self.opened_by_alert: dict[int, int] = {}
        self.routes: dict[tuple[int, int], tuple[int, list[Step], int]] = {}
        self.auto_resolve = study.paging.auto_resolve_on_clear
        self.cleared_keys: set[int] = set()
        self.resolves: list[float] = []
        self.round_robin_turns: dict[tuple[int, int], int] = {}  # (policy, rule) -> turns used
        self.incidents: list[_Incident] = []
        self.pages: list[tuple[float, int, int, int, int, float]] = []
        self.work: list[tuple[int, int, float, float, int]] = []

    # -- notifications --------------------------------------------------------------------
    def feed(self) -> Generator[simpy.Event, Any, None]:
        env, notes = self.env, self.notes
        open_by_key, resolves, auto = self.open_by_key, self.resolves, self.auto_resolve
        rows = zip(notes.time, notes.key, notes.firing, notes.new, strict=True)
        for i, (t, key, firing, new) in enumerate(rows):
            if not firing and (not auto or key not in open_by_key):
                # Only this process opens incidents, so none can open for the key before t.
                resolves.append(t)
                continue
            if t > env.now:
                yield env.timeout(t - env.now)
            incident = open_by_key.get(key)
            if not firing:
                resolves.append(t)
                if incident is not None:
                    incident.cleared = t  # the pager resolves it; its process sees it
                    del open_by_key[key]
                    self.cleared_keys.add(key)
                continue
            if incident is not None:
                incident.notifications += 1
                if new:
                    incident.alerts += len(new)
                    if self.trace:
                        incident.members.extend(new)
                    self.join(incident, list(new))
                continue
            alerts = list(new) if new else self.firing_alerts(i)
            incident = self.open_incident(key, t, alerts, not new)
            if key in self.cleared_keys:
                self.cleared_keys.discard(key)
                incident.after_clear = 1
            if incident.status == WORKED:
                open_by_key[key] = incident
                incident.process = env.process(self.respond(incident))

    def firing_alerts(self, note: int) -> list[int]:
        resolved = set(self.notes.resolved[note])
        return [a for a in self.notes.alerts[note] if a not in resolved]

    def open_incident(self, key: int, t: float, alerts: list[int], repeat: bool) -> _Incident:
        incident = _Incident(len(self.incidents), key, t)
        self.incidents.append(incident)
        sev, kind = self.a_severity, self.a_kind
        if len(alerts) == 1:
            best = alerts[0]
            incident.severity = sev[best]
            incident.detect = t if repeat else self.a_start[best]
        else:
            best = min(alerts, key=lambda a: (_KIND_RANK[kind[a]], sev[a], a))
            incident.severity = min(sev[a] for a in alerts)
            incident.detect = t if repeat else min(self.a_start[a] for a in alerts)
        incident.alert = best
        # The incident's name for responder draws: its alert (firing minute and service, the
        # same in every variant that keeps the alert) and how many incidents that alert
        # opened before (a repeat notification's duplicate incident, a re-fire's new one).
        ordinal = self.opened_by_alert.get(best, 0)
        self.opened_by_alert[best] = ordinal + 1
        incident.name = (self.a_start[best], self.a_service[best], ordinal)
        incident.kind = DUPLICATE if repeat and kind[best] == ACTIONABLE else kind[best]
        incident.repeat = int(repeat)
        incident.service = self.a_service[best]
        incident.alerts = 0 if repeat else len(alerts)
        if self.trace:
            incident.members = list(alerts)
        self.set_route(incident)
        if incident.policy < 0:
            incident.status = TICKET
        return incident

    def set_route(self, incident: _Incident) -> None:
        """The incident's policy, full timeline, rules per pass, and urgency (its service's
        rule at its opening time, else its severity's)."""
        route = self.routes.get((incident.severity, incident.service))
        if route is None:
            policy = self.c.policy_for(incident.severity, incident.service)
            if policy is None:
                route = (-1, [], 1)
            else:
                route = (
                    self.policy_index[policy],
                    self.paging.timeline(policy, "high"),
                    self.paging.rule_count(policy),
                )
            self.routes[(incident.severity, incident.service)] = route
        incident.policy, incident.timeline, incident.rules = route
        incident.low = self.c.urgency_at(incident.severity, incident.service, incident.open) == "low"

    def join(self, incident: _Incident, new: list[int]) -> None:
        """New alerts merged into an open incident: a severity upgrade, or noise turned real."""
        sev, kind = self.a_severity, self.a_kind
        best = min(new, key=lambda a: (_KIND_RANK[kind[a]], sev[a], a))
        if kind[best] == ACTIONABLE and incident.kind != ACTIONABLE:
            incident.kind, incident.alert = ACTIONABLE, best
            incident.became_actionable = 1
        top = min(sev[a] for a in new)
        if top >= incident.severity or self.c.policy_for(top, incident.service) is None:
            return
        if self.trace:
            incident.changes.append((self.env.now, incident.severity, top))
        incident.severity = top
        incident.upgrades += 1
        self.set_route(incident)
        if incident.waiting and incident.process is not None:
            incident.waiting = False  # one restart, whatever else joins at this instant
            incident.process.interrupt()  # unacknowledged: escalation restarts on the new policy

    # -- an incident ----------------------------------------------------------------------
    def escalate(
        self, incident: _Incident, state: list[float]
    ) -> Generator[simpy.Event, Any, bool]:
        """Walk the incident's timeline from now; False if it was interrupted by an upgrade.

        ``state`` is [best ack time, acker, first person paged, last notification time],
        kept across restarts.
        """
        env, people, resolve = self.env, self.people, self.paging.resolve
        t0, shift = env.now, 0.0
        timeline = incident.timeline
        for k, step in enumerate(timeline):
            at = t0 + step.minute - shift
            if at >= state[0] or at >= incident.cleared:
                return True
            if at > env.now:
                incident.waiting = True
                try:
                    yield env.timeout(at - env.now)
                except simpy.Interrupt:
                    return False
                finally:
                    incident.waiting = False
                if incident.cleared <= at:
                    return True
            incident.rule, incident.loop = step.rule, step.loop
            assigned = self.paging.assigned(step, self.round_robin_turns, incident.policy)
            targets = resolve(assigned, at)
            if not targets:
                saved = skipped_delay(timeline, k, incident.rules)
                if saved is not None:
                    shift += saved  # nobody on call: the next rule now
                    incident.skips += 1
                    continue
                if incident.low:
                    return True
                continue
            for p in targets:
                incident.pages += 1
                if state[2] < 0:
                    state[2] = p
                person = people[p]
                if person.busy and self.escalate_busy:
                    person.notice(at)
                    self.pages.append((at, p, incident.id, step.rule, step.loop, NAN))
                    continue
                name = _page_name(*incident.name, incident.upgrades, step.rule, step.loop)
                delay, missed = person.respond(at, name)
                self.pages.append(
                    (at, p, incident.id, step.rule, step.loop, INF if missed else delay)
                )
                if not missed and at + delay < state[0]:
                    state[0], state[1] = at + delay, p
            state[3] = at
            if incident.low:
                return True
        return True

    def acknowledged(self, incident: _Incident) -> Generator[simpy.Event, Any, bool]:
        """Escalate until acknowledged; False if nobody was ever paged or it cleared first."""
        env = self.env
        state = [INF, -1.0, -1.0, env.now]
        while True:
            done = yield from self.escalate(incident, state)
            if not done:
                continue
            best, acker = state[0], int(state[1])
            if acker < 0:
                if state[2] < 0:
                    if incident.cleared == INF:
                        incident.status = UNROUTED
                        del self.open_by_key[incident.key]
                        return False
                    best = INF
                else:
                    best, acker = state[3] + self.pickup, int(state[2])
            stop = min(best, incident.cleared)
            if stop > env.now:
                incident.waiting = True
                try:
                    yield env.timeout(stop - env.now)
                except simpy.Interrupt:
                    continue
                finally:
                    incident.waiting = False
            if incident.cleared <= best:
                incident.status, incident.resolved = CLEARED, incident.cleared
                return False
            incident.ack, incident.acker = best, acker
            return True

    def respond(self, incident: _Incident) -> Generator[simpy.Event, Any, None]:
        env, people = self.env, self.people
        if not (yield from self.acknowledged(incident)):
            return
        # Who works it.
        if self.pool_mode:
            worker = self.take_member()
            if worker is None:
                event = env.event()
                self.waiting.append(event)
                worker = yield event
        else:
            worker = people[incident.acker]
            if worker.busy:
                event = env.event()
                worker.queue.append(event)
                yield event
            else:
                worker.busy = True
        start = env.now
        incident.start, incident.worker = start, worker.index
        holders: list[tuple[int, int]] = []
        worked_kind = incident.kind
        while True:
            begin = env.now
            if incident.kind == ACTIONABLE:
                holders = self.staff(incident, worker.index, begin)
            mitigate, elapsed = self.work_minutes(incident, any(c == 2 for c, _ in holders))
            incident.mitigated = begin + mitigate
            yield env.timeout(elapsed)
            if worked_kind == ACTIONABLE or incident.kind != ACTIONABLE:
                break
            worked_kind = ACTIONABLE  # an actionable alert joined during the triage
        end = env.now
        incident.resolved = end
        self.work.append((worker.index, 0, start, end, incident.id))
        self.release(worker)
        for code, holder in holders:
            join = min(end, begin + self.role_join[code])
            self.work.append((holder, code, join, end, incident.id))
            self.release(people[holder])
        if self.open_by_key.get(incident.key) is incident:
            del self.open_by_key[incident.key]

    def work_minutes(self, incident: _Incident, has_comms: bool) -> tuple[float, float]:
        """(minutes to mitigation, minutes to resolution) from work start."""
        a = incident.alert
        if incident.kind != ACTIONABLE:
            triage = self.noise_triage if incident.kind == NOISE else self.duplicate_triage
            minutes = triage.draw(self.z1[a], self.u1[a])
            return minutes, minutes
        spec = self.c.work[incident.severity]
        assert spec is not None  # checked at load for every paged severity
        mitigate = spec.mitigate.draw(self.z1[a], self.u1[a])
        resolve = spec.resolve.draw(self.z2[a], self.u2[a])
        cadence = self.c.update_every[incident.severity]
        cost = 0.0 if has_comms else self.update_cost
        elapsed = stretch(mitigate + resolve, cadence, cost)
        incident.updates = updates_during(elapsed, cadence)
        return stretch(mitigate, cadence, cost), elapsed

    def staff(self, incident: _Incident, worker: int, now: float) -> list[tuple[int, int]]:
        """Pull in the first free candidate for each role the severity needs."""
        holders: list[tuple[int, int]] = []
        taken = {worker}
        for need in self.c.roles[incident.severity]:
            holder = self.candidate(need, now, taken)
            if holder < 0:
                continue
            taken.add(holder)
            self.people[holder].busy = True
            holders.append((need.code, holder))
            if need.code == 1:
                incident.ic = holder
            elif need.code == 2:
                incident.comms = holder
            elif need.code == 3:
                incident.scribe = holder
        return holders

    def candidate(self, need: RoleNeed, now: float, taken: set[int]) -> int:
        for kind, index in need.candidates:
            person = (
                index if kind == USER else self.schedules[index].at(now) if kind == SCHEDULE else -1
            )
            if person >= 0 and person not in taken and not self.people[person].busy:
                return person
        return -1

    # -- people ---------------------------------------------------------------------------
    def release(self, person: Responder) -> None:
        if self.pool_mode and self.in_pool[person.index]:
            person.busy = False
            self.offer(person)
        elif person.queue:
            person.queue.popleft().succeed()
        else:
            person.busy = False

    def take_member(self) -> Responder | None:
        now = self.env.now
        while self.idle:
            member = self.idle.popleft()
            if not member.idle or member.busy:
                continue
            member.idle = False
            if (
                self.availability != "always"
                and member.minutes_until_available(now, self.availability) > 0
            ):
                self.rejoin_later(member)
                continue
            member.busy = True
            return member
        return None

    def offer(self, member: Responder) -> None:
        """A free pool member takes the oldest waiting incident, or waits idle."""
        if self.availability != "always":
            wait = member.minutes_until_available(self.env.now, self.availability)
            if wait > 0:
                member.idle = False
                self.rejoin_later(member, wait)
                return
        if self.waiting:
            member.idle = False
            member.busy = True
            self.waiting.popleft().succeed(member)
        elif not member.idle:
            member.idle = True
            self.idle.append(member)

    def rejoin_later(self, member: Responder, wait: float | None = None) -> None:
        if member.rejoin_pending:
            return
        if wait is None:
            wait = member.minutes_until_available(self.env.now, self.availability)
        if math.isinf(wait):
            return
        member.rejoin_pending = True

        def rejoin(_: simpy.Event) -> None:
            member.rejoin_pending = False
            if not member.busy:
                self.offer(member)

        self.env.timeout(wait).callbacks.append(rejoin)

    # -- the run --------------------------------------------------------------------------
    def run(self) -> RunRecords:
        for member in self.c.pool:
            self.offer(self.people[member])
        self.env.process(self.feed())
        self.env.run()
        return self.records()

    def records(self) -> RunRecords:
        rows = [incident.row() for incident in self.incidents]
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in INCIDENT_COLUMNS]
        incidents = {
            name: np.asarray(col, dtype=np.int64 if name in INT_COLUMNS else np.float64)
            for name, col in zip(INCIDENT_COLUMNS, columns, strict=True)
        }
        pages = list(zip(*self.pages, strict=True)) if self.pages else [()] * 6
        work = list(zip(*self.work, strict=True)) if self.work else [(), (), (), (), ()]
        return RunRecords(
            incidents=incidents,
            pages={
                "time": np.asarray(pages[0], dtype=np.float64),
                "person": np.asarray(pages[1], dtype=np.int64),
                "incident": np.asarray(pages[2], dtype=np.int64),
                "rule": np.asarray(pages[3], dtype=np.int64),
                "loop": np.asarray(pages[4], dtype=np.int64),
                "delay": np.asarray(pages[5], dtype=np.float64),
            },
            work={
                "person": np.asarray(work[0], dtype=np.int64),
                "role": np.asarray(work[1], dtype=np.int64),
                "start": np.asarray(work[2], dtype=np.float64),
                "end": np.asarray(work[3], dtype=np.float64),
                "incident": np.asarray(work[4], dtype=np.int64),
            },
            members=[incident.members for incident in self.incidents] if self.trace else [],
            changes=[incident.changes for incident in self.incidents] if self.trace else [],
            resolves=np.asarray(self.resolves, dtype=np.float64),
        )


def simulate(
    compiled: Compiled,
    alerts: AlertTable,
    severity: npt.NDArray[np.int64],
    notes: Notifications,
    *,
    replication: int,
    trace: bool = False,
) -> RunRecords:
    """Run one replication of one compiled scenario on a prepared alert stream."""
    return _Run(compiled, alerts, severity, notes, replication, trace).run()
