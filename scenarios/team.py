"""An autopilot team that plays a live drill room over the web UI's HTTP API.

``drills.autopilot`` plays an in-process session on a virtual clock. A game day's room lives in
the web UI, on the wall clock, while real alerts arrive from Alertmanager, so this team plays it
from outside, as four people would: alice, bob, carol and dave join with the room's code (each
gets their own participant token) and every move is a ``POST /api/v1/rooms/{id}/actions`` made
with the mover's token.

*What* to do and *when* is not re-implemented here: each step mirrors the room (its whole log,
read with the facilitator key, replayed into a read-only :class:`~drills.session.DrillSession`)
and asks :func:`drills.autopilot.plan` for the profile's next move, so the team follows the
profile's decisions and timings exactly (acknowledge pages as they arrive, declare, assign roles,
post updates, mitigate, resolve, write the postmortem). In a game-day room (``kind: gameday``)
the plan is ``drills/gamedayplay.py``'s, and its operations are ``operate`` actions in the room,
which the game day's bridge carries out on the staging system (``real`` stays None then: the
direct :class:`RealPlay` path is for a room of a library drill played beside a real system). Like the in-process autopilot it reads the
script's truth to choose its mitigation and severity: it is a test double for a team.

A move is made once the room's drill clock reaches it; between moves the team polls the room
(bounded waits, at most ``poll_seconds``), so a real alert that arrives meanwhile is seen within
one poll. A move the room refuses (409) is logged; the same move refused twice stops the team
(:class:`TeamStuck`) rather than loop.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, SecretStr

from drills.autopilot import TEAM, TL, Move, Profile, plan
from drills.clock import VirtualClock
from drills.events import Record, drill_event_adapter
from drills.manager import rubric_of
from drills.script import DrillScript
from drills.session import DrillSession
from drills.store import Store
from playbook.errors import RunFailed
from playbook.model import Playbook
from scenarios.room.drillapi import DrillApi, DrillRefused

if TYPE_CHECKING:  # scenarios.gameday imports this module
    from scenarios.gameday.realops import RealSystem

__all__ = [
    "HttpTeam",
    "RealPlay",
    "Step",
    "TeamMove",
    "TeamStuck",
    "mirror_session",
    "real_moves",
    "record_from_view",
]

log = logging.getLogger("drillbit.scenarios.team")

_EPSILON = 1e-6


class TeamStuck(RunFailed):
    """The room refused the same move twice: the team would only repeat it."""


def record_from_view(item: Mapping[str, Any], incident_id: str) -> Record:
    """A log record back from its facilitator view (``GET .../events`` with the key)."""
    event = drill_event_adapter.validate_python(
        {
            **item["data"],
            "kind": item["kind"],
            "at": item["at"],
            "actor": item["actor"],
            "incident_id": incident_id,
        }
    )
    return Record(
        seq=item["seq"],
        wall=datetime.fromisoformat(item["wall"]),
        source=item["source"],
        roles=tuple(item["roles"]),
        ref=item["ref"],
        event=event,
    )


class _Mirror(DrillSession):
    """A read-only copy of a room at one instant: the state a team plans from.

    It never delivers anything (``sync`` does nothing) and its clock is the room's drill
    minute when the log was read, so :func:`~drills.autopilot.plan` sees the room as it was.
    """

    def __init__(
        self,
        *,
        room_id: str,
        script: DrillScript,
        playbook: Playbook,
        store: Store,
        records: Sequence[Record],
        now: float,
    ) -> None:
        super().__init__(
            session_id=room_id,
            script=script,
            playbook=playbook,
            rubric=rubric_of(playbook),
            store=store,
            clock=VirtualClock(),
            records=records,
        )
        self._minute = now

    def sync(self) -> list[Record]:
        return []

    def now(self) -> float:
        return self._minute


def mirror_session(
    room_id: str,
    script: DrillScript,
    playbook: Playbook,
    records: Sequence[Record],
    *,
    now: float,
    store: Store | None = None,
) -> DrillSession:
    """A read-only session with ``records`` as its log and ``now`` as its drill minute."""
    return _Mirror(
        room_id=room_id,
        script=script,
        playbook=playbook,
        store=store or Store(":memory:"),
        records=records,
        now=now,
    )


@dataclass(frozen=True)
class RealPlay:
    """The game day's real system and the operations that fix it (the team's truth there)."""

    system: RealSystem
    fixes: tuple[dict[str, Any], ...]


def real_moves(profile: Profile, fixes: Sequence[dict[str, Any]], service: str) -> list[tuple[float, dict[str, Any]]]:
    """(minutes after the first real alert, operation) the profile carries out on the real
    system: the fixes at ``mitigate_after``; ``wrong-fix`` restarts first and fixes
    ``correct_after`` later; ``no-mitigation`` does nothing."""
    habits = profile.world
    if not habits.mitigate or not fixes:
        return []
    first = habits.mitigate_after
    moves: list[tuple[float, dict[str, Any]]] = []
    if habits.wrong_fix:
        wrong = {"verb": "restart", "target": service}
        if wrong not in fixes:
            moves.append((first, wrong))
            first += habits.correct_after
    return moves + [(first, fix) for fix in fixes]


class TeamMove(BaseModel):
    """A move the team made (or tried to)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    minute: float
    wall: datetime
    actor: str
    action: str
    refused: str | None = None
    on_system: str | None = None


@dataclass(frozen=True)
class Step:
    """What one step found: the room's minute, whether the team moved, what comes next."""

    now: float
    acted: bool = False
    next_at: float | None = None
    done: bool = False


@dataclass
class _Seen:
    records: list[Record] = field(default_factory=list)
    offset: int = 0
    status: str = "ready"
    minute: float = 0.0


class HttpTeam:
    """The autopilot's four people, playing ``room_id`` through ``api``.

    ``facilitator_key`` reads the room's whole log (the truth included, as the in-process
    autopilot reads it); each person acts with their own participant token.
    """

    def __init__(
        self,
        api: DrillApi,
        *,
        room_id: str,
        join_code: str,
        facilitator_key: SecretStr,
        profile: Profile,
        script: DrillScript,
        playbook: Playbook,
        real: RealPlay | None = None,
    ) -> None:
        self.api = api
        self.real = real
        self._real_pending = real_moves(profile, real.fixes, real.system.service) if real else []
        self.room_id = room_id
        self.join_code = join_code
        self.profile = profile
        self.script = script
        self.playbook = playbook
        self.moves: list[TeamMove] = []
        self.error: BaseException | None = None
        self.finished = False
        self._key = facilitator_key
        self._tokens: dict[str, SecretStr] = {}
        self._seen = _Seen()
        self._refused: set[str] = set()
        self._store = Store(":memory:")
        self._incident = f"drill-{room_id}"

    def close(self) -> None:
        self._store.close()

    # -- reading the room -------------------------------------------------------------------
    def join(self) -> None:
        """Everyone joins the room with its code (before or after the drill starts)."""
        for person, _ in TEAM:
            if person not in self._tokens:
                self._tokens[person] = self.api.join(self.join_code, person).token

    def poll(self) -> DrillSession:
        """Read what is new in the room; the mirror of the room as it is now."""
        page = self.api.events(self.room_id, token=self._key, after=self._seen.offset)
        self._seen.records.extend(record_from_view(r, self._incident) for r in page["records"])
        self._seen.offset = int(page["next_offset"])
        self._seen.status = str(page["status"])
        self._seen.minute = float(page["drill_minute"])
        return mirror_session(
            self.room_id,
            self.script,
            self.playbook,
            self._seen.records,
            now=self._seen.minute,
            store=self._store,
        )

    @property
    def status(self) -> str:
        return self._seen.status

    # -- playing ----------------------------------------------------------------------------
    def step(self) -> Step:
        """Read the room and make the team's next move if it is due."""
        mirror = self.poll()
        now = self._seen.minute
        if self._seen.status == "ended" or mirror.state.postmortem is not None:
            self.finished = True
            return Step(now=now, done=True)
        if self._seen.status != "running":
            return Step(now=now)
        real_at = self._real_due()
        if real_at is not None and real_at <= now + _EPSILON:
            self._operate_for_real(now)
            return Step(now=now, acted=True)
        move = plan(mirror, self.profile)
        if move is None:
            return Step(now=now, next_at=real_at)
        if move.at > now + _EPSILON:
            return Step(now=now, next_at=min(move.at, real_at if real_at is not None else move.at))
        self._make(move, now)
        return Step(now=now, acted=True)

    # -- on the real system -----------------------------------------------------------------
    def _real_due(self) -> float | None:
        """The drill minute of the next operation on the real system: counted from the first
        real alert that reached the room from outside (None before one has)."""
        if not self._real_pending:
            return None
        first = next(
            (r.at for r in self._seen.records if r.source == "facilitator" and r.event.kind == "alert_fired"),
            None,
        )
        return None if first is None else first + self._real_pending[0][0]

    def _operate_for_real(self, now: float) -> None:
        """The technical lead carries out the next operation on the real system and notes it
        in the room's timeline."""
        assert self.real is not None
        _, op = self._real_pending.pop(0)
        done = self.real.system.carry_out(op, TL)
        self.moves.append(
            TeamMove(minute=now, wall=done.wall, actor=TL, action="operate", on_system=f"{done.label}: {done.outcome}")
        )
        note = f"Ran on staging: {done.label} ({done.outcome}{': ' + done.detail if done.detail else ''})"
        with contextlib.suppress(DrillRefused):
            self.api.act(self.room_id, {"type": "add_note", "text": note[:500]}, token=self._tokens[TL])

    def _make(self, move: Move, now: float) -> None:
        action = move.action.model_dump(mode="json")
        signature = f"{move.actor}:{sorted(action.items())}"
        refused = None
        try:
            self.api.act(self.room_id, action, token=self._tokens[move.actor])
        except DrillRefused as exc:
            refused = exc.reason
            log.warning("the room refused %s's %s: %s", move.actor, action["type"], exc.reason)
        self.moves.append(
            TeamMove(
                minute=now,
                wall=datetime.now(UTC),
                actor=move.actor,
                action=str(action["type"]),
                refused=refused,
            )
        )
        if refused is not None:
            if signature in self._refused:
                raise TeamStuck(
                    f"the room refused {move.actor}'s {action['type']} twice: {refused}"
                )
            self._refused.add(signature)

    def play(
        self,
        stop: threading.Event,
        *,
        speed: float,
        poll_seconds: float = 0.25,
        timeout: float = 600.0,
    ) -> None:
        """Play until the team is done, the room ends, ``stop`` is set, or ``timeout`` passes.

        Errors are kept in :attr:`error` (this usually runs in a thread).
        """
        deadline = time.monotonic() + timeout
        try:
            self.join()
            while not stop.is_set() and time.monotonic() < deadline:
                step = self.step()
                if step.done:
                    return
                if step.acted:
                    continue
                wait = poll_seconds
                if step.next_at is not None:
                    wait = min(wait, max(0.0, (step.next_at - step.now) * 60.0 / speed))
                stop.wait(wait)
        except BaseException as exc:  # the thread's owner reads it
            self.error = exc
            log.exception("the autopilot team stopped")
