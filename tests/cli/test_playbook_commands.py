"""The playbook commands print what the issue promises, and fail with exit 2 and one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drillbit.cli import main
from playbook.model import DEFAULT_PLAYBOOK_PATH


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_classify_json_matches_the_seed_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "classify",
        "--service",
        "payments",
        "--error-rate",
        "62.5",
        "--latency-p99-ms",
        "12000",
        "--affected-users-pct",
        "45",
        "--revenue",
        "--dependents",
        "invoicing,receipts,analytics",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == {
        "severity": "SEV1",
        "rule": "errors-revenue",
        "reason": "62.5% error rate on revenue service payments",
    }


def test_oncall_json_names_who_is_on_call(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "oncall", "--schedule", "checkout-primary", "--at", "2025-01-08T12:00:00", "--json"
    )
    assert code == 0
    assert json.loads(out) == {
        "schedule": "checkout-primary",
        "at": "2025-01-08T12:00:00-05:00",
        "on_call": ["bob"],
    }


def test_escalate_json_lists_the_notifications(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "escalate", "--policy", "checkout", "--ack-after", "30", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"minute": 0, "rule": 1, "loop": 0, "targets": ["schedule:checkout-primary"]},
        {"minute": 10, "rule": 2, "loop": 0, "targets": ["user:engineering_manager"]},
        {"minute": 25, "rule": 1, "loop": 1, "targets": ["schedule:checkout-primary"]},
    ]


def test_check_default_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "playbook", "check", str(DEFAULT_PLAYBOOK_PATH))
    assert code == 0
    assert "SEV1" in out and "valid" in out
    assert err == ""


def test_check_bad_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: x\nseverities: []\nclassifier: {rules: [], default_severity: SEV4}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "playbook", "check", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"drillbit: error: {path}:2: severities:")


def test_check_warns_about_the_seed_one_schedule_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEFAULT_PLAYBOOK_PATH.read_text(encoding="utf-8")
    one_schedule = text.replace(
        "        users: [alice, bob, carol, dave]\n  - name: checkout-secondary\n    time_zone: America/New_York\n    layers:\n",
        "        users: [alice, bob, carol, dave]\n",
        1,
    ).replace('"schedule:checkout-secondary"', '"schedule:checkout-primary"')
    assert one_schedule != text
    path = tmp_path / "one.yaml"
    path.write_text(one_schedule, encoding="utf-8")
    code, _, err = run(capsys, "playbook", "check", str(path))
    assert code == 0
    assert "Primary" in err and "warning" in err


def test_unknown_policy_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "escalate", "--policy", "nope")
    assert code == 2
    assert "unknown escalation policy 'nope'" in err


def test_render_prints_a_status_update(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "render",
        "status_update",
        "--var",
        "title=Checkout errors",
        "--var",
        "what_is_happening=Elevated 5xx on checkout",
        "--var",
        "impact=15% of payments fail",
        "--var",
        "what_we_are_doing=Rolling back v2.4.1",
        "--var",
        "next_update_at=2025-10-13T14:50:00Z",
    )
    assert code == 0
    assert "Impact: 15% of payments fail" in out
    assert "Next update: 14:50 UTC" in out


def test_render_names_missing_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "render", "status_update", "--var", "title=x")
    assert (code, out) == (2, "")
    assert "needs fields 'impact', 'next_update_at'" in err


def test_render_refuses_a_var_without_equals(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "render", "status_update", "--var", "nonsense")
    assert code == 2
    assert "key=value" in err


def test_a_command_exit_code_reaches_the_shell(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    from drillbit.cli import app

    @app.command("exit-3", hidden=True)
    def exit_three() -> None:
        raise typer.Exit(3)

    try:
        code, _, _ = run(capsys, "exit-3")
    finally:
        app.registered_commands.pop()
    assert code == 3


def test_escalate_and_oncall_read_a_naive_at_on_the_same_clock(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 02:00 on Wednesday 2025-01-08 in New York is just after the weekly hand-off to bob;
    # read as UTC it would be Tuesday 21:00 there, still alice's week.
    at = "2025-01-08T02:00:00"
    _, out, _ = run(capsys, "oncall", "--schedule", "checkout-primary", "--at", at, "--json")
    assert json.loads(out)["on_call"] == ["bob"]
    code, out, _ = run(capsys, "escalate", "--policy", "sev1", "--at", at, "--json")
    assert code == 0
    assert json.loads(out)[0]["people"] == ["bob"]


def test_escalate_at_shows_a_rule_with_nobody_on_call_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEFAULT_PLAYBOOK_PATH.read_text(encoding="utf-8")
    # The primary rotation covers 09:00-17:00 only; at 20:00 its rule hands on at once.
    gappy = text.replace(
        "        users: [alice, bob, carol, dave]\n  - name: checkout-secondary",
        "        users: [alice, bob, carol, dave]\n        restrictions: [{type: daily_restriction,"
        ' start_time_of_day: "09:00:00", duration_seconds: 28800}]\n  - name: checkout-secondary',
        1,
    )
    assert gappy != text
    path = tmp_path / "gappy.yaml"
    path.write_text(gappy, encoding="utf-8")
    code, out, _ = run(
        capsys, "escalate", "--policy", "sev1", "--playbook", str(path),
        "--at", "2025-01-08T20:00:00", "--ack-after", "12", "--json",
    )  # fmt: skip
    assert code == 0
    assert [(r["minute"], r["rule"], r["people"], r["skipped"]) for r in json.loads(out)] == [
        (0, 1, [], True),
        (0, 2, ["alice"], False),
        (5, 3, ["engineering_manager"], False),
    ]


def test_a_naive_at_is_refused_for_a_policy_paging_schedules_in_two_zones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEFAULT_PLAYBOOK_PATH.read_text(encoding="utf-8")
    two_zones = text.replace(
        "  - name: checkout-secondary\n    time_zone: America/New_York",
        "  - name: checkout-secondary\n    time_zone: Europe/London",
        1,
    )
    assert two_zones != text
    path = tmp_path / "zones.yaml"
    path.write_text(two_zones, encoding="utf-8")
    code, _, err = run(
        capsys, "escalate", "--policy", "sev1", "--playbook", str(path), "--at", "2025-01-08T02:00:00"
    )
    assert code == 2
    assert err.count("\n") == 1 and "add an offset" in err
