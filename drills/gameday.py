"""The game-day kind of drill: a room played on the real system instead of a drill world.

A game day's room (``kind: gameday`` on a :class:`~drills.script.DrillScript`) has no world and
no scripted injects. Everything that happens in it comes from outside:

* the pages are the real alerts (Prometheus, Alertmanager, the room's receiver), classified by
  the playbook and paged through its escalation policies like any alert;
* the team's generic operations (``operate``) are recorded and carried out on the staging
  system by the game day's runner (``scenarios/gameday/bridge.py``);
* the runner posts what the real system shows: metric snapshots (``metrics`` injects from
  the real Prometheus), the chaos run's steps and the real fault state (facilitator-only
  ``log`` injects, :data:`CHAOS_SERVICE` and :data:`FAULTS_SERVICE`).

The truth is the experiment's: :class:`GameDaySpec` names the faults the chaos run injects,
each with the service it hurts and its cause category, and the team's hypotheses and root cause
are judged against them (``drills/judging.py``). The briefing comes from the experiment (its
title, description and target service), optionally with the participant briefing of a library
drill (:func:`gameday_script`); never that drill's world or injects.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from drills.world.ops import Operation
from drills.world.spec import Category
from playbook.model import Playbook
from playbook.severity import severity_rank

__all__ = [
    "CHAOS_SERVICE",
    "FAULTS_SERVICE",
    "GAMEDAY_MINUTES",
    "GameDayFault",
    "GameDaySpec",
    "gameday_briefing",
    "gameday_id",
    "gameday_severity",
]

#: The ``service`` of the chaos run's own log lines (``scenarios/room/timeline.py``).
CHAOS_SERVICE = "chaos-toolkit"
#: The ``service`` of the runner's fault-state lines (what the target and the proxy hold now).
FAULTS_SERVICE = "drillbit-faults"
#: A game day's nominal length in drill minutes (when the facilitator should wrap up; 24 min at x60).
GAMEDAY_MINUTES = 1440.0

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GameDayFault(_Model):
    """One fault the chaos run injects: the truth the team's diagnosis is judged against."""

    service: str = Field(pattern=_NAME, description="the service it hurts")
    category: Category = Field(description="its cause in the generic taxonomy")
    what: str = Field(min_length=1, max_length=500, description="the fault in words (facilitator only)")


class GameDaySpec(_Model):
    """What a game-day room is about: the experiment, the real target, the faults it injects."""

    experiment: str = Field(min_length=1, max_length=300, description="the experiment's title")
    description: str = Field(default="", max_length=2000)
    service: str = Field(pattern=_NAME, description="the target's service name (e.g. checkout)")
    services: tuple[str, ...] = Field(
        default=(), max_length=20, description="every service the team may name (default: the target's)"
    )
    faults: tuple[GameDayFault, ...] = Field(default=(), max_length=20)
    remedies: tuple[Operation, ...] = Field(
        default=(), max_length=20, description="the operations that undo the faults on the real system (truth)"
    )
    briefing_from: str | None = Field(
        default=None, max_length=100, description="a library drill whose participant briefing the room uses"
    )

    @property
    def all_services(self) -> tuple[str, ...]:
        """The target first, then the others named (faults' services included), each once."""
        names = [self.service, *self.services, *(f.service for f in self.faults)]
        return tuple(dict.fromkeys(names))


def gameday_id(spec: GameDaySpec) -> str:
    """The room's script id: one per target service, so scores compare across game days."""
    slug = re.sub(r"[^a-z0-9_.-]+", "-", spec.service.lower()).strip("-.") or "target"
    return f"gameday-{slug}"[:100]


def gameday_briefing(spec: GameDaySpec, library_briefing: str | None, now: datetime | None = None) -> dict[str, str]:
    """The room's title, summary and briefings, from the experiment (and a library drill's
    participant briefing, if one is named): what the team knows at minute 0, never the fault."""
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    services = ", ".join(spec.all_services)
    team = (
        f"Game day on the real {spec.service} (staging), {when}. This room shows the real system: "
        "the pages are real alerts from Prometheus through Alertmanager, the dashboards are the "
        "real metrics, and every operation you take runs on the staging system. "
        f"Services you can act on: {services}. Acknowledge the pages, triage, find the cause, fix it."
    )
    if library_briefing:
        team += f"\n\nScenario ({spec.briefing_from}): {library_briefing}"
    faults = "; ".join(f"{f.what} ({f.service}, {f.category.replace('_', ' ')})" for f in spec.faults)
    facilitator = (
        f"Chaos experiment: {spec.experiment}. {spec.description}".strip()
        + f"\nThe run injects: {faults or 'nothing the room can name'}."
        + "\nThe chaos run's steps and the real fault state appear in your timeline only."
    )
    return {
        "title": f"Game day: {spec.experiment}"[:300],
        "summary": (spec.description or spec.experiment).splitlines()[0][:300] or spec.experiment,
        "briefing": facilitator,
        "participant_briefing": team,
    }


def gameday_severity(playbook: Playbook, verdicts: list[str | None], declared: str | None = None) -> str:
    """The severity a game day expects: the playbook's verdict on the worst real alert that
    arrived; before any, the declared one (nothing to judge it against), else the least
    severe level."""
    order = playbook.severity_order
    known = [v for v in verdicts if v in order]
    if known:
        return min(known, key=lambda s: severity_rank(order, s))
    if declared is not None and declared in order:
        return declared
    return order[-1]
