"""What one run records: the mutable incident, and the run's records as numpy columns.

While a run goes, each paged incident is an :class:`Incident` (plain attributes, no
validation: the hot loop touches them tens of thousands of times a replication); a ticket
(a severity that pages nobody, about a third of the reference study's incidents) never
changes after it opens, so it is a :data:`TicketRow` tuple of the columns it sets; pages
and work spans are appended to lists of tuples. :func:`run_records` turns them into
:class:`RunRecords`, one numpy column per field in incident id order, once at the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.paging import Step

__all__ = [
    "CLEARED",
    "INCIDENT_COLUMNS",
    "TICKET",
    "UNROUTED",
    "WORKED",
    "Incident",
    "PageRow",
    "RunRecords",
    "TicketRow",
    "WorkRow",
    "run_records",
]

WORKED, TICKET, UNROUTED, CLEARED = 0, 1, 2, 3
NAN = math.nan
INF = math.inf

_FLOAT_COLUMNS = frozenset({"open", "detect", "ack", "start", "mitigated", "resolved", "cleared"})
_PAGE_COLUMNS = ("time", "person", "incident", "rule", "loop", "delay")
_WORK_COLUMNS = ("person", "role", "start", "end", "incident")

# A page: time, person, incident, rule, loop, drawn delay (inf: missed; nan: busy).
PageRow = tuple[float, int, int, int, int, float]
# A span of work: person, role code, start, end, incident.
WorkRow = tuple[int, int, float, float, int]
# A ticket (a severity that pages nobody): nothing happens to it after it opens, so it is
# recorded as a row of the columns it sets, not as an Incident.
TicketRow = tuple[int, int, float, float, int, int, int, int, int, int, int]
_TICKET_FIELDS = (
    "id", "key", "open", "detect", "severity", "kind", "service", "alert", "alerts", "repeat",
    "after_clear",
)  # fmt: skip


@dataclass
class RunRecords:
    """What one replication of one scenario produced, as numpy columns.

    ``incidents``: one row per incident (see ``INCIDENT_COLUMNS``); times are simulated
    minutes, ``nan`` where they do not apply (a ticket is never acknowledged).
    ``pages``: time, person, incident, rule, loop, and the acknowledgement delay the person
    drew (``inf``: missed; ``nan``: busy, not answered). ``work``: person, role code, start,
    end, incident (who spent time on what, in which role). ``members`` and ``changes``: with
    ``trace=True``, each incident's alerts and its severity changes (minute, old, new).
    ``resolves``: when resolved notifications reached the pager.
    """

    incidents: dict[str, npt.NDArray[Any]]
    pages: dict[str, npt.NDArray[Any]]
    work: dict[str, npt.NDArray[Any]]
    members: list[list[int]] = field(default_factory=list)
    changes: list[list[tuple[float, int, int]]] = field(default_factory=list)
    resolves: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


class Incident:
    """One incident's state during a run: its record columns and its escalation cursor.

    The record columns are those of ``INCIDENT_COLUMNS``. The rest is the lifecycle's:
    the route (``policy``, ``timeline``, ``rules`` per pass, ``low`` urgency), the
    escalation cursor (``t0``, ``shift``, ``step``, ``at``), the best acknowledgement so far
    (``best``, ``best_by``), the first person paged and the last notification
    (``first_paged``, ``last_page``), the acknowledgement the incident waits for
    (``due``, ``due_by``), the pending timer an upgrade cancels (``timer``), and the work
    under way (``begin``, ``worked_kind``, ``holders``).
    """

    # Set by the lifecycle, the pager and the dispatcher when they first need them.
    policy: int
    timeline: list[Step]
    rules: int
    low: bool
    t0: float
    shift: float
    step: int
    at: float
    best: float
    best_by: int
    first_paged: int
    last_page: float
    due: float
    due_by: int
    timer: Any
    begin: float
    worked_kind: int
    holders: list[tuple[int, int]]
    members: list[int]
    changes: list[tuple[float, int, int]]

    __slots__ = (
        "ack", "acker", "after_clear", "alert", "alerts", "at", "became_actionable", "begin",
        "best", "best_by", "changes", "cleared", "comms", "detect", "due", "due_by",
        "first_paged", "holders", "ic", "id", "key", "kind", "last_page", "loop", "low",
        "members", "mitigated", "name", "notifications", "open", "pages", "policy", "repeat",
        "resolved", "rule", "rules", "scribe", "service", "severity", "shift", "skips", "start",
        "status", "step", "t0", "timeline", "timer", "updates", "upgrades", "waiting",
        "worked_kind", "worker",
    )  # fmt: skip

    def __init__(
        self,
        ident: int,
        key: int,
        open_at: float,
        detect: float,
        severity: int,
        kind: int,
        service: int,
        alert: int,
        alerts: int,
        name: tuple[float, int, int],
    ) -> None:
        # Only what a record reads before the lifecycle sets it; the rest (route, cursor,
        # work, trace lists) is set by whoever first needs it.
        self.id, self.key, self.open, self.detect = ident, key, open_at, detect
        self.severity, self.kind, self.service, self.alert = severity, kind, service, alert
        self.alerts, self.name = alerts, name
        self.status = WORKED
        self.repeat = self.upgrades = self.updates = self.rule = self.loop = self.pages = 0
        self.skips = self.became_actionable = self.after_clear = 0
        self.acker = self.worker = self.ic = self.comms = self.scribe = -1
        self.ack = self.start = self.mitigated = self.resolved = NAN
        self.notifications = 1
        self.cleared = INF
        self.waiting = False


def _incident_lists(incidents: list[Incident]) -> dict[str, list[Any]]:
    """Each record column as a list (spelled out: plain attribute loads are the fastest way)."""
    return {
        "open": [i.open for i in incidents],
        "detect": [i.detect for i in incidents],
        "severity": [i.severity for i in incidents],
        "kind": [i.kind for i in incidents],
        "service": [i.service for i in incidents],
        "alert": [i.alert for i in incidents],
        "policy": [i.policy for i in incidents],
        "status": [i.status for i in incidents],
        "ack": [i.ack for i in incidents],
        "acker": [i.acker for i in incidents],
        "start": [i.start for i in incidents],
        "worker": [i.worker for i in incidents],
        "mitigated": [i.mitigated for i in incidents],
        "resolved": [i.resolved for i in incidents],
        "rule": [i.rule for i in incidents],
        "loop": [i.loop for i in incidents],
        "pages": [i.pages for i in incidents],
        "alerts": [i.alerts for i in incidents],
        "notifications": [i.notifications for i in incidents],
        "updates": [i.updates for i in incidents],
        "ic": [i.ic for i in incidents],
        "comms": [i.comms for i in incidents],
        "scribe": [i.scribe for i in incidents],
        "repeat": [i.repeat for i in incidents],
        "cleared": [i.cleared for i in incidents],
        "upgrades": [i.upgrades for i in incidents],
        "became_actionable": [i.became_actionable for i in incidents],
        "after_clear": [i.after_clear for i in incidents],
        "skips": [i.skips for i in incidents],
    }


# The incident columns, in record order.
INCIDENT_COLUMNS = tuple(_incident_lists([]))


def _ticket_defaults() -> dict[str, Any]:
    """The columns a ticket's row does not carry: those of an Incident that was made a ticket."""
    ticket = Incident(0, 0, 0.0, 0.0, 0, 0, 0, 0, 0, (0.0, 0, 0))
    ticket.policy, ticket.status = -1, TICKET
    return {name: values[0] for name, values in _incident_lists([ticket]).items()}


_TICKET_DEFAULTS = _ticket_defaults()


def _array(values: Any, count: int, name: str, floats: frozenset[str]) -> npt.NDArray[Any]:
    return np.fromiter(values, np.float64 if name in floats else np.int64, count)


def _columns(
    rows: list[tuple[Any, ...]], names: tuple[str, ...], floats: frozenset[str]
) -> dict[str, npt.NDArray[Any]]:
    """Rows of numbers as named columns: float64 if the name is in ``floats``, else int64."""
    columns = zip(*rows, strict=True) if rows else (() for _ in names)
    return {
        name: _array(col, len(rows), name, floats) for name, col in zip(names, columns, strict=True)
    }


def _with_tickets(
    columns: dict[str, npt.NDArray[Any]], tickets: list[TicketRow]
) -> dict[str, npt.NDArray[Any]]:
    """The paged incidents' columns with the tickets' rows put in at their ids."""
    count = len(next(iter(columns.values()))) + len(tickets)
    rows = dict(zip(_TICKET_FIELDS, zip(*tickets, strict=True), strict=True))
    at = np.zeros(count, dtype=bool)
    at[list(rows["id"])] = True
    out = {}
    for name, paged in columns.items():
        full = np.empty(count, dtype=paged.dtype)
        full[~at] = paged
        full[at] = rows[name] if name in rows else _TICKET_DEFAULTS[name]
        out[name] = full
    return out


def _by_id(
    incidents: list[Incident], tickets: dict[int, list[int]], count: int
) -> tuple[list[list[int]], list[list[tuple[float, int, int]]]]:
    """With trace: each incident's and ticket's alerts and severity changes, in id order."""
    members: list[list[int]] = [[] for _ in range(count)]
    changes: list[list[tuple[float, int, int]]] = [[] for _ in range(count)]
    for incident in incidents:
        members[incident.id], changes[incident.id] = incident.members, incident.changes
    for ident, alerts in tickets.items():
        members[ident] = alerts
    return members, changes


def run_records(
    incidents: list[Incident],
    tickets: list[TicketRow],
    pages: list[PageRow],
    work: list[WorkRow],
    resolves: list[float],
    *,
    trace: bool,
    ticket_members: dict[int, list[int]] | None = None,
) -> RunRecords:
    """The run's records as numpy columns (paged incidents and tickets, in id order)."""
    count = len(incidents)
    columns = {
        name: _array(values, count, name, _FLOAT_COLUMNS)
        for name, values in _incident_lists(incidents).items()
    }
    if tickets:
        columns = _with_tickets(columns, tickets)
    cleared = columns["cleared"]
    cleared[np.isinf(cleared)] = NAN  # never cleared
    members, changes = (
        _by_id(incidents, ticket_members or {}, len(cleared)) if trace else ([], [])
    )
    return RunRecords(
        incidents=columns,
        pages=_columns(pages, _PAGE_COLUMNS, frozenset({"time", "delay"})),
        work=_columns(work, _WORK_COLUMNS, frozenset({"start", "end"})),
        members=members,
        changes=changes,
        resolves=np.asarray(resolves, dtype=np.float64),
    )
