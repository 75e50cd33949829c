"""Which processes a stack runs, on which ports, and the configuration files they read.

:func:`plan_stack` picks free loopback ports and builds every command line and ready URL;
:func:`write_configs` writes the monitoring files for them. Two shapes:

* the bundled one: ``Locust ─► checkout target ─► fault proxy ─► payment gateway``, with
  Prometheus scraping the target;
* own staging (``StackConfig.own_target``): ``Locust ─► fault proxy ─► the user's service``,
  the proxy counting the HTTP requests it forwards (``--http-metrics SERVICE``) and
  Prometheus scraping the proxy's ``/metrics``. With the user's Prometheus and Alertmanager
  (``prometheus_url``/``alertmanager_url``) the bundled ones are not started at all.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playbook.errors import InvalidDefinition
from scenarios.monitoring.alertmanager import AlertmanagerConfig, alertmanager_argv
from scenarios.monitoring.binaries import require_binaries, version
from scenarios.monitoring.files import dump_yaml, write_monitoring_files
from scenarios.monitoring.prometheus import PrometheusConfig, prometheus_argv, prometheus_config
from scenarios.monitoring.rules import RulesConfig, alert_prefix, alert_rules, rule_file
from scenarios.procs import free_port
from scenarios.stackstate import DEFAULT_SCRAPE_JOB, StackConfig

__all__ = ["ORDER", "PROXY_JOB", "Plan", "plan_stack", "rules_config", "scrape_snippet", "split_target", "write_configs"]

#: Start order; stopped in reverse.
ORDER = ("gateway", "proxy", "target", "alertmanager", "prometheus")
#: Prometheus's job when it scrapes the fault proxy's request metrics (own staging).
PROXY_JOB = "drillbit-proxy"


@dataclass(frozen=True)
class Plan:
    """Command lines, ready URLs, public URLs, binary versions and the scrape (ports chosen)."""

    argv: dict[str, list[str]]
    ready: dict[str, str]
    urls: dict[str, str]
    versions: dict[str, str]
    scrape: str = ""
    job: str = DEFAULT_SCRAPE_JOB


def _python(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def split_target(url: str) -> tuple[str, int]:
    """``http://host:port`` of a user's service into (host, port); one line when it is not."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise InvalidDefinition(
            f"--target must be http://HOST:PORT (plain HTTP/1.1, no path), not {url!r}", field="target"
        )
    return parts.hostname, parts.port or 80


def _proxy_argv(config: StackConfig, ports: dict[str, int], run_dir: Path, upstream: str) -> list[str]:
    allow = [arg for host in config.allowed_targets for arg in ("--allow-target", host)]
    metrics = ["--http-metrics", config.service] if config.own_target else []
    return _python(
        "scenarios.faultproxy",
        "--listen-port", str(ports["proxy"]),
        "--upstream", upstream,
        "--control-port", str(ports["proxy_control"]),
        "--admin-token-file", str(run_dir / "secrets" / "proxy-admin.token"),
        *allow,
        *metrics,
    )  # fmt: skip


def _bundled_target(config: StackConfig, run_dir: Path, ports: dict[str, int], plan: Plan) -> None:
    allow = [arg for host in config.allowed_targets for arg in ("--allow-target", host)]
    argv, ready, urls = plan.argv, plan.ready, plan.urls
    if config.with_gateway:
        argv["gateway"] = _python("scenarios.target.gateway", "--port", str(ports["gateway"]))
        urls["gateway"] = f"http://127.0.0.1:{ports['gateway']}"
        ready["gateway"] = urls["gateway"] + "/healthz"
        argv["proxy"] = _proxy_argv(config, ports, run_dir, f"127.0.0.1:{ports['gateway']}")
        urls["proxy"] = f"http://127.0.0.1:{ports['proxy']}"
    target_args = [
        "--port", str(ports["target"]),
        "--admin-token-file", str(run_dir / "secrets" / "target-admin.token"),
        "--db", str(run_dir / "checkout.db"),
        "--pool-size", str(config.pool_size),
        "--pool-timeout", str(config.pool_timeout_seconds),
        "--dependency-timeout", str(config.dependency_timeout_seconds),
        *allow,
    ]  # fmt: skip
    if config.with_gateway:
        target_args += ["--gateway-url", urls["proxy"]]
    if config.seed is not None:
        target_args += ["--seed", str(config.seed)]
    argv["target"] = _python("scenarios.target", *target_args)
    urls["target"] = f"http://127.0.0.1:{ports['target']}"
    ready["target"] = urls["target"] + "/healthz"


def plan_stack(config: StackConfig, run_dir: Path) -> Plan:
    """Every process of ``config``'s stack, on free loopback ports (nothing started)."""
    external = config.prometheus_url is not None
    if external != (config.alertmanager_url is not None):
        raise InvalidDefinition("give both --prometheus and --alertmanager, or neither", field="prometheus")
    binaries = None if external else require_binaries()
    ports = {name: free_port() for name in (*ORDER, "proxy_control")}
    plan = Plan(argv={}, ready={}, urls={}, versions={})
    if config.own_target is None:
        _bundled_target(config, run_dir, ports, plan)
        plan = replace(plan, scrape=plan.urls["target"].removeprefix("http://"))
    else:
        host, port = split_target(config.own_target)
        upstream = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        plan.argv["proxy"] = _proxy_argv(config, ports, run_dir, upstream)
        plan.urls["proxy"] = plan.urls["target"] = f"http://127.0.0.1:{ports['proxy']}"
        plan = replace(plan, scrape=f"127.0.0.1:{ports['proxy_control']}", job=PROXY_JOB)
    if "proxy" in plan.argv:
        plan.urls["proxy_control"] = f"http://127.0.0.1:{ports['proxy_control']}"
        plan.ready["proxy"] = plan.urls["proxy_control"] + "/healthz"
    if binaries is None:
        assert config.prometheus_url is not None and config.alertmanager_url is not None
        plan.urls["prometheus"] = config.prometheus_url.rstrip("/")
        plan.urls["alertmanager"] = config.alertmanager_url.rstrip("/")
        return plan
    plan.argv["alertmanager"] = alertmanager_argv(
        binaries.alertmanager,
        config_file=run_dir / "alertmanager.yml",
        data_dir=run_dir / "alertmanager-data",
        port=ports["alertmanager"],
    )
    plan.urls["alertmanager"] = f"http://127.0.0.1:{ports['alertmanager']}"
    plan.ready["alertmanager"] = plan.urls["alertmanager"] + "/-/ready"
    plan.argv["prometheus"] = prometheus_argv(
        binaries.prometheus,
        config_file=run_dir / "prometheus.yml",
        data_dir=run_dir / "prometheus-data",
        port=ports["prometheus"],
    )
    plan.urls["prometheus"] = f"http://127.0.0.1:{ports['prometheus']}"
    plan.ready["prometheus"] = plan.urls["prometheus"] + "/-/ready"
    plan.versions.update(
        prometheus=version(binaries.prometheus), alertmanager=version(binaries.alertmanager)
    )
    return plan


def rules_config(config: StackConfig, job: str) -> RulesConfig:
    """The rules for the stack: the checkout seeds', or the same tiers for the user's service."""
    base = RulesConfig(compression=config.compression, scrape_interval_seconds=config.scrape_interval_seconds)
    if config.own_target is None:
        return base
    return base.model_copy(
        update={"service": config.service, "job": job, "prefix": alert_prefix(config.service), "revenue_impacting": False}
    )


def scrape_snippet(job: str, target: str, interval_seconds: float) -> dict[str, Any]:
    """The ``scrape_configs`` entry the user's Prometheus needs for the proxy's metrics."""
    document = prometheus_config(
        PrometheusConfig(job=job, targets=(target,), scrape_interval_seconds=interval_seconds)
    )
    return {"scrape_configs": document["scrape_configs"]}


def write_configs(config: StackConfig, run_dir: Path, plan: Plan) -> None:
    """The bundled Prometheus's and Alertmanager's files; with the user's monitoring, only
    ``rules.yml`` (for their Prometheus to load) and ``scrape.yml`` (the proxy's job)."""
    if "prometheus" not in plan.argv:
        rules = rule_file(alert_rules(rules_config(config, plan.job)))
        (run_dir / "rules.yml").write_text(dump_yaml(rules))
        (run_dir / "scrape.yml").write_text(dump_yaml(scrape_snippet(plan.job, plan.scrape, config.scrape_interval_seconds)))
        return
    write_monitoring_files(
        run_dir,
        rules=rules_config(config, plan.job),
        prometheus=PrometheusConfig(
            job=plan.job,
            targets=(plan.scrape,),
            alertmanagers=(plan.urls["alertmanager"].removeprefix("http://"),),
            scrape_interval_seconds=config.scrape_interval_seconds,
            evaluation_interval_seconds=config.evaluation_interval_seconds,
        ),
        alertmanager=AlertmanagerConfig(
            drill=config.drill_receiver,
            team=config.team_receiver,
            compression=config.compression,
            allowed_targets=config.allowed_targets,
        ),
    )
