"""Own staging: a user's plain HTTP service behind the fault proxy, watched by real Prometheus.

The worked example of scenarios/README.md, end to end: the stdlib inventory API (not the
checkout target), ``start_stack(own_target=...)`` (the real fault proxy counting HTTP
requests, the bundled Prometheus and Alertmanager with burn-rate rules generated for it), and
the example experiment run by Chaos Toolkit: 2.5 s of proxy latency must fire
``InventoryHighLatencyBudgetBurn`` and route it to the drill receiver; the rollback clears it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from pydantic import SecretStr

from chaosdrillbit import actions, probes
from drillbit.cli import main
from playbook.errors import InvalidDefinition
from scenarios.allowlist import AllowList, TargetNotAllowed
from scenarios.chaosrun import read_env_file, run_experiment
from scenarios.examples import EXPERIMENT
from scenarios.faultstate import fault_status, prometheus_vector
from scenarios.gameday.plan import GameDayOptions, plan_gameday
from scenarios.gameday.proxyops import own_staging_system
from scenarios.monitoring.alertmanager import WebhookTarget
from scenarios.monitoring.binaries import DEBIAN_PACKAGES, find_binaries
from scenarios.procs import ProcessRecord, free_port, python_env, spawn, terminate, wait_until
from scenarios.receiver import receiver_snippet
from scenarios.stack import StackConfig, start_stack, stop_stack
from scenarios.stackplan import plan_stack
from tests.scenarios.conftest import RECOVERY_TIMEOUT_SECONDS

EXAMPLE = EXPERIMENT
needs_monitoring = pytest.mark.skipif(
    find_binaries() is None,
    reason=f"needs Prometheus and Alertmanager: apt-get install -y {' '.join(DEBIAN_PACKAGES)}",
)


@pytest.fixture
def inventory(tmp_path: Path) -> Iterator[str]:
    """The example service, as a user would start it: ``python -m scenarios.examples.inventory``."""
    port = free_port()
    record: ProcessRecord = spawn(
        "inventory",
        [sys.executable, "-m", "scenarios.examples.inventory", "--port", str(port)],
        log_path=tmp_path / "inventory.log",
        env=python_env(),
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/healthz", trust_env=False, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(answers, timeout=20, what="the inventory example", interval=0.05)
        yield url
    finally:
        terminate(record)


@pytest.mark.integration
@needs_monitoring
def test_the_worked_example_pages_on_the_proxy_s_own_metrics_and_rolls_back(inventory: str, tmp_path: Path) -> None:
    stack_dir = tmp_path / "stack"
    state = start_stack(StackConfig(run_dir=stack_dir, own_target=inventory, service="inventory"))
    try:
        assert state.own_target == inventory and "target" not in state.processes
        assert httpx.get(f"{state.target_url}/items/3", trust_env=False).json()["name"] == "countersink"
        rules = yaml.safe_load((stack_dir / "rules.yml").read_text())
        names = {r["alert"] for g in rules["groups"] for r in g["rules"]}
        assert {"InventoryHighLatencyBudgetBurn", "InventoryHighErrorBudgetBurn"} <= names
        env = {**read_env_file(state.chaos_env_file), "DRILLBIT_ALERT_TIMEOUT": "60"}
        outcome = run_experiment(EXAMPLE, journal_path=tmp_path / "journal.json", env=env, recovery_timeout=RECOVERY_TIMEOUT_SECONDS)
        journal = json.loads(outcome.journal_path.read_text())
        assert journal["status"] == "completed", journal.get("run")
        # Run alone, no team fixes it: the after-hypothesis runs with the 2.5 s still in (the
        # rollback comes after), so the latency probe must fail it, and only that probe.
        assert outcome.judgement.verdict.value == "failed", outcome.judgement.reasons
        assert outcome.judgement.reasons[0] == "the steady state did not hold after the method (items-p95-within-500ms)"
        assert outcome.recovered  # and the rollback brought it back
        fired = next(r for r in journal["run"] if r["activity"]["name"] == "latency-burn-alert-fires")
        assert fired["status"] == "succeeded"
        # Prometheus counted the requests the proxy forwarded, under the user's service label.
        seen = prometheus_vector(state.prometheus_url, 'sum(http_requests_total{service="inventory",status="200"})')
        assert seen and float(seen[0]["value"][1]) > 0
        assert fault_status(stack_dir)["faults"] == []  # rolled back
    finally:
        stop_stack(stack_dir)


def test_a_target_the_operator_did_not_allow_is_refused_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The experiment's own default URLs are allowed; the target's port is not: ports count.
    defaults = "127.0.0.1:8000,127.0.0.1:8474,127.0.0.1:9090,127.0.0.1:9093"
    monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", defaults)
    options = GameDayOptions(experiment=EXAMPLE, target="http://127.0.0.1:8001", stack_dir=tmp_path / "none")
    with pytest.raises(TargetNotAllowed, match="port 8001"):
        plan_gameday(options)
    monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", f"{defaults},127.0.0.1:8001")
    plan = plan_gameday(options.model_copy(update={"service": "inventory"}))
    assert "http://127.0.0.1:8001" in plan.targets
    assert "fault proxy in front of http://127.0.0.1:8001" in plan.steps[0]


def test_the_cli_refuses_an_unallowed_target_with_exit_2_and_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", "127.0.0.1:8000,127.0.0.1:8474,127.0.0.1:9090,127.0.0.1:9093")
    argv = ["gameday", "run", str(EXAMPLE), "--target", "http://127.0.0.1:8001", "--stack-dir", str(tmp_path), "--dry-run"]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "port 8001" in err[0]


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:8000", "http://127.0.0.1:8000/api", "ftp://127.0.0.1", "http://127.0.0.1:8000/?a=1"]
)
def test_a_target_must_be_plain_http_host_and_port(url: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidDefinition, match="http://HOST:PORT"):
        plan_stack(StackConfig(run_dir=tmp_path, own_target=url), tmp_path)


def test_the_user_s_monitoring_comes_as_a_pair(tmp_path: Path) -> None:
    with pytest.raises(InvalidDefinition, match="both"):
        plan_stack(StackConfig(run_dir=tmp_path, own_target="http://127.0.0.1:8000", prometheus_url="http://127.0.0.1:9090"), tmp_path)
    plan = plan_stack(
        StackConfig(
            run_dir=tmp_path,
            own_target="http://127.0.0.1:8000",
            prometheus_url="http://127.0.0.1:9090/",
            alertmanager_url="http://127.0.0.1:9093",
        ),
        tmp_path,
    )
    assert sorted(plan.argv) == ["proxy"]  # neither Prometheus nor Alertmanager is started
    assert plan.urls["prometheus"] == "http://127.0.0.1:9090"
    assert plan.scrape == plan.urls["proxy_control"].removeprefix("http://")


@needs_monitoring
def test_the_receiver_snippet_makes_a_config_amtool_accepts(tmp_path: Path) -> None:
    binaries = find_binaries()
    assert binaries is not None
    if binaries.amtool is None:
        pytest.skip("amtool is not installed (Debian package prometheus-alertmanager)")
    amtool = binaries.amtool
    token = tmp_path / "drill.token"
    token.write_text("room-receiver-token")
    snippet = yaml.safe_load(
        receiver_snippet(WebhookTarget(url="http://127.0.0.1:8080/api/v1/alertmanager", token=SecretStr("t")), token, "inventory")
    )
    # The user's own file: a root route and receiver, with the snippet pasted in.
    config = {
        "route": {"receiver": "ops", **snippet["route"]},
        "receivers": [{"name": "ops"}, *snippet["receivers"]],
    }
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    checked = subprocess.run([str(amtool), "check-config", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    webhook = snippet["receivers"][0]["webhook_configs"][0]
    assert webhook["http_config"]["authorization"]["credentials_file"] == str(token)
    assert "room-receiver-token" not in yaml.safe_dump(snippet)


@pytest.mark.integration
@needs_monitoring
def test_an_outage_of_the_worked_example_pages_and_the_team_s_restart_ends_it(inventory: str, tmp_path: Path) -> None:
    """The proxy disabled through Toxiproxy's API: the clients' failed attempts are counted
    (Toxiproxy's own closed port would leave Prometheus blind), the error-budget page fires,
    and the team's restart (the default team action) brings the service back through the proxy."""
    stack_dir = tmp_path / "stack"
    state = start_stack(StackConfig(run_dir=stack_dir, own_target=inventory, service="inventory"))
    load_dir = str(stack_dir / "load")
    try:
        assert state.proxy_control_url is not None and state.proxy_admin_token_file is not None
        token = state.proxy_admin_token_file.read_text().strip()
        actions.start_load(state.target_url, load_dir, users=2, lease_seconds=120, paths=["/items", "/items/1"])
        toxiproxy = f"{state.proxy_control_url}/key/{token}"
        httpx.post(f"{toxiproxy}/proxies/gateway", json={"enabled": False}, trust_env=False).raise_for_status()
        fired = probes.wait_for_alert(state.prometheus_url, "InventoryHighErrorBudgetBurn", timeout_seconds=90)
        assert fired["labels"]["severity"] == "critical"
        failed = prometheus_vector(state.prometheus_url, 'sum(http_requests_total{service="inventory",status="502"})')
        assert failed and float(failed[0]["value"][1]) > 0
        experiment = yaml.safe_load(EXAMPLE.read_text())
        system = own_staging_system(state, AllowList(), experiment)
        assert system is not None
        done = system.carry_out({"verb": "restart", "target": "inventory"}, "bob")
        assert done.outcome == "done", done.detail
        assert httpx.get(f"{state.target_url}/items", trust_env=False, timeout=5).status_code == 200
        assert fault_status(stack_dir)["faults"] == []
    finally:
        actions.stop_load(load_dir)
        stop_stack(stack_dir)
