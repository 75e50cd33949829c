"""`drillbit grouping replay` and `route` print what the issues specify and refuse bad input in one line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.test_playbook_commands import run
from tests.integrations.test_alertmanager_routing import FIXED
from tests.simulator.test_replay import HISTORY

FLAGS = ["--group-by", "alertname", "--group-wait", "30s", "--group-interval", "5m",
         "--repeat-interval", "4h"]  # fmt: skip


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "alerts.jsonl"
    path.write_text(HISTORY + "\n", encoding="utf-8")
    return path


def test_replay_json_has_the_notifications_and_the_summary(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "grouping", "replay", str(history), *FLAGS, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"] == {"notifications": 5, "pager_incidents": 2, "pages": 4}
    assert set(data["notifications"][0]) == {
        "at", "group_key", "group_labels", "status", "reason", "alerts"
    }  # fmt: skip


def test_replay_prints_a_table_and_the_summary(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "grouping", "replay", str(history), *FLAGS)
    assert code == 0
    assert "5 notifications, 2 pager incidents, 4 pages" in out.replace("\n", " ")


def test_replay_csv_has_one_row_per_notification(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "grouping", "replay", str(history), *FLAGS, "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["reason"] for r in rows] == ["new", "new", "resolved", "resolved", "new"]


def test_a_sweep_gives_the_summary_per_value(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "grouping", "replay", str(history), *FLAGS, "--sweep",
        "group_interval=5m,40m", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    # With 40-minute ticks (10:00:30, 10:40:30) a and b go out together and both have
    # cleared by the second tick: one all-clear; a's re-fire opens a new group at 11:00.
    assert data == {
        "sweep": "group_interval",
        "results": [
            {"value": "5m", "summary": {"notifications": 5, "pager_incidents": 2, "pages": 4}},
            {"value": "40m", "summary": {"notifications": 3, "pager_incidents": 2, "pages": 2}},
        ],
    }


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--group-wait", "30x"], "not a Prometheus duration"),
        (["--group-interval", "0s"], "above zero"),
        (["--group-by", "...,service"], "--group-by"),
        (["--sweep", "colour=red"], "--sweep"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    history: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = run(capsys, "grouping", "replay", str(history), *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err


def test_a_bad_history_exits_2_naming_the_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(HISTORY.splitlines()[0] + '\n{"labels": {"a": "x"}, "startsAt": 3}\n', encoding="utf-8")
    code, _, err = run(capsys, "grouping", "replay", str(path))
    assert code == 2
    assert err == f"drillbit: error: {path}:2: startsAt: must be an RFC 3339 date-time string\n"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(FIXED, encoding="utf-8")
    return path


def test_grouping_route_prints_receivers_in_order(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    code, out, _ = run(
        capsys,
        "grouping",
        "route",
        "--alertmanager-config",
        str(config),
        "--labels",
        "team=db,severity=critical,service=payments",
    )
    assert (code, out) == (0, "db-pager,payments-pager\n")


def test_grouping_route_json_carries_each_routes_settings(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    _, out, _ = run(
        capsys,
        "grouping",
        "route",
        "--alertmanager-config",
        str(config),
        "--labels",
        "severity=critical,service=paypal",
        "--json",
    )
    data = json.loads(out)
    assert data["receivers"] == ["payments-pager"]
    assert data["routes"][0]["route"] == "0.1.0"
    assert data["routes"][0]["group_by"] is None
    assert data["routes"][0]["repeat_interval_seconds"] == 3600


def test_bad_labels_and_bad_configs_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "grouping", "route", "--alertmanager-config", str(config), "--labels", "oops"
    )
    assert code == 2 and err.count("\n") == 1
    bad = tmp_path / "bad.yml"
    bad.write_text("route:\n  receiver: nobody\nreceivers:\n  - name: a\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "alertmanager", str(bad))
    assert code == 2 and err.count("\n") == 1 and f"{bad}:2" in err


def test_import_alertmanager_describes_the_tree(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    code, out, _ = run(capsys, "import", "alertmanager", str(config))
    assert code == 0
    assert '  0.1 -> pagerduty-critical {severity="critical"} group_by=...' in out
    assert "mute=weekends" in out


def test_import_alertmanager_json_uses_alertmanagers_own_keys(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    code, out, _ = run(capsys, "import", "alertmanager", str(config), "--json")
    data = json.loads(out)
    assert code == 0 and data["route"]["routes"][0]["continue"] is True
    assert data["receivers"][1] == {"name": "db-pager", "pagerduty_configs": [{"routing_key": "x"}]}
