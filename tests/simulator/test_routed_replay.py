"""`grouping replay --alertmanager-config`: routed, grouped per route, inhibited and muted."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.alertmanager import load_config
from simulator.history import parse_history
from simulator.routed_replay import replay_routed
from tests.cli.test_playbook_commands import run

CONFIG = """
route:
  receiver: default
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      continue: true
    - matchers: ['team="db"']
      receiver: db-chat
      group_by: ['...']
      group_wait: 1m
receivers: [{name: default}, {name: pager}, {name: db-chat}]
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [service]
time_intervals:
  - name: weekend
    time_intervals: [{weekdays: ['saturday', 'sunday']}]
"""

HISTORY = "\n".join(
    [
        '{"labels": {"alertname": "Down", "severity": "critical", "service": "api", "team": "db"},'
        ' "startsAt": "2025-03-03T10:00:00Z", "endsAt": "2025-03-03T10:20:00Z"}',
        '{"labels": {"alertname": "Slow", "severity": "warning", "service": "api", "team": "db"},'
        ' "startsAt": "2025-03-03T10:01:00Z", "endsAt": "2025-03-03T10:30:00Z"}',
        '{"labels": {"alertname": "Slow", "severity": "warning", "service": "web"},'
        ' "startsAt": "2025-03-03T10:02:00Z", "endsAt": null}',
    ]
)


def notes(
    config_text: str = CONFIG, history: str = HISTORY
) -> list[tuple[str, str, str, list[str]]]:
    result = replay_routed(
        parse_history(history, "alerts.jsonl"), load_config(Path("am.yml"), text=config_text)
    )
    return [
        (
            n["at"][11:19],
            n["receiver"],
            n["status"],
            [a["labels"]["alertname"] for a in n["alerts"]],
        )
        for n in result.notifications()
    ]


def test_each_route_groups_with_its_own_settings_and_names_its_receiver() -> None:
    # Down goes to pager (continue) and db-chat; pager groups by alertname and waits 30 s,
    # db-chat groups by every label and waits 1 min; both flush every 5 min after that.
    # Slow on api is inhibited by Down (same service) while Down fires, and its resolve is
    # not sent because its firing never was. Slow on web goes to the root's receiver.
    assert notes() == [
        ("10:00:30", "pager", "firing", ["Down"]),
        ("10:01:00", "db-chat", "firing", ["Down"]),
        ("10:02:30", "default", "firing", ["Slow"]),
        ("10:20:30", "pager", "resolved", ["Down"]),
        ("10:21:00", "db-chat", "resolved", ["Down"]),
    ]


def test_the_summary_counts_per_receiver_and_what_was_held_back() -> None:
    result = replay_routed(
        parse_history(HISTORY, "alerts.jsonl"), load_config(Path("am.yml"), text=CONFIG)
    )
    summary = result.summary()
    assert summary["inhibited_notifications"] == 2
    assert summary["receivers"]["pager"] == {"notifications": 2, "incidents": 1, "pages": 1}


def test_a_muted_route_sends_nothing_in_its_interval() -> None:
    muted = CONFIG.replace(
        "      group_wait: 1m\n", "      group_wait: 1m\n      mute_time_intervals: [weekend]\n"
    )
    saturday = HISTORY.replace("2025-03-03", "2025-03-01")  # a Saturday
    assert [n[1] for n in notes(muted, saturday)] == ["pager", "default", "pager"]


def test_the_cli_replays_through_the_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    history = tmp_path / "alerts.jsonl"
    history.write_text(HISTORY + "\n", encoding="utf-8")
    config = tmp_path / "alertmanager.yml"
    config.write_text(CONFIG, encoding="utf-8")
    code, out, err = run(
        capsys, "grouping", "replay", str(history), "--alertmanager-config", str(config), "--csv"
    )
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "at,receiver,group_key,status,reason,alerts"
    assert [line.split(",")[1] for line in lines[1:]] == [
        "pager",
        "db-chat",
        "default",
        "pager",
        "db-chat",
    ]
