"""``alertmanager.yml``: seed 002's routing, with the drill room as the pager.

Seed 002 routes ``severity: critical`` to PagerDuty (``continue: true``) and then to the
team's Slack channel; everything else goes to the default Slack channel. Here:

===================  ============================  =====================================
seed receiver        drillbit receiver             where it sends
===================  ============================  =====================================
pagerduty-critical   ``drill``                     the drill room's Alertmanager
                                                   webhook, with the room's bearer token
slack-critical       ``team``                      an optional team webhook
slack-default        ``team`` (the root receiver)  the same optional team webhook
===================  ============================  =====================================

A receiver without a URL has no integration: Alertmanager keeps the alert (visible in its API)
and notifies nobody. Bearer tokens are never written into the YAML: each goes to a 0600 file
named by ``http_config.authorization.credentials_file`` (read by Alertmanager on every
request, so a new room token needs no reload). Timings are seed 002's, time-compressed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from scenarios.allowlist import AllowList
from scenarios.monitoring.compression import TimeCompression

__all__ = [
    "DRILL_RECEIVER",
    "TEAM_RECEIVER",
    "AlertmanagerConfig",
    "WebhookTarget",
    "alertmanager_argv",
    "alertmanager_config",
    "receiver_config",
]

DRILL_RECEIVER = "drill"
TEAM_RECEIVER = "team"

#: Alertmanager timings never go below this, however strong the compression.
TIMING_FLOOR_SECONDS = 1.0


class WebhookTarget(BaseModel):
    """A webhook URL and the bearer token it expects (if any)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    token: SecretStr | None = None


class AlertmanagerConfig(BaseModel):
    """Where alerts go and how fast."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    drill: WebhookTarget | None = None
    team: WebhookTarget | None = None
    compression: TimeCompression = TimeCompression()
    group_by: tuple[str, ...] = ("alertname", "service")
    allowed_targets: tuple[str, ...] = Field(default=(), description="beyond loopback")

    def model_post_init(self, _context: object) -> None:
        allow = AllowList.with_extra(self.allowed_targets)
        for target in (self.drill, self.team):
            if target is not None:
                allow.check_url(target.url)


def receiver_config(
    name: str, target: WebhookTarget | None, token_file: Path | None
) -> dict[str, Any]:
    """One ``receivers`` entry: a webhook to ``target`` (bearer token read from ``token_file``)."""
    receiver: dict[str, Any] = {"name": name}
    if target is None:
        return receiver
    webhook: dict[str, Any] = {"url": target.url, "send_resolved": True}
    if target.token is not None:
        if token_file is None:
            raise ValueError(f"receiver {name!r} has a token but no credentials file")
        webhook["http_config"] = {
            "authorization": {"type": "Bearer", "credentials_file": str(token_file)}
        }
    receiver["webhook_configs"] = [webhook]
    return receiver


def alertmanager_config(
    config: AlertmanagerConfig,
    *,
    drill_token_file: Path | None = None,
    team_token_file: Path | None = None,
) -> dict[str, Any]:
    """The ``alertmanager.yml`` document. Pure: token files are named, not written."""
    c = config.compression
    critical = ['severity="critical"']
    return {
        "route": {
            "receiver": TEAM_RECEIVER,
            "group_by": list(config.group_by),
            "group_wait": c.duration("30s", floor_seconds=TIMING_FLOOR_SECONDS),
            "group_interval": c.duration("5m", floor_seconds=TIMING_FLOOR_SECONDS),
            "repeat_interval": c.duration("4h", floor_seconds=TIMING_FLOOR_SECONDS),
            "routes": [
                {"matchers": critical, "receiver": DRILL_RECEIVER, "continue": True},
                {"matchers": critical, "receiver": TEAM_RECEIVER},
            ],
        },
        "receivers": [
            receiver_config(DRILL_RECEIVER, config.drill, drill_token_file),
            receiver_config(TEAM_RECEIVER, config.team, team_token_file),
        ],
    }


def alertmanager_argv(binary: Path, *, config_file: Path, data_dir: Path, port: int) -> list[str]:
    """The command line of a loopback-only, single-node Alertmanager (no cluster port)."""
    return [
        str(binary),
        f"--config.file={config_file}",
        f"--storage.path={data_dir}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]
