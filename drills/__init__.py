"""drills: game-day drills on the playbook: scripts, sessions, scoring, reports.

The public surface a web layer or a script uses::

    manager = SessionManager(Store("drills.db"))           # reopens every stored session
    created = manager.create("conn-pool-leak")             # .session, .facilitator_key, .join_code
    session = manager.get(session_id)                      # or manager.by_join_code(code)
    session.start(speed=10); session.pause(); session.resume(); session.set_speed(30)
    session.join("alice")
    session.act("alice", Declare(severity="SEV2", title="Checkout errors"))  # or ActionRefused
    session.act("bob", Look(evidence="logs", service="order-service", level="error"))  # evidence
    session.act("bob", Hypothesis(service="order-service", category="code_change"))
    session.act("bob", Operate(verb="rollback", target="order-service", version="v2.4.0"))
    session.world                                          # the drill's live model (drills.world)
    events_since(session, offset)                          # participant view of new records
    participant_view(session, "alice"); facilitator_view(session)
    score_session(session.records(), ...); render(report, "html")
    render_debrief(debrief(session.records(), ...), "md")  # ideal path, gaps, HSEEP AAR/IP
"""

from drills.actions import (
    Acknowledge,
    Action,
    AddNote,
    ApplyMitigation,
    AssignRole,
    ChangeSeverity,
    Declare,
    Escalate,
    Hypothesis,
    Look,
    Operate,
    PostUpdate,
    ReleaseRole,
    Reply,
    Resolve,
    RootCause,
    WritePostmortem,
    action_adapter,
    decide,
)
from drills.autopilot import FLAWS, PROFILES, Profile, run_autopilot
from drills.clock import SystemClock, VirtualClock, WallClock
from drills.debrief import Debrief, debrief, render_debrief
from drills.errors import ActionRefused, SessionNotFound, StoreFailed, UnknownScript
from drills.events import DrillEvent, Record
from drills.library import DRILLS_DIR_ENV, LIBRARY_DIR, check_drill, find_script, load_library
from drills.live import play_live
from drills.manager import Created, SessionManager, rubric_of
from drills.postmortem import draft_postmortem, parse_action_items
from drills.report import Comparison, compare, render
from drills.scoring import CriterionScore, ScoreReport, score_session
from drills.script import DrillScript, Inject, load_script
from drills.session import DrillSession
from drills.state import DrillState, replay
from drills.store import Store
from drills.views import (
    EventsPage,
    FacilitatorView,
    ParticipantView,
    events_since,
    facilitator_view,
    participant_view,
)

__all__ = [
    "DRILLS_DIR_ENV",
    "FLAWS",
    "LIBRARY_DIR",
    "PROFILES",
    "Acknowledge",
    "Action",
    "ActionRefused",
    "AddNote",
    "ApplyMitigation",
    "AssignRole",
    "ChangeSeverity",
    "Comparison",
    "Created",
    "CriterionScore",
    "Debrief",
    "Declare",
    "DrillEvent",
    "DrillScript",
    "DrillSession",
    "DrillState",
    "Escalate",
    "EventsPage",
    "FacilitatorView",
    "Hypothesis",
    "Inject",
    "Look",
    "Operate",
    "ParticipantView",
    "PostUpdate",
    "Profile",
    "Record",
    "ReleaseRole",
    "Reply",
    "Resolve",
    "RootCause",
    "ScoreReport",
    "SessionManager",
    "SessionNotFound",
    "Store",
    "StoreFailed",
    "SystemClock",
    "UnknownScript",
    "VirtualClock",
    "WallClock",
    "WritePostmortem",
    "action_adapter",
    "check_drill",
    "compare",
    "debrief",
    "decide",
    "draft_postmortem",
    "events_since",
    "facilitator_view",
    "find_script",
    "load_library",
    "load_script",
    "parse_action_items",
    "participant_view",
    "play_live",
    "render",
    "render_debrief",
    "replay",
    "rubric_of",
    "run_autopilot",
    "score_session",
]
