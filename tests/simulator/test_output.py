"""The three outputs: results.json, incidents.csv and a self-contained report.html."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path

import pytest

from simulator.output import write_outputs
from simulator.results import INCIDENT_CSV_COLUMNS, StudyResult
from simulator.runner import run_study
from simulator.study import load_study

REFERENCE = Path(__file__).parents[2] / "simulator" / "studies" / "reference.yaml"


@pytest.fixture(scope="module")
def result() -> StudyResult:
    study = load_study(REFERENCE).with_overrides(
        {"horizon_days": 21, "warmup_days": 1, "replications": 3}
    )
    return run_study(study, workers=1)


def test_results_json_echoes_the_study_and_summarises_every_variant(
    result: StudyResult, tmp_path: Path
) -> None:
    paths = write_outputs(result, tmp_path)
    data = json.loads(paths["results"].read_text())
    assert data["study"]["name"] == "reference" and data["seed"] == 20250106
    assert list(data["summaries"]) == [
        "baseline",
        "secondary_after_5",
        "half_noise",
        "follow_the_sun",
        "sev3_secondary",
    ]
    mtta = data["summaries"]["baseline"]["mtta"]
    assert set(mtta) == {"mean", "ci95", "n"} and mtta["n"] == 3
    for metric in ("mttr.SEV1", "wait_minutes", "resolve_minutes", "breach_response", "pages_per_on_call_week",
                   "off_hours_interruptions_per_week", "sleep_interruptions_per_week", "hours_on_incidents_per_week",
                   "reached_rule_2", "noise_ratio", "max_consecutive_interrupted_nights", "shifts_over_limit",
                   "burnout_index"):  # fmt: skip
        assert metric in data["summaries"]["half_noise"], metric
    noise = data["comparisons"]["half_noise"]["noise_ratio"]
    assert noise["difference"] < 0 and noise["p_adjusted"] >= noise["p_value"]
    assert data["verdict"] and "alice" in data["people"]["baseline"]
    # The reference study names objectives; the verdict's first line answers them.
    assert data["study"]["objectives"] == {
        "primary": ["burnout_index"],
        "constraints": ["mtta <= 15"],
    }
    assert "on the objectives" in data["verdict"][0]


def test_incidents_csv_has_a_row_per_incident(result: StudyResult, tmp_path: Path) -> None:
    paths = write_outputs(result, tmp_path, incident_replications=1)
    with paths["incidents"].open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(INCIDENT_CSV_COLUMNS)
    expected = sum(
        len(r[0].incidents["open"]) for r in result.results.values() if r[0].incidents is not None
    )
    assert len(rows) == expected
    assert {row["replication"] for row in rows} == {"0"}


def test_the_report_is_self_contained_with_its_plots(result: StudyResult, tmp_path: Path) -> None:
    html = write_outputs(result, tmp_path)["report"].read_text()
    assert "<script" not in html
    assert re.findall(r"(?:src|href)=", html) == []
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) >= 15
    for svg in svgs:
        ET.fromstring(svg)
    assert f"<b>Answer:</b> {escape(result.verdict()[0])}" in html
    for heading in (
        "Verdict",
        "Distributions",
        "Escalation funnel",
        "Burnout index per person",
        "An example incident",
    ):
        assert heading in html


def test_the_report_shows_the_alert_lifecycle_of_every_variant(
    result: StudyResult, tmp_path: Path
) -> None:
    html = write_outputs(result, tmp_path)["report"].read_text()
    section = html.split("Alert lifecycle", 1)[1].split("<h2>", 1)[0]
    for label in ("resolved notifications per week", "severity upgrades of open incidents",
                  "a resolve had closed", "pages sent per week"):  # fmt: skip
        assert label in section
    assert section.count("<tr>") == 1 + 8  # the header and one row per lifecycle count
    # The reference study's alerts clear, so the pager gets resolves and re-fires page again.
    summary = result.summaries()["baseline"]
    assert summary["resolved_notifications_per_week"]["mean"] > 0
    assert summary["after_clear_incidents_per_week"]["mean"] > 0


def test_the_report_says_how_to_export_each_variants_design(
    result: StudyResult, tmp_path: Path
) -> None:
    html = write_outputs(result, tmp_path)["report"].read_text()
    assert (
        "drillbit export pagerduty STUDY.yaml --variant secondary_after_5 --format terraform"
        in html
    )


def test_incident_rows_carry_pagerduty_analytics_columns() -> None:
    from simulator.results import pagerduty_columns
    from tests.simulator.helpers import tiny_study

    scenario = tiny_study().scenarios()[0]
    row = {
        "severity": "SEV1", "service": "web", "detect_minute": 600.0, "open_minute": 600.0,
        "resolved_minute": 690.5, "time_to_acknowledge": 2.5, "escalation_rule": 2,
        "escalation_loop": 0, "pages": 2,
    }  # fmt: skip
    columns = pagerduty_columns(scenario, row)
    # Minute 600 after Monday 2025-01-06 00:00 UTC is 10:00 UTC: business hours.
    assert columns["created_at"] == "2025-01-06T10:00:00+00:00"
    assert columns["resolved_at"] == "2025-01-06T11:30:30+00:00"
    assert (columns["seconds_to_first_ack"], columns["seconds_to_resolve"]) == (150.0, 5430.0)
    assert (columns["priority_name"], columns["urgency"], columns["service_name"]) == (
        "SEV1",
        "high",
        "web",
    )
    assert columns["escalation_count"] == 1
    assert (columns["business_hour_interruptions"], columns["sleep_hour_interruptions"]) == (2, 0)
