"""Terraform's PagerDuty resources import; seed 004 renders as PagerDuty renders it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from integrations.document import base_document, dump_playbook, merge_sections
from integrations.pagerduty import account_sections
from integrations.terraform import account_from_terraform, parse_hcl, read_terraform
from playbook.errors import InvalidDefinition
from playbook.escalation import escalation_timeline
from playbook.model import Playbook
from playbook.schedules import on_call_at
from tests.integrations.conftest import SEED004_TF

NY = ZoneInfo("America/New_York")


def imported(*paths: Path) -> Playbook:
    account = account_from_terraform([read_terraform(p) for p in paths])
    doc, _ = merge_sections(base_document(None), account_sections(account))
    return dump_playbook(doc, "out.yaml")[1]


def test_seed_004_one_schedule_form_renders_only_the_later_layer() -> None:
    book = imported(SEED004_TF)
    sched = book.schedule("checkout_oncall")
    assert [layer.name for layer in sched.layers] == ["Primary", "Secondary"]
    # Secondary's rotation starts 2025-01-08 with alice; a week earlier it is dave's turn
    # (-1 mod 4 = 3). Primary would have alice on 2025-01-02: the later layer wins.
    assert on_call_at(sched, datetime(2025, 1, 2, 12, tzinfo=NY)) == ("dave",)
    assert on_call_at(sched, datetime(2025, 1, 8, 0, tzinfo=NY)) == ("alice",)
    assert on_call_at(sched, datetime(2025, 1, 15, 0, tzinfo=NY)) == ("bob",)
    assert book.warnings() == [
        "schedule 'checkout_oncall': layer 'Primary' is never on call: layer 'Secondary' "
        "covers it completely (PagerDuty renders only the later layer)"
    ]


def test_seed_004_policy_names_resources_by_terraform_name() -> None:
    book = imported(SEED004_TF)
    policy = book.policy("checkout")
    timeline = escalation_timeline(policy, horizon=60)
    assert [(n.minute, [str(t) for t in n.targets]) for n in timeline] == [
        (0, ["schedule:checkout_oncall"]),
        (10, ["user:engineering_manager"]),
        (25, ["schedule:checkout_oncall"]),
        (35, ["user:engineering_manager"]),
        (50, ["schedule:checkout_oncall"]),
        (60, ["user:engineering_manager"]),
    ]
    assert {p.name for p in book.people} == {"alice", "bob", "carol", "dave", "engineering_manager"}


HCL = """
resource "pagerduty_user" "alice" {
  name      = "Alice Liddell"
  email     = "alice@example.com"
  time_zone = "Europe/Berlin"
  job_title = "SRE"
}
resource "pagerduty_schedule" "weekend" {
  name      = "Weekend"
  time_zone = "Europe/Berlin"
  layer {
    name                         = "Weekend"
    start                        = "2026-01-05T00:00:00+01:00"
    rotation_virtual_start       = "2026-01-05T00:00:00+01:00"
    rotation_turn_length_seconds = 86400
    users                        = [pagerduty_user.alice.id]
    restriction {
      type              = "weekly_restriction"
      start_time_of_day = "18:00:00"
      start_day_of_week = 5
      duration_seconds  = 216000
    }
  }
}
resource "pagerduty_escalation_policy" "rr" {
  name      = "RR"
  num_loops = 0
  rule {
    escalation_delay_in_minutes = 5
    escalation_rule_assignment_strategy {
      type = "round_robin"
    }
    target {
      type = "user_reference"
      id   = pagerduty_user.alice.id
    }
    target {
      type = "user_reference"
      id   = "PXYZ123"
    }
  }
}
resource "pagerduty_service" "api" {
  name              = "API"
  escalation_policy = pagerduty_escalation_policy.rr.id
  incident_urgency_rule {
    type    = "constant"
    urgency = "low"
  }
}
"""


def test_hcl_weekly_restrictions_round_robin_and_services_import(tmp_path: Path) -> None:
    path = tmp_path / "main.tf"
    path.write_text(HCL, encoding="utf-8")
    book = imported(path)
    berlin = ZoneInfo("Europe/Berlin")
    sched = book.schedule("weekend")
    # Friday 18:00 for 60 hours: until Monday 06:00 Berlin time.
    assert on_call_at(sched, datetime(2026, 1, 9, 17, 59, tzinfo=berlin)) == ()
    assert on_call_at(sched, datetime(2026, 1, 9, 18, 0, tzinfo=berlin)) == ("alice",)
    assert on_call_at(sched, datetime(2026, 1, 12, 5, 59, tzinfo=berlin)) == ("alice",)
    assert on_call_at(sched, datetime(2026, 1, 12, 6, 0, tzinfo=berlin)) == ()
    rule = book.policy("rr").rules[0]
    assert rule.round_robin and [t.id for t in rule.targets] == ["alice", "PXYZ123"]
    assert book.services[0].escalation_policy == "rr"
    assert book.services[0].incident_urgency_rule.urgency == "low"
    alice = next(p for p in book.people if p.name == "alice")
    assert (alice.time_zone, alice.title) == ("Europe/Berlin", "SRE")


def test_terraform_show_json_resolves_ids_back_to_resources(tmp_path: Path) -> None:
    state = {
        "format_version": "1.0",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "mode": "managed",
                        "type": "pagerduty_user",
                        "name": "bob",
                        "address": "pagerduty_user.bob",
                        "values": {"id": "PBOB001", "name": "Bob", "time_zone": "UTC"},
                    },
                    {
                        "mode": "managed",
                        "type": "pagerduty_schedule",
                        "name": "primary",
                        "address": "pagerduty_schedule.primary",
                        "values": {
                            "id": "PSCH001",
                            "name": "Primary",
                            "time_zone": "UTC",
                            "layer": [
                                {
                                    "name": "L1",
                                    "start": "2026-01-01T00:00:00Z",
                                    "end": "",
                                    "rotation_virtual_start": "2026-01-01T00:00:00Z",
                                    "rotation_turn_length_seconds": 604800,
                                    "users": ["PBOB001"],
                                    "restriction": [],
                                }
                            ],
                        },
                    },
                ],
                "child_modules": [
                    {
                        "resources": [
                            {
                                "mode": "managed",
                                "type": "pagerduty_escalation_policy",
                                "name": "ep",
                                "address": "module.x.pagerduty_escalation_policy.ep",
                                "values": {
                                    "id": "PEP0001",
                                    "name": "EP",
                                    "num_loops": 1,
                                    "rule": [
                                        {
                                            "escalation_delay_in_minutes": 15,
                                            "escalation_rule_assignment_strategy": [
                                                {"type": "assign_to_everyone"}
                                            ],
                                            "target": [
                                                {"type": "schedule_reference", "id": "PSCH001"}
                                            ],
                                        }
                                    ],
                                },
                            },
                        ]
                    }
                ],
            }
        },
    }
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    book = imported(path)
    assert book.schedule("PSCH001").name == "primary"
    assert book.schedule("primary").layers[0].users == ("bob",)
    assert str(book.policy("PEP0001").rules[0].targets[0]) == "schedule:primary"


def test_invalid_hcl_is_refused_with_its_file() -> None:
    with pytest.raises(InvalidDefinition, match=r"main\.tf.*invalid HCL"):
        parse_hcl('resource "pagerduty_user" "x" {\n  name = \n', "main.tf")


def test_a_file_without_pagerduty_resources_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.tf"
    path.write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n', encoding="utf-8")
    with pytest.raises(InvalidDefinition, match="no pagerduty_"):
        imported(path)
