"""The program's settings: one ``Settings`` object, read from ``DRILLBIT_*`` variables.

Every setting drillbit reads from the environment is a field here, named ``DRILLBIT_`` plus
the field's name upper-cased (``data_dir`` is ``DRILLBIT_DATA_DIR``), with its default and
what it does (the README's settings table lists them all; a test keeps the two equal). The
command line and the web UI both read this object, so both default to the same data
directory (``./var``): ``drillbit drill score`` finds the rooms played in the browser.

Fields passed as keyword arguments win over the environment, which wins over the default.
Unsafe choices are refused rather than defaulted (a non-loopback host needs
``DRILLBIT_ALLOW_PUBLIC=1``).

The game-day experiment settings (``target_url`` ...) are read by Chaos Toolkit from the
same variables (the experiments' ``configuration`` blocks); they are fields here so that
they are documented and checked in one place.

Cheap to import: pydantic only (no FastAPI, Chaos Toolkit or Locust; not even the
playbook), so light commands can read a setting without paying for the web stack.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

__all__ = [
    "ENV_PREFIX",
    "MIN_SECRET_LENGTH",
    "Settings",
    "env_name",
    "is_loopback",
    "load_settings",
]

ENV_PREFIX = "DRILLBIT_"
MIN_SECRET_LENGTH = 32
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")


def env_name(field: str) -> str:
    """The environment variable of a setting: ``data_dir`` -> ``DRILLBIT_DATA_DIR``."""
    return ENV_PREFIX + field.upper()


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _cores() -> int:
    return max(1, os.cpu_count() or 1)


class Settings(BaseModel):
    """Where drillbit listens and keeps its data, its secrets, and its limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # -- where: the web UI and the data directory ---------------------------------------------
    host: str = Field(default="127.0.0.1", description="address the web UI listens on")
    port: int = Field(default=8000, ge=0, le=65535, description="web UI port; 0: any free port")
    allow_public: bool = Field(
        default=False, description="allow a host other than loopback (1 to serve on 0.0.0.0)"
    )
    allowed_hosts: tuple[str, ...] = Field(
        default=LOOPBACK_NAMES,
        description=(
            "Host header names the web UI answers (comma-separated; any other Host gets 400, "
            "against DNS rebinding); the listening host is always allowed"
        ),
    )
    data_dir: Path = Field(
        default=Path("var"),
        description="rooms (SQLite), signing secret, admin token, study runs: CLI and web UI",
    )
    db: Path | None = Field(
        default=None, description="SQLite file of drill rooms and sessions; default DATA_DIR/drillbit.db"
    )
    playbook: Path | None = Field(default=None, description="the web UI's playbook YAML; default: shipped")
    drills_dir: str = Field(
        default="",
        description="a team's drill directories (':'-separated), searched before the shipped library",
    )
    db_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="NORMAL",
        description=(
            "web UI's SQLite sync mode; both keep every acknowledged event through kill -9, "
            "FULL also through a power cut (p95 of the load test 79 -> 100 ms)"
        ),
    )

    # -- secrets ------------------------------------------------------------------------------
    secret: SecretStr | None = Field(
        default=None,
        min_length=MIN_SECRET_LENGTH,
        description="signing secret of cookies and tokens; default: generated once in DATA_DIR/secret.key",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description=(
            "facilitator sign-in and the API's admin bearer token; default: generated once in "
            "DATA_DIR/admin.token"
        ),
    )

    # -- budgets ------------------------------------------------------------------------------
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, description="largest request body (413 above)")
    study_budget: float = Field(
        default=200.0,
        gt=0,
        description=(
            "largest study run, in replication-years (replications x scenarios x (warm-up + "
            "horizon) days / 365); larger runs are refused with 422"
        ),
    )
    study_concurrency: int = Field(
        default_factory=_cores,
        ge=1,
        description="study runs at once (default: one per core); later runs queue, with their position shown",
    )
    study_workers: int = Field(default=1, ge=1, description="worker processes per study run")
    simulator_compiled: bool = Field(
        default=True,
        description=(
            "run the simulator's mypyc build (make compiled) when its digest matches the sources; "
            "0: always the pure Python (read by simulator/accelerator.py at import)"
        ),
    )
    max_rooms: int = Field(default=100, ge=1, description="open (not ended) drill rooms per server")
    max_events: int = Field(default=5000, ge=10, description="events per drill room (actions and injects refused past it)")
    max_text: int = Field(
        default=4000, ge=40, description="characters in a note, update, summary or message of a room"
    )
    guesses_per_minute: int = Field(
        default=10,
        ge=1,
        description="wrong join codes or facilitator keys a client may try per minute (429 after)",
    )

    # -- live pages ---------------------------------------------------------------------------
    tick_seconds: float = Field(default=1.0, gt=0, le=10, description="timed-inject and clock timer")
    sse_max_seconds: float = Field(
        default=300.0, ge=0, description="a live stream closes after this (browsers reconnect)"
    )

    # -- receivers ----------------------------------------------------------------------------
    pagerduty_base: str = Field(
        default="",
        pattern=r"^(/[A-Za-z0-9._~-]+)*$",
        description=(
            "path prefix of the PagerDuty-compatible endpoint: events go to BASE/v2/enqueue "
            "(point PagerDuty clients at http://HOST:PORT/BASE)"
        ),
    )

    # -- game days (drillbit gameday, scenarios.stack, Chaos Toolkit experiments) -------------
    drill_token: SecretStr | None = Field(
        default=None, description="scenarios.stack up: the drill room's receiver token (or --drill-token-file)"
    )
    allowed_targets: str = Field(
        default="", description="extra hosts or networks the stack's own parts may reach (comma-separated; loopback always); chaos itself: DRILLBIT_CHAOS_ALLOW"
    )
    target_url: str = Field(default="http://127.0.0.1:8081", description="experiments: the checkout target")
    target_admin_token: SecretStr | None = Field(default=None, description="experiments: the target's fault API token")
    prometheus_url: str = Field(default="http://127.0.0.1:9090", description="experiments: Prometheus")
    alertmanager_url: str = Field(default="http://127.0.0.1:9093", description="experiments: Alertmanager")
    alert_timeout: int = Field(default=60, ge=1, description="experiments: seconds to wait for an alert to fire")
    proxy_control_url: str = Field(default="http://127.0.0.1:8474", description="experiments: the fault proxy's API")
    proxy_admin_token: SecretStr | None = Field(default=None, description="experiments: the fault proxy's API token")
    load_dir: Path = Field(default=Path("out/staging/load"), description="experiments: Locust's output directory")
    stack_dir: Path | None = Field(default=None, description="experiments: the staging stack's run directory")
    chaos_allow: str = Field(
        default="",
        description=(
            "the chaos allow-list (comma-separated host, host:port, CIDR, exec:PATH, module:NAME); "
            "empty: 127.0.0.1 and ::1 on the stack's own ports"
        ),
    )
    chaos_allow_file: Path | None = Field(
        default=None, description="the chaos allow-list as a file, one entry a line (--allow FILE; wins over DRILLBIT_CHAOS_ALLOW)"
    )
    web_url: str | None = Field(default=None, description="experiments: the game day's web UI (its port joins the default chaos allow-list)")

    # -- internal hand-overs and tests --------------------------------------------------------
    load_rooms: Path | None = Field(default=None, description="make loadtest: the rooms file the Locust users read (set by the runner)")
    load_lease_file: Path | None = Field(default=None, description="game-day load: the lease file Locust watches (set by the runner)")
    load_lease_seconds: float | None = Field(default=None, gt=0, description="game-day load: Locust quits when its lease file is older (set by the runner)")
    load_paths: str | None = Field(default=None, description="own-staging load: the comma-separated paths Locust GETs (set by the runner)")
    screenshots: bool = Field(default=False, description="browser test: save pages under docs/screenshots/")

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        """Fill every field not given from its ``DRILLBIT_*`` variable, when set."""
        if not isinstance(data, dict):
            return data
        environ: Mapping[str, str] = data.pop("_environ", os.environ)
        merged = dict(data)
        for name in cls.model_fields:
            raw = environ.get(env_name(name))
            if name not in merged and raw is not None:
                merged[name] = raw
        hosts = merged.get("allowed_hosts")
        if isinstance(hosts, str):
            merged["allowed_hosts"] = tuple(h.strip() for h in hosts.split(",") if h.strip())
        return merged

    @model_validator(mode="after")
    def _loopback_unless_asked(self) -> Self:
        if not self.allow_public and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is reachable from other machines; "
                "set DRILLBIT_ALLOW_PUBLIC=1 to serve on it"
            )
        return self

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else self.data_dir / "drillbit.db"

    @property
    def studies_dir(self) -> Path:
        return self.data_dir / "studies"

    def host_allowed(self, host_header: str) -> bool:
        """Whether a request's ``Host`` header names this server (port ignored)."""
        name = host_header.strip().lower()
        if name.startswith("["):
            name = name[: name.find("]") + 1]
        elif name.count(":") == 1:
            name = name.rsplit(":", 1)[0]
        allowed = {h.lower() for h in self.allowed_hosts} | {self.host.lower()}
        if ":" in self.host:
            allowed.add(f"[{self.host.lower()}]")
        return bool(name) and name in allowed


def load_settings(environ: Mapping[str, str] | None = None, **given: Any) -> Settings:
    """The settings from ``given`` and the environment; one-line InvalidDefinition if wrong.

    The message names the variable (``DRILLBIT_PORT: Input should be a valid integer``), so
    a command line can exit 2 with it.
    """
    values = {k: v for k, v in given.items() if v is not None}
    if environ is not None:
        values["_environ"] = environ
    try:
        return Settings(**values)
    except ValidationError as exc:
        from playbook.errors import InvalidDefinition  # noqa: PLC0415 - the playbook package is not cheap

        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        name = env_name(where) if where in Settings.model_fields and where not in values else where
        raise InvalidDefinition(f"{name}: {first['msg']}" if name else str(first["msg"])) from None
