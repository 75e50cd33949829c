"""The discrete-event model: notifications become incidents, pages, acknowledgements and work.

One SimPy environment per (scenario, replication). The alert stream and Alertmanager's
notifications are computed before the run (they do not depend on the responders); the
run has one *feeder* process walking the notifications and one process per incident, so
an incident costs a handful of events: its start, one timeout per escalation rule it
reaches, one until the acknowledgement, one for the work.

An incident's life:

1. **Open.** A notification whose deduplication key has no open incident opens one; one
   whose key does is merged into it. Severity is the most severe of the notification's
   alerts; the incident is *actionable* if any alert is, else a *duplicate* (a re-page of a
   known problem, or a repeat notification) or *noise*. A severity with ``page: false``
   becomes a ticket; nobody is paged.
2. **Escalation.** The policy's timeline (``escalation_timeline``) is walked: each rule's
   targets are resolved against the schedules at that minute and each person draws an
   acknowledgement delay and whether they miss it (:mod:`simulator.responders`). The first
   acknowledgement stops escalation; a rule due at or after it is not sent. With
   ``when_busy: escalate`` a busy person does not answer. If nobody answers, the first
   person paged picks it up ``unacked_pickup_minutes`` after the last notification.
3. **Work.** ``on_call``: the acknowledger works it, after anything already in their queue.
   ``pool``: the first free pool member takes the oldest waiting incident. SEV1/SEV2-style
   severities (per ``role.required_for``) pull in role holders: the first free candidate.
4. **Resolution** after the (update-stretched) work; everyone involved is released.

Records are kept lean (tuples and lists, converted to numpy arrays at the end); with
``trace=True`` each incident also keeps its alerts, for :mod:`simulator.trace`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from simulator.arrivals import ACTIONABLE, DUPLICATE, NOISE, AlertTable
from simulator.compiled import Compiled, RoleNeed
from simulator.grouping import Notifications
from simulator.paging import SCHEDULE, USER, Step
from simulator.responders import Responder
from simulator.streams import Draws, stream_key
from simulator.work import stretch, updates_during

__all__ = ["TICKET", "UNROUTED", "WORKED", "RunRecords", "simulate"]

WORKED, TICKET, UNROUTED = 0, 1, 2
NAN = math.nan
INF = math.inf

# Incident columns, in record order.
INCIDENT_COLUMNS = (
    "open", "detect", "severity", "kind", "service", "alert", "policy", "status",
    "ack", "acker", "start", "worker", "mitigated", "resolved", "rule", "loop",
    "pages", "alerts", "notifications", "updates", "ic", "comms", "scribe", "repeat",
)  # fmt: skip
INT_COLUMNS = frozenset(
    {"severity", "kind", "service", "alert", "policy", "status", "acker", "worker", "rule",
     "loop", "pages", "alerts", "notifications", "updates", "ic", "comms", "scribe", "repeat"}
)  # fmt: skip


@dataclass
class RunRecords:
    """What one replication of one scenario produced, as numpy columns.

    ``incidents``: one row per incident (see ``INCIDENT_COLUMNS``); times are simulated
    minutes, ``nan`` where they do not apply (a ticket is never acknowledged).
    ``pages``: time, person, incident, rule, loop. ``work``: person, role code, start, end,
    incident (who spent time on what, in which role). ``members``: with ``trace=True``,
    each incident's alerts.
    """

    incidents: dict[str, npt.NDArray[Any]]
    pages: dict[str, npt.NDArray[Any]]
    work: dict[str, npt.NDArray[Any]]
    members: list[list[int]] = field(default_factory=list)


class _Incident:
    __slots__ = (
        "ack", "acker", "alert", "alerts", "comms", "detect", "ic", "id", "key", "kind",
        "loop", "members", "mitigated", "notifications", "open", "pages", "policy", "repeat",
        "resolved", "rule", "scribe", "service", "severity", "start", "status", "timeline",
        "updates", "worker",
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
        self.timeline: list[Step] = []
        self.members: list[int] = []

    def row(self) -> tuple[float | int, ...]:
        return (
            self.open, self.detect, self.severity, self.kind, self.service, self.alert,
            self.policy, self.status, self.ack, self.acker, self.start, self.worker,
            self.mitigated, self.resolved, self.rule, self.loop, self.pages, self.alerts,
            self.notifications, self.updates, self.ic, self.comms, self.scribe, self.repeat,
        )  # fmt: skip


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
        self.a_time = alerts.time.tolist()
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
                Draws(stream_key(study.seed, replication, "response", name)),
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
        self.routes: dict[tuple[int, int], tuple[int, list[Step]]] = {}
        self.incidents: list[_Incident] = []
        self.pages: list[tuple[float, int, int, int, int]] = []
        self.work: list[tuple[int, int, float, float, int]] = []

    # -- opening --------------------------------------------------------------------------
    def feed(self) -> Generator[simpy.Event, Any, None]:
        env, notes = self.env, self.notes
        times, keys, repeats, members = notes.time, notes.key, notes.repeat, notes.members
        open_by_key = self.open_by_key
        for i in range(len(times)):
            t = times[i]
            if t > env.now:
                yield env.timeout(t - env.now)
            key = keys[i]
            incident = open_by_key.get(key)
            if incident is not None:
                incident.notifications += 1
                if not repeats[i]:
                    incident.alerts += len(members[i])
                    if self.trace:
                        incident.members.extend(members[i])
                continue
            incident = self.open_incident(key, t, members[i], repeats[i])
            if incident.status == WORKED:
                open_by_key[key] = incident
                env.process(self.respond(incident))

    def open_incident(self, key: int, t: float, alerts: list[int], repeat: bool) -> _Incident:
        incident = _Incident(len(self.incidents), key, t)
        self.incidents.append(incident)
        sev, kind = self.a_severity, self.a_kind
        if len(alerts) == 1:
            best = alerts[0]
            incident.severity = sev[best]
            incident.detect = t if repeat else self.a_time[best]
        else:
            best = min(alerts, key=lambda a: (_KIND_RANK[kind[a]], sev[a], a))
            incident.severity = min(sev[a] for a in alerts)
            incident.detect = t if repeat else min(self.a_time[a] for a in alerts)
        incident.alert = best
        incident.kind = DUPLICATE if repeat and kind[best] == ACTIONABLE else kind[best]
        incident.repeat = int(repeat)
        incident.service = self.a_service[best]
        incident.alerts = 0 if repeat else len(alerts)
        if self.trace:
            incident.members = list(alerts)
        route = self.routes.get((incident.severity, incident.service))
        if route is None:
            route = self.route(incident.severity, incident.service)
        incident.policy, incident.timeline = route
        if incident.policy < 0:
            incident.status = TICKET
        return incident

    def route(self, severity: int, service: int) -> tuple[int, list[Step]]:
        """(policy index, timeline) for a severity and service; (-1, []) for a ticket."""
        policy = self.c.policy_for(severity, service)
        if policy is None:
            route: tuple[int, list[Step]] = (-1, [])
        else:
            route = (
                self.policy_index[policy],
                self.paging.timeline(policy, self.c.urgency[severity]),
            )
        self.routes[(severity, service)] = route
        return route

    # -- an incident ----------------------------------------------------------------------
    def respond(self, incident: _Incident) -> Generator[simpy.Event, Any, None]:
        env, people, resolve = self.env, self.people, self.paging.resolve
        t0 = incident.open
        best, acker, first, last_at = INF, -1, -1, t0
        for step in incident.timeline:
            at = t0 + step.minute
            if at >= best:
                break
            if at > env.now:
                yield env.timeout(at - env.now)
            for p in resolve(step.targets, at):
                self.pages.append((at, p, incident.id, step.rule, step.loop))
                incident.pages += 1
                if first < 0:
                    first = p
                person = people[p]
                if person.busy and self.escalate_busy:
                    person.notice(at)
                    continue
                delay, missed = person.respond(at)
                if not missed and at + delay < best:
                    best, acker = at + delay, p
            incident.rule, incident.loop, last_at = step.rule, step.loop, at
        if acker < 0:
            if first < 0:
                incident.status = UNROUTED
                del self.open_by_key[incident.key]
                return
            best, acker = last_at + self.pickup, first
        if best > env.now:
            yield env.timeout(best - env.now)
        incident.ack, incident.acker = best, acker
        # Who works it.
        if self.pool_mode:
            worker = self.take_member()
            if worker is None:
                event = env.event()
                self.waiting.append(event)
                worker = yield event
        else:
            worker = people[acker]
            if worker.busy:
                event = env.event()
                worker.queue.append(event)
                yield event
            else:
                worker.busy = True
        start = env.now
        incident.start, incident.worker = start, worker.index
        holders = self.staff(incident, worker.index, start) if incident.kind == ACTIONABLE else []
        mitigate, elapsed = self.work_minutes(incident, any(code == 2 for code, _ in holders))
        incident.mitigated = start + mitigate
        yield env.timeout(elapsed)
        end = env.now
        incident.resolved = end
        self.work.append((worker.index, 0, start, end, incident.id))
        self.release(worker)
        for code, holder in holders:
            join = min(end, start + self.role_join[code])
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
        pages = list(zip(*self.pages, strict=True)) if self.pages else [(), (), (), (), ()]
        work = list(zip(*self.work, strict=True)) if self.work else [(), (), (), (), ()]
        return RunRecords(
            incidents=incidents,
            pages={
                "time": np.asarray(pages[0], dtype=np.float64),
                "person": np.asarray(pages[1], dtype=np.int64),
                "incident": np.asarray(pages[2], dtype=np.int64),
                "rule": np.asarray(pages[3], dtype=np.int64),
                "loop": np.asarray(pages[4], dtype=np.int64),
            },
            work={
                "person": np.asarray(work[0], dtype=np.int64),
                "role": np.asarray(work[1], dtype=np.int64),
                "start": np.asarray(work[2], dtype=np.float64),
                "end": np.asarray(work[3], dtype=np.float64),
                "incident": np.asarray(work[4], dtype=np.int64),
            },
            members=[incident.members for incident in self.incidents] if self.trace else [],
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
