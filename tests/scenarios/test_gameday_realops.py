"""The catalog's operations carried out on the bundled target: real HTTP to a real target
process, its state read back over its admin API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from drills.autopilot import profile
from scenarios.allowlist import AllowList
from scenarios.chaosrun import load_checked_experiment
from scenarios.gameday.realops import RealSystem, Unsupported, fixes_for, request_for
from scenarios.procs import is_running, terminate, wait_until
from scenarios.stack import load_state
from scenarios.team import real_moves
from tests.chaosdrillbit.test_interrupts import write_stack
from tests.scenarios.conftest import ConnectionRecorder, RunningTarget, start_target

EXPERIMENTS = Path(__file__).parents[2] / "scenarios" / "experiments"


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTarget]:
    running = start_target(tmp_path_factory.mktemp("realops"), "--version", "v2.0.0", "--previous-version", "v1.9.0")
    try:
        yield running
    finally:
        terminate(running.record)


@pytest.fixture
def system(target: RunningTarget) -> Iterator[RealSystem]:
    yield RealSystem(target.url, SecretStr(target.token), allow=AllowList())
    admin(target, "DELETE", "/admin/faults")


def admin(target: RunningTarget, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(
        method, target.url + path, headers={"Authorization": f"Bearer {target.token}"}, trust_env=False, **kwargs
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_set_config_clears_the_injected_latency_on_the_target(target: RunningTarget, system: RealSystem) -> None:
    admin(target, "PATCH", "/admin/faults", json={"latency_ms": 300})
    done = system.carry_out({"verb": "set_config", "target": "checkout", "key": "latency_ms", "value": "0"}, "bob")
    assert done.outcome == "done", done.detail
    state = admin(target, "GET", "/admin/faults")
    assert state["faults"]["latency_ms"] == 0 and state["active"] == []
    assert system.actions == [done] and done.label == "set config checkout latency_ms=0"


def test_toggle_flag_turns_a_boolean_switch_off(target: RunningTarget, system: RealSystem) -> None:
    admin(target, "PATCH", "/admin/faults", json={"dependency_hang": True, "latency_ms": 50})
    system.carry_out({"verb": "toggle_flag", "target": "checkout", "flag": "dependency_hang", "enabled": False}, "bob")
    assert admin(target, "GET", "/admin/faults")["active"] == ["latency_ms"]


def test_a_rollback_undoes_the_faults_of_the_release_after_it_but_not_configuration(
    target: RunningTarget, system: RealSystem
) -> None:
    admin(target, "PATCH", "/admin/faults", json={"latency_ms": 40})  # configuration, on v2.0.0
    admin(target, "PATCH", "/admin/faults", params={"release": "v2.1.0"}, json={"error_rate": 0.5})
    assert admin(target, "GET", "/admin/version")["version"] == "v2.1.0"
    done = system.carry_out({"verb": "rollback", "target": "checkout", "version": "v2.0.0"}, "bob")
    assert done.outcome == "done", done.detail
    version = admin(target, "GET", "/admin/version")
    assert version["version"] == "v2.0.0"
    assert version["active_faults"] == ["latency_ms"]
    assert set(version["known_versions"]) >= {"v1.9.0", "v2.0.0"}


def test_restart_reclaims_leaked_connections_and_stops_the_cpu_burn_but_keeps_the_leak(
    target: RunningTarget, system: RealSystem
) -> None:
    admin(target, "PATCH", "/admin/faults", json={"pool_leak": True, "cpu_burn_threads": 1})
    for _ in range(2):  # the pool holds 3: two requests leak two connections
        httpx.get(f"{target.url}/orders", trust_env=False, timeout=10)
    assert admin(target, "GET", "/admin/faults")["pool"]["leaked"] == 2
    before = admin(target, "GET", "/admin/version")["restarts"]
    done = system.carry_out({"verb": "restart", "target": "checkout"}, "bob")
    assert done.outcome == "done", done.detail
    state = admin(target, "GET", "/admin/faults")
    assert state["pool"]["leaked"] == 0 and state["pool"]["idle"] == 3
    assert state["active"] == ["pool_leak"]
    assert admin(target, "GET", "/admin/version")["restarts"] == before + 1


def test_an_unknown_version_fails_with_the_targets_reason(system: RealSystem) -> None:
    done = system.carry_out({"verb": "rollback", "target": "checkout", "version": "v0.0.1"}, "bob")
    assert done.outcome == "failed" and "404" in done.detail and "v1.9.0" in done.detail


def test_what_the_target_cannot_do_is_refused_before_anything_is_sent(recorder: ConnectionRecorder) -> None:
    system = RealSystem(recorder.url, SecretStr("x" * 20), allow=AllowList())
    for op in (
        {"verb": "scale", "target": "checkout", "replicas": 8},
        {"verb": "restart", "target": "inventory"},
        {"verb": "set_config", "target": "checkout", "key": "inventory_client", "value": "fast"},
        {"verb": "set_config", "target": "checkout", "key": "latency_ms", "value": "soon"},
        {"verb": "set_config", "target": "checkout", "key": "error_rate", "value": "7"},
    ):
        assert system.carry_out(op, "bob").outcome == "refused"
    assert recorder.accepted == []


def test_requests_map_verbs_to_the_admin_api() -> None:
    assert request_for({"verb": "restart", "target": "checkout"}, "checkout") == ("POST", "/admin/restart", None)
    assert request_for({"verb": "set_config", "target": "checkout", "key": "error_rate", "value": "0.0"}, "checkout") == (
        "PATCH", "/admin/faults", {"error_rate": 0.0},
    )  # fmt: skip
    with pytest.raises(Unsupported):
        request_for({"verb": "failover", "target": "checkout"}, "checkout")


def test_the_scripted_teams_fix_undoes_each_shipped_experiments_target_fault() -> None:
    # read from the experiments' YAML by hand: latency-injection sets latency_ms 2500,
    # error-spike sets error_rate, connection-pool-leak sets pool_leak
    latency = fixes_for(load_checked_experiment(EXPERIMENTS / "latency-injection.yaml"))
    assert latency == [{"verb": "set_config", "target": "checkout", "key": "latency_ms", "value": "0"}]
    leak = fixes_for(load_checked_experiment(EXPERIMENTS / "connection-pool-leak.yaml"))
    assert {"verb": "toggle_flag", "target": "checkout", "flag": "pool_leak", "enabled": False} in leak
    burn = fixes_for({"method": [{"provider": {"func": "inject_fault", "arguments": {"cpu_burn_threads": 2}}}]})
    assert burn == [{"verb": "restart", "target": "checkout"}]


def test_each_profile_operates_the_real_system_on_its_own_habits() -> None:
    fix = {"verb": "set_config", "target": "checkout", "key": "latency_ms", "value": "0"}
    assert real_moves(profile("textbook"), [fix], "checkout") == [(12.0, fix)]
    assert real_moves(profile("wrong-fix"), [fix], "checkout") == [
        (12.0, {"verb": "restart", "target": "checkout"}),
        (32.0, fix),
    ]
    assert real_moves(profile("no-mitigation"), [fix], "checkout") == []


def test_a_restart_of_a_crashed_target_starts_its_process_again(tmp_path: Path) -> None:
    (tmp_path / "crashed").mkdir()
    crashed = start_target(tmp_path / "crashed")
    stack = write_stack(tmp_path, crashed)
    try:
        httpx.post(f"{crashed.url}/admin/crash", headers={"Authorization": f"Bearer {crashed.token}"}, trust_env=False)
        wait_until(lambda: not is_running(crashed.record), timeout=20, what="the crash")
        system = RealSystem(crashed.url, SecretStr(crashed.token), allow=AllowList(), stack_dir=stack)
        done = system.carry_out({"verb": "restart", "target": "checkout"}, "bob")
        assert done.outcome == "done" and "started again" in done.detail
        assert httpx.get(f"{crashed.url}/healthz", trust_env=False).status_code == 200
    finally:
        state = load_state(stack)
        if state is not None:
            terminate(state.processes["target"])
    crash = {"method": [{"provider": {"func": "crash_target", "arguments": {}}}]}
    assert fixes_for(crash) == [{"verb": "restart", "target": "checkout"}]
