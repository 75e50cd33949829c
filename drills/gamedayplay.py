"""The autopilot's moves in a game-day room: the real system instead of a world.

:func:`plan_gameday` is the game-day counterpart of :func:`drills.worldplay.plan_world`, pure
over the room's state: every alert in the room is real (it came from the real system), so the
team acknowledges them as they page, declares at the playbook's verdict on the worst one,
looks at the real dashboards and the change feed, records a hypothesis (the spec's first fault,
or a wrong one), and operates with the spec's remedies (``wrong-fix`` restarts first), which the
game day's runner carries out on the staging system. It resolves once every real alert has
cleared after its operations (the real system says the fix held), and writes the postmortem
within :data:`POSTMORTEM_WITHIN` minutes (the room closes soon after the experiment). Updates
quote the last real metrics snapshot the room holds. It reads the truth (the spec's faults and
remedies): a test double for a team, not a player.
"""

from __future__ import annotations

from datetime import timedelta

from drills.actions import (
    Declare,
    Hypothesis,
    Look,
    Operate,
    PostUpdate,
    Resolve,
    RootCause,
    WritePostmortem,
)
from drills.events import InjectDelivered
from drills.gameday import GameDaySpec, gameday_severity
from drills.session import DrillSession
from drills.state import DrillState
from drills.world.ops import Operation
from drills.world.spec import CATEGORIES, Category
from drills.worldplay import COMMS, IC, SCRIBE, TL, Move, WorldHabits, _notes
from playbook.roles import Role

__all__ = ["POSTMORTEM_WITHIN", "plan_gameday", "wrong_real_cause"]

#: A game day's room closes soon after its experiment: the postmortem comes at most this late.
POSTMORTEM_WITHIN = 10.0


def wrong_real_cause(spec: GameDaySpec) -> tuple[str, Category]:
    """A wrong diagnosis: another service if there is one, and a category no fault has."""
    faulty = {f.service for f in spec.faults}
    service = next((s for s in spec.all_services if s not in faulty), spec.service)
    used = {f.category for f in spec.faults}
    category = next(c for c in ("capacity_or_traffic", "infrastructure", "dependency", *CATEGORIES) if c not in used)
    return service, category


def _spec(session: DrillSession) -> GameDaySpec:
    spec = session.script.gameday
    assert spec is not None
    return spec


def _last_metrics(session: DrillSession, service: str) -> dict[str, float]:
    """The values of the last real metrics snapshot of ``service`` the room holds."""
    for record in reversed(session.records()):
        e = record.event
        if isinstance(e, InjectDelivered) and e.inject_type == "metrics" and e.content.get("service") == service:
            return {k: float(v) for k, v in (e.content.get("values") or {}).items() if v is not None}
    return {}


def _impact(session: DrillSession, spec: GameDaySpec) -> str:
    """What users see, from the last real metrics snapshot the room holds."""
    values = _last_metrics(session, spec.service)
    if not values:
        return f"Users of {spec.service} see errors or slow responses; we are measuring how many."
    error = values.get("error_rate")
    p99 = values.get("latency_p99_ms")
    parts = [f"{error:.0f}% of requests to {spec.service} are failing" if error is not None else ""]
    if p99 is not None:
        parts.append(f"p99 latency is {p99:.0f} ms")
    return " and ".join(p for p in parts if p) + "."


def _update(session: DrillSession, state: DrillState, audience: str, at: float) -> PostUpdate:
    spec = _spec(session)
    title = state.declaration.title if state.declaration else session.script.title
    working = "We are rolling out a mitigation" if state.operations else "We are investigating"
    text = session.playbook.template_set.render(
        "status_update",
        title=f"{title} ({audience.replace('_', ' ')})",
        what_is_happening=f"{title}.",
        impact=_impact(session, spec),
        what_we_are_doing=f"{working}; we expect recovery within 60 minutes.",
        next_update_at=session.script.clock_start + timedelta(minutes=at + 20),
    )
    return PostUpdate(audience=audience, text=text)


def _comms(session: DrillSession, state: DrillState, team: dict[str, float], moves: list[Move]) -> None:
    d = state.declaration
    if not team["comms"] or d is None or state.resolved or COMMS not in state.holders.get(Role.COMMS_LEAD, frozenset()):
        return
    if "status_page" not in {aud for _, _, aud in state.updates}:
        at = d.at + team["status_page_after"]
        moves.append(Move(at, COMMS, _update(session, state, "status_page", at)))
    internal = [at for _, at, aud in state.updates if aud == "internal"]
    at = d.at + team["first_update_after"] if not internal else internal[-1] + team["update_every"]
    moves.append(Move(at, COMMS, _update(session, state, "internal", at)))


def _investigate(session: DrillSession, state: DrillState, habits: WorldHabits, first: float,
                 moves: list[Move]) -> None:
    spec = _spec(session)
    fault = spec.faults[0].service if spec.faults else spec.service
    looks = [Look(evidence="metrics", service=spec.service), Look(evidence="changes")]
    if fault != spec.service:
        looks.append(Look(evidence="metrics", service=fault))
    if state.looks < len(looks):
        moves.append(Move(first + habits.look_after + 0.5 * state.looks, TL, looks[state.looks]))
    if not state.hypotheses:
        if habits.diagnosis == "right" and spec.faults:
            hyp = Hypothesis(service=spec.faults[0].service, category=spec.faults[0].category,
                             text="matches the real dashboards and the change feed")
        else:
            service, category = wrong_real_cause(spec)
            hyp = Hypothesis(service=service, category=category, text="looks overloaded")
        moves.append(Move(first + habits.hypothesis_after, TL, hyp))


def _operations(spec: GameDaySpec, habits: WorldHabits) -> list[tuple[float, Operation]]:
    """(minutes after the first alert, operation): the remedies at ``mitigate_after``;
    ``wrong-fix`` restarts first and fixes ``correct_after`` later; none without ``mitigate``."""
    if not habits.mitigate or not spec.remedies:
        return []
    start = habits.mitigate_after
    out: list[tuple[float, Operation]] = []
    restart = Operation(verb="restart", target=spec.service)
    if habits.wrong_fix and restart not in spec.remedies:
        out.append((start, restart))
        start += habits.correct_after
    return out + [(start, op) for op in spec.remedies]


def _operate(spec: GameDaySpec, state: DrillState, habits: WorldHabits, first: float, moves: list[Move]) -> None:
    done = len(state.operations)
    planned = _operations(spec, habits)
    if done < len(planned) and not state.resolved:
        offset, op = planned[done]
        moves.append(Move(first + offset, TL, Operate.model_validate({**op.model_dump(exclude_none=True), "type": "operate"})))


def _cleared_at(state: DrillState) -> float | None:
    """When the last real alert cleared, if every one has."""
    times = [a.resolved_at for a in state.alerts.values()]
    if not times or any(t is None for t in times):
        return None
    return max(t for t in times if t is not None)


def plan_gameday(session: DrillSession, habits: WorldHabits, team: dict[str, float],
                 postmortem_text: str) -> list[Move]:
    """Every move the team would make next in a game-day room (the caller picks the earliest);
    ``team`` holds the profile's shared timings, as for :func:`~drills.worldplay.plan_world`."""
    state = session.state
    spec = _spec(session)
    moves: list[Move] = []
    alerts = sorted(state.alerts.values(), key=lambda a: a.fired_at)
    if not alerts:
        return moves
    first = alerts[0].fired_at
    acked = [a.acked_at for a in alerts if a.acked_at is not None]
    d = state.declaration
    if d is None and acked:
        severity = gameday_severity(session.playbook, [a.severity for a in alerts])
        moves.append(Move(min(acked) + team["declare_after"], IC, Declare(severity=severity, title=alerts[0].summary[:200])))
    _comms(session, state, team, moves)
    _notes(session, state, moves)
    _investigate(session, state, habits, first, moves)
    _operate(spec, state, habits, first, moves)
    cleared = _cleared_at(state)
    operated = bool(state.operations) or (not _operations(spec, habits) and habits.mitigate)
    if d is not None and cleared is not None and operated and not state.resolved:
        at = max(cleared + team["resolve_after"], d.at + team["first_update_after"] + 1)
        moves.append(Move(at, IC, Resolve(summary="The real alerts cleared; the steady state is back.")))
    if state.resolved_at is not None and state.postmortem is None:
        at = state.resolved_at + min(team["postmortem_after"], POSTMORTEM_WITHIN)
        moves.append(Move(at, SCRIBE, _postmortem(spec, habits, postmortem_text, session.script.truth.root_cause)))
    return moves


def _postmortem(spec: GameDaySpec, habits: WorldHabits, text: str, root_cause: str) -> WritePostmortem:
    if habits.diagnosis == "right" and spec.faults:
        fault = spec.faults[0]
        return WritePostmortem(text=text, root_cause=RootCause(service=fault.service, category=fault.category, text=root_cause))
    service, category = wrong_real_cause(spec)
    return WritePostmortem(text=text, root_cause=RootCause(service=service, category=category, text=f"{service} could not keep up"))

