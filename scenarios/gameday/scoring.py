"""A game day's score: the room's process criteria, with mitigation judged on the real system.

A game day is a drill of its own kind: the pages are the real alerts (Prometheus, Alertmanager,
the room) and the world is the staging system. So:

* **validity**: a game day in which no real alert reached the room tested nothing the team
  does; it is ``INVALID`` and gets no total (never 100/100), whatever the room's score says.
  So is one whose experiment was invalid (its steady state did not hold before the fault).
* **recovery** (:func:`find_recovery`): from the steady-state probe series, the instant the
  system recovered is the start of the first sample of the last unbroken run of ok samples
  after the fault (at least ``min_ok`` of them). It is credited to whatever came last before
  that sample *ended* (what it measured may reflect anything that took effect by then): the
  last team action *done* on the system, or the experiment's rollback if that began later
  (the safety net's recovery, not the team's).
* **acknowledge** replaces the room's (which times the room's own world alerts): the first
  real alert's acknowledgement, from its arrival in the room, in drill minutes, against the
  expected severity's response target (full points within it, nothing at ``late_factor``
  times it), nothing if it was never acknowledged.
* **mitigate_time** replaces the room's: time from the first real alert to that recovery, in
  drill minutes, against the expected severity's RTO (full points within it, nothing at
  ``late_factor`` times it), and nothing if only the rollback (or nothing) restored it.
* **mitigation_choice** replaces the room's: full points when a team action restored the steady
  state, less the rubric's ``no_effect_penalty`` for each action done before it that did not;
  nothing when none did.

The other criteria (declare, roles, updates, postmortem...) are the room's, as
scored by ``drills/scoring.py`` on the room's log. Pure functions of their inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from drills.facts import minutes, timeliness
from playbook.rubric import Rubric
from scenarios.gameday.realops import RealAction
from scenarios.gameday.series import ProbeSample

__all__ = ["REAL_CRITERIA", "GameDayScore", "Recovery", "find_recovery", "score_gameday"]

#: The room's criteria a game day judges on the real system instead.
REAL_CRITERIA = ("acknowledge", "mitigate_time", "mitigation_choice")


class Recovery(BaseModel):
    """When the steady state broke and came back, and what brought it back."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    broke_at: datetime | None
    recovered_at: datetime | None
    by: RealAction | None
    confirmed_at: datetime | None = None
    by_rollback: bool
    ineffective: tuple[RealAction, ...] = ()

    @property
    def by_team(self) -> bool:
        return self.recovered_at is not None and self.by is not None and not self.by_rollback


class GameDayScore(BaseModel):
    """The game day's score; ``total`` is None when it is invalid."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    valid: bool
    reasons: tuple[str, ...]
    total: float | None
    max: float
    criteria: list[dict[str, Any]]
    recovery: Recovery


def find_recovery(
    samples: Sequence[ProbeSample],
    *,
    fault_at: datetime | None,
    actions: Sequence[RealAction],
    rollback_at: datetime | None,
    min_ok: int = 2,
) -> Recovery:
    """Read the probe series (see the module doc)."""
    after = [s for s in samples if fault_at is None or s.started >= fault_at]
    failing = [i for i, s in enumerate(after) if not s.ok]
    broke_at = after[failing[0]].started if failing else None
    tail = after[failing[-1] + 1 :] if failing else after
    if not failing or len(tail) < min_ok:
        return Recovery(broke_at=broke_at, recovered_at=None, by=None, by_rollback=False)
    first_ok = tail[0]
    # What the first good sample can reflect: whatever took effect before it ended.
    done = [a for a in actions if a.done and a.wall <= first_ok.ended and (broke_at is None or a.wall >= broke_at)]
    by_rollback = rollback_at is not None and rollback_at <= first_ok.ended and (not done or done[-1].wall <= rollback_at)
    by = None if by_rollback or not done else done[-1]
    ineffective = tuple(done[:-1]) if by is not None else tuple(done)
    return Recovery(
        broke_at=broke_at,
        recovered_at=first_ok.started,
        confirmed_at=first_ok.ended,
        by=by,
        by_rollback=by_rollback,
        ineffective=ineffective,
    )


def _clock(t: datetime) -> str:
    return t.strftime("%H:%M:%S")


def _mitigate_time(
    recovery: Recovery, first_alert: datetime | None, rto: float | None, late_factor: float, speed: float
) -> tuple[float, str]:
    if recovery.recovered_at is None:
        return 0.0, "the steady-state probes never recovered after the fault"
    if not recovery.by_team:
        return 0.0, (
            f"the steady state came back at {_clock(recovery.recovered_at)} only after the "
            "experiment's rollback (the safety net), not after a team action"
        )
    origin = first_alert or recovery.broke_at or recovery.recovered_at
    latency = max(0.0, (recovery.recovered_at - origin).total_seconds()) * speed / 60.0
    where = f"restored {minutes(latency)} after the first real alert (drill time)"
    if rto is None:
        return 1.0, where
    verdict = "within" if latency <= rto else "over"
    return timeliness(latency, rto, late_factor), f"{where}, {verdict} the RTO of {minutes(rto)}"


def _acknowledge(
    first_alert: datetime | None, acknowledged_at: datetime | None, target: float | None, late_factor: float, speed: float
) -> tuple[float, str]:
    if first_alert is None:
        return 0.0, "no real alert reached the room"
    if acknowledged_at is None:
        return 0.0, "the first real alert was never acknowledged"
    latency = max(0.0, (acknowledged_at - first_alert).total_seconds()) * speed / 60.0
    where = f"the first real alert acknowledged {minutes(latency)} after it reached the room"
    if target is None:
        return 1.0, where
    verdict = "within" if latency <= target else "over"
    return timeliness(latency, target, late_factor), f"{where}, {verdict} the target of {minutes(target)}"


def _mitigation_choice(recovery: Recovery, no_effect_penalty: float) -> tuple[float, str]:
    idle = [a.label for a in recovery.ineffective]
    if not recovery.by_team or recovery.by is None or recovery.recovered_at is None:
        tried = f" (tried: {', '.join(idle)})" if idle else ""
        return 0.0, f"no team action restored the steady state on the real system{tried}"
    seconds = (recovery.recovered_at - recovery.by.wall).total_seconds()
    text = (
        f"{recovery.by.actor}'s {recovery.by.label} at {_clock(recovery.by.wall)} restored the "
        f"steady state ({seconds:.1f} s later, before the rollback)"
    )
    if idle:
        text += f"; no effect first: {', '.join(idle)}"
    return max(0.0, 1.0 - no_effect_penalty * len(idle)), text


def score_gameday(
    room_score: Mapping[str, Any],
    *,
    real_alerts: int,
    experiment_valid: bool,
    recovery: Recovery,
    first_alert: datetime | None,
    rto_minutes: float | None,
    rubric: Rubric,
    acknowledged_at: datetime | None = None,
    response_minutes: float | None = None,
    speed: float = 60.0,
) -> GameDayScore:
    """The room's score with the mitigation criteria judged on the real system (``rubric``
    gives the late factor, the no-effect penalty and the rating thresholds)."""
    p = rubric.parameters
    reasons = []
    if real_alerts == 0:
        reasons.append("no real alert reached the room: nothing the team did was tested")
    if not experiment_valid:
        reasons.append("the experiment was invalid (the fault was never really tested)")
    real = {
        "acknowledge": _acknowledge(first_alert, acknowledged_at, response_minutes, p.late_factor, speed),
        "mitigate_time": _mitigate_time(recovery, first_alert, rto_minutes, p.late_factor, speed),
        "mitigation_choice": _mitigation_choice(recovery, p.no_effect_penalty),
    }
    criteria = []
    for criterion in room_score.get("criteria") or []:
        c = dict(criterion)
        if c["id"] in real:
            fraction, explanation = real[c["id"]]
            c.update(points=round(float(c["max"]) * fraction, 1), explanation=explanation,
                     rating=rubric.ratings_for(rubric.criterion(c["id"])).rate(fraction), evidence=[], judged_on="the real system")  # fmt: skip
        criteria.append(c)
    valid = not reasons
    total = round(sum(float(c["points"]) for c in criteria), 1) if valid else None
    return GameDayScore(
        valid=valid,
        reasons=tuple(reasons),
        total=total,
        max=float(room_score.get("max") or sum(float(c["max"]) for c in criteria)),
        criteria=criteria,
        recovery=recovery,
    )
