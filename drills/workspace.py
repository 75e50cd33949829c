"""What a participant's workspace panels hold: pure functions of the world and the log.

The web UI's pager, dashboards, logs, change feed, runbook and dependency panels are built
from here. Each function reads only what the team can observe (the world's metrics, logs,
changes and health through :mod:`drills.evidence`, the pages the log recorded, the
playbook's schedules), never a fault, a red-herring mark or an expected severity.

* :func:`observe` answers a :class:`~drills.actions.Look` exactly as the recorded action
  does, for live re-renders that must not be recorded (only a participant's own request is a
  ``look`` in the log).
* :func:`window_bounds` turns a panel's window choice (last 15 min, last hour, since the
  start) into the look's ``start``/``end``.
* :func:`pages_received` resolves each page of the log to the people it reached: a schedule
  target to whoever :func:`playbook.schedules.on_call_at` says was on call at that instant, a
  user target to that user, a ticket to nobody; "to you" compares names ignoring case.
* :func:`burn_rates` is the SLO's one-hour burn rate per minute, as the world's
  ``HighErrorBudgetBurn`` rule computes its 1h window (minutes before the drill at the
  world's :func:`drills.world.alerts.baseline`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from drills.actions import observe
from drills.events import Record
from drills.world.alerts import baseline
from playbook.escalation import Target
from playbook.events import PageSent
from playbook.model import Playbook
from playbook.schedules import on_call_at

__all__ = [
    "BURN_WINDOW",
    "FAST_BURN",
    "WINDOWS",
    "Page",
    "Window",
    "burn_rates",
    "observe",
    "on_call_people",
    "pages_received",
    "window_bounds",
]

Window = Literal["15m", "1h", "start"]
#: A panel's window choices and their length in drill minutes (None: since the start).
WINDOWS: dict[str, int | None] = {"15m": 15, "1h": 60, "start": None}
#: The burn rate window (``[1h]``) and the fast-burn page threshold (seed 002's
#: ``HighErrorBudgetBurn``: 14.4 times the budget over an hour).
BURN_WINDOW = 60
FAST_BURN = 14.4


def window_bounds(window: str, now: float) -> tuple[float, float]:
    """The ``(start, end)`` drill minutes of ``window`` ending at the whole minute ``now``."""
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r} (use {', '.join(WINDOWS)})")
    end = float(max(0, int(now)))
    length = WINDOWS[window]
    return (0.0 if length is None else max(0.0, end - length)), end


@dataclass(frozen=True)
class Page:
    """One page as the pager shows it: when, for which alert, through which target, to whom."""

    seq: int
    at: float
    alert_id: str | None
    target: str
    people: tuple[str, ...]
    rule: int
    urgency: str
    to_you: bool


def _people(target: str, playbook: Playbook, instant: datetime) -> tuple[str, ...]:
    parsed = Target.model_validate(target)
    if parsed.type == "user":
        return (parsed.id,)
    if parsed.type == "schedule":
        schedule = next((s for s in playbook.schedules if s.name == parsed.id), None)
        return () if schedule is None else tuple(on_call_at(schedule, instant))
    return ()


def on_call_people(playbook: Playbook) -> set[str]:
    """Everyone a page can reach: the users of every schedule's layers and of the policies."""
    people = {u for schedule in playbook.schedules for layer in schedule.layers for u in layer.users}
    for policy in playbook.escalation_policies:
        for rule in policy.rules:
            people.update(t.id for t in rule.targets if t.type == "user")
    return people


def pages_received(records: Sequence[Record], playbook: Playbook, clock_start: datetime,
                   you: str | None) -> list[Page]:
    """Every page the log recorded, newest first, with the people each one reached."""
    mine = (you or "").casefold()
    out: list[Page] = []
    for record in records:
        event = record.event
        if not isinstance(event, PageSent):
            continue
        people = _people(event.target, playbook, clock_start + timedelta(minutes=event.at))
        out.append(Page(
            seq=record.seq, at=event.at, alert_id=record.ref, target=event.target, people=people, rule=event.rule,
            urgency=event.urgency, to_you=bool(mine) and any(p.casefold() == mine for p in people),
        ))
    out.sort(key=lambda p: p.at, reverse=True)
    return out


def burn_rates(requests: Sequence[float], error_pct: Sequence[float], budget: float) -> list[float]:
    """The one-hour burn rate at each minute of a series that starts at drill minute 0.

    At minute ``t`` the error ratio is the request-weighted mean over the last
    :data:`BURN_WINDOW` minutes seen so far, the minutes before the drill counted at the
    world's baseline (0.1 %, at most half the budget); the burn rate is that ratio over the budget
    (``1 - availability``). A burn rate of 1 spends the budget exactly over the SLO period.
    """
    if budget <= 0:
        raise ValueError("the error budget must be positive")
    before = baseline(budget)
    out: list[float] = []
    for t in range(len(requests)):
        lo = max(0, t - BURN_WINDOW + 1)
        seen = t - lo + 1
        total = sum(requests[lo:t + 1])
        bad = sum(r * e / 100 for r, e in zip(requests[lo:t + 1], error_pct[lo:t + 1], strict=True))
        ratio = bad / total if total > 0 else 0.0
        mixed = (ratio * seen + before * (BURN_WINDOW - seen)) / BURN_WINDOW
        out.append(mixed / budget)
    return out
