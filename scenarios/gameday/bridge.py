"""The room's operations carried out on the real system, whoever makes them.

A person in the game day's room uses the room's generic ``operate`` action (roll back, restart,
toggle a flag...); :class:`OperateBridge` reads the room's log (facilitator key) and carries
every new ``operated`` record out on the staging system through
:class:`~scenarios.gameday.realops.RealSystem`, as that person. What the target cannot do is
kept as refused, so the report shows every move and what it did to the real system. The
room hears the outcome as a log line from the staging system (:func:`room_line`): done,
failed, or refused with the reason (nothing was sent); never the fault it cleared, which is
the drill's truth. It polls (bounded waits) in a thread for the life of the experiment;
:meth:`pump` is one poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from pydantic import SecretStr

from playbook.errors import RunFailed
from scenarios.gameday.realops import RealAction, RealSystem
from scenarios.room.drillapi import DrillApi, InjectRequest

__all__ = ["OperateBridge", "room_line"]

log = logging.getLogger("drillbit.scenarios.gameday")


def room_line(done: RealAction) -> tuple[str, str]:
    """(log line, level) the room sees for an operation on the real system."""
    if done.outcome == "refused":
        return f"staging refused {done.actor}'s {done.label} (nothing was sent): {done.detail}"[:500], "warning"
    if done.outcome == "failed":
        return f"{done.actor}'s {done.label} failed on staging", "error"
    return f"{done.actor}'s {done.label}: carried out on staging", "info"


class OperateBridge:
    """Carries the room's ``operated`` records out on ``system`` (see the module doc)."""

    def __init__(
        self,
        api: DrillApi,
        room_id: str,
        key: SecretStr,
        system: RealSystem,
        say: Callable[[str], None],
        *,
        poll_seconds: float = 0.5,
    ) -> None:
        self._api, self._room, self._key, self._system, self._say = api, room_id, key, system, say
        self._poll = poll_seconds
        self._seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drillbit-operate-bridge", daemon=True)

    def __enter__(self) -> OperateBridge:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def pump(self) -> int:
        """Carry out the operations recorded since the last call; how many there were."""
        page = self._api.events(self._room, token=self._key, after=self._seen)
        records = page.get("records") or []
        self._seen = max([self._seen, *(int(r.get("seq", 0)) for r in records)])
        count = 0
        for record in records:
            if record.get("kind") != "operated":
                continue
            operation = (record.get("data") or {}).get("operation") or {}
            done = self._system.carry_out(operation, str(record.get("actor") or "someone"))
            self._say(f"  {done.actor}'s {done.label} on the real system: {done.outcome}" + (f" ({done.detail})" if done.detail else ""))
            self._tell_the_room(done)
            count += 1
        return count

    def _tell_the_room(self, done: RealAction) -> None:
        line, level = room_line(done)
        detail = {"type": "log", "service": self._system.service, "level": level, "line": line}
        try:
            self._api.fire_inject(self._room, InjectRequest(inject="staging-operation", detail=detail), token=self._key)
        except RunFailed as exc:
            log.warning("telling the room about %s failed: %s", done.label, exc)

    def _run(self) -> None:
        while not self._stop.wait(self._poll):
            try:
                self.pump()
            except RunFailed as exc:
                log.warning("reading the room for its operations failed: %s", exc)
