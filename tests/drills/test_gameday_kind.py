"""The game-day kind of drill: no world, no injects; only outside alerts page; the truth is the
experiment's faults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drills.actions import Hypothesis, Look, Operate, RootCause, WritePostmortem
from drills.autopilot import plan, profile
from drills.errors import ActionRefused
from drills.gameday import GameDayFault, GameDaySpec
from drills.gamedayroom import gameday_script
from drills.gamedayview import fault_state, real_changes, real_series
from drills.script import DrillScript, load_script
from drills.world.ops import Operation
from playbook.context import AlertContext
from playbook.errors import InvalidDefinition
from playbook.model import Playbook
from tests.drills.conftest import Drill

SPEC = GameDaySpec(
    experiment="Checkout stays within its latency SLO",
    description="Inject 2.5 s of latency into every checkout request.",
    service="checkout",
    services=("checkout", "payment-gateway"),
    faults=(GameDayFault(service="checkout", category="infrastructure", what="every request takes 2500 ms longer"),),
    remedies=(Operation(verb="set_config", target="checkout", key="latency_ms", value="0"),),
)
ALERT: dict[str, Any] = {
    "type": "alert", "id": "am-0123abcd-1700000000", "at": 0,
    "summary": "CheckoutHighLatencyBudgetBurn: p99 over the SLO",
    "context": {"service": "checkout", "latency_p99_ms": 4900, "is_revenue_impacting": True},
}


@pytest.fixture
def briefing(library: list[DrillScript]) -> DrillScript:
    return next(s for s in library if s.id == "checkout-slow-burn")


@pytest.fixture
def script(briefing: DrillScript) -> DrillScript:
    return gameday_script(SPEC, briefing=briefing)


def test_a_game_day_room_has_no_world_nor_injects_and_takes_only_the_library_drill_s_briefing(
    script: DrillScript, briefing: DrillScript
) -> None:
    assert briefing.world is not None  # the library drill has a world, the room none
    assert script.kind == "gameday" and script.world is None and script.injects == ()
    assert "recommendations" not in script.services  # the world's red herring is not there
    assert briefing.participant_briefing in script.participant_briefing
    assert script.services == ("checkout", "payment-gateway")
    assert script.truth.mitigations == () and script.truth.action_items == ()
    assert "2500 ms" in script.truth.root_cause and "2500" not in script.participant_briefing
    assert script.gameday is not None and script.gameday.briefing_from == "checkout-slow-burn"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.lists(st.floats(min_value=0.1, max_value=3000), min_size=1, max_size=6))
def test_a_game_day_room_records_nothing_by_itself_however_long_it_runs(
    script: DrillScript, book: Playbook, minutes: list[float]
) -> None:
    d = Drill(script, book).start()
    for m in sorted(minutes):
        d.at(m)
    kinds = [r.kind for r in d.session.records()]
    assert kinds == ["participant_joined"] * 4 + ["drill_started"]


def test_an_outside_alert_pages_through_the_playbook_and_nothing_else_pages(script: DrillScript, book: Playbook) -> None:
    d = Drill(script, book).start()
    d.at(3)
    d.session.inject(ALERT)
    d.at(200)
    records = d.session.records()
    fired = [r for r in records if r.kind == "alert_fired"]
    assert [r.ref for r in fired] == [ALERT["id"]] and fired[0].source == "facilitator"
    verdict = book.classify(AlertContext.model_validate(ALERT["context"])).severity
    assert d.session.state.alerts[ALERT["id"]].severity == verdict
    pages = [r for r in records if r.kind == "page_sent"]
    assert pages and {r.ref for r in pages} == {ALERT["id"]}
    assert not [r for r in records if r.source in ("world", "script", "reaction") or r.kind == "impact_started"]


def test_operations_hypotheses_and_root_causes_name_the_game_day_s_services(script: DrillScript, book: Playbook) -> None:
    d = Drill(script, book).start()
    d.at(1)
    op = d.act("bob", Operate(verb="set_config", target="checkout", key="latency_ms", value="0"))
    assert op[0].kind == "operated" and op[0].ref == "checkout"
    assert d.act("bob", Hypothesis(service="payment-gateway", category="dependency"))[0].kind == "hypothesis_recorded"
    with pytest.raises(ActionRefused, match="no service 'inventory'"):
        d.act("bob", Operate(verb="restart", target="inventory"))
    with pytest.raises(ActionRefused, match="rollback needs version"):
        d.act("bob", Operate(verb="rollback", target="checkout"))
    with pytest.raises(ActionRefused, match="no service 'search'"):
        d.act("bob", Hypothesis(service="search", category="code_change"))
    look = d.act("bob", Look(evidence="metrics", service="checkout"))[0]
    assert look.kind == "evidence_viewed"


def test_a_game_day_script_with_a_world_injects_or_a_catalogue_is_refused(briefing: DrillScript) -> None:
    base = gameday_script(SPEC, briefing=briefing).model_dump(mode="json", exclude_none=True)
    for extra in ({"world": briefing.model_dump(mode="json")["world"]}, {"injects": [ALERT]}):
        text = _yaml({**base, **extra})
        with pytest.raises(InvalidDefinition, match="played on the real system"):
            load_script("gameday.yaml", text=text)
    without = {k: v for k, v in base.items() if k != "gameday"}
    with pytest.raises(InvalidDefinition, match="needs its gameday spec"):
        load_script("gameday.yaml", text=_yaml(without))
    drill = {**briefing.model_dump(mode="json", exclude_none=True), "gameday": base["gameday"]}
    with pytest.raises(InvalidDefinition, match="only a drill of kind gameday"):
        load_script("drill.yaml", text=_yaml(drill))


def _yaml(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data)  # JSON is YAML


def _scores(d: Drill) -> dict[str, Any]:
    return {k: v.points for k, v in d.score().items()}


def test_the_diagnosis_is_judged_against_the_fault_the_chaos_run_injected(script: DrillScript, book: Playbook) -> None:
    def played(service: str, category: str) -> float:
        d = Drill(script, book).start()
        d.at(2)
        d.session.inject(ALERT)
        d.at(4)
        d.act("bob", Hypothesis(service=service, category=category))  # type: ignore[arg-type]
        return float(d.score()["diagnosis"].points)

    right, service_only, wrong = (played("checkout", "infrastructure"), played("checkout", "dependency"),
                                  played("payment-gateway", "dependency"))
    # 10 points: 60 % for a timely right first hypothesis + 40 % for the final word (by hand).
    assert right == 10.0
    assert service_only == 0.6 * 0.5 * 10 + 0.4 * 0.5 * 10
    assert wrong == 0.0


def test_the_expected_severity_is_the_playbook_s_verdict_on_the_real_alert(script: DrillScript, book: Playbook) -> None:
    d = Drill(script, book).start()
    d.session.inject(ALERT)
    d.at(5)
    report = d.session
    from drills.scoring import score_session

    scored = score_session(report.records(), session_id=report.id, script=script, playbook=book, rubric=report.rubric)
    assert scored.expected_severity == book.classify(AlertContext.model_validate(ALERT["context"])).severity


def _autoplay(script: DrillScript, book: Playbook, name: str) -> Drill:
    """The profile's team in a game-day room; the alert clears once the remedy is in (as the real
    system would tell the room)."""
    d = Drill(script, book).start()
    d.at(1)
    d.session.inject(ALERT)
    for _ in range(80):
        move = plan(d.session, profile(name))
        if move is None:
            break
        d.at(max(move.at, d.session.now()))
        d.act(move.actor, move.action)
        fixed = any(o.operation in SPEC.remedies for _, o in d.session.state.operations)
        if fixed and d.session.state.alerts[ALERT["id"]].resolved_at is None:
            d.at(d.session.now() + 2)
            d.session.clear_alert(ALERT["id"])
    return d


def test_the_textbook_team_fixes_the_real_fault_with_the_remedy_and_names_the_right_cause(
    script: DrillScript, book: Playbook
) -> None:
    d = _autoplay(script, book, "textbook")
    state = d.session.state
    assert [o.operation for _, o in state.operations] == list(SPEC.remedies)
    assert [(h.service, h.category) for _, h in state.hypotheses] == [("checkout", "infrastructure")]
    assert state.resolved and state.postmortem is not None
    assert d.score()["diagnosis"].points == 10 and d.score()["investigation"].points == 8


def test_the_flawed_teams_lose_their_habit_in_a_game_day(script: DrillScript, book: Playbook) -> None:
    wrong_fix = _autoplay(script, book, "wrong-fix").session.state
    assert [o.operation.verb for _, o in wrong_fix.operations] == ["restart", "set_config"]
    wrong = _autoplay(script, book, "wrong-diagnosis")
    assert wrong.session.state.hypotheses[0][1].service == "payment-gateway"
    assert wrong.score()["diagnosis"].points == 0
    idle = _autoplay(script, book, "no-mitigation").session.state
    assert idle.operations == [] and not idle.resolved


def test_a_postmortem_root_cause_must_be_a_game_day_service(script: DrillScript, book: Playbook) -> None:
    d = Drill(script, book).start()
    d.session.inject(ALERT)
    d.at(1)
    with pytest.raises(ActionRefused):
        d.act("alice", WritePostmortem(text="x", root_cause=RootCause(service="nowhere", category="dependency")))


def test_the_panels_read_the_real_snapshots_and_withhold_what_the_chaos_changed(script: DrillScript, book: Playbook) -> None:
    d = Drill(script, book).start()
    d.at(2)
    for minute, p99 in ((2, 50.0), (4, 4900.0), (4.5, 4950.0)):
        d.at(minute)
        d.session.inject({"type": "metrics", "id": f"m-{minute}", "at": 0, "service": "checkout",
                          "values": {"latency_p99_ms": p99, "requests_per_second": 3}, "facilitator_only": True})
    for i, line in enumerate(("Chaos method started: load and fault go in now",
                              "Chaos action inject-2500ms-latency = {'active': ['latency_ms']}",
                              "Chaos rollbacks completed")):
        d.session.inject({"type": "log", "id": f"c-{i}", "at": 0, "service": "chaos-toolkit", "line": line,
                          "facilitator_only": True})
    d.session.inject({"type": "log", "id": "f-1", "at": 0, "service": "drillbit-faults",
                      "line": "active faults: latency_ms on http://127.0.0.1:8081", "facilitator_only": True})
    records = d.session.records()
    series = real_series(records, "checkout")
    assert series["minute"] == [2.0, 4.0]  # the last snapshot of each minute
    assert series["latency_p99_ms"] == [50.0, 4950.0] and series["requests_per_second"] == [3.0, 3.0]
    assert series["error_rate"][0] != series["error_rate"][0]  # NaN: no snapshot held it
    changes = real_changes(records, script.clock_start)
    assert len(changes) == 3 and not any("2500" in str(c["summary"]) or "latency" in str(c["summary"]) for c in changes)
    state = fault_state(records, SPEC.faults, script.clock_start)
    assert state.now == "active faults: latency_ms on http://127.0.0.1:8081" and len(state.steps) == 3


def test_a_game_day_clock_starts_at_the_real_instant_the_room_opens(briefing: DrillScript) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 1, 14, 3, 27, tzinfo=UTC)
    script = gameday_script(SPEC, briefing=briefing, now=now)
    assert script.clock_start == now.replace(second=0) and script.clock_start - now < timedelta(minutes=1)
