"""The facilitator console's truth: the world now, what the team looked at, the hints."""

from __future__ import annotations

import pytest

from drills.actions import Look
from drills.console import hints, looks, world_now
from drills.script import DrillScript
from playbook.model import Playbook
from tests.drills.conftest import Drill


@pytest.fixture
def world(library: list[DrillScript], book: Playbook) -> Drill:
    script = next(s for s in library if s.id == "payment-provider-outage")
    return Drill(script, book).start()


def test_the_world_now_shows_the_outage_holding_on_payco_and_the_red_herring(world: Drill) -> None:
    # payment-provider-outage: payco returns errors for 62 % of requests from minute 1.
    assert world_now(world.at(0.5).session) is not None
    now = world_now(world.at(5).session)
    assert now is not None and now.minute == 5 and now.impacted
    services = {s.name: s for s in now.services}
    assert services["payco"].health == "failing" and 50 < services["payco"].error_rate < 75
    assert services["payco-backup"].health == "ok"
    assert [s.name for s in now.services if s.red_herring] == ["payments"]
    [fault] = now.faults
    assert (fault.id, fault.kind, fault.service, fault.intensity) == ("payco-outage", "dependency_outage", "payco", 1.0)


def test_the_fault_does_not_hold_before_it_starts(world: Drill) -> None:
    now = world_now(world.session)
    assert now is not None and now.minute == 0 and now.faults[0].intensity == 0.0


def test_what_the_team_looked_at_and_what_it_missed(world: Drill) -> None:
    assert "the dependency map" in looks(world.session).missed
    world.at(3).act("bob", Look(evidence="dependencies"))
    seen = looks(world.session)
    assert seen.seen == [("15:23", "bob looked at the dependency map")]  # clock_start 15:20 + 3 min
    assert "the dependency map" not in seen.missed and "the metrics of payco" in seen.missed


def test_hints_say_when_they_went_out(world: Drill) -> None:
    assert [(h.level, h.sent_at) for h in hints(world.session)] == [(1, None), (2, None)]
    world.at(4).session.send_hint(2)
    assert [(h.level, h.sent_at) for h in hints(world.session)] == [(1, None), (2, "15:24")]
