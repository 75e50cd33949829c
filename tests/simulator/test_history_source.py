"""A study can replay an alert history instead of generating alerts."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbook.errors import InvalidDefinition
from simulator.model import WORKED
from simulator.runner import run_scenario_replication
from simulator.study import load_study
from tests.simulator.helpers import TINY

# Minute 600 of the tiny study is Monday 2025-01-06 10:00 UTC.
HISTORY = "\n".join(
    [
        '{"labels": {"alertname": "Down", "service": "web", "severity": "SEV1"},'
        ' "startsAt": "2025-01-06T10:00:00Z", "endsAt": "2025-01-06T10:40:00Z"}',
        '{"labels": {"alertname": "Slow", "service": "web", "actionable": "false"},'
        ' "startsAt": "2025-01-06T12:00:00Z", "endsAt": null}',
    ]
)


def _study(tmp_path: Path, history: str = HISTORY) -> Path:
    (tmp_path / "alerts.jsonl").write_text(history + "\n", encoding="utf-8")
    study = tmp_path / "study.yaml"
    text = TINY.replace("grouping: {enabled: false}", "grouping: {group_by: [alertname]}")
    study.write_text(
        text.replace("alerts:\n", "alerts:\n  history: alerts.jsonl\n", 1), encoding="utf-8"
    )
    return study


def test_a_history_is_the_alert_stream_of_every_replication(tmp_path: Path) -> None:
    scenario = load_study(_study(tmp_path)).scenarios()[0]
    records, alerts = run_scenario_replication(scenario, 0)
    assert alerts.time.tolist() == [600.0, 720.0]
    # group_wait 30 s: the SEV1 alert opens at 600.5 (p1, alice acknowledges at 601.5); the
    # noise alert at 720.5 pages at the noise severity (SEV3, the least severe that pages).
    # The noise alert never ends: its group repeats 245 minutes later (4 h is 48 ticks of
    # 5 min, sent one tick late), after its triage closed the incident, so a new one opens.
    assert records.incidents["open"].tolist()[:3] == [600.5, 720.5, 965.5]
    assert records.incidents["repeat"].tolist()[:3] == [0, 0, 1]
    assert records.incidents["severity"].tolist()[:2] == [0, 1]
    assert records.incidents["kind"].tolist()[:2] == [0, 1]
    assert records.incidents["status"].tolist()[:2] == [WORKED, WORKED]
    again, _ = run_scenario_replication(scenario, 1)
    assert again.incidents["open"].tolist() == records.incidents["open"].tolist()


def test_a_history_naming_an_unknown_service_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = HISTORY.replace('"service": "web", "actionable"', '"service": "db", "actionable"')
    with pytest.raises(InvalidDefinition, match=r"alerts.jsonl:2: labels.service: 'db'"):
        load_study(_study(tmp_path, bad)).scenarios()
