"""``prometheus.yml`` for the staging stack: scrape the target, evaluate rules, alert.

Scrape and evaluation run every second by default (the tests' and drills' pace); the scrape
timeout equals the interval, so a service starved of CPU shows up as ``up == 0``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scenarios.monitoring.compression import format_duration

__all__ = ["PrometheusConfig", "prometheus_argv", "prometheus_config"]


class PrometheusConfig(BaseModel):
    """What Prometheus scrapes and where it sends alerts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job: str = "checkout"
    targets: tuple[str, ...] = Field(min_length=1, description="host:port to scrape")
    alertmanagers: tuple[str, ...] = ()
    rule_files: tuple[Path, ...] = ()
    scrape_interval_seconds: float = Field(default=1.0, gt=0)
    evaluation_interval_seconds: float = Field(default=1.0, gt=0)


def prometheus_config(config: PrometheusConfig) -> dict[str, Any]:
    """The ``prometheus.yml`` document. Pure."""
    interval = format_duration(config.scrape_interval_seconds)
    document: dict[str, Any] = {
        "global": {
            "scrape_interval": interval,
            "scrape_timeout": interval,
            "evaluation_interval": format_duration(config.evaluation_interval_seconds),
        },
        "rule_files": [str(path) for path in config.rule_files],
        "scrape_configs": [
            {
                "job_name": config.job,
                "metrics_path": "/metrics",
                "static_configs": [{"targets": list(config.targets)}],
            }
        ],
    }
    if config.alertmanagers:
        document["alerting"] = {
            "alertmanagers": [{"static_configs": [{"targets": list(config.alertmanagers)}]}]
        }
    return document


def prometheus_argv(binary: Path, *, config_file: Path, data_dir: Path, port: int) -> list[str]:
    """The command line of a loopback-only Prometheus with local storage."""
    return [
        str(binary),
        f"--config.file={config_file}",
        f"--storage.tsdb.path={data_dir}",
        "--storage.tsdb.retention.time=1d",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
