"""What the web app holds while it runs: one object, opened at startup and closed at shutdown.

Routes reach it through :data:`webui.deps.ServicesDep`; nothing else is global.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drills.clock import WallClock
from drills.library import load_library
from drills.manager import SessionManager
from drills.script import DrillScript
from drills.session import DrillSession
from drills.store import Store
from playbook.model import Playbook, default_playbook, load_playbook
from webui.hub import Hub
from webui.limits import Guesses
from webui.receivers import ReceiverTokens
from webui.settings import Settings, load_admin_token, load_secret
from webui.studies import StudyRunner, run_topic

__all__ = ["Services", "open_services"]


@dataclass
class Services:
    """The session manager, receiver tokens, live-update hub and study runner of one app."""

    settings: Settings
    playbook: Playbook
    store: Store
    manager: SessionManager
    receivers: ReceiverTokens
    hub: Hub
    studies: StudyRunner
    secret: bytes
    admin_token: str
    library: list[DrillScript]
    guesses: Guesses
    _seen: dict[str, int] = field(default_factory=dict)

    def script(self, script_id: str) -> DrillScript | None:
        """A library script by id (only the library: never a path from a request)."""
        return next((s for s in self.library if s.id == script_id), None)

    def is_facilitator(self, room: str, key: str) -> bool:
        """Whether ``key`` is the room's facilitator key (constant-time comparison)."""
        return self.manager.is_facilitator(room, key)

    def tick(self) -> list[str]:
        """Deliver what is due in every running room; the ids of rooms whose log grew."""
        self.manager.tick()
        return self.changed(self.manager.open_all())

    def changed(self, sessions: list[DrillSession]) -> list[str]:
        out = []
        for session in sessions:
            seq = session.last_seq()
            if self._seen.get(session.id) != seq:
                self._seen[session.id] = seq
                out.append(session.id)
        return out

    def close(self) -> None:
        self.studies.close()
        self.receivers.close()
        self.store.close()


def open_services(settings: Settings, *, clock: WallClock | None = None) -> Services:
    """Open the store (every room reopened), the receiver table and the study runner.

    ``clock`` is the rooms' wall clock (default: the system's; tests pass a virtual one).
    """
    book = load_playbook(settings.playbook) if settings.playbook else default_playbook()
    secret = load_secret(settings)
    admin_token = load_admin_token(settings)
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(settings.db_path, synchronous=settings.db_synchronous)
    manager = SessionManager(store, playbook=book, clock=clock)
    hub = Hub()
    services = Services(
        settings=settings,
        playbook=book,
        store=store,
        manager=manager,
        receivers=ReceiverTokens(settings.db_path, secret),
        hub=hub,
        studies=StudyRunner(
            settings.studies_dir,
            workers=settings.study_workers,
            concurrency=settings.study_concurrency,
            budget=settings.study_budget,
            on_change=lambda run_id: hub.poke(run_topic(run_id)),
        ),
        secret=secret,
        admin_token=admin_token,
        library=load_library(book),
        guesses=Guesses(settings.guesses_per_minute),
    )
    services.changed(manager.open_all())
    return services
