"""Prometheus and Alertmanager for the staging stack: generated configs, real binaries."""

from __future__ import annotations

from scenarios.monitoring.alertmanager import (
    DRILL_RECEIVER,
    TEAM_RECEIVER,
    AlertmanagerConfig,
    WebhookTarget,
    alertmanager_config,
)
from scenarios.monitoring.binaries import (
    DEBIAN_PACKAGES,
    MonitoringBinaries,
    find_binaries,
    require_binaries,
)
from scenarios.monitoring.compression import TimeCompression, format_duration, parse_duration
from scenarios.monitoring.files import MonitoringFiles, write_monitoring_files
from scenarios.monitoring.prometheus import PrometheusConfig, prometheus_config
from scenarios.monitoring.rules import AlertRule, RulesConfig, alert_rules, rule_file

__all__ = [
    "DEBIAN_PACKAGES",
    "DRILL_RECEIVER",
    "TEAM_RECEIVER",
    "AlertRule",
    "AlertmanagerConfig",
    "MonitoringBinaries",
    "MonitoringFiles",
    "PrometheusConfig",
    "RulesConfig",
    "TimeCompression",
    "WebhookTarget",
    "alert_rules",
    "alertmanager_config",
    "find_binaries",
    "format_duration",
    "parse_duration",
    "prometheus_config",
    "require_binaries",
    "rule_file",
    "write_monitoring_files",
]
