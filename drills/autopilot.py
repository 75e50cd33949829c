"""Autopilot: scripted teams that play a whole drill headless, on a virtual clock.

A :class:`Profile` is a team's habits as delays (minutes). The team is four people: alice
(on call, then Incident Commander), bob (Technical Lead), carol (Communications Lead) and dave
(Scribe). :func:`plan` is pure: from the session's state it names the team's next move and
when; :func:`run_autopilot` alternates between moving the virtual clock to the next move or
the next scripted event and performing it, so a two-hour drill runs in milliseconds.

Profiles (each flawed one differs from ``textbook`` in one habit only, so it should lose
exactly the criteria that habit covers):

================  ==============================================================  ============
textbook          acknowledges in a minute, declares 2 minutes later, roles at once,  nothing
                  status page after 4, updates every 20, rolls back after 12
slow-to-declare   declares 25 minutes after acknowledging                           declare
no-comms          never posts a status-page, internal or executive update           status_page,
                                                                                    internal_updates,
                                                                                    update_content
wrong-fix         first applies the harmful (or risky) mitigation, the right one     mitigation_choice,
                  20 minutes later                                                  mitigate_time
wrong-diagnosis   settles on a wrong hypothesis and writes it in the postmortem     diagnosis
                  (still applies the runbook's fix)
red-herring       chases the red herring first (a hypothesis and an operation on    investigation
                  it), then recovers
no-mitigation     acknowledges, declares, communicates, never fixes anything (so    mitigate_time,
                  never resolves nor writes the postmortem)                        mitigation_choice,
                                                                                    postmortem
================  ==============================================================  ============

In a game-day room (``kind: gameday``) the team plays the real system (``gamedayplay.py``).
On a drill with a world the team also investigates and hypothesises (``worldplay.py``); the
last three profiles differ from ``textbook`` only there (on a script without a world they
play like ``textbook``, except ``no-mitigation``). A drill that is not resolved by its
``duration_minutes`` ends then.

The autopilot reads the script's truth to choose its mitigation and severity: it is a test
double for a team, not a player.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from drills.actions import (
    Acknowledge,
    Action,
    AddNote,
    ApplyMitigation,
    AssignRole,
    Declare,
    PostUpdate,
    Resolve,
    WritePostmortem,
)
from drills.clock import VirtualClock
from drills.director import LOOKAHEAD
from drills.errors import UnknownScript
from drills.gamedayplay import plan_gameday
from drills.narrative import clock_time
from drills.postmortem import draft_postmortem
from drills.script import DrillScript, Mitigation
from drills.session import DrillSession
from drills.state import DrillState
from drills.worldplay import WorldHabits, plan_world
from playbook.roles import Role

__all__ = ["FLAWS", "PROFILES", "TEAM", "Move", "Profile", "plan", "profile", "run_autopilot"]

IC, TL, COMMS, SCRIBE = "alice", "bob", "carol", "dave"
TEAM: tuple[tuple[str, Role], ...] = (
    (IC, Role.INCIDENT_COMMANDER),
    (TL, Role.TECH_LEAD),
    (COMMS, Role.COMMS_LEAD),
    (SCRIBE, Role.SCRIBE),
)


@dataclass(frozen=True)
class Profile:
    """A scripted team's habits (minutes)."""

    name: str
    description: str
    ack_after: float = 1.0
    declare_after: float = 2.0
    roles_after: float = 0.5
    status_page_after: float = 4.0
    first_update_after: float = 5.0
    update_every: float = 20.0
    comms: bool = True
    mitigate_after: float = 12.0
    wrong_fix: bool = False
    correct_after: float = 20.0
    resolve_after: float = 3.0
    postmortem_after: float = 120.0
    world: WorldHabits = field(default_factory=WorldHabits)


_TEXTBOOK = Profile("textbook", "does everything the playbook asks, on time")
PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        _TEXTBOOK,
        replace(_TEXTBOOK, name="slow-to-declare", description="declares 25 minutes late",
                declare_after=25.0),
        replace(_TEXTBOOK, name="no-comms", description="never posts an update", comms=False),
        replace(_TEXTBOOK, name="wrong-fix",
                description="tries the harmful (or risky) fix first, the right one 20 minutes later",
                wrong_fix=True, world=WorldHabits(wrong_fix=True)),
        replace(_TEXTBOOK, name="wrong-diagnosis",
                description="settles on a wrong hypothesis and writes it in the postmortem",
                world=WorldHabits(diagnosis="wrong")),
        replace(_TEXTBOOK, name="red-herring", description="chases the red herring first, then recovers",
                world=WorldHabits(red_herring=True)),
        replace(_TEXTBOOK, name="no-mitigation",
                description="acknowledges, declares, communicates, never fixes anything",
                world=WorldHabits(mitigate=False)),
    )
}
# The criteria each flawed profile's habit should cost (and no others).
FLAWS: dict[str, frozenset[str]] = {
    "textbook": frozenset(),
    "slow-to-declare": frozenset({"declare"}),
    "no-comms": frozenset({"status_page", "internal_updates", "update_content"}),
    "wrong-fix": frozenset({"mitigation_choice", "mitigate_time"}),
    "wrong-diagnosis": frozenset({"diagnosis"}),
    "red-herring": frozenset({"investigation"}),
    "no-mitigation": frozenset({"mitigate_time", "mitigation_choice", "postmortem"}),
}


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownScript(
            f"unknown autopilot profile {name!r} (known: {', '.join(PROFILES)})"
        ) from None


@dataclass(frozen=True)
class Move:
    at: float
    actor: str
    action: Action


def best_mitigation(script: DrillScript) -> Mitigation:
    working = [m for m in script.truth.mitigations if m.effect == "works"]
    return next((m for m in working if not m.risky), working[0])


def wrong_mitigation(script: DrillScript) -> Mitigation | None:
    ms = script.truth.mitigations
    return (
        next((m for m in ms if m.effect == "harmful"), None)
        or next((m for m in ms if m.effect == "works" and m.risky), None)
        or next((m for m in ms if m.effect == "no_effect"), None)
    )


def _update_text(session: DrillSession, state: DrillState, audience: str, at: float) -> str:
    script = session.script
    title = state.declaration.title if state.declaration else script.title
    cadence = 30.0
    if state.severity:
        cadence = session.playbook.severity(state.severity).update_every_minutes or cadence
    working = "We are rolling out a mitigation" if state.mitigations else "We are investigating"
    return session.playbook.template_set.render(
        "status_update",
        title=f"{title} ({audience.replace('_', ' ')})",
        what_is_happening=f"{title}.",
        impact=f"Some users are affected: {', '.join(script.services)} degraded.",
        what_we_are_doing=f"{working}; we expect recovery within 60 minutes.",
        next_update_at=script.clock_start + timedelta(minutes=at + min(cadence, 30.0)),
    )


def _postmortem_text(session: DrillSession, state: DrillState) -> str:
    script = session.script
    draft = draft_postmortem(session.records(), state, script, session.playbook)
    truth = script.truth
    due = (script.clock_start + timedelta(days=14)).date().isoformat()
    owners = [TL, COMMS, IC, SCRIBE]
    items = truth.action_items or ("Add an alert for this failure mode",)
    rows = "\n".join(
        f"| {item} | @{owners[i % len(owners)]} | {due} | P{1 if i == 0 else 2} |"
        for i, item in enumerate(items)
    )
    factors = "\n".join(f"{i}. {f}" for i, f in enumerate(truth.contributing_factors, 1)) or "1. None found."
    replacements = {
        "_Describe what users experienced, how many, for how long._": truth.impact,
        "_What broke, and why did the system allow it? (5 whys)_": truth.root_cause,
        "None identified.": factors,
    }
    text = draft
    for old, new in replacements.items():
        text = text.replace(old, new, 1)
    lines = text.splitlines()
    out: list[str] = []
    section = ""
    for line in lines:
        if line.startswith("## "):
            section = line[3:].strip()
        filled = line
        if section == "Summary" and line.startswith("_") and line.endswith("_"):
            filled = f"{line.strip('_')} {truth.root_cause}"
        if line.strip() == "- None recorded.":
            filled = (
                "- The alert fired and was acknowledged quickly"
                if section == "What Went Well"
                else "- The failure reached production unnoticed"
            )
        out.append(filled)
    text = "\n".join(out).rstrip("\n") + "\n" + rows + "\n"
    return text


def _plan_world(session: DrillSession, prof: Profile) -> Move | None:
    state = session.state
    if not state.resolved and session.now() >= session.script.duration_minutes:
        return None  # the drill's time is up: an unresolved team stops (no-mitigation)
    moves: list[Move] = []
    for alert in state.alerts.values():
        if alert.acked_at is None and alert.resolved_at is None and alert.pages > 0:
            moves.append(Move(alert.fired_at + prof.ack_after, IC, Acknowledge(alert_id=alert.alert_id)))
    d = state.declaration
    if d is not None:
        for person, role in TEAM:
            if person not in state.holders.get(role, frozenset()):
                moves.append(Move(d.at + prof.roles_after, IC, AssignRole(person=person, role=role.value)))
                break
    team = {
        "declare_after": prof.declare_after, "roles_after": prof.roles_after,
        "status_page_after": prof.status_page_after, "first_update_after": prof.first_update_after,
        "update_every": prof.update_every, "comms": 1.0 if prof.comms else 0.0,
        "resolve_after": prof.resolve_after, "postmortem_after": prof.postmortem_after,
    }
    text = _postmortem_text(session, state) if state.resolved and state.postmortem is None else ""
    planner = plan_gameday if session.script.is_gameday else plan_world
    moves += [Move(m.at, m.actor, m.action) for m in planner(session, prof.world, team, text)]
    return min(moves, key=lambda m: m.at) if moves else None


def plan(session: DrillSession, prof: Profile) -> Move | None:
    """The team's next move as things stand, or None when it has nothing left to do."""
    if session.world is not None or session.script.is_gameday:
        return _plan_world(session, prof)
    state = session.state
    script = session.script
    real = [a.key for a in script.real_alerts()]
    moves: list[Move] = []
    for alert in state.alerts.values():
        if alert.acked_at is None and alert.resolved_at is None and alert.pages > 0:
            moves.append(Move(alert.fired_at + prof.ack_after, IC, Acknowledge(alert_id=alert.alert_id)))
    fired_real = [state.alerts[k] for k in real if k in state.alerts]
    first_real = min((a.fired_at for a in fired_real), default=None)
    acked_real = [a.acked_at for a in fired_real if a.acked_at is not None]
    if not state.declared and acked_real:
        title = min(fired_real, key=lambda a: a.fired_at).summary
        moves.append(
            Move(min(acked_real) + prof.declare_after, IC,
                 Declare(severity=script.expected_severity(session.playbook), title=title[:200]))
        )
    d = state.declaration
    if d is not None:
        for person, role in TEAM:
            if person not in state.holders.get(role, frozenset()):
                moves.append(Move(d.at + prof.roles_after, IC, AssignRole(person=person, role=role.value)))
                break
        comms_ready = COMMS in state.holders.get(Role.COMMS_LEAD, frozenset())
        if prof.comms and comms_ready and not state.resolved:
            posted = {aud for _, _, aud in state.updates}
            if "status_page" not in posted:
                at = d.at + prof.status_page_after
                moves.append(Move(at, COMMS, PostUpdate(audience="status_page",
                                                        text=_update_text(session, state, "status_page", at))))
            internal = [at for _, at, aud in state.updates if aud == "internal"]
            at = d.at + prof.first_update_after if not internal else internal[-1] + prof.update_every
            moves.append(Move(at, COMMS, PostUpdate(audience="internal",
                                                    text=_update_text(session, state, "internal", at))))
    if first_real is not None and not state.resolved and prof.world.mitigate:
        best = best_mitigation(script)
        wrong = wrong_mitigation(script) if prof.wrong_fix else None
        start = first_real + prof.mitigate_after
        if wrong is not None and wrong.id not in state.mitigations and not state.mitigations:
            moves.append(Move(start, TL, ApplyMitigation(mitigation=wrong.id)))
        elif best.id not in state.mitigations:
            at = start if wrong is None else state.mitigations.get(wrong.id, start) + prof.correct_after
            moves.append(Move(at, TL, ApplyMitigation(mitigation=best.id)))
    if SCRIBE in state.holders.get(Role.SCRIBE, frozenset()):
        facts = [(at, f"Applied mitigation {m}") for m, at in state.mitigations.items()]
        if d is not None:
            facts.append((d.at, f"Declared {d.severity}: {d.title}"))
        if state.mitigated_at is not None:
            facts.append((state.mitigated_at, "Error rate back to baseline"))
        facts.sort()
        if state.notes < len(facts):
            at, text = facts[state.notes]
            when = clock_time(script.clock_start, at)
            moves.append(Move(at + 1, SCRIBE, AddNote(text=f"{when} UTC {text}")))
    if d is not None and state.mitigated_at is not None and not state.resolved:
        # Close only once the first updates could have gone out, whatever the team's habits.
        at = max(state.mitigated_at + prof.resolve_after, d.at + prof.first_update_after + 1)
        moves.append(Move(at, IC, Resolve(summary="Impact stopped; metrics back to baseline.")))
    if state.resolved_at is not None and state.postmortem is None:
        moves.append(Move(state.resolved_at + prof.postmortem_after, SCRIBE,
                          WritePostmortem(text=_postmortem_text(session, state))))
    return min(moves, key=lambda m: m.at) if moves else None


def run_autopilot(
    session: DrillSession, prof: Profile, clock: VirtualClock, *, speed: float = 1.0, max_steps: int = 5_000
) -> None:
    """Play the whole drill with the profile's team; the session ends when they are done."""
    for person, _ in TEAM:
        if person not in session.state.participants:
            session.join(person)
    if session.state.status == "ready":
        session.start(speed=speed)
    for _ in range(max_steps):
        state = session.state
        if state.status != "running" or state.postmortem is not None:
            break
        if not state.resolved and session.now() >= session.script.duration_minutes:
            break
        move = plan(session, prof)
        due = session.next_due_at()
        times = [t for t in (move.at if move else None, due) if t is not None]
        if not times and session.world is not None and session.now() < session.script.duration_minutes:
            times = [session.now() + LOOKAHEAD]  # the world looks only so far ahead: move on
        if not times:
            break
        target = min(times)
        now = session.now()
        if target > now:
            anchor = state.anchor
            rate = anchor.speed if anchor else 1.0
            clock.advance(timedelta(minutes=(target - now) / rate))
            if session.now() < target:
                clock.advance(timedelta(microseconds=1))
            session.sync()
            continue  # the script may have changed the picture: plan again
        if move is not None and move.at <= now + 1e-6:
            session.act(move.actor, move.action)
        else:
            session.sync()
    if session.state.status in ("running", "paused"):
        session.end("autopilot finished")
