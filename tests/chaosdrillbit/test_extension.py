"""The Chaos Toolkit extension: discovery, the shipped experiments, and refusing targets first."""

from __future__ import annotations

import inspect
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from chaosdrillbit import actions, discover, load_exported_activities, probes
from chaosdrillbit.guard import UnexpectedStatus
from chaosdrillbit.stops import stop_probes
from playbook.errors import InvalidDefinition
from scenarios.allowlist import TargetNotAllowed
from scenarios.chaosrun import experiment_paths, load_checked_experiment
from scenarios.room import drillapi
from tests.scenarios.conftest import ConnectionRecorder, http_recorder, serve_in_thread
from webui.app import create_app
from webui.settings import Settings

REFUSED = "http://staging.example.invalid"
SECRETS = {
    "target_admin_token": "t" * 24,
    "proxy_admin_token": "p" * 24,
    "drill_api_token": "d" * 24,
}


def test_discovery_lists_exactly_the_exported_actions_and_probes() -> None:
    found = {(a["type"], a["name"]) for a in load_exported_activities()}
    assert found == {("action", name) for name in actions.__all__} | {
        ("probe", name) for name in probes.__all__
    }


def test_discover_reports_activities_and_this_machine_without_sending_traffic() -> None:
    discovery = discover(discover_system=True)
    assert discovery["extension"]["name"] == "chaosdrillbit"
    assert len(discovery["activities"]) == len(actions.__all__) + len(probes.__all__)
    assert discovery["system"]["controls"] == ["chaosdrillbit.control"]
    assert discover(discover_system=False)["system"] is None


def test_the_five_game_day_experiments_ship() -> None:
    assert [path.stem for path in experiment_paths()] == [
        "connection-pool-leak",
        "dependency-outage",
        "error-spike",
        "latency-injection",
        "process-crash",
    ]


@pytest.mark.parametrize("path", experiment_paths(), ids=lambda p: p.stem)
def test_every_experiment_passes_chaos_toolkit_validation_without_a_var_file(path: Path) -> None:
    experiment = load_checked_experiment(path)
    assert experiment["runtime"] == {"rollbacks": {"strategy": "always"}}
    assert "secrets" not in experiment


@pytest.mark.parametrize("path", experiment_paths(), ids=lambda p: p.stem)
def test_every_experiment_declares_the_safeguard_first_and_its_stop_conditions(path: Path) -> None:
    experiment = yaml.safe_load(path.read_text())
    assert experiment["controls"] == [
        {"name": "drillbit-safeguard", "provider": {"type": "python", "module": "chaosdrillbit.control"}}
    ]  # the stop conditions are the extension's, not raw safeguard probes
    conditions = stop_probes(experiment)
    assert "halted-from-the-drill-room-or-chaos-halt" in [p["name"] for p in conditions]
    halt = next(p for p in conditions if p["name"] == "halted-from-the-drill-room-or-chaos-halt")
    assert (halt["provider"]["func"], halt["tolerance"], halt["frequency"]) == ("halt_requested", False, 1.0)


def funcs(activities: list[dict[str, Any]]) -> list[str]:
    return [activity["provider"]["func"] for activity in activities]


FAULTS = {"inject_fault", "set_proxy_faults", "crash_target"}
CLEARS = {
    "inject_fault": "clear_faults",
    "set_proxy_faults": "clear_proxy_faults",
    "crash_target": "restart_target",
}


@pytest.mark.parametrize("path", experiment_paths(), ids=lambda p: p.stem)
def test_every_experiment_measures_users_starts_load_injects_one_fault_and_rolls_it_back(
    path: Path,
) -> None:
    experiment = yaml.safe_load(path.read_text())
    assert funcs(experiment["steady-state-hypothesis"]["probes"]) == [
        "checkout_error_rate",
        "checkout_p95_seconds",
        "query",  # chaostoolkit-prometheus: no critical alert firing
    ]
    method = funcs(experiment["method"])
    assert method[0] == "start_load"
    injected = [func for func in method if func in FAULTS]
    assert len(injected) == 1
    assert method[-2:] == ["wait_for_alert", "wait_for_routed_alert"]
    assert funcs(experiment["rollbacks"]) == [CLEARS[injected[0]], "stop_load"]


#: Every activity that sends something, called at the refused host.
CALLS: dict[str, Callable[[], object]] = {
    "inject_fault": lambda: actions.inject_fault(REFUSED, error_rate=0.5, secrets=SECRETS),
    "clear_faults": lambda: actions.clear_faults(REFUSED, secrets=SECRETS),
    "crash_target": lambda: actions.crash_target(REFUSED, secrets=SECRETS),
    "set_proxy_faults": lambda: actions.set_proxy_faults(REFUSED, down=True, secrets=SECRETS),
    "clear_proxy_faults": lambda: actions.clear_proxy_faults(REFUSED, secrets=SECRETS),
    "start_load": lambda: actions.start_load(REFUSED, "never-created"),
    "start_drill_session": lambda: actions.start_drill_session(REFUSED, "s", secrets=SECRETS),
    "fire_drill_inject": lambda: actions.fire_drill_inject(REFUSED, "1", "x", secrets=SECRETS),
    "checkout_error_rate": lambda: probes.checkout_error_rate(REFUSED),
    "checkout_p95_seconds": lambda: probes.checkout_p95_seconds(REFUSED),
    "service_error_rate": lambda: probes.service_error_rate(REFUSED, ["/items"]),
    "service_p95_seconds": lambda: probes.service_p95_seconds(REFUSED, ["/items"]),
    "target_faults": lambda: probes.target_faults(REFUSED, secrets=SECRETS),
    "prometheus_query": lambda: probes.prometheus_query(REFUSED, "up"),
    "prometheus_error_rate": lambda: probes.prometheus_error_rate(REFUSED),
    "prometheus_p95_seconds": lambda: probes.prometheus_p95_seconds(REFUSED),
    "alerts_firing": lambda: probes.alerts_firing(REFUSED),
    "critical_alerts_firing": lambda: probes.critical_alerts_firing(REFUSED),
    "alert_firing_count": lambda: probes.alert_firing_count(REFUSED, "ServiceDown"),
    "wait_for_alert": lambda: probes.wait_for_alert(REFUSED, "HighErrorRate", 0.1),
    "alert_routed": lambda: probes.alert_routed(REFUSED, "HighErrorRate"),
    "wait_for_routed_alert": lambda: probes.wait_for_routed_alert(REFUSED, "HighErrorRate"),
}
LOCAL_ONLY = {"restart_target", "stop_load", "load_statistics", "halt_requested"}  # files here, no URL


def test_every_activity_with_a_url_is_covered_by_the_refusal_test() -> None:
    assert set(CALLS) | LOCAL_ONLY == set(actions.__all__) | set(probes.__all__)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_non_allow_listed_target_is_refused_by_name_before_any_request(
    name: str,
    recorder: ConnectionRecorder,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Were anything sent anyway, through an environment proxy, it would reach the recorder.
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(variable, recorder.url)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TargetNotAllowed) as caught:
        CALLS[name]()
    assert caught.value.host == "staging.example.invalid"
    assert "'staging.example.invalid' is not on the allow-list" in str(caught.value)
    assert recorder.accepted == []
    assert list(tmp_path.iterdir()) == []  # start_load spawned nothing, wrote nothing


def test_the_configuration_can_never_widen_the_allow_list() -> None:
    with pytest.raises(TargetNotAllowed, match=r"staging\.example\.invalid"):
        actions.inject_fault(REFUSED, configuration={"drillbit_allowed_targets": "0.0.0.0/0,staging.example.invalid"})


def test_the_operator_can_allow_a_named_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", "localhost:1")
    with pytest.raises(InvalidDefinition, match="target_admin_token"):
        # Allowed now, so it gets as far as needing its secret (and still sends nothing).
        actions.inject_fault("http://localhost:1")


def test_activities_take_configuration_and_secrets_as_chaos_toolkit_injects_them() -> None:
    for module in (actions, probes):
        for name in module.__all__:
            parameters = inspect.signature(getattr(module, name)).parameters
            if "secrets" in parameters:
                assert "configuration" in parameters, name


def test_the_drill_actions_open_a_started_room_and_fire_injects_into_it(tmp_path: Path) -> None:
    admin = "admin-token-for-chaos-actions-0123"
    settings = Settings(data_dir=tmp_path, secret="s" * 48, admin_token=admin, sse_max_seconds=0)
    token = {"drill_api_token": admin}
    with serve_in_thread(create_app(settings)) as url:
        room = actions.start_drill_session(url, "checkout-slow-burn", speed=60, secrets=token)
        accepted = actions.fire_drill_inject(
            url, room["session_id"], "latency-injected", {"latency_ms": 2500}, secrets=token
        )
        page = httpx.get(
            f"{url}/api/v1/rooms/{room['session_id']}/events",
            headers={"Authorization": f"Bearer {admin}"},
            trust_env=False,
        ).json()
    # The answer goes into the journal: it names the room, and holds none of its secrets.
    assert set(room) == {"session_id", "title", "status", "join_code", "join_url", "alert_webhook_url"}
    assert room["status"] == "running"
    assert room["alert_webhook_url"] == f"{url}/api/v1/alerts/alertmanager"
    assert accepted["accepted"] is True
    lines = [r["data"]["content"].get("line") for r in page["records"] if r["kind"] == "inject_delivered"]
    assert "latency-injected: latency_ms=2500" in lines


def test_a_server_that_is_not_the_web_ui_is_reported_as_such() -> None:
    with (
        http_recorder() as api,
        pytest.raises(drillapi.DrillApiMissing, match="does not serve POST /api/v1/rooms"),
    ):
        actions.start_drill_session(api.url, "checkout-latency", secrets=SECRETS)


def test_a_wrong_admin_token_is_refused_by_the_web_ui(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret="s" * 48, admin_token="a" * 32, sse_max_seconds=0)
    with (
        serve_in_thread(create_app(settings)) as url,
        pytest.raises(UnexpectedStatus, match="403"),
    ):
        actions.start_drill_session(url, "checkout-slow-burn", secrets={"drill_api_token": "b" * 32})


def _chaos(*args: str) -> Result:
    """The stock ``chaos`` command line (Chaos Toolkit's own click app), run in-process."""
    with warnings.catch_warnings():
        # chaostoolkit's logger imports python-json-logger's old module path (deprecated there).
        warnings.simplefilter("ignore", DeprecationWarning)
        from chaostoolkit.cli import cli as chaos_cli  # type: ignore[import-untyped]
    return CliRunner().invoke(chaos_cli, ["--no-log-file", *args], catch_exceptions=False)


def test_stock_chaos_discover_finds_the_installed_chaosdrillbit_distribution(tmp_path: Path) -> None:
    done = _chaos("discover", "chaosdrillbit", "--no-install", "--discovery-path", str(tmp_path / "d.json"))
    assert done.exit_code == 0, done.output
    discovery = json.loads((tmp_path / "d.json").read_text())
    assert discovery["extension"]["name"] == "chaosdrillbit"
    assert {a["name"] for a in discovery["activities"]} == set(actions.__all__) | set(probes.__all__)


@pytest.mark.parametrize("path", experiment_paths(), ids=lambda p: p.stem)
def test_stock_chaos_validate_passes_the_experiment_without_a_var_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("DRILLBIT_")]:
        monkeypatch.delenv(key)
    done = _chaos("validate", str(path))
    assert done.exit_code == 0, done.output
