"""``drillbit simulate`` and ``drillbit validate mmc`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drillbit.cli import main
from tests.simulator.helpers import TINY


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_mmc_prints_the_documented_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "mmc", "--lam", "2", "--mu", "1", "--servers", "3",
                       "--customers", "3000", "--replications", "3", "--json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    keys = {"wait_mean", "p_wait", "time_in_system_mean"}
    assert set(data) == {"simulated", "ci95", "analytic"}
    assert set(data["simulated"]) == set(data["analytic"]) == set(data["ci95"]) == keys
    assert abs(data["analytic"]["p_wait"] - 4 / 9) < 1e-12
    assert all(len(v) == 2 for v in data["ci95"].values())


def test_an_unstable_queue_fails_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "mmc", "--lam", "3", "--mu", "1", "--servers", "3")
    assert code == 2
    assert (
        err.strip() == "drillbit: error: the queue is unstable: lam/mu = 3 is not below 3 servers"
    )


def test_simulate_writes_the_three_outputs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    study = tmp_path / "tiny.yaml"
    study.write_text(
        TINY + "variants:\n  - name: escalate\n    set: {dispatch.when_busy: escalate}\n"
    )
    out = tmp_path / "out"
    code, stdout, _ = run(
        capsys,
        "simulate",
        str(study),
        "--replications",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
        "--json",
    )
    assert code == 0
    data = json.loads(stdout)
    assert set(data["summaries"]) == {"baseline", "escalate"}
    assert sorted(p.name for p in out.iterdir()) == ["incidents.csv", "report.html", "results.json"]


def test_simulate_reports_an_invalid_study_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    study = tmp_path / "bad.yaml"
    study.write_text(TINY.replace("horizon_days: 7", "horizon_days: -7"))
    code, _, err = run(capsys, "simulate", str(study))
    line = next(
        i for i, row in enumerate(study.read_text().splitlines(), 1) if "horizon_days" in row
    )
    assert code == 2
    assert (
        err.strip()
        == f"drillbit: error: {study}:{line}: horizon_days: Input should be greater than 0"
    )


def _tiny_with_variant(tmp_path: Path) -> Path:
    study = tmp_path / "tiny.yaml"
    study.write_text(
        TINY
        + "variants:\n  - name: faster\n    set: {playbook.escalation_policies.p3.steps.1.at_minute: 5}\n"
    )
    return study


def test_validate_aa_reports_the_family_wise_rate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    study = _tiny_with_variant(tmp_path)
    code, out, _ = run(capsys, "validate", "aa", str(study), "--seeds", "2",
                       "--replications", "3", "--workers", "1", "--json")  # fmt: skip
    data = json.loads(out)
    assert code == (0 if data["ok"] else 1)
    assert data["seeds"] == 2 and data["copies"] == 1 and data["replications"] == 3
    assert data["studies_with_a_false_positive"] <= 2
    assert data["family_wise_false_positive_rate"] == data["studies_with_a_false_positive"] / 2
    assert data["adjusted_significant"] <= data["raw_significant"]


def test_validate_aa_refuses_a_single_replication(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "validate", "aa", str(_tiny_with_variant(tmp_path)),
                       "--replications", "1")  # fmt: skip
    assert code == 2
    assert err.strip() == (
        "drillbit: error: --replications must be at least 2 (a paired test needs two)"
    )


def test_validate_crn_prints_both_figures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "validate", "crn", str(_tiny_with_variant(tmp_path)),
                       "--replications", "2", "--json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["variant"] == "faster" and data["replications"] == 2
    assert set(data) >= {
        "identical_share",
        "sd_ratio",
        "median_sd_ratio",
        "matched_acknowledgements",
    }


def test_the_simulate_summary_leads_its_verdict_with_the_answer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    study = _tiny_with_variant(tmp_path)
    code, stdout, _ = run(capsys, "simulate", str(study), "--replications", "2",
                          "--workers", "1", "--out", str(tmp_path / "out"))  # fmt: skip
    assert code == 0
    after_table = stdout[stdout.rindex("└") :].splitlines()[1:]
    assert after_table[0].startswith("Answer: No design differs significantly")
    assert any(line.startswith("- MTTA (alert to acknowledgement)") for line in after_table)
