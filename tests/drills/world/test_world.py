"""The world model: deterministic from (spec, seed, operations), alert rules shared with
scenarios/ and their ``for:`` durations, operations that act with delays, the queueing model."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drills.world import Operation, OperationRefused, World, WorldSpec, check, rule
from drills.world.logs import lines_at, search
from drills.world.noise import uniform
from scenarios.monitoring.compression import TimeCompression, parse_duration
from scenarios.monitoring.rules import RulesConfig, alert_rules


def spec(**changes: Any) -> WorldSpec:
    """One entry service over a pooled database; a bad deploy that errors 30 % from minute 5."""
    data: dict[str, Any] = {
        "seed": 3,
        "traffic": {"rps": 200, "noise_pct": 0, "daily_amplitude": 0},
        "services": [
            {"name": "web", "entry": True, "replicas": 4, "threads": 32, "service_ms": 20, "calls": {"db": 1},
             "version": "v1", "previous_versions": ["v0"], "base_error_pct": 0, "rollout_minutes": 2,
             "flags": {"beta": False}, "credentials": ["api-key"]},
            {"name": "db", "replicas": 1, "threads": 100, "service_ms": 2, "max_connections": 50, "hold_ms": 5,
             "base_error_pct": 0},
        ],
        "faults": [{"id": "bad", "kind": "bad_deploy", "service": "web", "category": "code_change", "starts_at": 5,
                    "sets": {"version": "v2"}, "effect": {"error_pct": 30}, "description": "v2 throws"}],
    }
    data.update(changes)
    return WorldSpec.model_validate(data)


def test_the_same_seed_and_operations_give_the_same_world_in_any_order_of_reading() -> None:
    a, b = World(spec()), World(spec())
    b.at(40)  # read far ahead first, then the start
    assert [a.at(m).metrics for m in range(41)] == [b.at(m).metrics for m in range(41)]


def test_another_seed_draws_other_noise() -> None:
    noisy = {"rps": 200, "noise_pct": 5}
    one, two = World(spec(traffic=noisy), seed=1), World(spec(traffic=noisy), seed=2)
    assert one.at(3).metrics["web"].requests_per_second != two.at(3).metrics["web"].requests_per_second


def test_keyed_noise_is_a_pure_function_of_its_key() -> None:
    assert uniform(7, "x", 3) == uniform(7, "x", 3) != uniform(7, "x", 4)


def test_an_operation_changes_only_the_minutes_after_it() -> None:
    world = World(spec())
    before = [world.at(m).metrics for m in range(30)]
    world.add(12.5, Operation(verb="rollback", target="web", version="v1"))
    after = [world.at(m).metrics for m in range(30)]
    assert after[:13] == before[:13] and after[14] != before[14]


def test_a_rollback_rolls_out_over_its_minutes_and_the_errors_recover_with_it() -> None:
    world = World(spec(), ops=[(10.0, Operation(verb="rollback", target="web", version="v1"))])
    errors = [round(world.at(m).metrics["web"].error_rate) for m in (9, 11, 12, 13)]
    # 30 % errors on v2; rollout of 2 minutes: half the replicas at minute 11, all at 12.
    assert errors == [30, 15, 0, 0]


def test_the_fault_lasts_while_its_version_runs_and_a_wrong_fix_changes_nothing() -> None:
    world = World(spec(), ops=[(10.0, Operation(verb="scale", target="web", replicas=8))])
    assert round(world.at(20).metrics["web"].error_rate) == 30


def test_high_error_rate_fires_after_its_for_duration_from_the_scenarios_rules() -> None:
    seed_rules = {r.alert: r for r in alert_rules(RulesConfig(compression=TimeCompression(factor=1)))}
    high = rule("HighErrorRate")
    assert high.for_minutes * 60 == parse_duration(seed_rules["HighErrorRate"].for_) == 120
    assert high.severity == seed_rules["HighErrorRate"].labels["severity"] == "critical"
    world = World(spec())
    fired = [(c.minute, c.alert_id) for m in range(20) for c in world.alert_changes(m) if c.firing]
    # v2 rolls out over 2 minutes from minute 5: 15 % errors at 6, 30 % from 7. The 5-minute
    # mean is 3 % at 6, (15 + 30) / 5 = 9 % > 5 % at 7: pending at 7, fires 2 minutes later.
    assert ("high-error-rate.web", 9) in [(a, m) for m, a in fired]


def test_an_alert_resolves_once_its_condition_fails_and_fires_again_with_a_new_id() -> None:
    world = World(spec(), ops=[(12.0, Operation(verb="rollback", target="web", version="v1")),
                               (30.0, Operation(verb="rollback", target="web", version="v2"))])
    changes = [(c.minute, c.alert_id, c.firing) for m in range(50) for c in world.alert_changes(m)
               if c.rule == "HighErrorRate"]
    assert [c[1:] for c in changes] == [("high-error-rate.web", True), ("high-error-rate.web", False),
                                        ("high-error-rate.web.2", True)]


def test_a_leak_fills_the_pool_and_a_restart_frees_it() -> None:
    leak = spec(faults=[{"id": "leak", "kind": "connection_leak", "service": "web", "category": "code_change",
                         "sets": {"version": "v2"}, "effect": {"leak_per_request": 0.001},
                         "description": "leaks"}])
    world = World(leak, ops=[(20.0, Operation(verb="restart", target="web"))])
    pool = [world.at(m).metrics["db"].pool_in_use or 0 for m in (5, 19, 23)]
    assert pool[0] < pool[1] and pool[2] < pool[1] / 2


def test_the_world_refuses_operations_it_cannot_do() -> None:
    s = spec()
    for op, words in (
        (Operation(verb="rollback", target="web", version="v9"), "no version 'v9'"),
        (Operation(verb="restart", target="nope"), "no service 'nope'"),
        (Operation(verb="toggle_flag", target="web", flag="gamma", enabled=True), "no flag 'gamma'"),
        (Operation(verb="rotate_credential", target="web", credential="x"), "no credential 'x'"),
        (Operation(verb="failover", target="web"), "no standby"),
        (Operation(verb="scale", target="web"), "scale needs replicas"),
    ):
        with pytest.raises(OperationRefused, match=words):
            check(op, s)


def test_logs_hold_background_noise_and_the_failure_reasons() -> None:
    world = World(spec())
    lines = [line for m in range(0, 12) for line in lines_at(world.spec, world.at(m), world.seed)]
    assert any(line.level == "info" for line in lines)
    errors = search(lines, service="web", level="error")
    assert errors and all(e.minute >= 5 for e in errors)
    assert errors == sorted(errors, key=lambda e: (e.minute, e.second), reverse=True)


@settings(max_examples=30, deadline=None)
@given(rps=st.floats(min_value=10, max_value=20_000))
def test_latency_and_errors_never_fall_as_load_grows(rps: float) -> None:
    """More load never makes a service faster or healthier (the queueing approximation)."""
    calm, busy = (World(spec(traffic={"rps": r, "noise_pct": 0, "daily_amplitude": 0}, faults=[{
        "id": "none", "kind": "bad_deploy", "service": "web", "category": "code_change", "starts_at": 999,
        "sets": {"version": "v2"}, "description": "later"}])).at(1).metrics["web"] for r in (rps, rps * 1.5))
    assert busy.latency_p99_ms >= calm.latency_p99_ms - 1e-9
    assert busy.error_rate >= calm.error_rate - 1e-9
    assert 0 <= busy.error_rate <= 100 and 0 <= busy.saturation_pct <= 100


def test_a_dependency_cycle_or_an_unknown_service_is_refused() -> None:
    from playbook.loader import BadReference

    cyclic = spec()
    data = cyclic.model_dump()
    data["services"][1]["calls"] = {"web": 1}
    with pytest.raises(BadReference, match="dependency cycle"):
        WorldSpec.model_validate(data).cross_check()
    data["services"][1]["calls"] = {"ghost": 1}
    with pytest.raises(BadReference, match="unknown service 'ghost'"):
        WorldSpec.model_validate(data).cross_check()
