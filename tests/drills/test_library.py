"""The library on the world model: every drill loads, its remedy works and something hurts,
its red herring is harmless, nothing participants see names the cause, and a drills
directory of a team's own sits beside the library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drills.library import DRILLS_DIR_ENV, LIBRARY_DIR, find_script, load_library
from drills.script import DrillScript
from drills.truth import judge_operations, remedies
from drills.world import World
from drills.worldplay import harmful_operation, red_herring_operation


def world_of(script: DrillScript) -> World:
    assert script.world is not None
    return World(script.world, start_hour=script.clock_start.hour + script.clock_start.minute / 60)


def test_the_library_has_the_seven_seed_drills_and_three_new_kinds(library: list[DrillScript]) -> None:
    ids = {s.id for s in library}
    assert ids >= {"conn-pool-leak", "eu-migration-pool", "dropped-index", "checkout-slow-burn",
                   "credential-leak", "payment-provider-outage", "alert-storm"}
    assert ids >= {"tls-cert-expiry", "queue-backlog", "region-failover"}
    assert all(s.world is not None and not s.truth.mitigations for s in library)


def test_each_drill_s_remedy_stops_the_impact_in_its_world(library: list[DrillScript]) -> None:
    for script in library:
        fixes = remedies(script.world)  # type: ignore[arg-type]
        assert fixes, script.id
        verdicts = judge_operations(world_of(script), [(20.0, fixes[0])])
        assert verdicts[0].effect == "works", script.id


def test_each_drill_has_a_harmful_operation_and_a_harmless_red_herring(library: list[DrillScript]) -> None:
    for script in library:
        assert script.world is not None and script.world.red_herrings, script.id
        wrong, _ = harmful_operation(script, 20.0)
        assert judge_operations(world_of(script), [(20.0, wrong)])[0].effect == "harmful", script.id
        chase = red_herring_operation(script.world)
        assert judge_operations(world_of(script), [(20.0, chase)])[0].effect == "no_effect", script.id


def test_nothing_a_participant_sees_before_the_end_names_the_cause(library: list[DrillScript]) -> None:
    for script in library:
        assert script.world is not None
        shown = " ".join([script.title, script.summary, script.participant_briefing]).lower()
        for fault in script.world.faults:
            assert fault.kind.replace("_", " ") not in shown, script.id
            assert fault.description.lower() not in shown, script.id
        assert script.truth.root_cause.lower() not in shown and "red herring" not in shown


def test_a_team_s_drills_directory_sits_beside_the_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = (LIBRARY_DIR / "region-failover.yaml").read_text(encoding="utf-8").replace(
        "id: region-failover", "id: our-region-drill")
    (tmp_path / "our-region-drill.yaml").write_text(mine, encoding="utf-8")
    monkeypatch.setenv(DRILLS_DIR_ENV, str(tmp_path))
    assert find_script("our-region-drill").id == "our-region-drill"
    ids = [s.id for s in load_library()]
    assert "our-region-drill" in ids and "conn-pool-leak" in ids
    assert json.loads(json.dumps(ids)) == sorted(ids)
