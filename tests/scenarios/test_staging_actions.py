"""Own staging: the team's catalog actions land on the fault proxy in front of the service.

The mapping (the experiment's ``team_actions``, else rollback/restart/failover clear every
fault) is checked as written in scenarios/gameday/proxyops.py's doc; the real proxy process
(``python -m scenarios.faultproxy --http-metrics``) in front of the worked example's inventory
service then has its toxics and its disabled state removed by the team's restart, while an
unmapped operation is refused with nothing sent (a connection recorder as its control port).
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr

from drills.clock import VirtualClock
from playbook.errors import InvalidDefinition
from scenarios.allowlist import AllowList
from scenarios.examples import EXPERIMENT
from scenarios.gameday.bridge import OperateBridge
from scenarios.gameday.proxyops import (
    DEFAULT_TEAM_ACTIONS,
    ProxySystem,
    TeamAction,
    injected_kinds,
    matching,
    proxy_fixes,
    team_actions,
)
from scenarios.gameday.realops import Unsupported
from scenarios.procs import free_port, python_env, spawn, terminate, wait_until
from scenarios.room.drillapi import DrillApi
from tests.scenarios.conftest import ConnectionRecorder
from tests.scenarios.test_staging import inventory  # noqa: F401 - the example service fixture
from tests.webui.conftest import Harness, start_harness


def with_actions(rules: Any) -> dict[str, Any]:
    return {"extensions": [{"name": "drillbit", "drill": "x", "team_actions": rules}]}


@pytest.mark.parametrize("verb", ["rollback", "restart", "failover"])
def test_by_default_a_rollback_restart_or_failover_of_the_service_clears_every_fault(verb: str) -> None:
    rule = matching({"verb": verb, "target": "inventory", "version": "v1"}, DEFAULT_TEAM_ACTIONS, "inventory")
    assert rule.kinds() == ["latency", "bandwidth", "timeout", "reset_peer", "down"]


@pytest.mark.parametrize(
    ("op", "reason"),
    [
        ({"verb": "scale", "target": "inventory", "replicas": 8}, "cannot scale like this"),
        ({"verb": "restart", "target": "checkout"}, "no service 'checkout'"),
    ],
)
def test_an_operation_without_a_mapping_is_refused_with_a_reason_that_names_no_fix(op: dict[str, Any], reason: str) -> None:
    with pytest.raises(Unsupported, match=reason) as refused:
        matching(op, DEFAULT_TEAM_ACTIONS, "inventory")
    assert "rollback" not in str(refused.value) and "failover" not in str(refused.value)


def test_declared_team_actions_replace_the_default_and_match_every_field_they_name() -> None:
    rules = team_actions(with_actions([
        {"verb": "toggle_flag", "flag": "slow-path", "enabled": False, "clears": ["latency"]},
        {"verb": "rollback", "version": "v3.1.0", "clears": "all"},
    ]))  # fmt: skip
    assert matching({"verb": "toggle_flag", "target": "inv", "flag": "slow-path", "enabled": False}, rules, "inv").kinds() == ["latency"]
    for op in (
        {"verb": "toggle_flag", "target": "inv", "flag": "slow-path", "enabled": True},  # on, not off
        {"verb": "toggle_flag", "target": "inv", "flag": "other", "enabled": False},
        {"verb": "rollback", "target": "inv", "version": "v3.2.0"},
        {"verb": "restart", "target": "inv"},  # the default is replaced
    ):
        with pytest.raises(Unsupported):
            matching(op, rules, "inv")


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([{"verb": "reboot", "clears": "all"}], "team_actions[0].verb"),
        ([{"verb": "restart", "clears": ["latency", "fire"]}], "team_actions[0].clears.1"),
        ([{"verb": "restart", "clears": "all"}, {"verb": "restart"}], "team_actions[1].clears"),
        ([{"verb": "restart", "clears": "all", "colour": "red"}], "team_actions[0].colour"),
        ([], "team_actions"),
        ("restart", "team_actions"),
    ],
)
def test_a_malformed_team_action_is_refused_naming_its_field(rules: Any, field: str) -> None:
    with pytest.raises(InvalidDefinition) as refused:
        team_actions(with_actions(rules))
    assert refused.value.field == field


def test_the_worked_example_injects_latency_and_its_scripted_fix_is_a_restart() -> None:
    experiment = yaml.safe_load(EXPERIMENT.read_text())
    assert injected_kinds(experiment) == ["latency"]
    # rollback needs a version the default rule leaves open: the restart is the first whole fix
    assert proxy_fixes(experiment, "inventory", team_actions(experiment)) == [{"verb": "restart", "target": "inventory"}]


def test_chaostoolkit_toxiproxy_faults_are_recognised_and_fixed_kind_by_kind() -> None:
    method = [
        {"type": "action", "name": "a", "provider": {"type": "python", "module": "chaostoxi.proxy.actions", "func": "disable_proxy"}},
        {"type": "action", "name": "b", "provider": {"type": "python", "module": "chaostoxi.toxic.actions", "func": "create_latency_toxic"}},
    ]
    rules = (
        TeamAction(verb="failover", clears=["down"]),
        TeamAction(verb="set_config", key="cache", value="on", clears=["latency"]),
    )
    assert injected_kinds({"method": method}) == ["down", "latency"]
    assert proxy_fixes({"method": method}, "inv", rules) == [
        {"verb": "failover", "target": "inv"},
        {"verb": "set_config", "target": "inv", "key": "cache", "value": "on"},
    ]


@pytest.fixture
def metered_proxy(tmp_path: Path, inventory: str) -> Iterator[tuple[str, str, str]]:  # noqa: F811
    """(proxy URL, control URL, token): the real proxy process in front of the example."""
    token = secrets.token_urlsafe(24)
    (tmp_path / "token").write_text(token)
    listen, control = free_port(), free_port()
    record = spawn(
        "proxy",
        [sys.executable, "-m", "scenarios.faultproxy", "--listen-port", str(listen),
         "--upstream", inventory.removeprefix("http://"), "--control-port", str(control),
         "--admin-token-file", str(tmp_path / "token"), "--http-metrics", "inventory"],
        log_path=tmp_path / "proxy.log",
        env=python_env(),
    )  # fmt: skip
    url = f"http://127.0.0.1:{control}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/healthz", trust_env=False, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, timeout=20, what="the fault proxy", interval=0.05)
    try:
        yield f"http://127.0.0.1:{listen}", url, token
    finally:
        terminate(record)


def test_the_team_s_restart_removes_the_toxics_and_the_outage_on_the_real_proxy(
    metered_proxy: tuple[str, str, str], recorder: ConnectionRecorder
) -> None:
    proxy_url, control, token = metered_proxy
    with httpx.Client(base_url=f"{control}/key/{token}", trust_env=False, timeout=5) as toxiproxy:
        restart_removes_what_toxiproxy_added(toxiproxy, proxy_url, control, token, recorder)


def restart_removes_what_toxiproxy_added(
    toxiproxy: httpx.Client, proxy_url: str, control: str, token: str, recorder: ConnectionRecorder
) -> None:
    # What chaostoolkit-toxiproxy sends: a latency toxic, then the proxy disabled.
    toxiproxy.post("/proxies/gateway/toxics", json={"type": "latency", "attributes": {"latency": 800}}).raise_for_status()
    toxiproxy.post("/proxies/gateway", json={"enabled": False}).raise_for_status()
    toxiproxy.put("/faults", json={"reset_probability": 0.5}).raise_for_status()  # drillbit's own route
    unknown = toxiproxy.delete("/faults", params={"kinds": "latency,fire"})
    assert unknown.status_code == 400 and "fire is not a fault kind" in unknown.text
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{proxy_url}/items", trust_env=False, timeout=5)
    allow = AllowList.with_extra([])
    system = ProxySystem(control, SecretStr(token), allow=allow, service="inventory")
    unmapped = ProxySystem(recorder.url, SecretStr(token), allow=allow, service="inventory")
    refused = unmapped.carry_out({"verb": "set_config", "target": "inventory", "key": "pool", "value": "9"}, "bob")
    assert refused.outcome == "refused" and recorder.accepted == []  # nothing was sent

    done = system.carry_out({"verb": "restart", "target": "inventory"}, "bob")
    assert done.outcome == "done", done.detail
    view = toxiproxy.get("/proxies/gateway").json()
    assert (view["enabled"], view["toxics"]) == (True, [])
    assert toxiproxy.get("/faults").json()["reset_probability"] == 0.0
    answer = httpx.get(f"{proxy_url}/items", trust_env=False, timeout=5)
    assert answer.status_code == 200 and answer.elapsed.total_seconds() < 0.8  # the latency went too
    assert toxiproxy.get("/leases").json() == []  # nothing held any more


def test_an_unmapped_operation_made_in_the_room_is_refused_there_with_its_reason(
    tmp_path: Path, recorder: ConnectionRecorder
) -> None:
    app, client = start_harness(tmp_path / "web", VirtualClock())
    with client:
        harness = Harness(app, client, VirtualClock())
        room = harness.open_room("checkout-slow-burn")  # its world has an inventory service
        api = DrillApi("http://testserver", allow=AllowList.with_extra(["testserver"]), client=client)
        bob = api.join(room.code, "bob").token
        system = ProxySystem(recorder.url, SecretStr("t"), allow=AllowList(), service="inventory")
        bridge = OperateBridge(api, room.id, SecretStr(room.key), system, lambda _line: None)
        api.act(room.id, {"type": "operate", "verb": "scale", "target": "inventory", "replicas": 8}, token=bob)
        assert bridge.pump() == 1
        records = api.events(room.id, token=SecretStr(room.key))["records"]
    assert recorder.accepted == []  # refused before anything was sent
    lines = [str(r) for r in records if "staging-operation" in str(r)]
    assert len(lines) == 1
    assert "staging refused bob's scale inventory to 8 replicas (nothing was sent)" in lines[0]
    assert "cannot scale like this" in lines[0]
