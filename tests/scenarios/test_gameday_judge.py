"""Recorded real game days judged again: what ``make gameday`` recorded (the room's alerts,
the journal, the room's score, the probe series and the team's actions, trimmed to what the
judge reads) in ``data/``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from playbook.model import default_playbook
from scenarios.gameday.judge import judge_gameday, rollbacks_started
from scenarios.gameday.realops import RealAction
from scenarios.gameday.series import ProbeSample

DATA = Path(__file__).parent / "data"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


def judge(data: dict[str, Any]) -> Any:
    return judge_gameday(
        data["score"],
        records=data["records"],
        journal=data["journal"],
        experiment_valid=data["valid"],
        samples=[ProbeSample.model_validate(s) for s in data["probes"]],
        actions=[RealAction.model_validate(a) for a in data["actions"]],
        playbook=default_playbook(),
        expected_severity="SEV2",
        speed=60,
    )


def test_the_recorded_textbook_game_day_recovered_after_the_teams_fix_before_the_rollback() -> None:
    data = recorded("gameday-latency-textbook.json")
    score = judge(data)
    assert score.valid and score.total is not None
    recovery = score.recovery
    assert recovery.by is not None and recovery.by.label == "set config checkout latency_ms=0"
    assert recovery.recovered_at is not None
    rollback = rollbacks_started(data["journal"])
    assert rollback is not None and recovery.recovered_at < rollback
    # the recording: every sample between the fault and the fix failed, the next ones held
    fix = datetime.fromisoformat(data["actions"][0]["wall"])
    samples = [ProbeSample.model_validate(s) for s in data["probes"]]
    assert all(not s.ok for s in samples if recovery.broke_at and recovery.broke_at <= s.started < fix)
    choice = next(c for c in score.criteria if c["id"] == "mitigation_choice")
    assert choice["points"] == choice["max"]


def test_a_recorded_game_day_in_which_no_real_alert_arrived_is_invalid_not_100() -> None:
    # a 1 ms latency broke nothing: no alert fired, the room's own (world) score was perfect
    data = recorded("gameday-no-alert.json")
    assert not [r for r in data["records"] if r["source"] == "facilitator"]
    assert data["score"]["total"] == data["score"]["max"]
    score = judge(data)
    assert not score.valid and score.total is None
    assert score.reasons == ("no real alert reached the room: nothing the team did was tested",)
    # the team's only action had no counterpart on the target
    assert [(a["label"], a["outcome"]) for a in data["actions"]] == [("set timeout checkout timeout to 2000 ms", "refused")]


def test_the_same_recording_with_its_real_alerts_removed_is_invalid_too() -> None:
    data = recorded("gameday-latency-textbook.json")
    data["records"] = [r for r in data["records"] if r["source"] != "facilitator"]
    score = judge(data)
    assert not score.valid and score.total is None
