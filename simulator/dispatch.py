"""Who works an acknowledged incident, for how long, and who else it pulls in.

* ``on_call``: the acknowledger works it, after anything already in their queue (a queued
  incident starts when the person is released, on an event at that minute).
* ``pool``: the first free pool member takes the oldest waiting incident; with
  ``pool.available`` other than ``always`` a member outside their available hours rejoins
  the pool when they come back.
* Severities that need roles (``role.required_for``) pull in, at work start, the first
  free candidate of each role (``RoleNeed.candidates``); a Communications Lead takes the
  status updates off the worker.

The work itself (:func:`Dispatcher.work_minutes`): a triage for noise and duplicates, else
the severity's mitigate and resolve distributions on the incident's own variates,
stretched by status updates (:mod:`simulator.work`). A triage during which an actionable
alert joined is followed by the real work. At the end everyone involved is released and
``done(incident)`` is called.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from simulator.arrivals import ACTIONABLE, NOISE, AlertTable
from simulator.compiled import Compiled, RoleNeed
from simulator.distributions import drawer
from simulator.kernel import Kernel
from simulator.paging import SCHEDULE, USER
from simulator.records import Incident, WorkRow
from simulator.responders import Responder
from simulator.work import stretch, updates_during

__all__ = ["Dispatcher"]

_NOBODY: list[tuple[int, int]] = []  # no role holders (never appended to: staff makes a new list)


class Dispatcher:
    """The people's work in one run: queues, the pool, roles, work spans."""

    def __init__(
        self,
        kernel: Kernel,
        compiled: Compiled,
        people: list[Responder],
        alerts: AlertTable,
        work: list[WorkRow],
        *,
        done: Callable[[Incident], None],
    ) -> None:
        study = compiled.study
        self.kernel = kernel
        self.c = compiled
        self.people = people
        self.work = work
        self.done = done
        self.z1, self.u1 = alerts.z1.tolist(), alerts.u1.tolist()
        self.z2, self.u2 = alerts.z2.tolist(), alerts.u2.tolist()
        self.schedules = compiled.paging.schedules
        self.pool_mode = study.dispatch.mode == "pool"
        self.availability = study.dispatch.pool.available if study.dispatch.pool else "always"
        self.in_pool = [False] * len(people)
        for member in compiled.pool:
            self.in_pool[member] = True
        self.idle: deque[Responder] = deque()
        self.waiting: deque[Incident] = deque()
        self.noise_triage = drawer(study.work.noise_triage)
        self.duplicate_triage = drawer(study.work.duplicate_triage)
        self.work_draws = [
            None if spec is None else (drawer(spec.mitigate), drawer(spec.resolve))
            for spec in compiled.work
        ]
        self.update_cost = study.work.update_minutes
        self.role_join = {
            need.code: need.join_minutes for needs in compiled.roles for need in needs
        }

    def open_pool(self) -> None:
        """Before the run: every pool member offers to work."""
        for member in self.c.pool:
            self.offer(self.people[member])

    # -- taking the work ------------------------------------------------------------------
    def assign(self, incident: Incident) -> None:
        """An acknowledged incident: its worker starts now, or when one is free."""
        if self.pool_mode:
            worker = self.take_member()
            if worker is None:
                self.waiting.append(incident)
                return
        else:
            worker = self.people[incident.acker]
            if worker.busy:
                worker.queue.append(incident)
                return
            worker.busy = True
        self.begin(incident, worker)

    def _resume(self, queued: tuple[Incident, Responder]) -> None:
        incident, worker = queued
        self.begin(incident, worker)

    def begin(self, incident: Incident, worker: Responder) -> None:
        incident.start, incident.worker = self.kernel.now, worker.index
        incident.holders, incident.worked_kind = _NOBODY, incident.kind
        self.work_stretch(incident)

    def work_stretch(self, incident: Incident) -> None:
        """One stretch of work from now: the triage, or the real work (with its roles)."""
        begin = incident.begin = self.kernel.now
        if incident.kind == ACTIONABLE:
            incident.holders = self.staff(incident, incident.worker, begin)
        # A Communications Lead (staffed just now, if at all) takes the status updates.
        mitigate, elapsed = self.work_minutes(incident, incident.comms >= 0)
        incident.mitigated = begin + mitigate
        self.kernel.later(elapsed, self._stretch_done, incident)

    def _stretch_done(self, incident: Incident) -> None:
        if incident.worked_kind != ACTIONABLE and incident.kind == ACTIONABLE:
            incident.worked_kind = ACTIONABLE  # an actionable alert joined during the triage
            self.work_stretch(incident)
            return
        self.finish(incident)

    def finish(self, incident: Incident) -> None:
        end = incident.resolved = self.kernel.now
        self.work.append((incident.worker, 0, incident.start, end, incident.id))
        self.release(self.people[incident.worker])
        for code, holder in incident.holders:
            join = min(end, incident.begin + self.role_join[code])
            self.work.append((holder, code, join, end, incident.id))
            self.release(self.people[holder])
        self.done(incident)

    def work_minutes(self, incident: Incident, has_comms: bool) -> tuple[float, float]:
        """(minutes to mitigation, minutes to resolution) from work start."""
        a = incident.alert
        if incident.kind != ACTIONABLE:
            triage = self.noise_triage if incident.kind == NOISE else self.duplicate_triage
            minutes = triage(self.z1[a], self.u1[a])
            return minutes, minutes
        draws = self.work_draws[incident.severity]
        assert draws is not None  # checked at load for every paged severity
        mitigate = draws[0](self.z1[a], self.u1[a])
        resolve = draws[1](self.z2[a], self.u2[a])
        cadence = self.c.update_every[incident.severity]
        cost = 0.0 if has_comms else self.update_cost
        elapsed = stretch(mitigate + resolve, cadence, cost)
        incident.updates = updates_during(elapsed, cadence)
        return stretch(mitigate, cadence, cost), elapsed

    # -- roles ----------------------------------------------------------------------------
    def staff(self, incident: Incident, worker: int, now: float) -> list[tuple[int, int]]:
        """Pull in the first free candidate for each role the severity needs."""
        needs = self.c.roles[incident.severity]
        if not needs:
            return _NOBODY
        holders: list[tuple[int, int]] = []
        taken = {worker}
        for need in needs:
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
        elif person.queue:  # the next queued incident starts on an event this minute
            self.kernel.later(0.0, self._resume, (person.queue.popleft(), person))
        else:
            person.busy = False

    def take_member(self) -> Responder | None:
        now = self.kernel.now
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
            wait = member.minutes_until_available(self.kernel.now, self.availability)
            if wait > 0:
                member.idle = False
                self.rejoin_later(member, wait)
                return
        if self.waiting:
            member.idle = False
            member.busy = True
            self.kernel.later(0.0, self._resume, (self.waiting.popleft(), member))
        elif not member.idle:
            member.idle = True
            self.idle.append(member)

    def rejoin_later(self, member: Responder, wait: float | None = None) -> None:
        if member.rejoin_pending:
            return
        if wait is None:
            wait = member.minutes_until_available(self.kernel.now, self.availability)
        if math.isinf(wait):
            return
        member.rejoin_pending = True
        self.kernel.later(wait, self._rejoin, member)

    def _rejoin(self, member: Responder) -> None:
        member.rejoin_pending = False
        if not member.busy:
            self.offer(member)
