"""Game-day scoring: recovery read from the probe series, mitigation judged on the real system,
and a game day without a real alert reported invalid (series and scores built by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from playbook.rubric import Parameters, default_rubric
from scenarios.gameday.realops import RealAction
from scenarios.gameday.scoring import find_recovery, score_gameday
from scenarios.gameday.series import ProbeSample

T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def sample(start: float, ok: bool) -> ProbeSample:
    return ProbeSample(started=at(start), ended=at(start + 1), values={"p95": 0.1 if ok else 2.6}, ok=ok)


def action(when: float, label: str, outcome: str = "done") -> RealAction:
    return RealAction(wall=at(when), actor="bob", label=label, operation={"verb": "x"}, outcome=outcome)  # type: ignore[arg-type]


def series(oks: dict[float, bool]) -> list[ProbeSample]:
    return [sample(t, ok) for t, ok in sorted(oks.items())]


# fault at 0; failing every 2 s from 1 to 19; ok from 21; rollback at 30
BROKEN = {-4.0: True, -2.0: True, **{float(t): False for t in range(1, 20, 2)}, 21.0: True, 23.0: True, 25.0: True}
FIX = "set config checkout latency_ms=0"


def test_the_recovery_is_credited_to_the_last_action_done_before_it() -> None:
    fix = action(20, FIX)
    r = find_recovery(series(BROKEN), fault_at=at(0), actions=[action(10, "restart checkout"), fix], rollback_at=at(30))
    assert r.broke_at == at(1)
    assert r.recovered_at == at(21)
    assert r.by == fix
    assert [a.label for a in r.ineffective] == ["restart checkout"]
    assert r.by_team and not r.by_rollback


def test_a_recovery_at_or_after_the_rollback_is_the_safety_nets() -> None:
    oks = {**{float(t): False for t in range(1, 30, 2)}, 31.0: True, 33.0: True}
    r = find_recovery(series(oks), fault_at=at(0), actions=[action(10, "restart checkout")], rollback_at=at(30))
    assert r.recovered_at == at(31)
    assert r.by_rollback and r.by is None and not r.by_team


def test_an_ok_sample_between_failing_ones_is_not_a_recovery() -> None:
    oks = {1.0: False, 3.0: True, 5.0: False, 7.0: False, 9.0: True, 11.0: True}
    r = find_recovery(series(oks), fault_at=at(0), actions=[action(2, "restart checkout"), action(8, FIX)], rollback_at=at(30))
    assert r.recovered_at == at(9)
    assert r.by is not None and r.by.label == FIX


def test_an_action_that_took_effect_while_the_first_good_sample_ran_gets_the_credit() -> None:
    # the sample starts at 21 and ends at 22; the fix's answer came back at 21.5
    fix = action(21.5, FIX)
    r = find_recovery(series(BROKEN), fault_at=at(0), actions=[fix], rollback_at=at(30))
    assert r.recovered_at == at(21) and r.by == fix


def test_one_ok_sample_at_the_end_is_not_enough_and_refused_actions_count_for_nothing() -> None:
    assert find_recovery(series({1.0: False, 3.0: True}), fault_at=at(0), actions=[], rollback_at=None).recovered_at is None
    oks = {1.0: False, 3.0: False, 5.0: True, 7.0: True}
    refused = action(4, "scale checkout to 8 replicas", outcome="refused")
    r = find_recovery(series(oks), fault_at=at(0), actions=[refused], rollback_at=None)
    assert r.recovered_at == at(5) and r.by is None and not r.by_team


@given(
    oks=st.lists(st.booleans(), min_size=1, max_size=30),
    action_times=st.lists(st.integers(min_value=0, max_value=60), max_size=5),
    rollback=st.none() | st.integers(min_value=0, max_value=60),
)
def test_a_recovery_follows_every_failing_sample_and_is_credited_to_what_came_last_before_it(
    oks: list[bool], action_times: list[int], rollback: int | None
) -> None:
    samples = [sample(2 * i, ok) for i, ok in enumerate(oks)]
    actions = [action(t, f"op at {t}") for t in sorted(action_times)]
    r = find_recovery(samples, fault_at=at(0), actions=actions, rollback_at=None if rollback is None else at(rollback))
    if r.recovered_at is not None:
        assert all(s.started < r.recovered_at for s in samples if not s.ok)
        assert r.broke_at is not None and r.broke_at < r.recovered_at
    if r.by is not None:
        assert r.confirmed_at is not None and r.by.wall <= r.confirmed_at
        assert not r.by_rollback
        assert rollback is None or at(rollback) < r.by.wall or at(rollback) > r.confirmed_at


def room_score() -> dict[str, Any]:
    """What the room's scoring said (on the drill world): everything perfect."""
    return {
        "total": 25.0,
        "max": 25.0,
        "expected_severity": "SEV2",
        "criteria": [
            {"id": "acknowledge", "points": 7.0, "max": 7.0, "rating": "P", "evidence": [1], "explanation": "fast"},
            {"id": "mitigate_time", "points": 9.0, "max": 9.0, "rating": "P", "evidence": [2], "explanation": "world"},
            {"id": "mitigation_choice", "points": 9.0, "max": 9.0, "rating": "P", "evidence": [3], "explanation": "world"},
        ],
    }


def criteria(score: Any) -> dict[str, float]:
    return {c["id"]: c["points"] for c in score.criteria}


def test_a_game_day_in_which_no_real_alert_arrived_is_invalid_not_100() -> None:
    r = find_recovery(series(BROKEN), fault_at=at(0), actions=[action(20, FIX)], rollback_at=at(30))
    score = score_gameday(room_score(), real_alerts=0, experiment_valid=True, recovery=r, first_alert=None,
                          rto_minutes=120, rubric=default_rubric())  # fmt: skip
    assert not score.valid
    assert score.total is None
    assert any("no real alert" in reason for reason in score.reasons)


def test_the_team_that_fixed_the_real_system_within_the_rto_keeps_full_mitigation_points() -> None:
    r = find_recovery(series(BROKEN), fault_at=at(0), actions=[action(20, FIX)], rollback_at=at(30))
    # first real alert at 10 s; recovery at 21 s: 11 s of wall time at x60 = 11 drill minutes
    score = score_gameday(room_score(), real_alerts=1, experiment_valid=True, recovery=r, first_alert=at(10),
                          rto_minutes=120, rubric=default_rubric(), acknowledged_at=at(11), response_minutes=15,
                          speed=60)  # fmt: skip
    assert score.valid and score.total == 25.0
    by_id = {c["id"]: c for c in score.criteria}
    assert "11 min after the first real alert" in by_id["mitigate_time"]["explanation"]
    assert FIX in by_id["mitigation_choice"]["explanation"]
    assert by_id["mitigation_choice"]["judged_on"] == "the real system"


def test_recovery_only_by_the_rollback_earns_no_mitigation_points_whatever_the_world_said() -> None:
    oks = {**{float(t): False for t in range(1, 30, 2)}, 31.0: True, 33.0: True}
    r = find_recovery(series(oks), fault_at=at(0), actions=[], rollback_at=at(30))
    score = score_gameday(room_score(), real_alerts=1, experiment_valid=True, recovery=r, first_alert=at(10),
                          rto_minutes=120, rubric=default_rubric(), acknowledged_at=at(11), response_minutes=15)  # fmt: skip
    assert criteria(score) == {"acknowledge": 7.0, "mitigate_time": 0.0, "mitigation_choice": 0.0}
    assert score.total == 7.0


def test_a_late_fix_and_an_idle_action_cost_what_the_rubric_says() -> None:
    # alert at 0 s, recovery at 21 s at x60 = 21 drill minutes; RTO 11 min, late factor 3:
    # 1 - (21 - 11) / (11 * 2) = 12/22 of 9 points = 4.9; one idle action at a 0.25 penalty: 6.75
    rubric = default_rubric()
    rubric = rubric.model_copy(update={"parameters": Parameters(no_effect_penalty=0.25, late_factor=3.0)})
    r = find_recovery(series(BROKEN), fault_at=at(0), actions=[action(10, "restart checkout"), action(20, FIX)],
                      rollback_at=at(30))  # fmt: skip
    score = score_gameday(room_score(), real_alerts=1, experiment_valid=True, recovery=r, first_alert=at(0),
                          rto_minutes=11, rubric=rubric, speed=60)  # fmt: skip
    assert criteria(score)["mitigate_time"] == 4.9
    assert criteria(score)["mitigation_choice"] == 6.8  # 6.75 rounded to one decimal (half to even)


def test_the_real_alert_must_be_acknowledged_whatever_the_room_said_of_its_world_alerts() -> None:
    r = find_recovery(series(BROKEN), fault_at=at(0), actions=[action(20, FIX)], rollback_at=at(30))

    def acknowledge(acknowledged_at: datetime | None) -> dict[str, Any]:
        score = score_gameday(room_score(), real_alerts=1, experiment_valid=True, recovery=r, first_alert=at(10),
                              rto_minutes=120, rubric=default_rubric(), acknowledged_at=acknowledged_at,
                              response_minutes=15, speed=60)  # fmt: skip
        return next(c for c in score.criteria if c["id"] == "acknowledge")

    assert acknowledge(None)["points"] == 0.0
    assert acknowledge(None)["explanation"] == "the first real alert was never acknowledged"
    # 30 s after it arrived at x60 = 30 drill minutes; target 15, late factor 3:
    # 1 - (30 - 15) / (15 * 2) = 0.5 of 7 points
    assert acknowledge(at(40))["points"] == 3.5
