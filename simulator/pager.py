"""The pager: an incident's escalation, its pages, and how the escalation ends.

From the moment an incident opens, its policy's timeline (``Paging.timeline``, from
``playbook.escalation.escalation_timeline``) is walked: each rule's targets are resolved
against the schedules at that minute and each person reached draws an acknowledgement
delay and whether they miss it (:meth:`simulator.responders.Responder.respond`, keyed by
the page). Between rules the incident sleeps on one timer (:class:`simulator.kernel.Kernel`).

* The first acknowledgement stops escalation: a rule due at or after it is not sent.
* A rule whose targets have nobody on call hands on to the next rule at once
  (PagerDuty's empty levels, ``playbook.escalation.skipped_delay``), moving every later
  rule earlier.
* With ``when_busy: escalate`` a busy person sees the page (it adds to their fatigue) but
  does not answer it.
* A low-urgency incident notifies the first rule that reaches someone and stops.
* A resolve (``Incident.cleared``) stops escalation: nothing is sent at or after it.
* A severity upgrade while nobody has acknowledged restarts the walk at that minute
  under the new level's policy (:meth:`Pager.upgrade`); acknowledgements already on their
  way from earlier pages still count.

When the walk ends the incident waits for its acknowledgement: the best one drawn, else
the first person paged picks it up ``unacked_pickup_minutes`` after the last notification;
an incident nobody was notified about is *unrouted*; one the pager resolved before the
acknowledgement is *cleared* (closed unworked).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

from playbook.escalation import skipped_delay
from simulator.compiled import Compiled
from simulator.kernel import Kernel
from simulator.paging import Step
from simulator.records import CLEARED, UNROUTED, Incident, PageRow
from simulator.responders import Responder

__all__ = ["Pager"]

NAN = math.nan
INF = math.inf

# A page's name for its responder's keyed draws: incident (alert minute, service, ordinal),
# escalation restarts so far (severity upgrades), escalation rule, loop.
_page_name = struct.Struct("<dqqqqq").pack


class Pager:
    """Escalations of one run; calls ``acknowledged(incident)`` when someone takes one."""

    def __init__(
        self,
        kernel: Kernel,
        compiled: Compiled,
        people: list[Responder],
        pages: list[PageRow],
        *,
        acknowledged: Callable[[Incident], None],
        unrouted: Callable[[Incident], None],
    ) -> None:
        dispatch = compiled.study.dispatch
        self.kernel = kernel
        self.people = people
        self.paging = compiled.paging
        self.escalate_busy = dispatch.when_busy == "escalate"
        self.pickup = dispatch.unacked_pickup_minutes
        self.pages = pages
        self.acknowledged = acknowledged
        self.unrouted = unrouted
        self.turns: dict[tuple[int, int], int] = {}  # (policy, rule) -> round-robin turns used

    def start(self, incident: Incident) -> None:
        """A new incident: nobody paged yet; walk its timeline from now."""
        now = self.kernel.now
        incident.best, incident.best_by, incident.first_paged, incident.last_page = INF, -1, -1, now
        incident.t0, incident.shift, incident.step = now, 0.0, 0
        self.walk(incident)

    def upgrade(self, incident: Incident) -> None:
        """Its route changed while it waited unacknowledged: restart the walk this minute."""
        incident.waiting = False  # one restart, whatever else joins at this instant
        self.kernel.cancel(incident.timer)
        incident.timer = None
        self.kernel.soon(self.restart, incident)

    def restart(self, incident: Incident) -> None:
        incident.t0, incident.shift, incident.step = self.kernel.now, 0.0, 0
        self.walk(incident)

    def walk(self, incident: Incident) -> None:
        """Send the timeline's rules from ``incident.step`` on, until one is due later."""
        now = self.kernel.now
        timeline = incident.timeline
        for k in range(incident.step, len(timeline)):
            step = timeline[k]
            at = incident.t0 + step.minute - incident.shift
            if at >= incident.best or at >= incident.cleared:
                break
            if at > now:
                incident.step, incident.at, incident.waiting = k, at, True
                incident.timer = self.kernel.later(at - now, self._rule_due, incident)
                return
            if self.notify(incident, k, step, at):
                break
        self.escalated(incident)

    def _rule_due(self, incident: Incident) -> None:
        incident.waiting, incident.timer = False, None
        at, k = incident.at, incident.step
        if incident.cleared <= at or self.notify(incident, k, incident.timeline[k], at):
            self.escalated(incident)
            return
        incident.step = k + 1
        self.walk(incident)

    def notify(self, incident: Incident, k: int, step: Step, at: float) -> bool:
        """Send rule ``k`` at ``at``; True if the escalation ends with it (low urgency)."""
        rule, loop = incident.rule, incident.loop = step.rule, step.loop
        targets = step.targets
        if step.round_robin:
            targets = self.paging.assigned(step, self.turns, incident.policy)
        reached = self.paging.resolve(targets, at)
        if not reached:
            saved = skipped_delay(incident.timeline, k, incident.rules)
            if saved is not None:
                incident.shift += saved  # nobody on call: the next rule now
                incident.skips += 1
                return False
            return incident.low
        pages, people, ident = self.pages, self.people, incident.id
        for p in reached:
            incident.pages += 1
            if incident.first_paged < 0:
                incident.first_paged = p
            person = people[p]
            if person.busy and self.escalate_busy:
                person.notice(at)
                pages.append((at, p, ident, rule, loop, NAN))
                continue
            delay, missed = person.respond(
                at, _page_name(*incident.name, incident.upgrades, rule, loop)
            )
            pages.append((at, p, ident, rule, loop, INF if missed else delay))
            if not missed and at + delay < incident.best:
                incident.best, incident.best_by = at + delay, p
        incident.last_page = at
        return incident.low

    def escalated(self, incident: Incident) -> None:
        """The walk is over: wait for the acknowledgement (or the pickup, or the resolve)."""
        best, by = incident.best, incident.best_by
        if by < 0:
            if incident.first_paged < 0:
                if incident.cleared == INF:
                    incident.status = UNROUTED
                    self.unrouted(incident)
                    return
                best = INF
            else:
                best, by = incident.last_page + self.pickup, incident.first_paged
        incident.due, incident.due_by = best, by
        stop = min(best, incident.cleared)
        now = self.kernel.now
        if stop > now:
            incident.waiting = True
            incident.timer = self.kernel.later(stop - now, self._ack_due, incident)
            return
        self.settle(incident)

    def _ack_due(self, incident: Incident) -> None:
        incident.waiting, incident.timer = False, None
        self.settle(incident)

    def settle(self, incident: Incident) -> None:
        if incident.cleared <= incident.due:
            incident.status, incident.resolved = CLEARED, incident.cleared
            return
        incident.ack, incident.acker = incident.due, incident.due_by
        self.acknowledged(incident)
