"""Fixtures for the drill tests: a virtual clock, an in-memory store, and a tiny stage
(``Drill``) that plays a session minute by minute without sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from drills.actions import Action
from drills.clock import VirtualClock
from drills.events import Record
from drills.library import find_script, load_library
from drills.scoring import CriterionScore, score_session
from drills.script import DrillScript
from drills.session import DrillSession
from drills.store import Store
from playbook.model import Playbook
from playbook.rubric import default_rubric

TEAM = ("alice", "bob", "carol", "dave")


class Drill:
    """A session on a virtual clock at x1: ``d.at(17).act("alice", Acknowledge())``."""

    def __init__(self, script: DrillScript, book: Playbook, store: Store | None = None) -> None:
        self.clock = VirtualClock()
        self.store = store or Store(":memory:")
        self.session = DrillSession.create(
            script=script, playbook=book, rubric=default_rubric(), store=self.store, clock=self.clock
        )

    def start(self, *people: str) -> Drill:
        for person in people or TEAM:
            self.session.join(person)
        self.session.start()
        return self

    def at(self, minute: float) -> Drill:
        """Move the clock to drill minute ``minute`` and deliver what is due."""
        now = self.session.now()
        if minute > now:
            self.clock.advance(timedelta(minutes=minute - now))
        self.session.sync()
        return self

    def act(self, actor: str, action: Action) -> list[Record]:
        return self.session.act(actor, action)

    def score(self) -> dict[str, CriterionScore]:
        s = self.session
        report = score_session(s.records(), session_id=s.id, script=s.script, playbook=s.playbook,
                               rubric=s.rubric, now=s.now())
        return {c.id: c for c in report.criteria}


@pytest.fixture(scope="session")
def library(book: Playbook) -> list[DrillScript]:
    return load_library(book)


SCRIPTED = Path(__file__).parent / "data" / "scripted-pool-leak.yaml"


@pytest.fixture(scope="session")
def leak(book: Playbook) -> DrillScript:
    """A scripted drill (injects and a mitigation catalogue, no world): the library's
    conn-pool-leak before it moved onto the world model. SEV2, first real alert at minute 16,
    rollback works in 4 minutes."""
    return find_script(str(SCRIPTED), playbook=book)


@pytest.fixture
def stage(book: Playbook, leak: DrillScript) -> Callable[..., Drill]:
    def make(script: DrillScript | None = None) -> Drill:
        return Drill(script or leak, book)

    return make


@pytest.fixture
def drill(stage: Callable[..., Drill]) -> Drill:
    """conn-pool-leak with the team joined and the clock started at minute 0."""
    return stage().start()
