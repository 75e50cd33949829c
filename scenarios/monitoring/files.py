"""Write the monitoring configuration of a run directory (the only side effects here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from scenarios.monitoring.alertmanager import AlertmanagerConfig, alertmanager_config
from scenarios.monitoring.prometheus import PrometheusConfig, prometheus_config
from scenarios.monitoring.rules import RulesConfig, alert_rules, rule_file

__all__ = ["MonitoringFiles", "dump_yaml", "write_monitoring_files", "write_secret"]


class MonitoringFiles(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prometheus_yml: Path
    rules_yml: Path
    alertmanager_yml: Path
    drill_token_file: Path | None
    team_token_file: Path | None


def write_secret(path: Path, value: str) -> Path:
    """Write ``value`` to ``path`` readable by its owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return path


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings (PromQL reads as written), and no YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(document: dict[str, Any]) -> str:
    """``document`` as YAML, keys in insertion order."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=120)


def _dump(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(document))
    return path


def write_monitoring_files(
    directory: Path,
    *,
    rules: RulesConfig,
    prometheus: PrometheusConfig,
    alertmanager: AlertmanagerConfig,
) -> MonitoringFiles:
    """Write ``rules.yml``, ``prometheus.yml``, ``alertmanager.yml`` and token files."""
    drill_token = team_token = None
    if alertmanager.drill is not None and alertmanager.drill.token is not None:
        drill_token = write_secret(
            directory / "secrets" / "drill-receiver.token",
            alertmanager.drill.token.get_secret_value(),
        )
    if alertmanager.team is not None and alertmanager.team.token is not None:
        team_token = write_secret(
            directory / "secrets" / "team-receiver.token",
            alertmanager.team.token.get_secret_value(),
        )
    rules_yml = _dump(directory / "rules.yml", rule_file(alert_rules(rules)))
    prometheus = prometheus.model_copy(update={"rule_files": (rules_yml,)})
    return MonitoringFiles(
        prometheus_yml=_dump(directory / "prometheus.yml", prometheus_config(prometheus)),
        rules_yml=rules_yml,
        alertmanager_yml=_dump(
            directory / "alertmanager.yml",
            alertmanager_config(
                alertmanager, drill_token_file=drill_token, team_token_file=team_token
            ),
        ),
        drill_token_file=drill_token,
        team_token_file=team_token,
    )
