"""Scoring a drill: pure functions of the event log, the script's truth, the playbook and the
rubric (``playbook/rubric.py``).

Each criterion returns the fraction of its points earned, the evidence (the ``seq`` of the
records it rests on) and a one-line explanation; the fraction also gives the HSEEP rating
through the rubric's thresholds. Times are measured from the first *real* alert (not noise,
not a red herring), the instant the incident became detectable.

=================  ========================================================================
acknowledge        first acknowledgement of a real alert within the expected severity's
                   response target; linear to nothing at ``late_factor`` times the target
declare            declared within ``declare_within_minutes`` of the first real alert
severity           the declared severity against the truth: each level over costs
                   ``over_classification_penalty``, each level under the (larger) under one
roles              each of ``roles_required`` assigned by ``role_window_minutes`` after declaring
ic_separation      someone is IC; the IC never also holds Technical Lead nor runs a mitigation
status_page        first status-page update within ``status_page_window_minutes`` of declaring
                   (when the severity's comms require a status page)
internal_updates   internal/executive updates at the severity's cadence until resolution:
                   on-time updates / (on-time + missed gaps)
update_content     share of updates naming the impact, what we are doing and the next update,
                   with no banned phrase ("fixed soon" without an estimate)
mitigate_time      impact stopped within the severity's RTO
mitigation_choice  a working mitigation applied; harmful and risky ones cost points (on a world:
                   an operation the world says stops the impact; harmful ones cost points)
timeline           notes by the Scribe, ``min_scribe_notes`` for full points
postmortem         half for filled template sections, a quarter for enough action items,
                   a quarter for writing it within ``postmortem_within_hours`` of resolving
diagnosis,         see ``drills/judging.py``
investigation
=================  ========================================================================

On a game day (``drills/gameday.py``) every alert is real (it came from the real system),
the expected severity is the playbook's verdict on the worst of them, and diagnosis and
investigation are judged against the faults the chaos run injected (the runner replaces the
mitigation criteria with the real probes' verdict: ``scenarios/gameday/scoring.py``).

On a drill with a world, the expected severity is the classifier's verdict on the world's
true state at the declaration, real alerts are those on services a fault affects
(``drills/truth.py``), updates must state the impact the world had (``judging.py``), and
answering stakeholders counts under ``internal_updates``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from drills.events import Operated, Record, RoleReleased
from drills.facts import Facts, Result, minutes, seqs, timeliness
from drills.gameday import gameday_severity
from drills.judging import (
    diagnosis,
    investigation,
    operation_choice,
    unanswered,
    world_update_problems,
)
from drills.scorereport import CriterionScore, Improvement, ProcessFigures, ScoreReport
from drills.script import DrillScript
from drills.state import replay
from drills.truth import is_real_alert, judge_operations, true_severity
from drills.world.run import World
from playbook.events import (
    Acknowledged,
    AlertFired,
    IncidentDeclared,
    Mitigated,
    MitigationApplied,
    NoteAdded,
    PostmortemWritten,
    Resolved,
    RoleAssigned,
    UpdatePosted,
)
from playbook.metrics import incident_record
from playbook.model import Playbook
from playbook.roles import Role, role_conflicts
from playbook.rubric import Parameters, Rating, Rubric
from playbook.severity import severity_rank
from playbook.templates import POSTMORTEM_SECTIONS

__all__ = [
    "CriterionScore",
    "Improvement",
    "ProcessFigures",
    "ScoreReport",
    "score_session",
    "timeliness",
    "update_problems",
]


# --- the criteria ----------------------------------------------------------------------------


def _acknowledge(f: Facts) -> Result:
    if f.first_alert is None:
        return 0.0, [], "no real alert fired during the drill"
    acks = [r for r in f.of(Acknowledged) if r.ref in f.real_alerts]
    if not acks:
        return 0.0, seqs(f.first_alert), "no real alert was acknowledged"
    latency = acks[0].at - f.first_alert.at
    target = f.level.response_minutes
    if target is None:
        return 1.0, seqs(f.first_alert, acks[0]), f"acknowledged after {minutes(latency)}; {f.expected} has no response target"
    fraction = timeliness(latency, target, f.params.late_factor)
    verdict = "within" if latency <= target else "over"
    return fraction, seqs(f.first_alert, acks[0]), (
        f"acknowledged {minutes(latency)} after the first real alert, {verdict} the {f.expected} target of {minutes(target)}"
    )


def _declare(f: Facts) -> Result:
    if f.declared is None:
        return 0.0, seqs(f.first_alert), "the incident was never declared"
    origin = f.first_alert.at if f.first_alert else 0.0
    latency = max(0.0, f.declared.at - origin)
    target = f.params.declare_within_minutes
    fraction = timeliness(latency, target, f.params.late_factor)
    verdict = "within" if latency <= target else "over"
    return fraction, seqs(f.first_alert, f.declared), (
        f"declared {minutes(latency)} after the first real alert, {verdict} the {minutes(target)} triage window"
    )


def _severity(f: Facts) -> Result:
    if f.declared is None or not isinstance(f.declared.event, IncidentDeclared):
        return 0.0, [], "the incident was never declared, so no severity was set"
    said = f.declared.event.severity
    order = f.playbook.severity_order
    diff = severity_rank(order, said) - severity_rank(order, f.expected)
    if diff == 0:
        return 1.0, seqs(f.declared), f"declared {said}, the expected severity"
    if diff < 0:
        fraction = max(0.0, 1 - f.params.over_classification_penalty * -diff)
        return fraction, seqs(f.declared), (
            f"declared {said}, over-classified by {-diff} level(s) (expected {f.expected})"
        )
    fraction = max(0.0, 1 - f.params.under_classification_penalty * diff)
    return fraction, seqs(f.declared), (
        f"declared {said}, under-classified by {diff} level(s) (expected {f.expected})"
    )


def _roles(f: Facts) -> Result:
    required = f.params.roles_required
    if f.declared is None:
        return 0.0, [], "the incident was never declared"
    deadline = f.declared.at + f.params.role_window_minutes
    evidence = seqs(f.declared)
    on_time: list[Role] = []
    late: list[str] = []
    for role in required:
        assigned = [r for r in f.of(RoleAssigned) if isinstance(r.event, RoleAssigned) and r.event.role == role]
        if assigned and assigned[0].at <= deadline:
            on_time.append(role)
            evidence.append(assigned[0].seq)
        elif assigned:
            late.append(f"{role} after {minutes(assigned[0].at - f.declared.at)}")
            evidence.append(assigned[0].seq)
        else:
            late.append(f"{role} never")
    fraction = len(on_time) / len(required) if required else 1.0
    window = minutes(f.params.role_window_minutes)
    if not late:
        return fraction, sorted(evidence), f"{', '.join(on_time)} assigned within {window} of declaring"
    return fraction, sorted(evidence), (
        f"{len(on_time)} of {len(required)} roles within {window} of declaring; late or missing: {'; '.join(late)}"
    )


def _ic_separation(f: Facts) -> Result:
    holders: dict[Role, frozenset[str]] = {}
    named: list[Record] = []
    conflicts: list[Record] = []
    for r in f.records:
        e = r.event
        if isinstance(e, RoleAssigned):
            holders[e.role] = holders.get(e.role, frozenset()) | {e.person}
            if e.role == Role.INCIDENT_COMMANDER:
                named.append(r)
            if role_conflicts(holders):
                conflicts.append(r)
        elif isinstance(e, RoleReleased):
            holders[e.role] = holders.get(e.role, frozenset()) - {e.person}
    debugging = [
        r for r in f.of(MitigationApplied) + f.of(Operated) if Role.INCIDENT_COMMANDER in r.roles
    ]
    if not named:
        return 0.0, [], "nobody was named Incident Commander"
    problems = []
    if conflicts:
        problems.append("the IC also held another role they may not combine")
    if debugging:
        problems.append(f"the IC ran {len(debugging)} mitigation(s) instead of the Technical Lead")
    fraction = 1.0 - 0.5 * len(problems)
    evidence = seqs(named[0], *conflicts, *debugging)
    if not problems:
        return fraction, evidence, "the IC coordinated: never the Technical Lead, ran no mitigation"
    return fraction, evidence, "; ".join(problems)


def _status_page(f: Facts) -> Result:
    window = f.params.status_page_window_minutes
    if not f.level.comms.status_page:
        return 1.0, [], f"no status page required for {f.expected}"
    if f.declared is None:
        return 0.0, [], "the incident was never declared"
    posts = [
        r for r in f.of(UpdatePosted)
        if isinstance(r.event, UpdatePosted) and r.event.audience == "status_page"
    ]
    if not posts:
        return 0.0, seqs(f.declared), "no status-page update was posted"
    latency = max(0.0, posts[0].at - f.declared.at)
    fraction = timeliness(latency, window, f.params.late_factor)
    verdict = "within" if latency <= window else "over"
    return fraction, seqs(f.declared, posts[0]), (
        f"first status-page update {minutes(latency)} after declaring, {verdict} the {minutes(window)} window"
    )


def _internal_updates(f: Facts) -> Result:
    cadence = f.level.update_every_minutes
    if cadence is None:
        answered, messages, missing = unanswered(f)
        if not messages:
            return 1.0, [], f"no internal update cadence for {f.expected}"
        return answered / messages, seqs(*missing), (
            f"no internal update cadence for {f.expected}; {answered} of {messages} stakeholder message(s) answered in time"
        )
    if f.declared is None:
        return 0.0, [], "the incident was never declared"
    start = f.declared.at
    updates = [
        r for r in f.of(UpdatePosted)
        if isinstance(r.event, UpdatePosted)
        and r.event.audience in ("internal", "executive")
        and start <= r.at <= f.end
    ]
    # The first update is due soon after declaring, each next one a cadence after the last;
    # every deadline that passes without an update is one missed update.
    on_time = missed = 0
    due = start + f.params.first_internal_update_minutes
    for update in updates:
        if update.at <= due + 1e-9:
            on_time += 1
        while update.at > due + 1e-9:
            missed += 1
            due += cadence
        due = update.at + cadence
    while due < f.end - 1e-9:
        missed += 1
        due += cadence
    answered, messages, missing = unanswered(f)
    total = on_time + missed + messages
    fraction = (on_time + answered) / total if total else 1.0
    evidence = seqs(f.declared, *updates, *missing)
    replies = f"; {answered} of {messages} stakeholder message(s) answered in time" if messages else ""
    return fraction, evidence, (
        f"{on_time} internal update(s) on time, {missed} missed "
        f"(first within {minutes(f.params.first_internal_update_minutes)}, then every {minutes(cadence)})"
        + replies
    )


def update_problems(text: str, params: Parameters) -> list[str]:
    """What an update lacks or says wrong, per the rubric's content rules (empty: fine)."""
    rules = params.content
    problems = [
        f"no {part}"
        for part, patterns in rules.require.items()
        if not any(re.search(p, text, re.IGNORECASE) for p in patterns)
    ]
    has_estimate = any(re.search(p, text, re.IGNORECASE) for p in rules.estimate)
    for banned in rules.banned:
        hit = re.search(banned.pattern, text, re.IGNORECASE)
        if hit and not (banned.unless_estimate and has_estimate):
            suffix = " without an estimate" if banned.unless_estimate else ""
            problems.append(f"says {hit.group(0)!r}{suffix}")
    return problems


def _update_content(f: Facts) -> Result:
    updates = [r for r in f.of(UpdatePosted) if isinstance(r.event, UpdatePosted)]
    required = f.level.comms.status_page or f.level.update_every_minutes is not None
    if not updates:
        if required:
            return 0.0, [], "no updates were posted"
        return 1.0, [], f"no updates required for {f.expected}"
    bad: list[tuple[Record, list[str]]] = []
    for r in updates:
        assert isinstance(r.event, UpdatePosted)
        problems = update_problems(r.event.text, f.params) + world_update_problems(f, r.event.text, r.at)
        if problems:
            bad.append((r, problems))
    fraction = (len(updates) - len(bad)) / len(updates)
    if not bad:
        return fraction, seqs(*updates), f"all {len(updates)} updates state impact, action and next update"
    detail = "; ".join(f"#{r.seq} {', '.join(p)}" for r, p in bad[:3])
    return fraction, seqs(*(r for r, _ in bad)), (
        f"{len(updates) - len(bad)} of {len(updates)} updates complete; {detail}"
    )


def _mitigate_time(f: Facts) -> Result:
    done = f.of(Mitigated)
    if not done:
        return 0.0, seqs(f.first_alert), "the impact was never mitigated"
    origin = f.first_alert.at if f.first_alert else 0.0
    latency = done[0].at - origin
    rto = f.level.resolution_minutes
    if rto is None:
        return 1.0, seqs(f.first_alert, done[0]), f"mitigated after {minutes(latency)}"
    fraction = timeliness(latency, rto, f.params.late_factor)
    verdict = "within" if latency <= rto else "over"
    return fraction, seqs(f.first_alert, done[0]), (
        f"impact stopped {minutes(latency)} after the first real alert, {verdict} the {f.expected} RTO of {minutes(rto)}"
    )


def _mitigation_choice(f: Facts) -> Result:
    if f.world is not None:
        return operation_choice(f)
    applied = [r for r in f.of(MitigationApplied) if isinstance(r.event, MitigationApplied)]
    chosen = []
    for r in applied:
        assert isinstance(r.event, MitigationApplied)
        try:
            chosen.append((r, f.script.mitigation(r.event.mitigation)))
        except KeyError:
            continue
    working = [(r, m) for r, m in chosen if m.effect == "works"]
    if not working:
        return 0.0, seqs(*applied), "no working mitigation was applied"
    p = f.params
    harmful = [(r, m) for r, m in chosen if m.effect == "harmful"]
    risky = [(r, m) for r, m in chosen if m.effect == "works" and m.risky]
    idle = [(r, m) for r, m in chosen if m.effect == "no_effect"]
    fraction = 1.0 - p.harmful_penalty * len(harmful) - p.risky_penalty * len(risky) - p.no_effect_penalty * len(idle)
    fraction = max(0.0, fraction)
    notes = [f"harmful: {m.label}" for _, m in harmful] + [f"risky: {m.label}" for _, m in risky]
    evidence = seqs(*(r for r, _ in chosen))
    best = next((m for _, m in working if not m.risky), working[0][1])
    if not notes:
        return fraction, evidence, f"chose {best.label}, which works"
    return fraction, evidence, f"{'; '.join(notes)}"


def _timeline(f: Facts) -> Result:
    notes = f.of(NoteAdded)
    scribe = [r for r in notes if Role.SCRIBE in r.roles]
    need = f.params.min_scribe_notes
    fraction = min(1.0, len(scribe) / need)
    others = len(notes) - len(scribe)
    extra = f"; {others} note(s) by others" if others else ""
    return fraction, seqs(*scribe), f"{len(scribe)} timeline note(s) by the Scribe ({need} expected){extra}"


def _postmortem(f: Facts) -> Result:
    written = f.of(PostmortemWritten)
    if not written:
        return 0.0, [], "no postmortem was written"
    last = written[-1]
    assert isinstance(last.event, PostmortemWritten)
    pm = last.event
    sections = [s for s in POSTMORTEM_SECTIONS if s in pm.sections]
    section_part = len(sections) / len(POSTMORTEM_SECTIONS)
    items_ok = len(pm.action_items) >= f.params.min_action_items
    resolved = f.of(Resolved)
    hours = f.params.postmortem_within_hours
    on_time = bool(resolved) and last.at - resolved[0].at <= hours * 60
    fraction = 0.5 * section_part + 0.25 * items_ok + 0.25 * on_time
    missing = [s for s in POSTMORTEM_SECTIONS if s not in sections]
    parts = [
        f"{len(sections)} of {len(POSTMORTEM_SECTIONS)} sections filled"
        + (f" (missing: {', '.join(missing)})" if missing else ""),
        f"{len(pm.action_items)} action item(s) with owner, due date and priority",
        f"written {'within' if on_time else 'after'} {hours:g} h of resolving",
    ]
    return fraction, seqs(last), "; ".join(parts)


_CRITERIA: dict[str, Callable[[Facts], Result]] = {
    "acknowledge": _acknowledge,
    "declare": _declare,
    "severity": _severity,
    "roles": _roles,
    "ic_separation": _ic_separation,
    "status_page": _status_page,
    "internal_updates": _internal_updates,
    "update_content": _update_content,
    "mitigate_time": _mitigate_time,
    "mitigation_choice": _mitigation_choice,
    "timeline": _timeline,
    "postmortem": _postmortem,
    "diagnosis": diagnosis,
    "investigation": investigation,
}
_PRIORITY: dict[Rating, str] = {"U": "P1", "M": "P2", "S": "P3", "P": "P3"}


def score_session(
    records: Sequence[Record],
    *,
    session_id: str,
    script: DrillScript,
    playbook: Playbook,
    rubric: Rubric,
    now: float | None = None,
    world: World | None = None,
) -> ScoreReport:
    """Score a session's log. ``now`` ends open intervals of an unresolved incident (default:
    the last record's time). On a world drill, ``world`` (the session's, to reuse what it has
    computed) is rebuilt from the log's operations when not given."""
    state = replay(records)
    declared = next((r for r in records if isinstance(r.event, IncidentDeclared)), None)
    end = state.resolved_at if state.resolved_at is not None else max(now or 0.0, state.last_at)
    ops = [(r.at, r.event.operation) for r in records if isinstance(r.event, Operated)]
    verdicts = []
    if script.world is not None:
        spec = script.world
        if world is None or world.operations != ops:
            world = World(spec, start_hour=script.clock_start.hour + script.clock_start.minute / 60, ops=ops)
        real = {
            r.event.alert_id for r in records
            if isinstance(r.event, AlertFired) and is_real_alert(spec, r.event.labels.get("service"), r.at)
        }
        first_alert = next((r for r in records if isinstance(r.event, AlertFired) and r.event.alert_id in real), None)
        origin = declared.at if declared else (first_alert.at if first_alert else max(0.0, end))
        expected = script.truth.expected_severity or true_severity(spec, world, playbook, origin)
        verdicts = judge_operations(world, ops)
    elif script.is_gameday:
        # Every alert of a game day came from outside (the real system): all are real.
        world = None
        fired = [r for r in records if isinstance(r.event, AlertFired)]
        real = {r.event.alert_id for r in fired if isinstance(r.event, AlertFired)}
        first_alert = fired[0] if fired else None
        expected = script.truth.expected_severity or gameday_severity(
            playbook, [r.event.severity for r in fired if isinstance(r.event, AlertFired)],
            state.declaration.severity if state.declaration else None)
    else:
        world = None
        expected = script.expected_severity(playbook)
        real = {a.key for a in script.real_alerts()}
        first_alert = next(
            (r for r in records if isinstance(r.event, AlertFired) and r.event.alert_id in real), None
        )
    facts = Facts(
        records=records,
        state=state,
        script=script,
        playbook=playbook,
        params=rubric.parameters,
        expected=expected,
        level=playbook.severity(expected),
        first_alert=first_alert,
        declared=declared,
        end=end,
        real_alerts=frozenset(real),
        world=world,
        verdicts=verdicts,
    )
    scores: list[CriterionScore] = []
    plan: list[Improvement] = []
    for criterion in rubric.criteria:
        fraction, evidence, explanation = _CRITERIA[criterion.id](facts)
        fraction = min(1.0, max(0.0, fraction))
        rating = rubric.ratings_for(criterion).rate(fraction)
        scores.append(
            CriterionScore(
                id=criterion.id,
                title=criterion.title,
                points=round(criterion.points * fraction, 1),
                max=criterion.points,
                rating=rating,
                evidence=sorted(set(evidence)),
                explanation=explanation,
            )
        )
        if rating != "P":
            plan.append(
                Improvement(
                    criterion=criterion.id,
                    rating=rating,
                    issue=explanation,
                    corrective_action=criterion.improvement,
                    priority=_PRIORITY[rating],
                )
            )
    plan.sort(key=lambda i: (i.priority, i.criterion))
    incident = incident_record(
        [r.event for r in records if r.event.kind in _INCIDENT_KINDS],
        severity_order=playbook.severity_order,
    ) if any(r.event.kind in _INCIDENT_KINDS for r in records) else None
    figures = ProcessFigures(
        time_to_detect=incident.time_to_detect if incident else None,
        time_to_acknowledge=incident.time_to_acknowledge if incident else None,
        time_to_declare=incident.time_to_declare if incident else None,
        time_to_mitigate=incident.time_to_mitigate if incident else None,
        time_to_resolve=incident.time_to_resolve if incident else None,
    )
    team_items = list(state.postmortem.action_items) if state.postmortem else []
    return ScoreReport(
        session_id=session_id,
        script_id=script.id,
        script_title=script.title,
        rubric=rubric.name,
        expected_severity=expected,
        declared_severity=state.declaration.severity if state.declaration else None,
        total=round(sum(s.points for s in scores), 1),
        max=rubric.max_points,
        criteria=scores,
        improvement_plan=plan,
        team_action_items=team_items,
        metrics=figures,
        complete=state.status == "ended",
    )


_INCIDENT_KINDS = frozenset(
    {
        "impact_started", "alert_fired", "alert_resolved", "page_sent", "acknowledged",
        "escalated", "incident_declared", "severity_changed", "role_assigned", "update_posted",
        "mitigation_applied", "mitigated", "resolved", "note_added", "postmortem_written",
    }
)
