"""The game-day room an experiment opens (scenarios/gameday/kind.py) and what the runner posts
into it from the real system (scenarios/gameday/feed.py)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml

from drills.gamedayroom import gameday_script
from scenarios.chaosrun import EXPERIMENTS_DIR
from scenarios.gameday.feed import fault_line, signal_queries, snapshot_values
from scenarios.gameday.kind import gameday_spec


def experiment(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXPERIMENTS_DIR / f"{name}.yaml").read_text())
    return data


# By hand from each experiment's method and the module's table.
EXPECTED = {
    "latency-injection": [("checkout", "infrastructure")],
    "error-spike": [("checkout", "code_change")],
    "connection-pool-leak": [("checkout", "data_or_database")],
    "dependency-outage": [("payment-gateway", "dependency")],
    "process-crash": [("checkout", "infrastructure")],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shipped_experiment_names_the_fault_it_injects_as_the_room_s_truth(name: str) -> None:
    spec = gameday_spec(experiment(name), service="checkout", own_target=False, briefing_from="checkout-slow-burn")
    assert [(f.service, f.category) for f in spec.faults] == EXPECTED[name]
    assert spec.all_services == ("checkout", "payment-gateway")
    script = gameday_script(spec)
    assert script.kind == "gameday" and script.world is None and script.injects == ()
    for fault in spec.faults:  # the truth reaches the facilitator's briefing, never the team's
        assert fault.what in script.briefing and fault.what not in script.participant_briefing


def test_the_remedies_are_the_operations_that_undo_the_target_s_faults() -> None:
    latency = gameday_spec(experiment("latency-injection"), service="checkout", own_target=False, briefing_from=None)
    assert [op.model_dump(exclude_none=True) for op in latency.remedies] == [
        {"verb": "set_config", "target": "checkout", "key": "latency_ms", "value": "0"}
    ]
    crash = gameday_spec(experiment("process-crash"), service="checkout", own_target=False, briefing_from=None)
    assert [op.verb for op in crash.remedies] == ["restart"]
    proxy = gameday_spec(experiment("dependency-outage"), service="checkout", own_target=False, briefing_from=None)
    assert proxy.remedies == ()  # the proxy's faults have no operation on the target


def test_on_your_own_staging_the_proxy_s_faults_are_on_your_service() -> None:
    spec = gameday_spec(
        {"title": "t", "method": [{"type": "action", "provider": {"func": "set_proxy_faults",
                                                                  "arguments": {"latency_ms": 800}}}]},
        service="inventory", own_target=True, briefing_from=None,
    )
    assert [(f.service, f.category) for f in spec.faults] == [("inventory", "infrastructure")]
    assert spec.all_services == ("inventory",)


def test_the_snapshot_values_come_from_each_instant_vector_and_no_traffic_is_left_out() -> None:
    results = {
        "requests_per_second": [{"metric": {}, "value": [1700000000.0, "4.25"]}],
        "error_rate": [{"metric": {}, "value": [1700000000.0, "NaN"]}],  # 0/0: no traffic
        "latency_p99_ms": [],
    }
    assert snapshot_values(results) == {"requests_per_second": 4.25}
    assert snapshot_values({"error_rate": [{"value": [0, "150"]}]}) == {"error_rate": 100.0}
    assert snapshot_values({"requests_per_second": [{"value": [0, "-0.0"]}]}) == {"requests_per_second": 0.0}
    assert not math.isnan(snapshot_values({"latency_p99_ms": [{"value": [0, "4950.123"]}]})["latency_p99_ms"])


def test_the_queries_select_the_target_s_service_as_the_burn_rate_rules_do() -> None:
    queries = signal_queries("inventory")
    assert set(queries) == {"requests_per_second", "error_rate", "latency_p99_ms"}
    assert all('service="inventory"' in q for q in queries.values())
    assert "or vector(0)" in queries["error_rate"]  # no 5xx series at all is 0 %, not "no data"


def test_the_fault_line_names_each_fault_and_its_lease() -> None:
    assert fault_line({"faults": [], "load": []}) == "active faults: none"
    line = fault_line({"faults": [{"target": "http://127.0.0.1:8081", "kind": "latency_ms",
                                   "expires_at": "2026-12-01T14:00:30Z"}]})
    assert line == "active faults: latency_ms on http://127.0.0.1:8081, lease until 2026-12-01T14:00:30Z"
