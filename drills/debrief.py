"""The debrief: what the team did beside the ideal path, and an HSEEP after-action report.

:func:`debrief` is pure over a session's log, its script and the scores: it runs the textbook
autopilot on the same script (same world, same seed) for the **ideal path**, measures the
**gaps** (time to acknowledge, declare, the first right hypothesis, mitigation, resolution,
from the first real alert), lists the **evidence** the team looked at and what showed the
fault that it missed, the **red herrings** it chased, each score criterion with its evidence
as readable events, what went well and the improvement plan, and the **after-action report
/ improvement plan** in the HSEEP structure (strengths; areas for improvement with their
criterion; corrective actions with an owner and a due date). :func:`render_debrief` prints it
as Markdown, HTML or JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Literal

import jinja2
from pydantic import BaseModel, ConfigDict

from drills.autopilot import PROFILES, run_autopilot
from drills.clock import VirtualClock
from drills.events import EvidenceViewed, HypothesisRecorded, Operated, Record
from drills.narrative import clock_time, describe
from drills.scoring import ScoreReport, score_session
from drills.script import DrillScript
from drills.session import DrillSession
from drills.store import Store
from drills.truth import affected_services, is_real_alert, remedies
from drills.views import HIDDEN_KINDS
from playbook.events import Acknowledged, AlertFired, IncidentDeclared, Mitigated, Resolved
from playbook.model import Playbook
from playbook.rubric import Rubric

__all__ = ["Debrief", "debrief", "evidence_missed", "ideal_session", "render_aar", "render_debrief"]

_TEMPLATES = Path(__file__).parent / "templates"
# Who owns the corrective action of each criterion (HSEEP: an owner per action).
_OWNER = {
    "acknowledge": "on-call lead", "declare": "Incident Commander", "severity": "Incident Commander",
    "roles": "Incident Commander", "ic_separation": "Incident Commander", "status_page": "Communications Lead",
    "internal_updates": "Communications Lead", "update_content": "Communications Lead",
    "mitigate_time": "Technical Lead", "mitigation_choice": "Technical Lead", "timeline": "Scribe",
    "postmortem": "Incident Commander", "diagnosis": "Technical Lead", "investigation": "Technical Lead",
}
_DUE_DAYS = {"P1": 14, "P2": 30, "P3": 60}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Line(_Model):
    at: float
    time: str
    text: str
    seq: int | None = None  # the record's place in the log (the debrief page's anchors)


class Gap(_Model):
    step: str
    team: float | None
    ideal: float | None
    gap: float | None


class Look(_Model):
    at: float
    time: str
    who: str | None
    what: str


class CriterionLine(_Model):
    id: str
    title: str
    points: float
    max: float
    rating: str
    explanation: str
    evidence: list[Line]


class Action(_Model):
    criterion: str
    area: str
    corrective_action: str
    owner: str
    due: str
    priority: str


class Debrief(_Model):
    """Everything the debrief shows (the truth included: it is released after the drill)."""

    session_id: str
    title: str
    root_cause: str
    faults: list[str]
    remedies: list[str]
    total: float
    max: float
    timeline: list[Line]
    ideal_path: list[Line]
    gaps: list[Gap]
    evidence_seen: list[Look]
    evidence_missed: list[str]
    red_herrings_chased: list[Line]
    criteria: list[CriterionLine]
    went_well: list[str]
    improvement_plan: list[str]
    strengths: list[str]
    areas_for_improvement: list[Action]


def ideal_session(script: DrillScript, playbook: Playbook, rubric: Rubric) -> DrillSession:
    """The textbook autopilot's run of ``script`` (in memory, virtual clock)."""
    clock = VirtualClock()
    session = DrillSession.create(script=script, playbook=playbook, rubric=rubric, store=Store(":memory:"),
                                  clock=clock)
    run_autopilot(session, PROFILES["textbook"], clock)
    return session


def _first(records: Sequence[Record], kind: type[object], script: DrillScript) -> float | None:
    for r in records:
        e = r.event
        if not isinstance(e, kind):
            continue
        if isinstance(e, HypothesisRecorded):
            faults = script.world.faults if script.world else script.gameday.faults if script.gameday else ()
            if not any(f.service == e.service and f.category == e.category for f in faults):
                continue
        return r.at
    return None


def _milestones(records: Sequence[Record], script: DrillScript, real: set[str]) -> dict[str, float | None]:
    first_alert = next((r.at for r in records if isinstance(r.event, AlertFired) and r.event.alert_id in real), None)
    ack = next((r.at for r in records if isinstance(r.event, Acknowledged) and r.ref in real), None)
    return {
        "first real alert": first_alert,
        "acknowledge": ack,
        "declare": _first(records, IncidentDeclared, script),
        "first right hypothesis": _first(records, HypothesisRecorded, script),
        "mitigation": _first(records, Mitigated, script),
        "resolve": _first(records, Resolved, script),
    }


def _real(records: Sequence[Record], script: DrillScript) -> set[str]:
    if script.is_gameday:  # every alert of a game day came from the real system
        return {r.event.alert_id for r in records if isinstance(r.event, AlertFired)}
    if script.world is None:
        return {a.key for a in script.real_alerts()}
    return {r.event.alert_id for r in records if isinstance(r.event, AlertFired)
            and is_real_alert(script.world, r.event.labels.get("service"), r.at)}


def _line(record: Record, script: DrillScript) -> Line:
    return Line(at=record.at, time=clock_time(script.clock_start, record.at), text=describe(record), seq=record.seq)


def evidence_missed(records: Sequence[Record], script: DrillScript) -> list[str]:
    """What would have shown the fault that the team never looked at (the console, the debrief)."""
    world = script.world
    if world is None:
        return []
    looks = [r.event for r in records if isinstance(r.event, EvidenceViewed)]
    affected = affected_services(world)
    wanted: list[tuple[str, bool]] = []
    for fault in world.faults:
        wanted.append((f"the metrics of {fault.service}", any(
            lk.evidence == "metrics" and lk.request.get("service") == fault.service for lk in looks)))
        wanted.append((f"the logs of {fault.service}", any(
            lk.evidence == "logs" and lk.request.get("service") in (fault.service, None) for lk in looks)))
        if fault.change:
            wanted.append(("the change feed", any(lk.evidence == "changes" for lk in looks)))
    wanted.append(("the dependency map", any(lk.evidence == "dependencies" for lk in looks)))
    if not any(lk.evidence in ("metrics", "logs") and lk.request.get("service") in affected for lk in looks):
        wanted.append(("any affected service's metrics or logs", False))
    return list(dict.fromkeys(w for w, ok in wanted if not ok))


def debrief(
    records: Sequence[Record], *, session_id: str, script: DrillScript, playbook: Playbook, rubric: Rubric,
    report: ScoreReport | None = None,
) -> Debrief:
    """The debrief of a session's log."""
    report = report or score_session(records, session_id=session_id, script=script, playbook=playbook, rubric=rubric)
    ideal = ideal_session(script, playbook, rubric)
    ideal_records = ideal.records()
    by_seq = {r.seq: r for r in records}
    team = _milestones(records, script, _real(records, script))
    best = _milestones(ideal_records, script, _real(ideal_records, script))
    gaps = []
    for step in ("acknowledge", "declare", "first right hypothesis", "mitigation", "resolve"):
        t0, i0 = team["first real alert"], best["first real alert"]
        t = None if team[step] is None or t0 is None else round(float(team[step] or 0) - t0, 1)
        i = None if best[step] is None or i0 is None else round(float(best[step] or 0) - i0, 1)
        gaps.append(Gap(step=step, team=t, ideal=i, gap=None if t is None or i is None else round(t - i, 1)))
    cited = {s for c in report.criteria for s in c.evidence}  # every criterion's evidence is on the timeline
    shown = [r for r in records if (r.kind not in HIDDEN_KINDS and r.source != "system")
             or r.kind == "stakeholder_message" or r.seq in cited]
    ideal_kinds = {"acknowledged", "incident_declared", "hypothesis_recorded", "operated", "evidence_viewed",
                   "resolved", "mitigated", "update_posted", "postmortem_written"}
    herrings = set(script.world.red_herrings) if script.world else set()
    chased = [_line(r, script) for r in records
              if (isinstance(r.event, Operated) and r.event.operation.target in herrings)
              or (isinstance(r.event, HypothesisRecorded) and r.event.service in herrings)]
    criteria = [
        CriterionLine(id=c.id, title=c.title, points=c.points, max=c.max, rating=c.rating,
                      explanation=c.explanation,
                      evidence=[_line(by_seq[s], script) for s in c.evidence if s in by_seq])
        for c in report.criteria
    ]
    end = script.clock_start + timedelta(minutes=max((r.at for r in records), default=0.0))
    actions = [
        Action(criterion=i.criterion, area=i.issue, corrective_action=i.corrective_action,
               owner=_OWNER.get(i.criterion, "Incident Commander"),
               due=(end + timedelta(days=_DUE_DAYS.get(i.priority, 30))).date().isoformat(), priority=i.priority)
        for i in report.improvement_plan
    ]
    world = script.world
    return Debrief(
        session_id=session_id,
        title=script.title,
        root_cause=script.truth.root_cause,
        faults=[f"{f.kind} on {f.service} ({f.category.replace('_', ' ')}): {f.description}" for f in world.faults]
        if world else [],
        remedies=[op.label() for op in remedies(world)] if world else [m.label for m in script.truth.mitigations
                                                                         if m.effect == "works"],
        total=report.total,
        max=report.max,
        timeline=[_line(r, script) for r in shown if r.kind not in ("participant_joined",)],
        ideal_path=[_line(r, script) for r in ideal_records if r.kind in ideal_kinds],
        gaps=gaps,
        evidence_seen=[
            Look(at=r.at, time=clock_time(script.clock_start, r.at), who=r.actor, what=describe(r))
            for r in records if isinstance(r.event, EvidenceViewed)
        ],
        evidence_missed=evidence_missed(records, script),
        red_herrings_chased=chased,
        criteria=criteria,
        went_well=[f"{c.title}: {c.explanation}" for c in report.criteria if c.rating == "P"],
        improvement_plan=[f"{i.priority} {i.criterion}: {i.corrective_action}" for i in report.improvement_plan],
        strengths=[f"{c.title} ({c.id}): {c.explanation}" for c in report.criteria if c.rating == "P"],
        areas_for_improvement=actions,
    )


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), disabled_extensions=("md.j2",)),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render_debrief(d: Debrief, fmt: Literal["md", "html", "json"]) -> str:
    """The debrief as Markdown, HTML (escaped) or JSON."""
    if fmt == "json":
        return d.model_dump_json(indent=2) + "\n"
    return _environment().get_template(f"debrief.{fmt}.j2").render(d=d)


def render_aar(d: Debrief) -> str:
    """The HSEEP after-action report / improvement plan alone, as Markdown (to file and share)."""
    return _environment().get_template("aar.md.j2").render(d=d)
