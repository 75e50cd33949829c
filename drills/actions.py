"""What participants can do in a drill, and the rules each action must pass.

Actions are pydantic models dispatched on their ``type`` key (so the web layer can accept
them as JSON). :func:`decide` is pure: given the session state it either returns the events
the action produces or raises :class:`~drills.errors.ActionRefused` with a reason; a refused
action changes nothing.

Rules common to every action: the drill is running (not paused, not ended, started) and the
actor has joined. Then, per action:

==================  =====================================================================
acknowledge         the alert has fired, is still open and unacknowledged
declare             not declared yet; a known severity; a title
assign_role         a known role; the person has joined and does not hold it yet; the
                    playbook's role rules hold (one IC, the IC is not the Technical Lead, a
                    role's ``max_holders``); once there is an IC only the IC assigns others
release_role        the person holds the role; yourself, or the IC releasing someone
post_update         declared; some text
add_note            some text
apply_mitigation    a mitigation of the script's catalogue, not applied before; not resolved
escalate            an alert has fired; not resolved; a policy or an explicit target
change_severity     declared; not resolved; a known severity different from the current
resolve             declared; not resolved yet; the actor is the Incident Commander (a team
                    without one is told so)
write_postmortem    resolved; some text; valid action items; a root cause (service,
                    category) names a service of the world
operate             a drill with a world; the world has the target and what the verb
                    needs (a known version, flag, credential...); not resolved. On a game
                    day: one of its services and what the verb needs (the real system
                    answers the rest)
look                a drill with a world (or a game day); evidence of a service it has
hypothesis          a drill with a world (or a game day); a service it has and a category
                    of the taxonomy
reply               a stakeholder message that has arrived; some text
chat                some text (a message in the incident channel)
mark_timeline       the actor is the Scribe; a channel message not marked before
==================  =====================================================================

The channel's actions and name are in ``drills/channel.py``.
:data:`DESTRUCTIVE` names the generic verbs whose effect a team cannot simply take back
(``drills/world/ops.py``), each with why: the web UI asks for a confirmation before them.

``look`` records what it showed (``drills/evidence.py``), so the answer is in the log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from drills import evidence
from drills.channel import Chat, MarkTimeline, decide_channel
from drills.errors import ActionRefused
from drills.events import (
    DrillEvent,
    Evidence,
    EvidenceViewed,
    HypothesisRecorded,
    Operated,
    RoleReleased,
    RootCauseStated,
    StakeholderReplied,
)
from drills.postmortem import filled_sections, parse_action_items
from drills.script import DrillScript
from drills.state import DrillState
from drills.world.ops import VERBS, Operation, OperationRefused, check
from drills.world.run import World
from drills.world.spec import Category
from playbook.events import (
    Acknowledged,
    ActionItem,
    Escalated,
    IncidentDeclared,
    MitigationApplied,
    NoteAdded,
    PageSent,
    PostmortemWritten,
    Resolved,
    RoleAssigned,
    SeverityChanged,
    UpdatePosted,
)
from playbook.model import Playbook
from playbook.roles import Role, role_conflicts
from playbook.templates import channel_name

__all__ = [
    "DESTRUCTIVE",
    "Acknowledge",
    "Action",
    "AddNote",
    "ApplyMitigation",
    "AssignRole",
    "ChangeSeverity",
    "Chat",
    "Declare",
    "Escalate",
    "Hypothesis",
    "Look",
    "MarkTimeline",
    "Operate",
    "PostUpdate",
    "ReleaseRole",
    "Reply",
    "Resolve",
    "RootCause",
    "WritePostmortem",
    "action_adapter",
    "decide",
    "observe",
]

_TEXT = 10_000


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Acknowledge(_Action):
    type: Literal["acknowledge"] = "acknowledge"
    alert_id: str | None = Field(default=None, description="None: the oldest open page")


class Declare(_Action):
    type: Literal["declare"] = "declare"
    severity: str
    title: str = Field(max_length=200)


class AssignRole(_Action):
    type: Literal["assign_role"] = "assign_role"
    person: str
    role: str = Field(description="a role's human name, e.g. 'Incident Commander'")


class ReleaseRole(_Action):
    type: Literal["release_role"] = "release_role"
    person: str
    role: str


class PostUpdate(_Action):
    type: Literal["post_update"] = "post_update"
    audience: Literal["internal", "status_page", "executive"]
    text: str = Field(max_length=_TEXT)


class AddNote(_Action):
    type: Literal["add_note"] = "add_note"
    text: str = Field(max_length=_TEXT)


class ApplyMitigation(_Action):
    type: Literal["apply_mitigation"] = "apply_mitigation"
    mitigation: str


class Escalate(_Action):
    type: Literal["escalate"] = "escalate"
    target: str | None = Field(default=None, max_length=200, description="None: the policy's next rule")


class ChangeSeverity(_Action):
    type: Literal["change_severity"] = "change_severity"
    severity: str


class Resolve(_Action):
    type: Literal["resolve"] = "resolve"
    summary: str = Field(default="", max_length=_TEXT)


class RootCause(_Action):
    """A cause in the generic taxonomy: which service, which category, and in words."""

    service: str = Field(min_length=1, max_length=100)
    category: Category
    text: str = Field(default="", max_length=_TEXT)


class WritePostmortem(_Action):
    type: Literal["write_postmortem"] = "write_postmortem"
    text: str = Field(max_length=100_000)
    action_items: tuple[ActionItem, ...] | None = Field(
        default=None, description="None: read from the Action Items table of the text"
    )
    root_cause: RootCause | None = None


class Operate(Operation):
    """A generic operation on the world (see ``drills/world/ops.py`` for the verbs)."""

    type: Literal["operate"] = "operate"

    def operation(self) -> Operation:
        return Operation.model_validate(self.model_dump(exclude={"type"}))


class Look(_Action):
    """Look something up: metrics, logs, the change feed, a runbook, dependencies, on-call."""

    type: Literal["look"] = "look"
    evidence: Evidence
    service: str | None = Field(default=None, max_length=100)
    text: str = Field(default="", max_length=200)
    level: Literal["debug", "info", "warning", "error", "critical"] | None = None
    start: float | None = Field(default=None, ge=0)
    end: float | None = Field(default=None, ge=0)
    name: str | None = Field(default=None, max_length=100, description="runbook")


class Hypothesis(_Action):
    type: Literal["hypothesis"] = "hypothesis"
    service: str = Field(min_length=1, max_length=100)
    category: Category
    text: str = Field(default="", max_length=_TEXT)


class Reply(_Action):
    type: Literal["reply"] = "reply"
    message_id: str = Field(min_length=1, max_length=100)
    text: str = Field(max_length=_TEXT)


#: verb -> why a team cannot simply take it back (see ``drills/world/ops.py``'s table).
DESTRUCTIVE: dict[str, str] = {
    "rollback": "every replica is replaced by another version, a share at a time",
    "restart": "every replica restarts: connections drop and each starts cold",
    "scale": "fewer replicas take effect at once (more take two minutes)",
    "failover": "traffic moves to the standby, and the service may be down while it switches",
    "throttle": "requests past the limit are refused (429)",
    "rotate_credential": "the old credential stops working for everyone still using it",
    "block_client": "all of the client's traffic is refused",
}


Action = Annotated[
    Acknowledge
    | Declare
    | AssignRole
    | ReleaseRole
    | PostUpdate
    | AddNote
    | ApplyMitigation
    | Escalate
    | ChangeSeverity
    | Resolve
    | WritePostmortem
    | Operate
    | Look
    | Hypothesis
    | Reply
    | Chat
    | MarkTimeline,
    Field(discriminator="type"),
]
action_adapter: TypeAdapter[Action] = TypeAdapter(Action)

Produced = list[tuple[DrillEvent, str | None]]


class _Common(TypedDict):
    at: float
    incident_id: str
    actor: str | None


def _role(name: str, action: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ActionRefused(action, f"unknown role {name!r} (known: {known})") from None


def _needs(condition: bool, action: str, reason: str) -> None:
    if not condition:
        raise ActionRefused(action, reason)


def _known_severity(playbook: Playbook, severity: str, action: str) -> None:
    order = playbook.severity_order
    _needs(severity in order, action, f"unknown severity {severity!r} (known: {', '.join(order)})")


def decide(
    action: Action,
    *,
    actor: str,
    at: float,
    state: DrillState,
    script: DrillScript,
    playbook: Playbook,
    incident_id: str,
    world: World | None = None,
) -> Produced:
    """The events ``action`` by ``actor`` at drill minute ``at`` produces, or ActionRefused."""
    name = action.type
    _needs(state.status != "ready", name, "the drill has not started yet")
    _needs(state.status != "paused", name, "the drill is paused")
    _needs(state.status != "ended", name, "the drill has ended")
    _needs(actor in state.participants, name, f"{actor!r} has not joined this drill")
    base: _Common = {"at": at, "incident_id": incident_id, "actor": actor}
    match action:
        case Acknowledge():
            open_alerts = [a for a in state.unacked_alerts() if a.pages > 0]
            if action.alert_id is None:
                _needs(bool(open_alerts), name, "there is no unacknowledged page")
                alert = min(open_alerts, key=lambda a: a.fired_at)
            else:
                found = state.alerts.get(action.alert_id)
                _needs(found is not None, name, f"no alert {action.alert_id!r} has fired")
                assert found is not None
                _needs(found.acked_at is None, name, f"alert {found.alert_id!r} is already acknowledged")
                _needs(found.resolved_at is None, name, f"alert {found.alert_id!r} has cleared")
                alert = found
            return [(Acknowledged(**base), alert.alert_id)]
        case Declare():
            _needs(not state.declared, name, "an incident is already declared (change its severity instead)")
            _known_severity(playbook, action.severity, name)
            _needs(bool(action.title), name, "a title is required")
            day = (script.clock_start + timedelta(minutes=at)).date()
            channel = channel_name(action.title, day)
            return [(IncidentDeclared(**base, severity=action.severity, title=action.title, channel=channel), None)]
        case AssignRole():
            role = _role(action.role, name)
            person = action.person
            _needs(person in state.participants, name, f"{person!r} has not joined this drill")
            _needs(person not in state.holders.get(role, frozenset()), name, f"{person} already holds {role}")
            commanders = state.holders.get(Role.INCIDENT_COMMANDER, frozenset())
            if person != actor and commanders:
                _needs(
                    actor in commanders,
                    name,
                    f"only the Incident Commander ({', '.join(sorted(commanders))}) assigns roles to others",
                )
            after = dict(state.holders)
            after[role] = after.get(role, frozenset()) | {person}
            problems = role_conflicts(after)
            _needs(not problems, name, "; ".join(problems))
            for spec in playbook.roles:
                if spec.role == role and spec.max_holders is not None:
                    _needs(
                        len(after[role]) <= spec.max_holders,
                        name,
                        f"{role} is already held by {', '.join(sorted(state.holders.get(role, frozenset())))} "
                        f"(at most {spec.max_holders})",
                    )
            return [(RoleAssigned(**base, role=role, person=person), None)]
        case ReleaseRole():
            role = _role(action.role, name)
            _needs(action.person in state.holders.get(role, frozenset()), name,
                   f"{action.person} does not hold {role}")
            commanders = state.holders.get(Role.INCIDENT_COMMANDER, frozenset())
            _needs(action.person == actor or actor in commanders, name,
                   "only the holder or the Incident Commander can release a role")
            return [(RoleReleased(**base, role=role, person=action.person), None)]
        case PostUpdate():
            _needs(state.declared, name, "declare the incident before posting updates")
            _needs(bool(action.text), name, "an update needs some text")
            return [(UpdatePosted(**base, audience=action.audience, text=action.text), None)]
        case AddNote():
            _needs(bool(action.text), name, "a note needs some text")
            return [(NoteAdded(**base, text=action.text), None)]
        case ApplyMitigation():
            try:
                mitigation = script.mitigation(action.mitigation)
            except KeyError as exc:
                raise ActionRefused(name, str(exc.args[0])) from None
            _needs(mitigation.id not in state.mitigations, name, f"{mitigation.id!r} was already applied")
            _needs(not state.resolved, name, "the incident is resolved")
            effective = mitigation.effect == "works"
            return [(MitigationApplied(**base, mitigation=mitigation.id, effective=effective), mitigation.id)]
        case Escalate():
            _needs(bool(state.alerts), name, "no alert has fired: there is nothing to escalate")
            _needs(not state.resolved, name, "the incident is resolved")
            return _escalate(action, state, script, playbook, base)
        case ChangeSeverity():
            _needs(state.declared, name, "declare the incident first")
            _needs(not state.resolved, name, "the incident is resolved")
            _known_severity(playbook, action.severity, name)
            _needs(action.severity != state.severity, name, f"the severity is already {action.severity}")
            old = state.severity or ""
            return [(SeverityChanged(**base, old=old, new=action.severity), None)]
        case Resolve():
            _needs(state.declared, name, "the incident has not been declared yet")
            _needs(not state.resolved, name, "the incident is already resolved")
            _only_the_commander(state, actor, name)
            return [(Resolved(**base, summary=action.summary), None)]
        case WritePostmortem():
            _needs(state.resolved, name, "resolve the incident before writing the postmortem")
            _needs(bool(action.text), name, "the postmortem is empty")
            items = action.action_items
            if items is None:
                try:
                    items = parse_action_items(action.text)
                except ValidationError as exc:
                    first = exc.errors(include_url=False)[0]
                    raise ActionRefused(name, f"action item {first['loc']}: {first['msg']}") from None
                except ValueError as exc:
                    raise ActionRefused(name, str(exc)) from None
            sections = filled_sections(action.text)
            produced: Produced = [
                (PostmortemWritten(**base, sections=sections, action_items=items, text=action.text), None)
            ]
            if action.root_cause is not None:
                rc = action.root_cause
                _service_of(script, world, rc.service, name)
                produced.append((RootCauseStated(**base, service=rc.service, category=rc.category, text=rc.text), None))
            return produced
        case Operate() | Look() | Hypothesis() | Reply():
            return _world_action(action, base, state, script, playbook, world)
        case Chat() | MarkTimeline():
            return decide_channel(action, at=at, actor=actor, incident_id=incident_id, state=state, script=script)
    raise ActionRefused(name, "unknown action")  # pragma: no cover - the union is exhaustive


def _only_the_commander(state: DrillState, actor: str, action: str) -> None:
    commanders = state.holders.get(Role.INCIDENT_COMMANDER, frozenset())
    _needs(bool(commanders), action,
           "the team has no Incident Commander: someone must take the role, and only they resolve")
    _needs(actor in commanders, action,
           f"only the Incident Commander ({', '.join(sorted(commanders))}) resolves the incident")


def _escalate(
    action: Escalate,
    state: DrillState,
    script: DrillScript,
    playbook: Playbook,
    base: _Common,
) -> Produced:
    """A manual escalation: the next rule of the policy, or an explicit target (a vendor)."""
    policy_name = script.page_policy
    if policy_name is None and state.severity is not None:
        policy_name = playbook.severity(state.severity).escalation_policy
    if policy_name is None:
        worst = [a.severity for a in state.alerts.values() if a.severity]
        for severity in playbook.severity_order:
            if severity in worst:
                policy_name = playbook.severity(severity).escalation_policy
                break
    rule = state.escalations + 2
    if action.target is not None:
        targets = [action.target]
    else:
        if policy_name is None:
            raise ActionRefused("escalate", "no escalation policy applies: name a target")
        policy = playbook.policy(policy_name)
        rule = min(rule, len(policy.rules))
        targets = [str(t) for t in policy.rules[rule - 1].targets]
    produced: Produced = [(Escalated(**base, rule=rule, reason="manual"), None)]
    produced.extend(
        (PageSent(**base, target=target, rule=rule), None)
        for target in targets
    )
    return produced


def _world_service(world: World | None, service: str, action: str) -> World:
    _needs(world is not None, action, "this drill has no world model")
    assert world is not None
    _needs(service in world.spec.names, action, f"no service {service!r} (known: {', '.join(world.spec.names)})")
    return world


def _service_of(script: DrillScript, world: World | None, service: str, action: str) -> None:
    """The service must be one the team can name: the world's, or a game day's real ones."""
    if script.is_gameday:
        _needs(service in script.services, action, f"no service {service!r} (known: {', '.join(script.services)})")
    else:
        _world_service(world, service, action)


def _gameday_action(action: Operate | Look | Hypothesis, base: _Common, state: DrillState,
                    script: DrillScript) -> Produced:
    """On a game day the real system answers: an operation is recorded for the runner to carry
    out (the target says what it cannot do); a look records what was asked, the panels show the
    real series the log holds."""
    name = action.type
    match action:
        case Hypothesis():
            _service_of(script, None, action.service, name)
            return [(HypothesisRecorded(**base, service=action.service, category=action.category, text=action.text), None)]
        case Operate():
            _service_of(script, None, action.target, name)
            _needs(not state.resolved, name, "the incident is resolved")
            op = action.operation()
            need, _ = VERBS[op.verb]
            _needs(need is None or getattr(op, need) is not None, name, f"{op.verb} needs {need}")
            return [(Operated(**base, operation=op, label=op.label()), op.target)]
        case Look():
            if action.service is not None:
                _service_of(script, None, action.service, name)
            request = action.model_dump(exclude={"type"}, exclude_none=True)
            result: dict[str, object] = {"gameday": True, "as_of": base["at"]}
            if action.evidence == "runbook":
                text = evidence.runbook(action.name or "")
                _needs(text is not None, name, f"no runbook {action.name!r} (known: {', '.join(evidence.runbook_names())})")
                result = {"name": action.name, "markdown": text}
            return [(EvidenceViewed(**base, evidence=action.evidence, request=request, result=result), None)]
    raise ActionRefused(name, "unknown action")  # pragma: no cover


def _world_action(
    action: Operate | Look | Hypothesis | Reply,
    base: _Common,
    state: DrillState,
    script: DrillScript,
    playbook: Playbook,
    world: World | None,
) -> Produced:
    name = action.type
    at = base["at"]
    if script.is_gameday and not isinstance(action, Reply):
        return _gameday_action(action, base, state, script)
    match action:
        case Reply():
            _needs(action.message_id in state.messages, name, f"no message {action.message_id!r} has arrived")
            _needs(bool(action.text), name, "a reply needs some text")
            return [(StakeholderReplied(**base, message_id=action.message_id, text=action.text), action.message_id)]
        case Hypothesis():
            _world_service(world, action.service, name)
            return [(HypothesisRecorded(**base, service=action.service, category=action.category, text=action.text), None)]
        case Operate():
            w = _world_service(world, action.target, name)
            _needs(not state.resolved, name, "the incident is resolved")
            op = action.operation()
            try:
                check(op, w.spec)
            except OperationRefused as exc:
                raise ActionRefused(name, str(exc)) from None
            return [(Operated(**base, operation=op, label=op.label()), op.target)]
        case Look():
            _needs(world is not None, name, "this drill has no world model")
            assert world is not None
            request = action.model_dump(exclude={"type"}, exclude_none=True)
            result = _look(action, world, state, script, playbook, at)
            return [(EvidenceViewed(**base, evidence=action.evidence, request=request, result=result), None)]
    raise ActionRefused(name, "unknown action")  # pragma: no cover


def _look(action: Look, world: World, state: DrillState, script: DrillScript, playbook: Playbook,
          at: float) -> object:
    name = action.type
    if action.service is not None:
        _world_service(world, action.service, name)
    if action.start is not None and action.end is not None:
        _needs(action.start <= action.end, name, "the window starts after it ends")
    _needs(action.evidence != "metrics" or action.service is not None, name,
           "name the service whose metrics to show")
    if action.evidence == "runbook":
        _needs(evidence.runbook(action.name or "") is not None, name,
               f"no runbook {action.name!r} (known: {', '.join(evidence.runbook_names())})")
    return observe(action, world, state, playbook, script.clock_start, at)


def observe(look: Look, world: World, state: DrillState, playbook: Playbook, clock_start: datetime,
            now: float) -> object:
    """What ``look`` shows at ``now``: the answer a recorded look holds, without recording it.

    The caller has checked the look (a known service, a runbook that exists).
    """
    spec = world.spec
    match look.evidence:
        case "metrics":
            assert look.service is not None
            return evidence.metrics_window(world, look.service, now, look.start, look.end)
        case "logs":
            return evidence.log_search(world, now, service=look.service, text=look.text, level=look.level,
                                       start=look.start, end=look.end)
        case "changes":
            return evidence.change_feed(spec, world, now)
        case "dependencies":
            return evidence.dependency_map(spec, world, now)
        case "oncall":
            return evidence.oncall_status(playbook, state, clock_start, now)
        case "runbook":
            return {"name": look.name, "markdown": evidence.runbook(look.name or "")}
    raise ValueError(f"unknown evidence {look.evidence!r}")  # pragma: no cover - a Literal
