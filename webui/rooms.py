"""Room operations shared by the pages and the JSON API, so both do exactly the same thing.

Each function takes the :class:`~webui.services.Services` and a room, calls the engine, and
pokes the room's live pages; engine errors propagate to :mod:`webui.errors`.

The server's room budgets are kept here: at most ``max_rooms`` rooms open at once, at most
``max_events`` events in a room (actions, joins and injects past it are 429), and at most
``max_text`` characters in any text of an action (a postmortem may be 25 times longer).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from drills.actions import Action
from drills.errors import ActionRefused
from drills.events import Record
from drills.manager import Created
from drills.postmortem import draft_postmortem
from drills.report import compare, render
from drills.scoring import ScoreReport, score_session
from drills.script import DrillScript
from drills.session import DrillSession
from playbook.errors import InvalidDefinition
from playbook.templates import POSTMORTEM_SECTIONS, missing_sections
from webui.limits import LimitReached
from webui.names import display_name, taken
from webui.pages import Links
from webui.schemas import ControlRequest
from webui.services import Services

__all__ = [
    "act",
    "apply_control",
    "check_text",
    "create_room",
    "deliver_inject",
    "ensure_space",
    "is_participant",
    "join_room",
    "links",
    "postmortem_export",
    "score_export",
    "score_report",
]


def create_room(
    services: Services, script_id: str | DrillScript, *, speed: float = 1.0, start: bool = False
) -> Created:
    """A new room for a library drill (only library ids: never a path from a request), or for
    a script already validated (an uploaded drill file)."""
    script = script_id if isinstance(script_id, DrillScript) else services.script(script_id)
    if script is None:
        known = ", ".join(s.id for s in services.library)
        raise InvalidDefinition(f"no drill {script_id!r} in the library (known: {known})", field="script")
    open_rooms = sum(1 for s in services.manager.open_all() if s.state.status != "ended")
    if open_rooms >= services.settings.max_rooms:
        raise LimitReached(
            f"{open_rooms} rooms are open, the most this server keeps (DRILLBIT_MAX_ROOMS); "
            "end one first", field="script"
        )
    created = services.manager.create(script)
    services.receivers.token(created.session.id)
    if start:
        created.session.start(speed=speed)
    services.hub.poke(created.session.id)
    return created


def ensure_space(services: Services, session: DrillSession, needed: int = 1) -> None:
    """LimitReached if ``needed`` more events would take the room past ``max_events``."""
    limit = services.settings.max_events
    if session.last_seq() + needed > limit:
        raise LimitReached(f"this room holds {limit} events, its most (DRILLBIT_MAX_EVENTS)")


_POSTMORTEM_FACTOR = 25


def check_text(services: Services, action: Action) -> None:
    """InvalidDefinition naming the first text of ``action`` longer than ``max_text``."""
    limit = services.settings.max_text
    if action.type == "write_postmortem":
        limit *= _POSTMORTEM_FACTOR
    for name, value in action:
        if isinstance(value, str) and len(value) > limit:
            raise InvalidDefinition(
                f"at most {limit} characters (DRILLBIT_MAX_TEXT), got {len(value)}", field=name
            )


def act(services: Services, session: DrillSession, actor: str, action: Action) -> list[Record]:
    """Perform a participant's action within the room's budgets."""
    check_text(services, action)
    ensure_space(services, session)
    records = session.act(actor, action)
    services.hub.poke(session.id)
    return records


def join_room(services: Services, session: DrillSession, raw_name: str) -> str:
    """Join ``session`` under a checked display name (unique ignoring case); the name."""
    name = display_name(raw_name)
    with session.lock:  # the check and the join as one step: no two "Alice"s at once
        if taken(name, session.state.participants):
            raise ActionRefused("join", f"the name {name!r} is taken in this drill (names ignore case)")
        ensure_space(services, session)
        record = session.join(name)
    services.hub.poke(session.id)
    return record.actor or name


def is_participant(session: DrillSession, name: str | None) -> bool:
    """Whether ``name`` has joined ``session`` (and has not been removed from it)."""
    if name is None:
        return False
    with session.lock:
        return name in session.state.participants


def links(base_url: str, services: Services, session: DrillSession, key: str) -> Links:
    base = base_url.rstrip("/")
    return Links(
        join=f"{base}/join/{session.join_code or ''}",
        facilitator=f"{base}/rooms/{session.id}/facilitate?key={key}",
        alertmanager=f"{base}/api/v1/alerts/alertmanager",
        events=f"{base}/api/v1/alerts/events",
        receiver_token=services.receivers.token(session.id),
    )


def apply_control(services: Services, session: DrillSession, request: ControlRequest) -> None:
    match request.command:
        case "start":
            session.start(speed=request.speed)
        case "pause":
            session.pause()
        case "resume":
            session.resume()
        case "speed":
            session.set_speed(request.speed)
        case "end":
            session.end(request.reason or "ended by the facilitator")
    services.hub.poke(session.id)


def deliver_inject(services: Services, session: DrillSession, spec: dict[str, Any]) -> list[int]:
    """Deliver an ad-hoc inject now; the seq of the records it produced. A game day's pages are
    only the real alerts (through its receiver): an ad-hoc alert there is refused."""
    if session.script.is_gameday and spec.get("type") == "alert":
        raise ActionRefused("inject", "a game day pages only the real alerts, through the room's receiver")
    ensure_space(services, session)
    records = session.inject(spec)
    services.hub.poke(session.id)
    return [r.seq for r in records]


def score_report(services: Services, session: DrillSession) -> ScoreReport:
    with session.lock:
        return score_session(
            session.records(),
            session_id=session.id,
            script=session.script,
            playbook=session.playbook,
            rubric=session.rubric,
            now=session.now(),
        )


def score_export(services: Services, session: DrillSession, fmt: Literal["json", "md", "html"]) -> str:
    """The score report with the comparison against earlier sessions of the same drill."""
    report = score_report(services, session)
    earlier = services.manager.history(session.script.id, before=session.id)
    return render(report, fmt, compare(report, earlier))


def postmortem_export(session: DrillSession, fmt: Literal["json", "md"]) -> str:
    """The team's postmortem (or, before it is written, the draft from the timeline)."""
    with session.lock:
        state = session.state
        written = state.postmortem
        text = written.text if written else draft_postmortem(
            session.records(), state, session.script, session.playbook
        )
    if fmt == "md":
        return text
    data = {
        "session_id": session.id,
        "script_id": session.script.id,
        "written": written is not None,
        "author": written.actor if written else None,
        "written_at_minute": written.at if written else None,
        "sections": list(written.sections) if written else [],
        "missing_sections": missing_sections(text, POSTMORTEM_SECTIONS),
        "action_items": [item.model_dump(mode="json") for item in written.action_items] if written else [],
        "text": text,
    }
    return json.dumps(data, indent=2)
