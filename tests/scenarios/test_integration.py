"""End to end on loopback: a fault raises a real alert that reaches the drill receiver.

Starts the whole staging stack (target, gateway, fault proxy, Prometheus, Alertmanager), runs
the error-spike experiment with the stock ``chaos run`` under Locust load, and checks the
promises of issue 6: the steady state held before the fault; the alert fired in Prometheus;
Alertmanager routed it to the drill receiver with the room's bearer token (a small real HTTP
receiver here, the web UI's receiver later); the rollback cleared the fault and the steady
state came back; nothing was left running. Skipped only when the binaries are missing:
``apt-get install -y prometheus prometheus-alertmanager``.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from scenarios.chaosdrill import probes
from scenarios.chaosrun import EXPERIMENTS_DIR, read_env_file, run_experiment_subprocess
from scenarios.journal import Verdict
from scenarios.monitoring import DEBIAN_PACKAGES, WebhookTarget, find_binaries
from scenarios.procs import is_running, port_is_open, wait_until
from scenarios.stack import StackConfig, start_stack, stop_stack
from tests.scenarios.conftest import HttpRecorder, http_recorder

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        find_binaries() is None,
        reason=f"needs Prometheus and Alertmanager: apt-get install -y {' '.join(DEBIAN_PACKAGES)}",
    ),
]


def notifications(receiver: HttpRecorder, alertname: str, status: str) -> list[dict[str, Any]]:
    return [
        request.body
        for request in receiver.requests
        if request.body
        and request.body.get("status") == status
        and any(a["labels"].get("alertname") == alertname for a in request.body["alerts"])
    ]


def arrival(receiver: HttpRecorder, alertname: str, status: str) -> datetime:
    return next(
        request.received_at
        for request in receiver.requests
        if request.body
        and request.body.get("status") == status
        and any(a["labels"].get("alertname") == alertname for a in request.body["alerts"])
    )


def activity(journal: dict[str, Any], name: str) -> dict[str, Any]:
    run: dict[str, Any] = next(r for r in journal["run"] if r["activity"]["name"] == name)
    return run


def processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line mentions ``text`` (orphans included)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def test_an_error_spike_pages_the_drill_room_and_the_rollback_restores_checkout(
    tmp_path: Path, record_property: Any
) -> None:
    token = secrets.token_urlsafe(24)
    run_dir = tmp_path / "staging"
    with http_recorder({("POST", "/alerts"): (200, {"ok": True})}, token=token) as receiver:
        state = start_stack(
            StackConfig(
                run_dir=run_dir,
                drill_receiver=WebhookTarget(url=f"{receiver.url}/alerts", token=SecretStr(token)),
                seed=6,
            )
        )
        try:
            wait_until(
                lambda: probes.prometheus_query(state.prometheus_url, 'up{job="checkout"} == 1'),
                timeout=30,
                what="Prometheus to scrape the target",
            )
            outcome = run_experiment_subprocess(
                EXPERIMENTS_DIR / "error-spike.yaml",
                journal_path=tmp_path / "journal.json",
                env_file=state.chaos_env_file,
                timeout=100,
                recovery_timeout=30,
            )
            journal = json.loads(outcome.journal_path.read_text())

            # The steady state held before the fault, so the run is valid; under the fault
            # it did not hold (users saw errors): the hypothesis was refuted, as intended.
            assert journal["steady_states"]["before"]["steady_state_met"] is True
            assert outcome.judgement.verdict is Verdict.FAILED, outcome.judgement
            assert outcome.judgement.valid and outcome.judgement.findings == ()

            # The alert fired in Prometheus, and Alertmanager routed it to the drill receiver.
            fired = activity(journal, "high-error-rate-fires")
            assert fired["status"] == "succeeded", fired.get("exception")
            assert fired["output"]["labels"]["severity"] == "critical"
            routed = activity(journal, "alert-routed-to-drill-room")
            assert "drill" in routed["output"]["receivers"]
            assert probes.prometheus_query(
                state.prometheus_url,
                'max_over_time(ALERTS{alertname="HighErrorRate",alertstate="firing"}[5m])',
            )

            # It arrived at the receiver, with the room's bearer token (none was refused).
            wait_until(
                lambda: notifications(receiver, "HighErrorRate", "firing"),
                timeout=30,
                what="the drill receiver to be paged",
            )
            page = notifications(receiver, "HighErrorRate", "firing")[0]
            assert page["receiver"] == "drill"
            assert page["commonLabels"]["severity"] == "critical"
            assert receiver.rejected == []

            # The rollback cleared the fault; the steady state came back; the room hears so.
            assert [r["status"] for r in journal["rollbacks"]] == ["succeeded", "succeeded"]
            env = read_env_file(state.chaos_env_file)
            faults = probes.target_faults(
                state.target_url, secrets={"target_admin_token": env["DRILLBIT_TARGET_ADMIN_TOKEN"]}
            )
            assert faults["active"] == []
            assert outcome.recovered is True
            wait_until(
                lambda: notifications(receiver, "HighErrorRate", "resolved"),
                timeout=60,
                what="the resolved notification",
            )

            injected = datetime.fromisoformat(activity(journal, "inject-50-percent-errors")["end"])
            firing_after = (arrival(receiver, "HighErrorRate", "firing") - injected).total_seconds()
            cleared = datetime.fromisoformat(journal["rollbacks"][0]["end"])
            resolved_after = (
                arrival(receiver, "HighErrorRate", "resolved") - cleared
            ).total_seconds()
            figures = {
                "fault_to_prometheus_firing_s": fired["output"]["waited_seconds"],
                "fault_to_webhook_arrival_s": round(firing_after, 2),
                "rollback_to_steady_state_s": outcome.recovery_seconds,
                "rollback_to_resolved_webhook_s": round(resolved_after, 2),
                "experiment_duration_s": round(journal["duration"], 2),
            }
            record_property("figures", json.dumps(figures))
            print(f"\nintegration figures: {json.dumps(figures)}")
        finally:
            stopped = stop_stack(run_dir)

    # Nothing was left running: every process stopped, every port closed, no orphans.
    assert set(stopped) >= {"prometheus", "alertmanager", "target", "proxy", "gateway"}
    assert not any(is_running(record) for record in state.processes.values())
    for url in (state.target_url, state.prometheus_url, state.alertmanager_url):
        assert not port_is_open(httpx.URL(url).port or 0)
    assert processes_mentioning(str(tmp_path)) == []
    assert [pid for pid in processes_mentioning("scenarios.target") if _child(pid)] == []


def _child(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(stat[1]) == os.getpid()
