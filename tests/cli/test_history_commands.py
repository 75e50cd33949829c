"""`drillbit calibrate` and `drillbit backtest` on real and generated histories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.study import load_study
from tests.cli.test_playbook_commands import run
from tests.integrations.conftest import PAGERDUTY


def test_calibrate_reads_pagerduty_analytics_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "study.yaml"
    code, stdout, err = run(
        capsys,
        "calibrate",
        str(PAGERDUTY / "analytics-raw-incidents.json"),
        "--out",
        str(out),
        "--json",
    )
    assert code == 0, err
    fit = json.loads(stdout)
    assert sorted(fit["services"]) == ["Engineering", "Social media tracking"]
    # seconds_to_first_ack 5 and 48: median 26.5 s; the body says time_zone Etc/UTC.
    assert fit["ack_minutes"]["median"] == pytest.approx(26.5 / 60, abs=1e-4)
    assert fit["period"] == {
        "start": "2023-05-31T00:00:00+00:00",
        "end": "2023-06-01T00:00:00+00:00",
        "days": 1,
    }
    assert fit["severity_mix"] == {"-": 0.5, "SEV-2": 0.5}
    assert fit["services"]["Engineering"]["incidents_per_day"] == 1
    assert "read as Etc/UTC" in err  # naive times, in the zone the body names
    load_study(out)


GENERIC = """created_at,acknowledged_at,resolved_at,service,severity
2026-03-02T10:00:00,2026-03-02T10:04:00,2026-03-02T11:00:00,api,SEV2
2026-03-02T12:00:00,2026-03-02T12:02:00,2026-03-02T12:30:00,api,SEV3
2026-03-03T09:00:00+01:00,not-a-time,2026-03-03T10:00:00+01:00,web,SEV3
2026-03-04T09:00:00Z,2026-03-04T09:10:00Z,2026-03-04T08:05:00Z,web,SEV3
"""


def test_bad_rows_exit_2_naming_row_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    history = tmp_path / "history.csv"
    history.write_text(GENERIC, encoding="utf-8")
    code, _, err = run(capsys, "calibrate", str(history), "--out", str(tmp_path / "s.yaml"))
    assert code == 2 and err.count("\n") == 1
    assert f"{history}:4: row 3: acknowledged_at: not an ISO-8601 date-time" in err


def test_skip_bad_rows_counts_them_and_says_which_zone_was_assumed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    history = tmp_path / "history.csv"
    history.write_text(GENERIC, encoding="utf-8")
    out = tmp_path / "s.yaml"
    code, stdout, err = run(
        capsys,
        "calibrate",
        str(history),
        "--out",
        str(out),
        "--skip-bad-rows",
        "--time-zone",
        "Europe/Paris",
        "--json",
    )
    assert code == 0, err
    assert "skipped 2 bad rows" in err  # row 3: a bad time; row 4: resolved before created
    assert "read as Europe/Paris" in err
    fit = json.loads(stdout)
    assert fit["ack_minutes"]["median"] == 3.0


def test_backtest_json_has_observed_simulated_ci_and_error_per_metric(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    history = Path(__file__).parents[2] / "docs" / "examples" / "own-team" / "history.csv"
    study = tmp_path / "study.yaml"
    zone = ["--time-zone", "America/New_York"]
    assert run(capsys, "calibrate", str(history), "--out", str(study), *zone)[0] == 0
    code, out, err = run(
        capsys, "backtest", str(study), str(history), "--replications", "3", "--json", *zone
    )
    assert code == 0, err
    data = json.loads(out)
    for name in ("incidents_per_week", "mtta_mean", "mtta_median", "mtta_p90", "mttr_mean", "mttr_median",
                 "mttr_p90", "acked_out_of_hours_share", "business_hour_interruptions_per_incident",
                 "off_hour_interruptions_per_incident", "sleep_hour_interruptions_per_incident"):  # fmt: skip
        row = data["metrics"][name]
        assert set(row) == {"observed", "simulated", "ci95", "relative_error", "reproduced"}
        assert row["ci95"][0] <= row["simulated"] <= row["ci95"][1]
    assert data["period"]["days"] == 91


def test_an_oversized_configuration_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    big = tmp_path / "big.tf"
    with big.open("wb") as handle:
        handle.truncate(9 * 1024 * 1024)
    code, _, err = run(capsys, "import", "terraform", str(big), "--out", str(tmp_path / "x.yaml"))
    assert code == 2 and "larger than 8 MiB" in err
