"""A drill session: a script running on a drill clock, driven by participants' actions.

The session is the one stateful object of the engine, and it is thin: rules live in
``actions.py`` (pure), what the script does next in ``director.py`` (pure), state in
``state.py`` (a fold over the log), scoring in ``scoring.py`` (pure), views in ``views.py``.
The session only serialises calls, reads its wall clock, and appends records to the store.

Every public method takes the session's lock, first delivers whatever the script has due by
the drill clock's "now" (:meth:`sync`), then does its work; so any call, from any thread,
sees the drill as of that instant. A web layer can also call :meth:`sync` on a timer so that
injects arrive without anyone acting, and :meth:`wait_for` to long-poll for new records.

Appending is: build the records, commit them to the store, then apply them to the in-memory
state. A refused action raises before anything is built; a store failure raises before the
state changes. Records a method returns are durable.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import TypeAdapter

from drills.actions import Action, decide
from drills.clock import WallClock, drill_minutes
from drills.director import LOOKAHEAD, Due, deliver, next_due, upcoming
from drills.errors import ActionRefused
from drills.events import (
    DebriefReleased,
    DrillEnded,
    DrillEvent,
    DrillPaused,
    DrillResumed,
    DrillStarted,
    HintSent,
    Operated,
    ParticipantJoined,
    ParticipantRemoved,
    PostmortemEdited,
    Record,
    RoleReleased,
    Source,
    SpeedChanged,
)
from drills.postmortem import Draft, current_draft, draft_postmortem, save_draft
from drills.script import AlertInject, DrillScript, Inject
from drills.state import DrillState, replay
from drills.store import Store
from drills.world.ops import Operation
from drills.world.run import World
from playbook.errors import RunFailed
from playbook.events import AlertResolved
from playbook.model import Playbook
from playbook.rubric import Rubric

__all__ = ["MAX_SPEED", "MIN_SPEED", "DrillSession", "Pending", "new_session_id"]

MIN_SPEED = 1.0
MAX_SPEED = 60.0
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,40}$")
_MAX_STEPS = 100_000
_inject_adapter: TypeAdapter[Inject] = TypeAdapter(Inject)


_WORLDS: dict[str, World] = {}
_WORLDS_KEPT = 32


def _world(script: DrillScript, ops: list[tuple[float, Operation]]) -> World:
    """A world for the script, reusing the minutes the last world of the same script computed
    (a session reopened for every request, a mirror replaying a room, share them)."""
    assert script.world is not None
    key = script.digest()
    last = _WORLDS.get(key)
    world = last.fork(ops) if last is not None else World(script.world, start_hour=_hour(script), ops=ops)
    _WORLDS.pop(key, None)
    _WORLDS[key] = world
    while len(_WORLDS) > _WORLDS_KEPT:
        _WORLDS.pop(next(iter(_WORLDS)))
    return world


def _hour(script: DrillScript) -> float:
    start = script.clock_start
    return start.hour + start.minute / 60


def new_session_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Pending:
    """An event to append: what, where it comes from, what it refers to."""

    event: DrillEvent
    source: Source
    ref: str | None = None


class DrillSession:
    """One drill run. Create with :meth:`create`, reopen with :meth:`open`."""

    def __init__(
        self,
        *,
        session_id: str,
        script: DrillScript,
        playbook: Playbook,
        rubric: Rubric,
        store: Store,
        clock: WallClock,
        records: Sequence[Record] = (),
        join_code: str | None = None,
    ) -> None:
        self.id = session_id
        self.script = script
        self.playbook = playbook
        self.rubric = rubric
        self.join_code = join_code
        self._store = store
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._records: list[Record] = list(records)
        # next_due() is a pure function of the state (and, with a world, of how far ahead it
        # looks), which changes only when a record is appended: reads (every participant's
        # poll) reuse it until the log grows or the look-ahead moves on.
        self._due: tuple[tuple[int, int], list[Due] | None] | None = None
        self._state = replay(self._records)
        self.world: World | None = None
        if script.world is not None:
            ops = [(r.event.at, r.event.operation) for r in self._records if isinstance(r.event, Operated)]
            self.world = _world(script, ops)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        *,
        script: DrillScript,
        playbook: Playbook,
        rubric: Rubric,
        store: Store,
        clock: WallClock,
        session_id: str | None = None,
        join_code: str | None = None,
        facilitator_key_hash: str = "",
    ) -> DrillSession:
        """A new session, stored before it is returned."""
        sid = session_id or new_session_id()
        store.create_session(
            sid,
            script=script,
            playbook=playbook,
            rubric=rubric,
            created=clock.now(),
            join_code=join_code,
            facilitator_key_hash=facilitator_key_hash,
        )
        return cls(
            session_id=sid, script=script, playbook=playbook, rubric=rubric, store=store,
            clock=clock, join_code=join_code,
        )

    @classmethod
    def open(cls, store: Store, session_id: str, *, clock: WallClock) -> DrillSession:
        """Reopen a stored session: its state is the replay of its log."""
        row = store.session(session_id)
        return cls(
            session_id=row.id,
            script=row.script,
            playbook=row.playbook,
            rubric=row.rubric,
            store=store,
            clock=clock,
            records=store.records(session_id),
            join_code=row.join_code,
        )

    # -- reading --------------------------------------------------------------------------
    @property
    def incident_id(self) -> str:
        return f"drill-{self.id}"

    @property
    def state(self) -> DrillState:
        """The live state (read it under :meth:`locked` from other threads; do not mutate)."""
        return self._state

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def now(self) -> float:
        """Drill minutes now (0 before the start; frozen while paused or ended)."""
        with self._lock:
            anchor = self._state.anchor
            if anchor is None:
                return 0.0
            return max(drill_minutes(anchor, self._clock.now()), self._state.last_at)

    def records(self, *, after: int = 0) -> list[Record]:
        """Records with ``seq > after`` (all views filter these; see ``views.py``)."""
        with self._lock:
            self.sync()
            return self._records[after:]

    def last_seq(self) -> int:
        with self._lock:
            return self._state.last_seq

    def wait_for(self, after: int, timeout: float) -> bool:
        """Block until a record with ``seq > after`` exists (True) or ``timeout`` seconds pass.

        Only wakes on appends; pair it with a ticker calling :meth:`sync` for timed injects.
        """
        with self._changed:
            return self._changed.wait_for(lambda: self._state.last_seq > after, timeout=timeout)

    def next_due_at(self) -> float | None:
        """Drill minute of the next scripted or system event, if any."""
        with self._lock:
            group = self._next_due()
            return None if group is None else group[0].at

    def upcoming(self) -> list[tuple[float, str, str | None, DrillEvent]]:
        """(at, source, ref, event) of what is due next: the facilitator's look-ahead."""
        with self._lock:
            return [
                (d.at, d.source, d.ref, d.event)
                for d in upcoming(self.script, self.playbook, self._state, self.incident_id, self.world,
                                  self.now())
            ]

    # -- appending ------------------------------------------------------------------------
    def _append(self, pending: Sequence[Pending]) -> list[Record]:
        if not pending:
            return []
        wall = self._clock.now()
        seq = self._state.last_seq
        records = []
        for p in pending:
            seq += 1
            records.append(
                Record(
                    seq=seq,
                    wall=wall,
                    source=p.source,
                    roles=self._state.roles_of(p.event.actor),
                    ref=p.ref,
                    event=p.event,
                )
            )
        self._store.append(self.id, records)
        for record in records:
            self._state.apply(record)
            if self.world is not None and isinstance(record.event, Operated):
                self.world.add(record.event.at, record.event.operation)
        self._records.extend(records)
        self._changed.notify_all()
        return records

    def sync(self) -> list[Record]:
        """Record everything the script and the playbook have due by now."""
        with self._lock:
            if self._state.status != "running" or self._state.anchor is None:
                return []
            now = drill_minutes(self._state.anchor, self._clock.now())
            out: list[Record] = []
            for _ in range(_MAX_STEPS):
                group = self._next_due()
                if group is None or group[0].at > now:
                    return out
                out.extend(self._append([Pending(d.event, d.source, d.ref) for d in group]))
            raise RunFailed(f"session {self.id}: more than {_MAX_STEPS} events due at once")

    def _next_due(self) -> list[Due] | None:
        window = 0 if self.world is None else int(self.now()) // LOOKAHEAD
        key = (self._state.last_seq, window)
        if self._due is None or self._due[0] != key:
            group = next_due(self.script, self.playbook, self._state, self.incident_id, self.world,
                             float(window * LOOKAHEAD))
            self._due = (key, group)
        return self._due[1]

    # -- facilitator controls -------------------------------------------------------------
    def _control(self, name: str, make: type[DrillEvent], allowed: set[str], **fields: object) -> Record:
        with self._lock:
            self.sync()
            status = self._state.status
            if status not in allowed:
                raise ActionRefused(name, f"the drill is {status}")
            event = make(at=self.now(), incident_id=self.incident_id, **fields)
            return self._append([Pending(event, "facilitator")])[0]

    @staticmethod
    def _check_speed(name: str, speed: float) -> None:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ActionRefused(name, f"speed must be between x{MIN_SPEED:g} and x{MAX_SPEED:g}")

    def start(self, *, speed: float = 1.0) -> list[Record]:
        """Start the drill clock at minute 0; minute-0 injects arrive at once."""
        self._check_speed("start", speed)
        with self._lock:
            if self._state.status != "ready":
                raise ActionRefused("start", "the drill has already started")
            first = self._append(
                [Pending(DrillStarted(at=0, incident_id=self.incident_id, speed=speed), "facilitator")]
            )
            return first + self.sync()

    def pause(self) -> Record:
        return self._control("pause", DrillPaused, {"running"})

    def resume(self) -> Record:
        return self._control("resume", DrillResumed, {"paused"})

    def set_speed(self, speed: float) -> Record:
        self._check_speed("set_speed", speed)
        return self._control("set_speed", SpeedChanged, {"running", "paused"}, speed=speed)

    def end(self, reason: str = "") -> Record:
        return self._control("end", DrillEnded, {"ready", "running", "paused"}, reason=reason[:500])

    def inject(self, inject: Inject | dict[str, object]) -> list[Record]:
        """Deliver an ad-hoc inject now (the facilitator's improvisation)."""
        with self._lock:
            self.sync()
            if self._state.status != "running":
                raise ActionRefused("inject", "the drill is not running")
            item = _inject_adapter.validate_python(inject)
            taken = {i.id for _, _, i in self.script.all_injects()} | self._state.delivered
            if item.id in taken:
                raise ActionRefused("inject", f"inject id {item.id!r} is already used")
            if isinstance(item, AlertInject) and item.key in self._state.alerts:
                raise ActionRefused("inject", f"alert {item.key!r} has already fired")
            due = deliver(
                item, at=self.now(), incident_id=self.incident_id, playbook=self.playbook,
                source="facilitator",
            )
            return self._append([Pending(due.event, "facilitator", due.ref)]) + self.sync()

    def clear_alert(self, alert_id: str) -> list[Record]:
        """Record that an alert's condition cleared (a sender's "resolved"): its pages stop.

        Clearing an alert that never fired, or one already cleared, is refused and changes
        nothing, so a repeated "resolved" notification is harmless to the timeline.
        """
        with self._lock:
            self.sync()
            if self._state.status != "running":
                raise ActionRefused("clear_alert", "the drill is not running")
            alert = self._state.alerts.get(alert_id)
            if alert is None:
                raise ActionRefused("clear_alert", f"alert {alert_id!r} has not fired")
            if alert.resolved_at is not None:
                raise ActionRefused("clear_alert", f"alert {alert_id!r} has already cleared")
            event = AlertResolved(at=self.now(), incident_id=self.incident_id, alert_id=alert_id)
            return self._append([Pending(event, "facilitator", alert_id)]) + self.sync()

    def remove(self, person: str, reason: str = "") -> list[Record]:
        """Remove a participant: their roles are released, they can no longer act, and their
        name cannot join again (so the join code does not let them back in)."""
        with self._lock:
            self.sync()
            if person not in self._state.participants:
                raise ActionRefused("remove", f"{person!r} is not in this drill")
            base = {"at": self.now(), "incident_id": self.incident_id}
            pending = [Pending(ParticipantRemoved(**base, person=person, reason=reason[:200]), "facilitator")]
            pending += [Pending(RoleReleased(**base, role=role, person=person), "facilitator")
                        for role in self._state.roles_of(person)]
            return self._append(pending)

    def send_hint(self, level: int) -> Record:
        """Send the room the script's hint ``level`` (1: the mildest), once each."""
        with self._lock:
            self.sync()
            hints = self.script.truth.hints
            if self._state.status not in ("running", "paused"):
                raise ActionRefused("hint", f"the drill is {self._state.status}")
            if not 1 <= level <= len(hints):
                raise ActionRefused("hint", f"this drill has {len(hints)} hint(s); there is no hint {level}")
            if any(isinstance(r.event, HintSent) and r.event.level == level for r in self._records):
                raise ActionRefused("hint", f"hint {level} has already been sent")
            event = HintSent(at=self.now(), incident_id=self.incident_id, level=level, text=hints[level - 1])
            return self._append([Pending(event, "facilitator")])[0]

    def release_debrief(self) -> Record:
        """Let the participants read the debrief (and the truth in it): after the end, once."""
        with self._lock:
            if self._state.debrief_released:
                raise ActionRefused("release_debrief", "the debrief is already released")
            return self._control("release_debrief", DebriefReleased, {"ended"})

    # -- the collaborative postmortem -------------------------------------------------------
    def postmortem_draft(self) -> Draft:
        """The postmortem as it stands (revision 0: generated from the timeline)."""
        with self._lock:
            written = [r for r in self._records if r.kind in ("postmortem_edited", "postmortem_written")]
            generated = "" if written else draft_postmortem(self._records, self._state, self.script, self.playbook)
            return current_draft(self._records, generated)

    def edit_postmortem(self, actor: str, text: str, *, base: int) -> Draft:
        """Save ``actor``'s draft edited from revision ``base``: the draft now, or DraftConflict."""
        with self._lock:
            self.sync()
            if actor not in self._state.participants:
                raise ActionRefused("edit_postmortem", f"{actor!r} is not in this drill")
            if self._state.status == "ready":
                raise ActionRefused("edit_postmortem", "the drill has not started yet")
            if not text.strip():
                raise ActionRefused("edit_postmortem", "the postmortem is empty")
            current = self.postmortem_draft()
            revision = save_draft(current, base=base, text=text)
            if revision is None:
                return current
            event = PostmortemEdited(at=self.now(), incident_id=self.incident_id, actor=actor,
                                     revision=revision, base=base, text=text)
            self._append([Pending(event, "action")])
            return Draft(revision, text, actor, event.at)

    # -- participants ---------------------------------------------------------------------
    def join(self, name: str) -> Record:
        """Add a participant (by display name, unique in the room)."""
        name = name.strip()
        with self._lock:
            self.sync()
            if not _NAME.match(name):
                raise ActionRefused("join", "a name is 1 to 40 printable characters")
            if self._state.status == "ended":
                raise ActionRefused("join", "the drill has ended")
            if name in self._state.participants:
                raise ActionRefused("join", f"the name {name!r} is taken in this drill")
            if name.casefold() in {r.casefold() for r in self._state.removed}:
                raise ActionRefused("join", f"the facilitator removed {name!r} from this drill")
            event = ParticipantJoined(at=self.now(), incident_id=self.incident_id, actor=name)
            return self._append([Pending(event, "action")])[0]

    def act(self, actor: str, action: Action) -> list[Record]:
        """Perform ``action`` as ``actor``: the records it produced, or ActionRefused."""
        with self._lock:
            self.sync()
            produced = decide(
                action,
                actor=actor,
                at=self.now(),
                state=self._state,
                script=self.script,
                playbook=self.playbook,
                incident_id=self.incident_id,
                world=self.world,
            )
            done = self._append([Pending(event, "action", ref) for event, ref in produced])
            return done + self.sync()

