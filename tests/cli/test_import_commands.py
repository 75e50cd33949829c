"""`drillbit import pagerduty|terraform` write playbooks that `playbook check` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playbook.model import load_playbook
from tests.cli.test_playbook_commands import run
from tests.integrations.conftest import PAGERDUTY, SEED004_TF
from tests.integrations.generated import account


def test_import_pagerduty_fixtures_writes_a_playbook_that_checks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "team.yaml"
    files = [
        str(PAGERDUTY / n)
        for n in ("schedule.json", "escalation-policy.json", "users.json", "service.json")
    ]
    code, _, err = run(capsys, "import", "pagerduty", *files, "--out", str(out))
    assert code == 0, err
    code, stdout, _ = run(capsys, "playbook", "check", str(out))
    assert code == 0 and "valid" in stdout
    code, stdout, _ = run(
        capsys,
        "oncall",
        "--playbook",
        str(out),
        "--schedule",
        "PI7DH85",
        "--at",
        "2015-11-10T09:00:00-05:00",
        "--json",
    )
    assert json.loads(stdout)["on_call"] == ["earline-greenholt"]
    code, stdout, _ = run(
        capsys, "escalate", "--playbook", str(out), "--policy", "PT20YPA", "--json"
    )
    assert [row["minute"] for row in json.loads(stdout)] == [0, 30, 60]


def test_import_merges_onto_a_base_playbook(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = tmp_path / "first.yaml"
    run(capsys, "import", "terraform", str(SEED004_TF), "--out", str(first))
    out = tmp_path / "merged.yaml"
    files = [str(PAGERDUTY / n) for n in ("schedule.json", "escalation-policy.json")]
    code, _, err = run(
        capsys, "import", "pagerduty", *files, "--base", str(first), "--out", str(out)
    )
    assert code == 0, err
    book = load_playbook(out)
    assert [s.name for s in book.schedules] == ["checkout_oncall", "daily-engineering-rotation"]
    assert book.severity("SEV1").escalation_policy == "checkout"


def test_a_large_generated_account_imports_and_checks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bodies = account(seed=7)
    paths = []
    for i, body in enumerate(bodies):
        path = tmp_path / f"body{i}.json"
        path.write_text(json.dumps(body), encoding="utf-8")
        paths.append(str(path))
    out = tmp_path / "team.yaml"
    code, _, err = run(capsys, "import", "pagerduty", *paths, "--out", str(out))
    assert code == 0, err
    book = load_playbook(out)
    schedules = bodies[1]["schedules"]
    assert [s.pagerduty_id for s in book.schedules] == [s["id"] for s in schedules]
    for sched, raw in zip(book.schedules, schedules, strict=True):
        assert [layer.name for layer in sched.layers] == [
            lay["name"] for lay in reversed(raw["schedule_layers"])
        ]
    for policy, raw in zip(book.escalation_policies, bodies[2]["escalation_policies"], strict=True):
        assert policy.num_loops == raw["num_loops"]
        assert [r.escalation_delay_in_minutes for r in policy.rules] == [
            r["escalation_delay_in_minutes"] for r in raw["escalation_rules"]
        ]
    assert len(book.people) == 40 and book.people[0].name == bodies[0]["users"][0][
        "name"
    ].lower().replace(" ", "-")


def test_import_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schedules": [\n  {"id": 1,}\n]}', encoding="utf-8")
    code, _, err = run(capsys, "import", "pagerduty", str(bad), "--out", str(tmp_path / "x.yaml"))
    assert code == 2 and err.count("\n") == 1 and f"{bad}:2" in err
    code, _, err = run(
        capsys,
        "import",
        "pagerduty",
        str(PAGERDUTY / "escalation-policy.json"),
        "--out",
        str(tmp_path / "x.yaml"),
    )
    assert code == 2 and err.count("\n") == 1 and "escalation-policy.json" in err


def test_escalate_turn_picks_the_round_robin_target(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = {
        "escalation_policy": {
            "id": "PRR0001",
            "name": "RR",
            "escalation_rules": [
                {
                    "escalation_delay_in_minutes": 5,
                    "escalation_rule_assignment_strategy": {"type": "round_robin"},
                    "targets": [
                        {"id": "PA", "type": "user_reference"},
                        {"id": "PB", "type": "user_reference"},
                    ],
                }
            ],
        }
    }
    source = tmp_path / "rr.json"
    source.write_text(json.dumps(body), encoding="utf-8")
    out = tmp_path / "rr.yaml"
    assert run(capsys, "import", "pagerduty", str(source), "--out", str(out))[0] == 0
    for turn, person in [(0, "user:PA"), (1, "user:PB"), (2, "user:PA")]:
        _, stdout, _ = run(
            capsys,
            "escalate",
            "--playbook",
            str(out),
            "--policy",
            "rr",
            "--turn",
            str(turn),
            "--json",
        )
        assert json.loads(stdout)[0]["targets"] == [person]


def test_playbook_check_warns_about_gaps_in_the_next_four_weeks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "team.yaml"
    run(capsys, "import", "pagerduty", str(PAGERDUTY / "schedule.json"), "--out", str(out))
    code, _, err = run(capsys, "playbook", "check", str(out), "--now", "2015-11-09T00:00:00-05:00")
    # 08:00-17:00 New York every day: 15 of 24 hours uncovered.
    assert code == 0 and "nobody on call 62.5% of the next 4 weeks" in err
    code, _, err = run(capsys, "playbook", "check", "--default", "--now", "2026-12-01T00:00:00Z")
    assert code == 0 and "nobody on call" not in err


def test_schedule_report_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "schedule",
        "report",
        "--schedule",
        "checkout-secondary",
        "--from",
        "2025-01-01T00:00:00",
        "--to",
        "2025-01-15T00:00:00",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    # Secondary starts its rotation on Jan 8 with alice: dave has Jan 1-8, alice Jan 8-15.
    assert [(p["person"], p["hours"]) for p in data["people"] if p["hours"]] == [
        ("alice", 168),
        ("dave", 168),
    ]
    assert data["coverage"]["uncovered_share"] == 0


def test_export_then_import_round_trips_through_the_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = tmp_path / "first.yaml"
    assert run(capsys, "import", "terraform", str(SEED004_TF), "--out", str(first))[0] == 0
    out = tmp_path / "tf"
    code, _, err = run(
        capsys, "export", "pagerduty", str(first), "--format", "terraform", "--out", str(out)
    )
    assert code == 0, err
    again = tmp_path / "again.yaml"
    assert (
        run(capsys, "import", "terraform", str(out / "pagerduty.tf"), "--out", str(again))[0] == 0
    )
    assert load_playbook(again).schedules == load_playbook(first).schedules


def test_export_a_study_variants_design(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    study = Path(__file__).parents[2] / "simulator" / "studies" / "reference.yaml"
    out = tmp_path / "export"
    code, _, err = run(
        capsys,
        "export",
        "pagerduty",
        str(study),
        "--variant",
        "secondary_after_5",
        "--out",
        str(out),
    )
    assert code == 0, err
    body = json.loads((out / "escalation_policy-sev2.json").read_text(encoding="utf-8"))
    # seed 003's SEV2 steps at 0, 15, 30, 60; the variant pages the secondary at minute 5
    delays = [
        r["escalation_delay_in_minutes"] for r in body["escalation_policy"]["escalation_rules"]
    ]
    assert delays[0] == 5
    code, _, err = run(
        capsys, "export", "pagerduty", str(study), "--variant", "nope", "--out", str(out)
    )
    assert code == 2 and "unknown variant 'nope'" in err
