"""Room operations shared by the pages and the JSON API, so both do exactly the same thing.

Each function takes the :class:`~webui.services.Services` and a room, calls the engine, and
pokes the room's live pages; engine errors propagate to :mod:`webui.errors`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from drills.manager import Created
from drills.postmortem import draft_postmortem
from drills.report import compare, render
from drills.scoring import ScoreReport, score_session
from drills.session import DrillSession
from playbook.errors import InvalidDefinition
from playbook.templates import POSTMORTEM_SECTIONS, missing_sections
from webui.pages import Links
from webui.schemas import ControlRequest
from webui.services import Services

__all__ = [
    "apply_control",
    "create_room",
    "deliver_inject",
    "links",
    "postmortem_export",
    "score_export",
    "score_report",
]


def create_room(services: Services, script_id: str, *, speed: float = 1.0, start: bool = False) -> Created:
    """A new room for a library drill (only library ids: never a path from a request)."""
    script = services.script(script_id)
    if script is None:
        known = ", ".join(s.id for s in services.library)
        raise InvalidDefinition(f"no drill {script_id!r} in the library (known: {known})", field="script")
    created = services.manager.create(script)
    services.receivers.token(created.session.id)
    if start:
        created.session.start(speed=speed)
    services.hub.poke(created.session.id)
    return created


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
    """Deliver an ad-hoc inject now; the seq of the records it produced."""
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
