"""What each audience may see of a session: the facilitator everything, participants only
what the team has seen and done.

The participant view is built by *allow-listing*: it holds the script's title, participant
briefing and services, the records that reached the team, redacted (no inject ids, no
``actionable`` flag on alerts, no ``effective`` flag on mitigations, no impact-start or
impact-stopped truth events, no reaction/script distinction), and the mitigation catalogue
as ids and labels only. It never holds the truth or an inject that has not been delivered;
``tests/drills/test_views.py`` checks that on every shipped drill.

The team's panels read it too: the incident channel (its name and newest messages), the
hypotheses, stakeholder messages and replies, the generic catalog with the verbs that ask for
a confirmation, and, for each control the page offers, why the engine would refuse it now
(:func:`refusal`, a dry run of ``decide``), so a disabled control says the engine's reason.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from drills.actions import (
    DESTRUCTIVE,
    Action,
    AssignRole,
    Declare,
    Hypothesis,
    Reply,
    Resolve,
    decide,
)
from drills.channel import Chat, MarkTimeline, channel_for
from drills.errors import ActionRefused
from drills.events import EvidenceViewed, InjectDelivered, Record
from drills.gameday import gameday_severity
from drills.narrative import clock_time, describe
from drills.prefill import role_prefill
from drills.scoring import ScoreReport, score_session
from drills.session import DrillSession
from drills.state import DrillState
from drills.truth import remedies, true_severity
from drills.world.ops import VERBS
from playbook.events import AlertFired, MitigationApplied
from playbook.roles import Role

__all__ = [
    "CHANNEL_MESSAGES",
    "EventsPage",
    "FacilitatorView",
    "ParticipantView",
    "catalog",
    "events_since",
    "facilitator_record",
    "facilitator_view",
    "participant_view",
    "public_record",
    "refusal",
]

# Truth events: the facilitator sees them, participants never do.
HIDDEN_KINDS = frozenset({"impact_started", "mitigated"})
#: The channel messages a participant's view holds (the newest).
CHANNEL_MESSAGES = 100


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublicRecord(_View):
    seq: int
    at: float
    time: str
    kind: str
    actor: str | None
    roles: list[str]
    text: str
    data: dict[str, Any]


class FacilitatorRecord(PublicRecord):
    source: str
    ref: str | None
    red_herring: bool
    wall: str


class EventsPage(_View):
    """Records after an offset, for live updates: poll again with ``next_offset``."""

    records: list[PublicRecord] | list[FacilitatorRecord]
    next_offset: int
    status: str
    drill_minute: float


class ParticipantView(_View):
    session_id: str
    title: str
    summary: str
    briefing: str
    services: list[str]
    status: str
    drill_minute: float
    clock: str
    speed: float
    you: str | None
    your_roles: list[str]
    participants: dict[str, list[str]]
    incident: dict[str, Any] | None
    alerts: list[dict[str, Any]]
    metrics: dict[str, dict[str, Any]]
    feed: list[PublicRecord]
    mitigations: list[dict[str, Any]]
    catalog: list[dict[str, Any]]
    hypotheses: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    prefill: dict[str, str]
    offset: int
    channel: dict[str, Any] = {}
    refusals: dict[str, str | None] = {}
    role_refusals: dict[str, str | None] = {}
    replies: list[dict[str, Any]] = []


class FacilitatorView(_View):
    session_id: str
    join_code: str | None
    title: str
    briefing: str
    status: str
    drill_minute: float
    clock: str
    speed: float
    duration_minutes: float
    participants: dict[str, list[str]]
    truth: dict[str, Any]
    expected_severity: str
    upcoming: list[dict[str, Any]]
    records: list[FacilitatorRecord]
    score: ScoreReport
    offset: int


def _data(record: Record, *, public: bool) -> dict[str, Any]:
    event = record.event
    data = event.payload()
    if public:
        if isinstance(event, AlertFired):
            data.pop("actionable", None)
        if isinstance(event, MitigationApplied):
            data.pop("effective", None)
        if isinstance(event, InjectDelivered):
            data.pop("inject_id", None)
            data.pop("facilitator_only", None)
    return data


def public_record(record: Record, session: DrillSession) -> PublicRecord | None:
    """The record as participants see it, or None when they must not see it."""
    if record.kind in HIDDEN_KINDS:
        return None
    if isinstance(record.event, InjectDelivered) and record.event.facilitator_only:
        return None
    if record.kind == "escalated" and record.source == "system":
        return None
    return PublicRecord(
        seq=record.seq,
        at=record.at,
        time=clock_time(session.script.clock_start, record.at),
        kind=record.kind,
        actor=record.actor,
        roles=[str(r) for r in record.roles],
        text=describe(record),
        data=_data(record, public=True),
    )


def facilitator_record(record: Record, session: DrillSession) -> FacilitatorRecord:
    red_herring = False
    if record.ref is not None and record.source in ("script", "reaction"):
        try:
            red_herring = session.script.inject(record.ref).red_herring
        except KeyError:
            red_herring = False
    return FacilitatorRecord(
        seq=record.seq,
        at=record.at,
        time=clock_time(session.script.clock_start, record.at),
        kind=record.kind,
        actor=record.actor,
        roles=[str(r) for r in record.roles],
        text=describe(record),
        data=_data(record, public=False),
        source=record.source,
        ref=record.ref,
        red_herring=red_herring,
        wall=record.wall.isoformat(),
    )


def events_since(session: DrillSession, offset: int, *, facilitator: bool = False) -> EventsPage:
    """Records with ``seq > offset`` in the chosen view, and the offset to ask from next."""
    with session.lock:
        records = session.records(after=max(0, offset))
        state = session.state
        if facilitator:
            shown: list[PublicRecord] | list[FacilitatorRecord] = [
                facilitator_record(r, session) for r in records
            ]
        else:
            shown = [p for r in records if (p := public_record(r, session)) is not None]
        return EventsPage(
            records=shown,
            next_offset=state.last_seq,
            status=state.status,
            drill_minute=session.now(),
        )


def _participants(state: DrillState) -> dict[str, list[str]]:
    return {name: [str(r) for r in state.roles_of(name)] for name in state.participants}


def _incident(state: DrillState, session: DrillSession) -> dict[str, Any] | None:
    d = state.declaration
    if d is None:
        return None
    start = session.script.clock_start
    return {
        "title": d.title,
        "severity": state.severity,
        "declared_severity": d.severity,
        "channel": d.channel,
        "declared_at": d.at,
        "declared_by": d.by,
        "resolved": state.resolved,
        "resolved_at": state.resolved_at,
        "declared_clock": clock_time(start, d.at),
    }


def catalog(session: DrillSession) -> list[dict[str, Any]]:
    """The generic action catalog: every verb on every service of the world (no hint of which)."""
    if not session.script.operable:
        return []
    targets = list(session.script.services_shown)
    return [
        {"verb": verb, "label": label, "needs": need, "targets": targets, "destructive": DESTRUCTIVE.get(verb)}
        for verb, (need, label) in VERBS.items()
    ]


def _looked_metrics(records: list[Record]) -> dict[str, dict[str, Any]]:
    """The last value of each series the team has looked at, per service."""
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        e = r.event
        if isinstance(e, EvidenceViewed) and e.evidence == "metrics" and isinstance(e.result, dict):
            result = e.result
            minutes = result.get("minute") or []
            if not minutes:
                continue
            values = {k: v[-1] for k, v in result.items() if isinstance(v, list) and v and k != "minute"}
            out[str(result.get("service"))] = {**values, "at": minutes[-1]}
    return out


def _channel(state: DrillState, session: DrillSession) -> dict[str, Any]:
    """The incident channel: its name now and its newest messages."""
    start = session.script.clock_start
    messages = list(state.chat.values())[-CHANNEL_MESSAGES:]
    return {
        "name": channel_for(state, start, session.now()),
        "named": state.declared,
        "messages": [
            {"seq": m.seq, "at": m.at, "time": clock_time(start, m.at), "author": m.author,
             "roles": [str(r) for r in m.roles], "channel": m.channel, "text": m.text, "marked_by": m.marked_by}
            for m in messages
        ],
    }


def refusal(session: DrillSession, name: str | None, action: Action) -> str | None:
    """Why the engine would refuse ``action`` by ``name`` now (None: it would not).

    A dry run of :func:`~drills.actions.decide` (pure: nothing is recorded), so a control the
    page disables gives exactly the reason the engine would.
    """
    if name is None:
        return "join the drill first"
    with session.lock:
        try:
            decide(action, actor=name, at=session.now(), state=session.state, script=session.script,
                   playbook=session.playbook, incident_id=session.incident_id, world=session.world)
        except ActionRefused as exc:
            return exc.reason
    return None


def _refusals(session: DrillSession, name: str | None) -> dict[str, str | None]:
    """Why each control of the page cannot work now, by action (None: it can)."""
    state = session.state
    probes: dict[str, Action] = {
        "chat": Chat(text="-"),
        "declare": Declare(severity=session.playbook.severity_order[0], title="-"),
        "resolve": Resolve(),
    }
    unmarked = [m.seq for m in state.chat.values() if m.marked_by is None]
    if unmarked:
        probes["mark_timeline"] = MarkTimeline(message_seq=unmarked[0])
    if session.script.operable:
        probes["hypothesis"] = Hypothesis(service=session.script.services_shown[0], category="code_change")
    if state.messages:
        probes["reply"] = Reply(message_id=next(iter(state.messages)), text="-")
    out = {key: refusal(session, name, action) for key, action in probes.items()}
    out["operate"] = out["chat"] or ("the incident is resolved" if state.resolved else None)
    return out


def _role_refusals(session: DrillSession, name: str | None) -> dict[str, str | None]:
    """Why ``name`` cannot claim each role they do not hold (held by others, the IC's rules)."""
    held = session.state.roles_of(name)
    return {role.value: refusal(session, name, AssignRole(person=name or "", role=role.value))
            for role in Role if role not in held}


def participant_view(session: DrillSession, name: str | None = None, *, feed: int = 200) -> ParticipantView:
    """The page a participant sees (``name`` None: a spectator)."""
    with session.lock:
        records = session.records()
        state = session.state
        script = session.script
        alerts = [
            {
                "alert_id": a.alert_id,
                "summary": a.summary,
                # What a pager shows: the rule's own label, never the playbook's verdict.
                "severity": a.labels.get("severity"),
                "labels": dict(a.labels),
                "runbook": a.runbook,
                "service": a.context.service if a.context else None,
                "fired_at": a.fired_at,
                "acknowledged_at": a.acked_at,
                "acknowledged_by": a.acked_by,
                "cleared": a.resolved_at is not None,
                "paging": a.pages > 0 and a.acked_at is None and a.resolved_at is None,
            }
            for a in state.alerts.values()
        ]
        metrics: dict[str, dict[str, Any]] = _looked_metrics(records)
        start = script.clock_start
        for r in records:
            e = r.event
            if isinstance(e, InjectDelivered) and e.inject_type == "metrics" and not e.facilitator_only:
                service = str(e.content.get("service"))
                values = {k: v for k, v in dict(e.content.get("values", {})).items() if v is not None}
                metrics[service] = {**metrics.get(service, {}), **values, "at": e.at}
        public = [p for r in records if (p := public_record(r, session)) is not None]
        anchor = state.anchor
        return ParticipantView(
            session_id=session.id,
            title=script.title,
            summary=script.summary,
            briefing=script.participant_briefing,
            services=list(script.services_shown),
            status=state.status,
            drill_minute=session.now(),
            clock=clock_time(script.clock_start, session.now()),
            speed=anchor.speed if anchor else 1.0,
            you=name,
            your_roles=[str(r) for r in state.roles_of(name)],
            participants=_participants(state),
            incident=_incident(state, session),
            alerts=alerts,
            metrics=metrics,
            feed=public[-feed:],
            mitigations=[
                {"id": m.id, "label": m.label, "applied_at": state.mitigations.get(m.id)}
                for m in script.truth.mitigations
            ],
            catalog=catalog(session),
            hypotheses=[
                {"at": at, "time": clock_time(start, at), "by": h.actor, "service": h.service,
                 "category": h.category, "text": h.text}
                for at, h in state.hypotheses
            ],
            messages=[
                {"message_id": m.message_id, "at": m.at, "time": clock_time(start, m.at), "persona": m.persona,
                 "sender": m.sender, "channel": m.channel, "text": m.text, "answered": m.message_id in state.replied}
                for m in state.messages.values()
            ],
            replies=[
                {"message_id": r.message_id, "at": at, "time": clock_time(start, at), "by": r.actor, "text": r.text}
                for at, r in state.replies
            ],
            prefill=role_prefill(state, session, metrics),
            offset=state.last_seq,
            channel=_channel(state, session),
            refusals=_refusals(session, name),
            role_refusals=_role_refusals(session, name),
        )


def facilitator_view(session: DrillSession) -> FacilitatorView:
    """Everything: truth, look-ahead, the full log and the score so far."""
    with session.lock:
        records = session.records()
        state = session.state
        script = session.script
        anchor = state.anchor
        upcoming = [
            {
                "at": at,
                "time": clock_time(script.clock_start, at),
                "source": source,
                "ref": ref,
                "kind": event.kind,
            }
            for at, source, ref, event in session.upcoming()
        ]
        return FacilitatorView(
            session_id=session.id,
            join_code=session.join_code,
            title=script.title,
            briefing=script.briefing,
            status=state.status,
            drill_minute=session.now(),
            clock=clock_time(script.clock_start, session.now()),
            speed=anchor.speed if anchor else 1.0,
            duration_minutes=script.duration_minutes,
            participants=_participants(state),
            truth=_truth(session),
            expected_severity=_expected_now(session),
            upcoming=upcoming,
            records=[facilitator_record(r, session) for r in records],
            score=score_session(
                records,
                session_id=session.id,
                script=script,
                playbook=session.playbook,
                rubric=session.rubric,
                now=session.now(),
                world=session.world,
            ),
            offset=state.last_seq,
        )



def _truth(session: DrillSession) -> dict[str, Any]:
    truth: dict[str, Any] = session.script.truth.model_dump(mode="json")
    world = session.script.world
    if world is not None:
        truth["faults"] = [f.model_dump(mode="json") for f in world.faults]
        truth["red_herrings"] = list(world.red_herrings)
        truth["remedies"] = [op.label() for op in remedies(world)]
    if session.script.gameday is not None:
        truth["faults"] = [f.model_dump(mode="json") for f in session.script.gameday.faults]
        truth["remedies"] = [op.label() for op in session.script.gameday.remedies]
    return truth


def _expected_now(session: DrillSession) -> str:
    """The severity the score expects if the team declared now (world: the true state now)."""
    spec, world = session.script.world, session.world
    if session.script.is_gameday and session.script.truth.expected_severity is None:
        d = session.state.declaration
        return gameday_severity(session.playbook, [a.severity for a in session.state.alerts.values()],
                                d.severity if d else None)
    if spec is None or world is None or session.script.truth.expected_severity is not None:
        return session.script.expected_severity(session.playbook)
    d = session.state.declaration
    return true_severity(spec, world, session.playbook, d.at if d else session.now())
