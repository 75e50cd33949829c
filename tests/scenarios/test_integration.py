"""End to end on loopback: a fault raises a real alert that reaches a live drill room.

The web UI is the real one (its app served by uvicorn in a thread); the game day
(:func:`scenarios.gameday.run_gameday`) starts the whole staging stack (target, gateway, fault
proxy, Prometheus, Alertmanager), opens a room through the API, points Alertmanager's drill
receiver at it, and runs the error-spike experiment in this process under Locust load (scrape
and evaluation every second, group_wait one second, bounded). The room is a game day's (``kind: gameday``: no world, no injects). The promises of
issue 6 are then checked: the steady state held before the fault; the alert fired in Prometheus, was routed by
Alertmanager, and arrived in the room as an alert classified by the playbook; the rollback
cleared the fault, the room heard the alert resolve and the steady state came back; nothing
was left running. Skipped only when the binaries are missing:
``apt-get install -y prometheus prometheus-alertmanager``.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from chaosdrillbit import probes
from playbook.context import AlertContext
from playbook.model import default_playbook
from scenarios.chaosrun import EXPERIMENTS_DIR
from scenarios.gameday import GameDayOptions, run_gameday
from scenarios.journal import Verdict
from scenarios.monitoring import DEBIAN_PACKAGES, WebhookTarget, find_binaries
from scenarios.procs import is_running, port_is_open, wait_until
from scenarios.stack import (
    StackConfig,
    load_state,
    restore_drill_receiver,
    set_drill_receiver,
    start_stack,
    stop_stack,
)
from tests.scenarios.conftest import (
    RECOVERY_TIMEOUT_SECONDS,
    HttpRecorder,
    http_recorder,
    serve_in_thread,
)
from webui.app import create_app
from webui.settings import Settings

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        find_binaries() is None,
        reason=f"needs Prometheus and Alertmanager: apt-get install -y {' '.join(DEBIAN_PACKAGES)}",
    ),
]

ADMIN = "integration-admin-token-0123456789"


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


def _child(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return int(stat[1]) == os.getpid()


def activity(journal: dict[str, Any], name: str, section: str = "run") -> dict[str, Any]:
    run: dict[str, Any] = next(r for r in journal[section] if r["activity"]["name"] == name)
    return run


@pytest.fixture
def web_ui(tmp_path: Path) -> Iterator[str]:
    """The real web UI (rooms, receivers, API) on a loopback port, in this process."""
    settings = Settings(
        data_dir=tmp_path / "webui",
        secret="s" * 48,
        admin_token=ADMIN,
        tick_seconds=1,
        sse_max_seconds=0,
    )
    with serve_in_thread(create_app(settings)) as url:
        yield url


def room_records(url: str, room: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{url}/api/v1/rooms/{room}/events",
        headers={"Authorization": f"Bearer {ADMIN}"},
        trust_env=False,
    )
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def test_an_error_spike_pages_the_drill_room_and_the_rollback_restores_checkout(
    tmp_path: Path, web_ui: str, record_property: Any
) -> None:
    stack_dir = tmp_path / "staging"
    report = run_gameday(
        GameDayOptions(
            experiment=EXPERIMENTS_DIR / "error-spike.yaml",
            web_url=web_ui,
            admin_token=SecretStr(ADMIN),
            stack_dir=stack_dir,
            out_dir=tmp_path / "out",
            alert_timeout_seconds=60,
            recovery_timeout_seconds=RECOVERY_TIMEOUT_SECONDS,
            ready_timeout_seconds=30,
        ),
        say=lambda line: None,
    )
    journal = json.loads(Path(report.files["journal"]).read_text())

    # The steady state held before the fault, so the run is valid; under the fault it did
    # not hold (users saw errors): the hypothesis was refuted, as intended.
    assert journal["steady_states"]["before"]["steady_state_met"] is True
    assert report.verdict is Verdict.FAILED and report.valid, report.reasons
    assert report.findings == ()

    # The alert fired in Prometheus, and Alertmanager routed it to the drill receiver.
    fired = activity(journal, "high-error-rate-fires")
    assert fired["status"] == "succeeded", fired.get("exception")
    assert fired["output"]["labels"]["severity"] == "critical"
    routed = activity(journal, "alert-routed-to-drill-room")
    assert routed["status"] == "succeeded" and "drill" in routed["output"]["receivers"]

    # It arrived in the room (through the receiver, with the room's bearer token), and the
    # playbook classified it from the rule's annotations: checkout takes revenue and half of
    # its requests fail, so it is SEV1 (errors >= 50 %) or SEV2 (>= 10 %), not the default.
    records = room_records(web_ui, report.room["session_id"])
    alerts = [r for r in records if r["kind"] == "alert_fired" and r["source"] == "facilitator"]
    names = {a["data"]["summary"].split(":")[0] for a in alerts}
    assert "HighErrorRate" in names, names
    book = default_playbook()
    for alert in alerts:
        context = AlertContext.model_validate(alert["data"]["context"])
        assert alert["data"]["severity"] == book.classify(context).severity
        assert context.service == "checkout" and context.is_revenue_impacting
        assert context.error_rate > 10
        assert alert["data"]["severity"] in {"SEV1", "SEV2"}
    assert [a.alert_id for a in report.alerts] == [a["data"]["alert_id"] for a in alerts]

    # The room is a game day's (no world): every alert and page in it is a real one, and the
    # real system is what it shows: the runner's Prometheus snapshots of checkout (the error
    # spike's 5xx share among them) and the fault state it read from the target.
    room = json.loads(Path(report.files["score_json"]).read_text())
    assert room["script_id"] == "gameday-checkout", room["script_id"]
    assert not [r for r in records if r["source"] in ("world", "script", "reaction")]
    assert not [r for r in records if r["kind"] in ("impact_started", "mitigated", "stakeholder_message")]
    assert {r["ref"] for r in records if r["kind"] == "page_sent"} <= {a["data"]["alert_id"] for a in alerts}
    contents = [r["data"]["content"] for r in records if r["kind"] == "inject_delivered"]
    snapshots = [c["values"] for c in contents if c.get("service") == "checkout" and "values" in c]
    assert snapshots and max(v.get("error_rate") or 0 for v in snapshots) > 10, snapshots
    faults = [c["line"] for c in contents if c.get("service") == "drillbit-faults"]
    assert any("error_rate" in line for line in faults) and faults[-1] == "active faults: none", faults

    # The experiment's own events are in the room's timeline, start to finish.
    chaos = [r["data"]["content"]["line"] for r in records if r["data"].get("content", {}).get("service") == "chaos-toolkit"]
    assert chaos[0].startswith("Chaos experiment started") and chaos[-1].startswith(
        "Chaos experiment finished"
    )
    assert report.timeline == {"delivered": len(chaos), "failed": 0}

    # The rollback cleared the fault; the room heard every alert resolve; the steady state
    # came back; the drill was ended and scored as any drill.
    clear = activity(journal, "clear-faults", "rollbacks")
    assert clear["status"] == "succeeded" and clear["output"]["active"] == []
    resolved = {r["data"]["alert_id"] for r in records if r["kind"] == "alert_resolved"}
    assert {a["data"]["alert_id"] for a in alerts} <= resolved
    assert report.recovered is True
    assert records[-1]["kind"] == "drill_ended"
    assert report.score["max"] == 100 and len(report.score["criteria"]) == 14
    assert Path(report.files["locust_stats"]).is_file()
    assert report.exit_code == 0

    figures = {key: value for key, value in report.figures.items() if value is not None}
    record_property("figures", json.dumps(figures))
    print(f"\nintegration figures: {json.dumps(figures)}")

    # Nothing was left running: every process stopped, every port closed, no orphans.
    assert set(report.stopped) >= {"prometheus", "alertmanager", "target", "proxy", "gateway"}
    assert load_state(stack_dir.resolve()) is None
    assert processes_mentioning(str(tmp_path)) == []
    assert [pid for pid in processes_mentioning("scenarios.") if _child(pid)] == []
    assert [pid for pid in processes_mentioning("locust") if _child(pid)] == []


def notified(receiver: HttpRecorder, alertname: str) -> bool:
    return any(
        any(a["labels"].get("alertname") == alertname for a in request.body["alerts"])
        for request in receiver.requests
        if request.body
    )


def post_alert(alertmanager_url: str, alertname: str) -> None:
    response = httpx.post(
        f"{alertmanager_url}/api/v2/alerts",
        json=[{"labels": {"alertname": alertname, "severity": "critical", "service": "checkout"}}],
        trust_env=False,
    )
    assert response.status_code == 200, response.text


def test_a_running_stack_s_drill_receiver_is_pointed_at_a_room_and_put_back(
    tmp_path: Path,
) -> None:
    first, second = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    run_dir = tmp_path / "staging"
    routes = {("POST", "/alerts"): (200, {"ok": True})}
    with (
        http_recorder(routes, token=first) as before,
        http_recorder(routes, token=second) as room,
    ):
        state = start_stack(
            StackConfig(
                run_dir=run_dir,
                drill_receiver=WebhookTarget(url=f"{before.url}/alerts", token=SecretStr(first)),
                with_gateway=False,
            )
        )
        try:
            original = (run_dir / "alertmanager.yml").read_text()
            backup = set_drill_receiver(
                run_dir, WebhookTarget(url=f"{room.url}/alerts", token=SecretStr(second))
            )
            assert second not in (run_dir / "alertmanager.yml").read_text()
            post_alert(state.alertmanager_url, "GameDayProbe")
            wait_until(lambda: notified(room, "GameDayProbe"), timeout=20, what="the room")
            assert room.rejected == [] and not notified(before, "GameDayProbe")

            restore_drill_receiver(backup)
            assert (run_dir / "alertmanager.yml").read_text() == original
            post_alert(state.alertmanager_url, "AfterTheGameDay")
            wait_until(lambda: notified(before, "AfterTheGameDay"), timeout=20, what="the old one")
            assert before.rejected == [] and not notified(room, "AfterTheGameDay")
            assert probes.alert_routed(state.alertmanager_url, "AfterTheGameDay") == ["drill", "team"]
        finally:
            stop_stack(run_dir)
    assert not any(is_running(record) for record in state.processes.values())
    assert not port_is_open(httpx.URL(state.alertmanager_url).port or 0)
