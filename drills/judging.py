"""The criteria that judge a drill against its world: diagnosis, investigation, the choice of
operations, what updates say about the impact, and answering stakeholders.

=================  ========================================================================
diagnosis          the right service and category: 60 % for the first right hypothesis (full
                   within ``diagnosis_within_minutes`` of the first real alert, nothing at
                   ``late_factor`` times that), 40 % for the final word (the postmortem's root
                   cause, else the last hypothesis); the right service alone earns half
investigation      looked at evidence that shows the fault before the first operation
                   (full), only after it (half), never (nothing); each red herring pursued
                   with an operation or a hypothesis costs ``red_herring_penalty``
=================  ========================================================================

On a game day (``drills/gameday.py``) the faults are those the chaos run injected; evidence
that shows one is the real dashboards or logs of a service it hurts, the change feed, a real
alert's runbook or the dependencies; nothing is a red herring.

Evidence that *shows the fault*: the metrics or logs of a service the fault affects, the
change feed when the fault is a change, or a runbook of a real alert. A red herring is a
service the world marks as one (an unrelated deploy, a noisy but healthy dependency): a
hypothesis naming it, or an operation on it that the world says does not stop the impact,
pursues it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from drills.events import (
    EvidenceViewed,
    HypothesisRecorded,
    Operated,
    Record,
    RootCauseStated,
    StakeholderMessage,
)
from drills.facts import Facts, Result, minutes, seqs, timeliness
from drills.gameday import GameDayFault
from drills.truth import affected_services
from drills.world.spec import Fault

__all__ = ["diagnosis", "investigation", "operation_choice", "unanswered", "world_update_problems"]

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def _right(faults: Sequence[Fault | GameDayFault], service: str, category: str) -> float:
    best = 0.0
    for f in faults:
        if f.service == service:
            best = max(best, 1.0 if f.category == category else 0.5)
    return best


def _truth_faults(f: Facts) -> Sequence[Fault | GameDayFault] | None:
    """The faults a diagnosis is judged against: the world's, or those a game day's chaos run
    injected (None: nothing to judge against)."""
    if f.script.world is not None:
        return f.script.world.faults
    gameday = f.script.gameday
    return gameday.faults if gameday is not None and gameday.faults else None


def diagnosis(f: Facts) -> Result:
    faults = _truth_faults(f)
    if faults is None:
        return 1.0, [], "no world model: diagnosis is not scored"
    hyps = [r for r in f.of(HypothesisRecorded) if isinstance(r.event, HypothesisRecorded)]
    if not hyps:
        return 0.0, [], "no hypothesis was recorded"
    right = [r for r in hyps if isinstance(r.event, HypothesisRecorded)
             and _right(faults, r.event.service, r.event.category) == 1.0]
    origin = f.first_alert.at if f.first_alert else 0.0
    target = f.params.diagnosis_within_minutes
    first_part = 0.0
    parts: list[str] = []
    evidence = []
    if right:
        latency = max(0.0, right[0].at - origin)
        first_part = timeliness(latency, target, f.params.late_factor)
        evidence.append(right[0])
        parts.append(f"first right hypothesis {minutes(latency)} after the first real alert (target {minutes(target)})")
    else:
        partial = [r for r in hyps if isinstance(r.event, HypothesisRecorded)
                   and _right(faults, r.event.service, r.event.category) > 0]
        if partial:
            first_part = 0.5 * timeliness(max(0.0, partial[0].at - origin), target, f.params.late_factor)
            evidence.append(partial[0])
            parts.append("right service, wrong category")
        else:
            parts.append(f"{len(hyps)} hypothesis(es), none on the right service")
    roots = [r for r in f.of(RootCauseStated) if isinstance(r.event, RootCauseStated)]
    final_record: Record = roots[-1] if roots else hyps[-1]
    final = final_record.event
    assert isinstance(final, (RootCauseStated, HypothesisRecorded))
    final_part = _right(faults, final.service, final.category)
    evidence.append(final_record)
    word = "postmortem root cause" if roots else "last hypothesis"
    parts.append(f"{word}: {final.service} / {final.category.replace('_', ' ')}"
                 + (" (right)" if final_part == 1.0 else " (partly right)" if final_part else " (wrong)"))
    return 0.6 * first_part + 0.4 * final_part, seqs(*evidence), "; ".join(parts)


def _shows_real_fault(f: Facts, look: EvidenceViewed) -> bool:
    """On a game day: the real dashboards or logs of a service a fault hurts, the change feed
    (the chaos run's changes are in it), a real alert's runbook, the dependencies."""
    hurt = {fault.service for fault in _truth_faults(f) or ()}
    match look.evidence:
        case "metrics" | "logs":
            return look.request.get("service") in hurt
        case "runbook":
            return look.request.get("name") in {a.runbook.removeprefix("runbook:") for a in f.state.alerts.values()}
    return look.evidence in ("changes", "dependencies")


def _shows_fault(f: Facts, look: EvidenceViewed) -> bool:
    spec = f.script.world
    if spec is None:
        return _shows_real_fault(f, look)
    affected = affected_services(spec)
    service = look.request.get("service")
    match look.evidence:
        case "metrics" | "logs":
            return service in affected if look.evidence == "metrics" else (service is None or service in affected)
        case "changes":
            return any(fault.change for fault in spec.faults)
        case "runbook":
            real = {a.runbook.removeprefix("runbook:") for a in f.state.alerts.values()
                    if a.labels.get("service") in affected}
            return look.request.get("name") in real
        case "dependencies":
            return True
    return False


def _chased(f: Facts) -> list[Record]:
    spec = f.script.world
    if spec is None:
        return []  # a game day plants no red herring
    herrings = set(spec.red_herrings) - {fault.service for fault in spec.faults}
    works = {(v.at, v.operation) for v in f.verdicts if v.effect == "works"}
    out = []
    for r in f.records:
        e = r.event
        chased_op = isinstance(e, Operated) and e.operation.target in herrings and (e.at, e.operation) not in works
        chased_idea = isinstance(e, HypothesisRecorded) and e.service in herrings
        if chased_op or chased_idea:
            out.append(r)
    return out


def investigation(f: Facts) -> Result:
    if _truth_faults(f) is None:
        return 1.0, [], "no world model: investigation is not scored"
    looks = [r for r in f.of(EvidenceViewed) if isinstance(r.event, EvidenceViewed)]
    telling = [r for r in looks if isinstance(r.event, EvidenceViewed) and _shows_fault(f, r.event)]
    ops = f.of(Operated)
    first_op = ops[0].at if ops else None
    if not telling:
        base, note = 0.0, f"{len(looks)} look-up(s), none at evidence that shows the fault"
    elif first_op is None or telling[0].at <= first_op:
        base, note = 1.0, f"looked at {telling[0].event.evidence} showing the fault before acting" if isinstance(
            telling[0].event, EvidenceViewed) else "looked before acting"
    else:
        base, note = 0.5, "looked at the telling evidence only after acting"
    chased = _chased(f)
    fraction = base - f.params.red_herring_penalty * len(chased)
    if chased:
        note += f"; {len(chased)} red herring(s) pursued"
    return max(0.0, fraction), seqs(*telling[:1], *chased), note


def operation_choice(f: Facts) -> Result:
    """``mitigation_choice`` on a world: what the world says each operation did."""
    if not f.verdicts:
        return 0.0, [], "no operation was performed"
    ops = f.of(Operated)
    working = [v for v in f.verdicts if v.effect == "works"]
    harmful = [v for v in f.verdicts if v.effect == "harmful"]
    idle = [v for v in f.verdicts if v.effect == "no_effect"]
    if not working:
        return 0.0, seqs(*ops), f"no operation stopped the impact ({len(f.verdicts)} tried)"
    p = f.params
    fraction = 1.0 - p.harmful_penalty * len(harmful) - p.no_effect_penalty * len(idle)
    notes = [f"harmful: {v.operation.label()}" for v in harmful]
    if not notes:
        return max(0.0, fraction), seqs(*ops), f"{working[0].operation.label()} stopped the impact"
    return max(0.0, fraction), seqs(*ops), "; ".join(notes)


def world_update_problems(f: Facts, text: str, at: float) -> list[str]:
    """What an update gets wrong about the world: the impact it states, the template."""
    problems = []
    if any(re.search(p, text) for p in f.params.content.placeholders):
        problems.append("unedited template placeholders")
    if f.world is None:
        return problems
    # The figures users saw: while impacted in the last quarter of an hour, else now.
    lo, hi = max(0, int(at) - 15), int(at)
    minutes = [m for m in range(lo, hi + 1) if f.world.impacted(m)] or [hi]
    truths = []
    for m in minutes:
        impact = f.world.at(m).impact
        truths += [impact.error_rate, impact.affected_pct]
    stated = [float(x) for x in _PERCENT.findall(text)]
    if not any(abs(s - t) <= max(2.0, 0.35 * t) for s in stated for t in truths):
        problems.append("impact not stated as it was (no matching figure)")
    return problems


def unanswered(f: Facts) -> tuple[int, int, list[Record]]:
    """(answered in time, messages, the unanswered ones) of stakeholder messages."""
    within = f.params.reply_within_minutes
    msgs = [r for r in f.of(StakeholderMessage) if isinstance(r.event, StakeholderMessage)]
    answered = 0
    missing = []
    for r in msgs:
        assert isinstance(r.event, StakeholderMessage)
        replied = f.state.replied.get(r.event.message_id)
        if r.event.persona == "executive":
            later = [at for _, at, audience in f.state.updates if audience == "executive" and at >= r.at]
            if later and (replied is None or later[0] < replied):
                replied = later[0]
        if replied is not None and replied - r.at <= within:
            answered += 1
        elif r.at + within <= f.state.last_at or replied is not None:
            missing.append(r)
        else:
            answered += 1  # still within its window when the drill stopped
    return answered, len(msgs), missing
