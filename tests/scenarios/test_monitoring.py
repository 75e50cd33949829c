"""Generated monitoring: the seeds' rules, time-compressed; seed 002's routing; valid files."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from playbook.errors import InvalidDefinition
from playbook.model import default_playbook
from scenarios.allowlist import TargetNotAllowed
from scenarios.monitoring import (
    AlertmanagerConfig,
    PrometheusConfig,
    RulesConfig,
    TimeCompression,
    WebhookTarget,
    alert_rules,
    alertmanager_config,
    find_binaries,
    format_duration,
    parse_duration,
    prometheus_config,
    rule_file,
    write_monitoring_files,
)
from scenarios.monitoring.alertmanager import alertmanager_argv
from scenarios.monitoring.files import dump_yaml
from scenarios.monitoring.prometheus import prometheus_argv
from webui.payloads import alert_context

BINARIES = find_binaries()
needs_tools = pytest.mark.skipif(
    BINARIES is None or BINARIES.promtool is None or BINARIES.amtool is None,
    reason="promtool/amtool not installed (apt-get install prometheus prometheus-alertmanager)",
)


def rules_by_name(config: RulesConfig | None = None) -> dict[str, Any]:
    return {rule.alert: rule for rule in alert_rules(config or RulesConfig())}


def test_durations_parse_and_format_as_prometheus_writes_them() -> None:
    assert parse_duration("1h30m") == 5400
    assert parse_duration("500ms") == 0.5
    assert [format_duration(s) for s in (5, 60, 4320, 0.5, 2.4, 0)] == [
        "5s", "1m", "72m", "500ms", "2400ms", "0s",
    ]  # fmt: skip
    with pytest.raises(InvalidDefinition):
        parse_duration("5 minutes")


@given(st.integers(min_value=1, max_value=10**9))
def test_formatting_whole_milliseconds_round_trips(millis: int) -> None:
    assert parse_duration(format_duration(millis / 1000)) == pytest.approx(millis / 1000)


def test_the_seed_alerts_are_all_there_with_their_severities() -> None:
    severities = {name: rule.labels["severity"] for name, rule in rules_by_name().items()}
    assert severities == {
        "HighErrorRate": "critical",
        "SlowResponseTime": "warning",
        "ServiceDown": "critical",
        "CheckoutHighErrorBudgetBurn": "critical",
        "CheckoutSlowErrorBudgetBurn": "warning",
        "CheckoutHighLatencyBudgetBurn": "critical",
        "CheckoutSlowLatencyBudgetBurn": "warning",
        "CheckoutDbPoolExhausted": "warning",
    }


def test_a_compression_of_60_turns_hours_into_minutes() -> None:
    rules = rules_by_name()
    assert rules["HighErrorRate"].for_ == "2s" and "[5s]" in rules["HighErrorRate"].expr
    burn = rules["CheckoutHighErrorBudgetBurn"]
    assert "[1m]" in burn.expr and "[5s]" in burn.expr and burn.for_ == "2s"
    slow = rules["CheckoutSlowErrorBudgetBurn"]
    assert "[72m]" in slow.expr and slow.for_ == "1m"
    assert rules["ServiceDown"].for_ == "1s"


def test_the_burn_alerts_carry_all_four_tiers_of_the_workbook_compressed() -> None:
    rules = rules_by_name()
    page, ticket = rules["CheckoutHighErrorBudgetBurn"].expr, rules["CheckoutSlowErrorBudgetBurn"].expr
    for window in ("[1m]", "[5s]", "[6m]", "[30s]"):  # 1h/5m and 6h/30m at 60x
        assert window in page, window
    for window in ("[24m]", "[2m]", "[72m]", "[6m]"):  # 1d/2h and 3d/6h at 60x
        assert window in ticket, window
    assert "(6 * 0.0005)" in page and "(1 * 0.0005)" in ticket
    assert rules["CheckoutSlowLatencyBudgetBurn"].expr.count("\nor\n") == 1


def test_real_time_keeps_the_seed_timings() -> None:
    rules = rules_by_name(RulesConfig(compression=TimeCompression(factor=1)))
    assert rules["HighErrorRate"].for_ == "2m" and "[5m]" in rules["HighErrorRate"].expr
    assert "[3d]" in rules["CheckoutSlowErrorBudgetBurn"].expr


def test_burn_rate_thresholds_are_not_compressed() -> None:
    rules = rules_by_name()
    assert "> (14.4 * 0.0005)" in rules["CheckoutHighErrorBudgetBurn"].expr
    assert "> (3 * 0.0005)" in rules["CheckoutSlowErrorBudgetBurn"].expr
    assert "> (14.4 * 0.01)" in rules["CheckoutHighLatencyBudgetBurn"].expr
    assert 'le="0.5"' in rules["CheckoutHighLatencyBudgetBurn"].expr


def test_a_compression_that_leaves_rate_no_samples_is_refused() -> None:
    with pytest.raises(InvalidDefinition, match="shorter than 4 scrape intervals"):
        alert_rules(RulesConfig(compression=TimeCompression(factor=600)))


def test_every_rule_selects_and_labels_the_service() -> None:
    for rule in alert_rules(RulesConfig()):
        assert rule.labels["service"] == "checkout"
        assert 'service="checkout"' in rule.expr or 'job="checkout"' in rule.expr


def test_every_rule_carries_the_alert_context_the_playbook_classifies() -> None:
    for rule in alert_rules(RulesConfig()):
        assert rule.annotations["service"] == "checkout"
        assert rule.annotations["is_revenue_impacting"] == "true"
        assert rule.annotations["error_rate"].startswith("{{ with query `100 * sum(rate(")
        assert "{{ else }}0{{ end }}" in rule.annotations["latency_p99_ms"]
    assert rules_by_name(RulesConfig(revenue_impacting=False))["HighErrorRate"].annotations[
        "is_revenue_impacting"
    ] == "false"


@pytest.mark.parametrize(
    ("alert", "readings", "severity"),
    [
        ("HighErrorRate", {"error_rate": "52.3", "latency_p99_ms": "40"}, "SEV1"),
        ("CheckoutHighErrorBudgetBurn", {"error_rate": "12.0", "latency_p99_ms": "40"}, "SEV2"),
        ("CheckoutHighLatencyBudgetBurn", {"error_rate": "0", "latency_p99_ms": "4975"}, "SEV3"),
        ("ServiceDown", {"error_rate": "0", "latency_p99_ms": "0"}, "SEV2"),
    ],
)
def test_the_web_ui_reads_a_rendered_alert_into_a_meaningful_severity(
    alert: str, readings: dict[str, str], severity: str
) -> None:
    """As the receiver reads labels and annotations once Prometheus rendered the readings."""
    rule = rules_by_name()[alert]
    context = alert_context("checkout", {**rule.labels, **rule.annotations, **readings})
    assert default_playbook().classify(context).severity == severity


def test_rules_are_grouped_as_in_the_seeds() -> None:
    document = rule_file(alert_rules(RulesConfig()))
    assert [group["name"] for group in document["groups"]] == [
        "user-experience", "slo-alerts", "capacity",
    ]  # fmt: skip


def test_prometheus_scrapes_and_evaluates_every_second_and_alerts_alertmanager() -> None:
    document = prometheus_config(
        PrometheusConfig(targets=("127.0.0.1:8081",), alertmanagers=("127.0.0.1:9093",))
    )
    assert document["global"] == {
        "scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s",
    }  # fmt: skip
    assert document["scrape_configs"][0]["job_name"] == "checkout"
    assert document["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [
        "127.0.0.1:9093"
    ]


def test_alertmanager_routes_critical_to_the_drill_room_and_the_team_as_seed_002() -> None:
    config = AlertmanagerConfig(
        drill=WebhookTarget(url="http://127.0.0.1:8000/hook", token=SecretStr("room-token-123456"))
    )
    document = alertmanager_config(config, drill_token_file=Path("/run/drill.token"))
    route = document["route"]
    assert route["receiver"] == "team"
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == (
        "1s",
        "5s",
        "4m",
    )
    assert route["routes"] == [
        {"matchers": ['severity="critical"'], "receiver": "drill", "continue": True},
        {"matchers": ['severity="critical"'], "receiver": "team"},
    ]
    drill, team = document["receivers"]
    assert drill["webhook_configs"] == [
        {
            "url": "http://127.0.0.1:8000/hook",
            "send_resolved": True,
            "http_config": {
                "authorization": {"type": "Bearer", "credentials_file": "/run/drill.token"}
            },
        }
    ]
    assert team == {"name": "team"}  # no URL: Alertmanager keeps the alert, notifies nobody
    assert "room-token-123456" not in dump_yaml(document)


def test_a_receiver_outside_the_allow_list_is_refused() -> None:
    with pytest.raises(TargetNotAllowed, match=r"staging\.example\.invalid"):
        AlertmanagerConfig(drill=WebhookTarget(url="https://staging.example.invalid/hook"))
    with pytest.raises(ValidationError):
        AlertmanagerConfig.model_validate({"drill": {"url": "http://127.0.0.1/x", "bearer": "x"}})


def test_binaries_listen_on_loopback_and_alertmanager_runs_without_a_cluster_port() -> None:
    prom = prometheus_argv(
        Path("/usr/bin/prometheus"), config_file=Path("p.yml"), data_dir=Path("d"), port=9
    )
    am = alertmanager_argv(
        Path("/usr/bin/am"), config_file=Path("a.yml"), data_dir=Path("d"), port=8
    )
    assert "--web.listen-address=127.0.0.1:9" in prom
    assert "--web.listen-address=127.0.0.1:8" in am and "--cluster.listen-address=" in am


def write_all(directory: Path) -> Any:
    return write_monitoring_files(
        directory,
        rules=RulesConfig(),
        prometheus=PrometheusConfig(targets=("127.0.0.1:8081",), alertmanagers=("127.0.0.1:9093",)),
        alertmanager=AlertmanagerConfig(
            drill=WebhookTarget(
                url="http://127.0.0.1:8000/hook", token=SecretStr("room-token-123456")
            )
        ),
    )


def test_token_files_are_private_and_the_configs_do_not_contain_the_token(tmp_path: Path) -> None:
    files = write_all(tmp_path)
    assert files.drill_token_file is not None
    assert files.drill_token_file.stat().st_mode & 0o777 == 0o600
    assert files.drill_token_file.read_text() == "room-token-123456"
    assert "room-token-123456" not in files.alertmanager_yml.read_text()


def check(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@needs_tools
def test_promtool_and_amtool_accept_the_generated_files(tmp_path: Path) -> None:
    assert BINARIES is not None and BINARIES.promtool and BINARIES.amtool
    files = write_all(tmp_path)
    check(str(BINARIES.promtool), "check", "config", str(files.prometheus_yml))
    check(str(BINARIES.promtool), "check", "rules", str(files.rules_yml))
    check(str(BINARIES.amtool), "check-config", str(files.alertmanager_yml))


@needs_tools
def test_promtool_sees_high_error_rate_fire_seconds_after_errors_start(tmp_path: Path) -> None:
    assert BINARIES is not None and BINARIES.promtool
    files = write_all(tmp_path)
    rule = rules_by_name()["HighErrorRate"]
    firing = {
        "exp_labels": rule.labels,
        # The impact readings are queried when the alert is evaluated: half the requests fail,
        # and no latency histogram exists in this test (a reading without data is 0).
        "exp_annotations": {
            **rule.annotations,
            "summary": "Error rate 50% exceeds 5%",
            "error_rate": "50.0",
            "latency_p99_ms": "0",
        },
    }
    test_file = tmp_path / "test.yml"
    test_file.write_text(
        yaml.safe_dump(
            {
                "rule_files": [str(files.rules_yml)],
                "evaluation_interval": "1s",
                "tests": [
                    {
                        "interval": "1s",
                        "input_series": [
                            {
                                "series": 'http_requests_total{service="checkout",status="200"}',
                                "values": "0+10x60",
                            },
                            {
                                "series": 'http_requests_total{service="checkout",status="500"}',
                                "values": "0x20 10+10x40",
                            },
                        ],
                        "alert_rule_test": [
                            {"eval_time": "20s", "alertname": "HighErrorRate", "exp_alerts": []},
                            {
                                "eval_time": "30s",
                                "alertname": "HighErrorRate",
                                "exp_alerts": [firing],
                            },
                        ],
                    }
                ],
            }
        )
    )
    check(str(BINARIES.promtool), "test", "rules", str(test_file))
