"""The autopilot's moves on a drill with a world: investigate, hypothesise, operate.

:func:`plan_world` is the world counterpart of ``autopilot.plan``: pure over the session's
state and world, it names the team's next move. The team reads the truth (``drills/truth.py``)
to know the right hypothesis and remedy: it is a test double for a team, not a player. The
tech lead looks things up first (the first real alert's runbook, the alerting service's
metrics, the change feed, the dependency map, the faulty service's metrics and error logs),
half a minute apart, then records a hypothesis and operates; the communications lead
answers stakeholders and writes updates with the world's real figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from drills.actions import (
    Action,
    AddNote,
    Declare,
    Hypothesis,
    Look,
    Operate,
    PostUpdate,
    Reply,
    Resolve,
    RootCause,
    WritePostmortem,
)
from drills.narrative import clock_time
from drills.script import DrillScript
from drills.session import DrillSession
from drills.state import DrillState
from drills.truth import is_real_alert, judge_operations, remedies, true_context, true_severity
from drills.world.ops import Operation
from drills.world.run import World
from drills.world.spec import Category, WorldSpec
from playbook.roles import Role

__all__ = ["WorldHabits", "harmful_operation", "plan_world", "red_herring_operation", "wrong_cause"]

IC, TL, COMMS, SCRIBE = "alice", "bob", "carol", "dave"


@dataclass(frozen=True)
class WorldHabits:
    """What a profile does on a world (minutes after the first real alert unless said)."""

    look_after: float = 1.0
    hypothesis_after: float = 5.0
    diagnosis: str = "right"          # right | wrong
    red_herring: bool = False         # a hypothesis and an operation on a red herring first
    mitigate: bool = True
    mitigate_after: float = 12.0
    wrong_fix: bool = False
    correct_after: float = 20.0
    reply_after: float = 2.0


@dataclass(frozen=True)
class Move:
    at: float
    actor: str
    action: Action


def _op(op: Operation) -> Operate:
    return Operate.model_validate({**op.model_dump(exclude_none=True), "type": "operate"})


def wrong_cause(spec: WorldSpec) -> tuple[str, Category]:
    """A wrong diagnosis: a service no fault is on (nor a red herring), a category none has."""
    faulty = {f.service for f in spec.faults} | set(spec.red_herrings)
    # With no other service to blame, the right service for a wrong reason.
    service = next((s.name for s in spec.services if s.name not in faulty), spec.faults[0].service)
    used = {f.category for f in spec.faults}
    category: Category = next(c for c in ("capacity_or_traffic", "infrastructure", "dependency") if c not in used)
    return service, category


def red_herring_operation(spec: WorldSpec) -> Operation:
    """Chasing the red herring: roll back its recent deploy, else give it a replica more."""
    name = spec.red_herrings[0]
    svc = spec.service(name)
    if svc.previous_versions:
        return Operation(verb="rollback", target=name, version=svc.previous_versions[0])
    return Operation(verb="scale", target=name, replicas=svc.replicas + 1)


_HARMFUL: dict[tuple[str, float], tuple[Operation, Operation | None]] = {}


def _harmful(script: DrillScript, at: float) -> tuple[Operation, Operation | None]:
    spec = script.world
    assert spec is not None
    world = World(spec, start_hour=script.clock_start.hour + script.clock_start.minute / 60)
    transient: list[tuple[Operation, Operation | None]] = []
    lasting: list[tuple[Operation, Operation | None]] = []
    for s in spec.services:
        if s.kind == "external" or s.name in spec.red_herrings:
            continue
        if s.failover is not None:
            transient.append((Operation(verb="failover", target=s.name), None))
        transient.append((Operation(verb="restart", target=s.name), None))
        if s.replicas > 1:
            lasting.append((Operation(verb="scale", target=s.name, replicas=max(1, s.replicas // 3)),
                            Operation(verb="scale", target=s.name, replicas=s.replicas)))
        if s.entry:
            rps = spec.traffic.rps * s.traffic_share * 0.3
            lasting.append((Operation(verb="throttle", target=s.name, rps=round(rps)),
                            Operation(verb="throttle", target=s.name, rps=10_000_000)))
    for group in (transient, lasting):
        best: tuple[float, tuple[Operation, Operation | None]] | None = None
        for op, undo in group:
            verdict = judge_operations(world, [(at, op)])[0]
            if verdict.effect == "harmful":
                gain = verdict.after - verdict.before
                if best is None or gain > best[0]:
                    best = (gain, (op, undo))
        if best is not None:
            return best[1]
    raise AssertionError(f"{script.id}: no harmful operation found")


def harmful_operation(script: DrillScript, at: float) -> tuple[Operation, Operation | None]:
    """The operation the world says hurts most at ``at`` (the wrong-fix profile's first try),
    and what undoes it when it lasts (a restart or a failover passes on its own). Operations
    that pass are preferred."""
    key = (script.digest(), round(at, 1))
    if key not in _HARMFUL:
        _HARMFUL[key] = _harmful(script, key[1])
    return _HARMFUL[key]


def _first_real(spec: WorldSpec, state: DrillState) -> float | None:
    times = [a.fired_at for a in state.alerts.values() if is_real_alert(spec, a.labels.get("service"), a.fired_at)]
    return min(times, default=None)


def _looks(spec: WorldSpec, state: DrillState) -> list[Look]:
    real = sorted((a for a in state.alerts.values() if is_real_alert(spec, a.labels.get("service"), a.fired_at)),
                  key=lambda a: a.fired_at)
    first = real[0]
    fault = spec.faults[0].service
    looks = [
        Look(evidence="runbook", name=first.runbook.removeprefix("runbook:")),
        Look(evidence="metrics", service=first.labels.get("service")),
        Look(evidence="changes"),
        Look(evidence="dependencies"),
        Look(evidence="metrics", service=fault),
        Look(evidence="logs", service=fault, level="error"),
    ]
    return looks


def _impact_line(session: DrillSession, at: float) -> str:
    world = session.world
    assert world is not None and session.script.world is not None
    ctx = true_context(session.script.world, world, at)
    text = f"{ctx.error_rate:.0f}% of requests to {ctx.service} are failing"
    if ctx.affected_users_pct > ctx.error_rate + 1:
        text += f" and {ctx.affected_users_pct:.0f}% of users are affected"
    if ctx.is_security_event:
        text += "; we are investigating a security event"
    return text + "."


def update_text(session: DrillSession, state: DrillState, audience: str, at: float) -> str:
    title = state.declaration.title if state.declaration else session.script.title
    working = "We are rolling out a mitigation" if state.operations else "We are investigating"
    return session.playbook.template_set.render(
        "status_update",
        title=f"{title} ({audience.replace('_', ' ')})",
        what_is_happening=f"{title}.",
        impact=_impact_line(session, at),
        what_we_are_doing=f"{working}; we expect recovery within 60 minutes.",
        next_update_at=session.script.clock_start + timedelta(minutes=at + 20),
    )


def _comms(session: DrillSession, state: DrillState, moves: list[Move], status_after: float,
           first_update_after: float, every: float) -> None:
    d = state.declaration
    if d is None or state.resolved or COMMS not in state.holders.get(Role.COMMS_LEAD, frozenset()):
        return
    posted = {aud for _, _, aud in state.updates}
    if "status_page" not in posted:
        at = d.at + status_after
        moves.append(Move(at, COMMS, PostUpdate(audience="status_page", text=update_text(session, state, "status_page", at))))
    execs = [at for _, at, aud in state.updates if aud == "executive"]
    at = d.at + first_update_after if not execs else execs[-1] + every
    moves.append(Move(at, COMMS, PostUpdate(audience="executive", text=update_text(session, state, "executive", at))))


def _replies(state: DrillState, moves: list[Move], after: float) -> None:
    for mid, msg in state.messages.items():
        if mid not in state.replied:
            text = "Thanks: we are on it; the incident channel and the status page have the latest, next update within 20 minutes."
            moves.append(Move(msg.at + after, COMMS, Reply(message_id=mid, text=text)))


def _notes(session: DrillSession, state: DrillState, moves: list[Move]) -> None:
    if SCRIBE not in state.holders.get(Role.SCRIBE, frozenset()):
        return
    facts: list[tuple[float, str]] = []
    d = state.declaration
    if d is not None:
        facts.append((d.at, f"Declared {d.severity}: {d.title}"))
        facts.append((d.at + 0.5, "Roles assigned: IC alice, TL bob, Comms carol, Scribe dave"))
    facts += [(at, f"Hypothesis: {h.service} / {h.category.replace('_', ' ')}") for at, h in state.hypotheses]
    facts += [(at, f"Operation: {o.label}") for at, o in state.operations]
    if state.mitigated_at is not None:
        facts.append((state.mitigated_at, "Error rate back to baseline"))
    facts.sort()
    if state.notes < len(facts):
        at, text = facts[state.notes]
        when = clock_time(session.script.clock_start, at)
        moves.append(Move(at + 1, SCRIBE, AddNote(text=f"{when} UTC {text}")))


def _postmortem(session: DrillSession, state: DrillState, habits: WorldHabits, text: str) -> WritePostmortem:
    spec = session.script.world
    assert spec is not None
    fault = spec.faults[0]
    if habits.diagnosis == "right":
        cause = RootCause(service=fault.service, category=fault.category, text=session.script.truth.root_cause)
    else:
        service, category = wrong_cause(spec)
        cause = RootCause(service=service, category=category, text=f"{service} could not keep up")
    return WritePostmortem(text=text, root_cause=cause)


def plan_world(session: DrillSession, habits: WorldHabits, team: dict[str, float], postmortem_text: str) -> list[Move]:
    """Every move the team would make next as things stand (the caller picks the earliest).

    ``team`` holds the profile's shared timings: ``declare_after``, ``roles_after``,
    ``status_page_after``, ``first_update_after``, ``update_every``, ``comms`` (0/1),
    ``resolve_after``, ``postmortem_after``.
    """
    state = session.state
    spec = session.script.world
    world = session.world
    assert spec is not None and world is not None
    moves: list[Move] = []
    first = _first_real(spec, state)
    if first is not None and not state.declared:
        acked = [a.acked_at for a in state.alerts.values()
                 if a.acked_at is not None and is_real_alert(spec, a.labels.get("service"), a.fired_at)]
        if acked:
            at = min(acked) + team["declare_after"]
            title = "Customer-facing errors on " + next(s.name for s in spec.services if s.entry)
            moves.append(Move(at, IC, Declare(severity=true_severity(spec, world, session.playbook, at), title=title)))
    if team["comms"]:
        _comms(session, state, moves, team["status_page_after"], team["first_update_after"], team["update_every"])
        _replies(state, moves, habits.reply_after)
    _notes(session, state, moves)
    if first is None:
        return moves
    looks = _looks(spec, state)
    if state.looks < len(looks):
        moves.append(Move(first + habits.look_after + 0.5 * state.looks, TL, looks[state.looks]))
    fault = spec.faults[0]
    herring_first = habits.red_herring and bool(spec.red_herrings)
    hyps = len(state.hypotheses)
    if herring_first and hyps == 0:
        moves.append(Move(first + habits.hypothesis_after - 1, TL,
                          Hypothesis(service=spec.red_herrings[0], category="code_change", text="that recent deploy?")))
    elif hyps == (1 if herring_first else 0):
        if habits.diagnosis == "right":
            hyp = Hypothesis(service=fault.service, category=fault.category, text="matches the evidence")
        else:
            service, category = wrong_cause(spec)
            hyp = Hypothesis(service=service, category=category, text="looks overloaded")
        moves.append(Move(first + habits.hypothesis_after, TL, hyp))
    if not state.resolved:
        _operate(session, state, habits, moves, first, herring_first)
    d = state.declaration
    if d is not None and state.mitigated_at is not None and not state.resolved:
        at = max(state.mitigated_at + team["resolve_after"], d.at + team["first_update_after"] + 1)
        moves.append(Move(at, IC, Resolve(summary="Impact stopped; metrics back to baseline.")))
    if state.resolved_at is not None and state.postmortem is None:
        moves.append(Move(state.resolved_at + team["postmortem_after"], SCRIBE,
                          _postmortem(session, state, habits, postmortem_text)))
    return moves


def _operate(session: DrillSession, state: DrillState, habits: WorldHabits, moves: list[Move], first: float,
             herring_first: bool) -> None:
    spec = session.script.world
    assert spec is not None
    done = [o.operation for _, o in state.operations]
    if herring_first:
        chase = red_herring_operation(spec)
        if chase not in done:
            moves.append(Move(first + habits.hypothesis_after - 0.5, TL, _op(chase)))
            return
    if not habits.mitigate:
        return
    start = first + habits.mitigate_after
    fixes = remedies(spec)
    if habits.wrong_fix:
        wrong, undo = harmful_operation(session.script, start)
        if wrong not in done:
            moves.append(Move(start, TL, _op(wrong)))
            return
        start = next(at for at, o in state.operations if o.operation == wrong) + habits.correct_after
        if undo is not None and undo not in done:
            moves.append(Move(start, TL, _op(undo)))
            return
    for fix in fixes:
        if fix not in done:
            moves.append(Move(start, TL, _op(fix)))
            return

