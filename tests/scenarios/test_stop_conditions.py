"""Stop conditions: an experiment names alerts or probes that halt it (AWS FIS style).

The syntax expands to chaostoolkit-addons safeguard probes (expected dicts written by hand
from chaosdrillbit/stops.py's documented syntax); a real Prometheus with an alert that fires
at once halts a real Chaos Toolkit run, whose rollbacks then run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from chaosdrillbit.stops import STOP_CONTROL, install, stop_probes
from playbook.errors import InvalidDefinition
from scenarios.chaosrun import run_experiment
from scenarios.gameday.plan import GameDayOptions, plan_gameday
from scenarios.monitoring.binaries import DEBIAN_PACKAGES, find_binaries
from scenarios.monitoring.prometheus import prometheus_argv
from scenarios.procs import free_port, spawn, terminate, wait_until


def with_stops(conditions: Any, controls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    experiment: dict[str, Any] = {"extensions": [{"name": "drillbit", "stop_conditions": conditions}]}
    if controls is not None:
        experiment["controls"] = controls
    return experiment


def test_an_alert_becomes_a_probe_counting_its_firing_series_checked_every_frequency() -> None:
    assert stop_probes(with_stops({"alerts": ["ServiceDown"], "frequency": 2})) == [
        {
            "type": "probe",
            "name": "stop-if-ServiceDown-fires",
            "frequency": 2.0,
            "tolerance": 0,
            "provider": {
                "type": "python",
                "module": "chaosdrillbit.probes",
                "func": "alert_firing_count",
                "arguments": {"prometheus_url": "${prometheus_url}", "alertname": "ServiceDown"},
            },
        }
    ]


def test_a_probe_keeps_its_own_schedule_or_gets_the_frequency() -> None:
    http = {"type": "probe", "name": "up", "tolerance": 200, "provider": {"type": "http", "url": "http://127.0.0.1:1"}}
    background = {**http, "name": "bg", "background": True}
    probes = stop_probes(with_stops({"probes": [http, background]}))
    assert [(p["name"], p.get("frequency"), p.get("background")) for p in probes] == [("up", 1.0, None), ("bg", None, True)]
    assert "frequency" not in http  # the experiment's own dict is not changed


@pytest.mark.parametrize(
    ("conditions", "field"),
    [
        (["ServiceDown"], "stop_conditions"),
        ({"alert": ["ServiceDown"]}, "stop_conditions"),
        ({"alerts": "ServiceDown"}, "stop_conditions.alerts"),
        ({"alerts": ['x"} or vector(1) #']}, "stop_conditions.alerts"),
        ({"probes": [{"type": "probe", "name": "p", "provider": {}}]}, "stop_conditions.probes[0]"),
        ({"probes": [{"type": "action", "name": "a", "tolerance": 1}]}, "stop_conditions.probes[0]"),
        ({"alerts": ["A"], "frequency": 0}, "stop_conditions.frequency"),
        ({"alerts": ["A"], "frequency": True}, "stop_conditions.frequency"),
    ],
)
def test_a_malformed_stop_condition_is_refused_naming_its_field(conditions: Any, field: str) -> None:
    with pytest.raises(InvalidDefinition) as caught:
        stop_probes(with_stops(conditions))
    assert caught.value.field == field


def test_the_probes_join_the_experiment_s_own_safeguards_control_or_get_their_own() -> None:
    own = {"name": "mine", "provider": {"type": "python", "module": "chaosaddons.controls.safeguards", "arguments": {"probes": [{"name": "halt"}]}}}
    experiment = with_stops({"alerts": ["A"]}, controls=[own])
    probes, added = install(experiment)
    assert not added
    assert [p["name"] for p in own["provider"]["arguments"]["probes"]] == ["halt", "stop-if-A-fires"]
    bare = with_stops({"alerts": ["A"]})
    probes, added = install(bare)
    assert added and bare["controls"][-1]["name"] == STOP_CONTROL
    assert bare["controls"][-1]["provider"]["arguments"]["probes"] == probes


def test_a_game_day_refuses_a_malformed_stop_condition_before_starting(tmp_path: Path) -> None:
    source = yaml.safe_load(Path("scenarios/examples/inventory-latency.yaml").read_text())
    source["extensions"][0]["stop_conditions"] = {"alerts": "ServiceDown"}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(source))
    with pytest.raises(InvalidDefinition, match=r"bad\.yaml: stop_conditions\.alerts: must be a list"):
        plan_gameday(GameDayOptions(experiment=path, stack_dir=tmp_path / "none"))


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[str]:
    """A real Prometheus whose rule ``DrillStopNow`` fires at its first evaluation."""
    binaries = find_binaries()
    if binaries is None:
        pytest.skip(f"needs Prometheus: apt-get install -y {' '.join(DEBIAN_PACKAGES)}")
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": [{"name": "t", "rules": [{"alert": "DrillStopNow", "expr": "vector(1)"}]}]}))
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({"global": {"evaluation_interval": "1s"}, "rule_files": [str(rules)]}))
    port = free_port()
    argv = prometheus_argv(binaries.prometheus, config_file=config, data_dir=tmp_path / "data", port=port)
    record = spawn("prometheus", argv, log_path=tmp_path / "prometheus.log")
    url = f"http://127.0.0.1:{port}"

    def firing() -> bool:
        try:
            alerts = httpx.get(f"{url}/api/v1/alerts", trust_env=False, timeout=1).json()["data"]["alerts"]
        except (httpx.HTTPError, ValueError):
            return False
        return any(a["labels"]["alertname"] == "DrillStopNow" and a["state"] == "firing" for a in alerts)

    try:
        wait_until(firing, timeout=60, what="DrillStopNow to fire", interval=0.2)
        yield url
    finally:
        terminate(record)


@pytest.mark.integration
# chaostoolkit-addons's safeguard runner calls chaoslib's datetime.utcnow() (deprecated since
# Python 3.12); the suite turns warnings into errors, which would fail every safeguard probe.
@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
def test_a_firing_named_alert_halts_the_run_and_the_rollbacks_run(prometheus: str, tmp_path: Path) -> None:
    experiment = {
        "title": "wait for an alert that never comes",
        "description": "the stop condition ends it first",
        "version": "1.0.0",
        "configuration": {"prometheus_url": prometheus},
        "extensions": [{"name": "drillbit", "stop_conditions": {"alerts": ["DrillStopNow"], "frequency": 0.5}}],
        "method": [
            {"type": "probe", "name": "wait-for-never", "provider": {
                "type": "python", "module": "chaosdrillbit.probes", "func": "wait_for_alert",
                "arguments": {"prometheus_url": "${prometheus_url}", "alertname": "NeverFires", "timeout_seconds": 60}}},
        ],
        "rollbacks": [
            {"type": "action", "name": "stop-load", "provider": {
                "type": "python", "module": "chaosdrillbit.actions", "func": "stop_load",
                "arguments": {"load_dir": str(tmp_path / "load")}}},
        ],
    }  # fmt: skip
    path = tmp_path / "stop.yaml"
    path.write_text(yaml.safe_dump(experiment))
    started = time.monotonic()
    outcome = run_experiment(path, journal_path=tmp_path / "journal.json", recovery_timeout=None)
    took = time.monotonic() - started
    journal = json.loads(outcome.journal_path.read_text())
    assert journal["status"] == "interrupted"
    assert journal["safeguards"]["triggered_by"] == "stop-if-DrillStopNow-fires"
    assert [(r["activity"]["name"], r["status"]) for r in journal["rollbacks"]] == [("stop-load", "succeeded")]
    assert took < 50  # halted, not the probe's 60 s timeout
