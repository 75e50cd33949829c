"""What a staging stack is configured with and what is running: ``RUN_DIR/state.json``.

:class:`StackConfig` says how to start a stack, :class:`StackState` records what runs (pid +
kernel start time per process, so a stale record never kills a stranger) and how to reach
it. ``chaos.env`` (:func:`chaos_env`) carries the same URLs and the admin tokens to the
experiments. Pure except :func:`load_state` / :func:`save_state`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from scenarios.allowlist import AllowList
from scenarios.monitoring.alertmanager import WebhookTarget
from scenarios.monitoring.compression import TimeCompression
from scenarios.monitoring.files import write_secret
from scenarios.procs import ProcessRecord, is_running

__all__ = [
    "DEFAULT_RUN_DIR",
    "DEFAULT_SCRAPE_JOB",
    "STATE_FILE",
    "StackConfig",
    "StackState",
    "chaos_env",
    "load_state",
    "save_state",
    "stack_allow_list",
    "stack_status",
]

DEFAULT_RUN_DIR = Path("out/staging")
STATE_FILE = "state.json"
#: Prometheus's job for the bundled checkout target (its rules select on it).
DEFAULT_SCRAPE_JOB = "checkout"


class StackConfig(BaseModel):
    """How to start the stack.

    ``own_target`` (a user's HTTP service, ``http://host:port``) replaces the bundled checkout
    target and gateway: the fault proxy goes in front of it and Prometheus scrapes the proxy's
    own request metrics, labelled ``service``. ``prometheus_url`` and ``alertmanager_url``
    (both or neither) use the user's monitoring instead of starting the bundled one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_dir: Path = DEFAULT_RUN_DIR
    compression: TimeCompression = TimeCompression()
    scrape_interval_seconds: float = Field(default=1.0, gt=0)
    evaluation_interval_seconds: float = Field(default=1.0, gt=0)
    drill_receiver: WebhookTarget | None = None
    team_receiver: WebhookTarget | None = None
    with_gateway: bool = True
    pool_size: int = Field(default=5, ge=1)
    pool_timeout_seconds: float = Field(default=1.0, gt=0)
    dependency_timeout_seconds: float = Field(default=2.0, gt=0)
    allowed_targets: tuple[str, ...] = ()
    ready_timeout_seconds: float = Field(default=30.0, gt=0)
    seed: int | None = None
    own_target: str | None = Field(default=None, description="a user's HTTP service (host:port URL)")
    service: str = Field(default="staging", pattern=r"^[a-z][a-z0-9_-]{0,39}$", description="its metrics' service label")
    prometheus_url: str | None = Field(default=None, description="the user's Prometheus")
    alertmanager_url: str | None = Field(default=None, description="the user's Alertmanager")
    die_with_runner: bool = Field(
        default=False, description="stop the stack when the process that started it dies (kill -9 too)"
    )


class StackState(BaseModel):
    """What is running, where, and how to reach it (``RUN_DIR/state.json``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_dir: Path
    started_at: str
    processes: dict[str, ProcessRecord]
    ready_urls: dict[str, str]
    target_url: str
    gateway_url: str | None
    proxy_url: str | None
    proxy_control_url: str | None
    prometheus_url: str
    alertmanager_url: str
    target_admin_token_file: Path | None
    proxy_admin_token_file: Path | None
    chaos_env_file: Path
    load_dir: Path
    compression_factor: float
    versions: dict[str, str]
    scrape_job: str = DEFAULT_SCRAPE_JOB
    own_target: str | None = Field(default=None, description="the user's service behind the proxy")
    service: str | None = Field(default=None, description="its service label (own staging)")
    external_monitoring: bool = Field(default=False, description="the user's Prometheus and Alertmanager")


def _state_path(run_dir: Path) -> Path:
    return run_dir / STATE_FILE


def load_state(run_dir: Path) -> StackState | None:
    """The recorded state of ``run_dir``, or None if no stack was started there."""
    path = _state_path(run_dir)
    if not path.exists():
        return None
    return StackState.model_validate_json(path.read_text())


def save_state(state: StackState) -> None:
    """Record ``state`` atomically (0600: it names the token files)."""
    path = _state_path(state.run_dir)
    tmp = path.with_suffix(".tmp")
    write_secret(tmp, state.model_dump_json(indent=2))
    tmp.replace(path)


def chaos_env(state: StackState, tokens: dict[str, SecretStr], allowed: tuple[str, ...]) -> str:
    """The ``chaos.env`` text: the experiments' environment variables for this stack.

    Chaos Toolkit loads a ``--var-file`` that is neither JSON nor YAML as a ``.env`` file into
    its environment *before* validating the experiment, which is what env-typed secrets need.
    """
    values = {
        "DRILLBIT_TARGET_URL": state.target_url,
        "DRILLBIT_PROMETHEUS_URL": state.prometheus_url,
        "DRILLBIT_ALERTMANAGER_URL": state.alertmanager_url,
        "DRILLBIT_PROXY_CONTROL_URL": state.proxy_control_url,
        "DRILLBIT_LOAD_DIR": str(state.load_dir),
        "DRILLBIT_STACK_DIR": str(state.run_dir),
        "DRILLBIT_ALLOWED_TARGETS": ",".join(allowed) or None,
        **{f"DRILLBIT_{name.upper()}": token.get_secret_value() for name, token in tokens.items()},
    }
    return "".join(f"{key}={value}\n" for key, value in values.items() if value)


def stack_allow_list(state: StackState) -> AllowList:
    """The allow-list the stack was started with (loopback plus its extra targets)."""
    extra = ""
    if state.chaos_env_file.exists():
        for line in state.chaos_env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "DRILLBIT_ALLOWED_TARGETS":
                extra = value.strip()
    return AllowList.with_extra(extra)


def stack_status(run_dir: Path) -> dict[str, bool]:
    """Whether each recorded process is running (empty when no stack is recorded)."""
    state = load_state(run_dir.resolve())
    if state is None:
        return {}
    return {name: is_running(record) for name, record in state.processes.items()}
