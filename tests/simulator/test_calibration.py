"""Calibration recovers the parameters a history was generated from; the back-test agrees."""

from __future__ import annotations

import json

import pytest
import yaml

from integrations.history import History, parse_history
from playbook.model import default_playbook
from simulator.backtest import backtest
from simulator.calibration import calibrated_study, fit_history
from simulator.study import Study, load_study
from tests.simulator.history_gen import HOURS, generate, to_csv

RATES = {"checkout": 3.0, "search": 1.5}
MIX = {"SEV1": 0.1, "SEV2": 0.3, "SEV3": 0.6}


@pytest.fixture(scope="module")
def history() -> History:
    rows = generate(
        days=180,
        rates=RATES,
        ack_median=4.0,
        ack_p90=15.0,
        resolve_median=60.0,
        resolve_p90=240.0,
        mix=MIX,
    )
    return parse_history(to_csv(rows), "history.csv", assumed_zone="America/New_York")


@pytest.fixture(scope="module")
def study(history: History, tmp_path_factory: pytest.TempPathFactory) -> Study:
    document, _ = calibrated_study(
        fit_history(history), default_playbook(), playbook_ref="default", name="cal"
    )
    path = tmp_path_factory.mktemp("cal") / "study.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return load_study(path)


def test_rates_come_back_within_10_percent_on_180_days(history: History) -> None:
    fit = fit_history(history)
    assert fit.days == 180
    for service, rate in RATES.items():
        assert fit.services[service]["incidents_per_day"] == pytest.approx(rate, rel=0.10)


def test_ack_median_comes_back_within_15_percent(history: History) -> None:
    fit = fit_history(history)
    assert fit.ack["median"] == pytest.approx(4.0, rel=0.15)
    assert fit.ack["p90"] == pytest.approx(15.0, rel=0.15)
    assert fit.resolve["median"] == pytest.approx(60.0, rel=0.15)


def test_profiles_and_severity_mix_follow_the_generator(history: History) -> None:
    fit = fit_history(history)
    hours = fit.services["checkout"]["hour_profile"]
    # The generator's 10:00 weight is 4.5 times its 03:00 weight.
    assert hours[10] / hours[3] == pytest.approx(HOURS[10] / HOURS[3], rel=0.35)
    weekdays = fit.services["checkout"]["weekday_profile"]
    assert weekdays[1] > 1.0 > weekdays[6]
    for label, share in MIX.items():
        assert fit.severity_mix[label] == pytest.approx(share, abs=0.04)


def test_the_calibrated_study_reproduces_its_history(study: Study, history: History) -> None:
    result = backtest(study, history, replications=3)
    metrics = result.metrics
    assert set(metrics) >= {
        "incidents_per_week",
        "mtta_median",
        "mttr_p90",
        "sleep_hour_interruptions_per_incident",
    }
    for name in ("incidents_per_week", "mtta_median", "mttr_median"):
        assert metrics[name]["reproduced"], (name, metrics[name])
        assert abs(metrics[name]["relative_error"]) < 0.15
    assert "escalations_per_incident" not in metrics  # the history has no escalation counts


def test_a_study_with_twice_the_rate_is_reported_as_not_reproducing(
    study: Study, history: History
) -> None:
    short = parse_history(
        to_csv(
            generate(
                days=30,
                rates=RATES,
                ack_median=4.0,
                ack_p90=15.0,
                resolve_median=60.0,
                resolve_p90=240.0,
                mix=MIX,
            )
        ),
        "short.csv",
        assumed_zone="America/New_York",
    )
    doubled = study.with_overrides(
        {f"alerts.services.{name}.actionable_per_day": 2 * rate for name, rate in RATES.items()}
    )
    result = backtest(doubled, short, replications=4)
    assert "incidents_per_week" in result.not_reproduced
    assert any("incidents_per_week" in line and "overestimates" in line for line in result.verdict)


def test_the_analytics_json_body_reads_as_its_csv_does() -> None:
    rows = generate(
        days=14,
        rates=RATES,
        ack_median=4.0,
        ack_p90=15.0,
        resolve_median=60.0,
        resolve_p90=240.0,
        mix=MIX,
    )
    numeric = {"seconds_to_first_ack", "seconds_to_resolve"} | {
        k for k in rows[0] if k.endswith("interruptions")
    }
    body = {
        "data": [{k: float(v) if k in numeric else v for k, v in row.items()} for row in rows],
        "time_zone": "UTC",
    }
    from_json = parse_history(json.dumps(body), "body.json")
    from_csv = parse_history(to_csv(rows), "rows.csv")
    assert from_json.incidents == from_csv.incidents
