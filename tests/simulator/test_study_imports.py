"""Studies can name PagerDuty or Terraform files as their playbook and route by alertmanager.yml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from playbook.errors import InvalidDefinition
from simulator.compiled import compile_scenario
from simulator.study import load_study
from tests.integrations.conftest import PAGERDUTY, SEED004_TF

ALERTMANAGER = """
route:
  receiver: slack
  group_by: [service]
  group_wait: 45s
  group_interval: 2m
  routes:
    - matchers: ['severity=~"SEV1|SEV2"', 'team="checkout"']
      receiver: pagerduty-critical
receivers:
  - name: slack
  - name: pagerduty-critical
"""

STUDY = """
name: imported
playbook: {terraform: [seed004.tf]}
start: 2025-01-06T00:00:00-05:00
horizon_days: 7
alertmanager_config: am.yml
receivers: {pagerduty-critical: checkout, slack: null}
alerts:
  services:
    - {name: payments, actionable_per_day: 4, labels: {team: checkout}}
    - {name: search, actionable_per_day: 4, labels: {team: search}}
work:
  default: {mitigate: {dist: lognormal, median: 20, p90: 60}}
  roles:
    Incident Commander: {candidates: ["user:engineering_manager"]}
    Communications Lead: {candidates: ["user:engineering_manager"]}
    Scribe: {candidates: ["user:engineering_manager"]}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(SEED004_TF, tmp_path / "seed004.tf")
    (tmp_path / "am.yml").write_text(ALERTMANAGER, encoding="utf-8")
    return tmp_path


def test_a_terraform_playbook_and_an_alertmanager_tree_route_incidents(folder: Path) -> None:
    path = folder / "study.yaml"
    path.write_text(STUDY, encoding="utf-8")
    study = load_study(path)
    assert [s.name for s in study.book.schedules] == ["checkout_oncall"]
    compiled = compile_scenario(study.scenarios()[0])
    sev = {name: i for i, name in enumerate(compiled.severity_names)}
    payments, search = 0, 1
    assert compiled.policy_for(sev["SEV1"], payments) == "checkout"
    assert compiled.policy_for(sev["SEV2"], payments) == "checkout"
    assert compiled.policy_for(sev["SEV3"], payments) is None  # routed to slack only
    assert compiled.policy_for(sev["SEV1"], search) is None
    grouping = study.effective_grouping
    assert (grouping.group_by, grouping.group_wait_seconds, grouping.group_interval_minutes) == (
        ("service",),
        45,
        2,
    )


def test_an_unmapped_receiver_is_refused_at_load(folder: Path) -> None:
    path = folder / "study.yaml"
    path.write_text(STUDY.replace("slack: null", "other: null"), encoding="utf-8")
    with pytest.raises(InvalidDefinition, match="'other' is not a receiver"):
        load_study(path)


def test_grouping_and_alertmanager_config_are_exclusive(folder: Path) -> None:
    path = folder / "study.yaml"
    path.write_text(STUDY + "grouping: {enabled: false}\n", encoding="utf-8")
    with pytest.raises(InvalidDefinition, match="not both"):
        load_study(path)


def test_a_pagerduty_playbook_imports_from_response_bodies(tmp_path: Path) -> None:
    for name in ("schedule.json", "escalation-policy.json", "users.json"):
        shutil.copy(PAGERDUTY / name, tmp_path / name)
    text = STUDY.replace(
        "playbook: {terraform: [seed004.tf]}",
        "playbook: {pagerduty: [schedule.json, escalation-policy.json, users.json]}",
    ).replace(
        "alertmanager_config: am.yml\nreceivers: {pagerduty-critical: checkout, slack: null}\n", ""
    )
    text = text.replace('"user:engineering_manager"', '"user:kyler-kuhn"')
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    study = load_study(path)
    assert study.book.schedule("PI7DH85").name == "daily-engineering-rotation"
    assert study.book.severity("SEV1").escalation_policy == "another-escalation-policy"


def test_a_study_service_named_like_an_imported_service_pages_its_policy(tmp_path: Path) -> None:
    for name in (
        "schedule.json",
        "escalation-policy.json",
        "escalation-policies.json",
        "service.json",
    ):
        shutil.copy(PAGERDUTY / name, tmp_path / name)
    text = (
        STUDY.replace(
            "playbook: {terraform: [seed004.tf]}",
            "playbook: {pagerduty: [schedule.json, escalation-policies.json, escalation-policy.json, service.json]}",
        )
        .replace(
            "alertmanager_config: am.yml\nreceivers: {pagerduty-critical: checkout, slack: null}\n",
            "",
        )
        .replace("name: payments,", "name: my-application-service,")
        .replace('"user:engineering_manager"', '"user:PEYSGVF"')
    )
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    compiled = compile_scenario(load_study(path).scenarios()[0])
    sev3 = compiled.severity_names.index("SEV3")
    # service.json's service uses PT20YPA ("Another Escalation Policy"); severities page the
    # first imported policy, engineering-escalation-policy.
    assert compiled.policy_for(sev3, 0) == "another-escalation-policy"
    assert compiled.policy_for(sev3, 1) == "engineering-escalation-policy"
