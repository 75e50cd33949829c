"""The staging stack on one machine: target, gateway, fault proxy, Prometheus, Alertmanager.

::

    load (Locust) ──► checkout target ──► fault proxy ──► payment gateway
                           ▲
          Prometheus (scrapes, evaluates the rules) ──► Alertmanager ──► drill room

Every process binds 127.0.0.1 on a free port, runs in its own session, and is recorded in
``RUN_DIR/state.json`` (pid + kernel start time, so a stale record never kills a stranger).
``start_stack`` starts Prometheus and Alertmanager on empty data directories (no series or
alerts of an earlier run), waits for each process's ready endpoint (bounded) and stops what it
started if any fails; ``stop_stack`` stops everything, including a load run still going. The run
directory also holds generated configs, logs, 0600 token files, and ``chaos.env`` (the
experiments' environment variables) for ``chaos run --var-file``.

``python -m scenarios.stack up|down|status`` is the command line (``make staging`` /
``make staging-stop``).
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from drillbit.settings import load_settings
from playbook.errors import DrillbitError, RunFailed
from playbook.safeyaml import safe_load
from scenarios.allowlist import AllowList
from scenarios.load.runner import stop_recorded_load
from scenarios.monitoring.alertmanager import (
    DRILL_RECEIVER,
    AlertmanagerConfig,
    WebhookTarget,
    alertmanager_argv,
    receiver_config,
)
from scenarios.monitoring.binaries import require_binaries, version
from scenarios.monitoring.compression import TimeCompression
from scenarios.monitoring.files import dump_yaml, write_monitoring_files, write_secret
from scenarios.monitoring.prometheus import PrometheusConfig, prometheus_argv
from scenarios.monitoring.rules import RulesConfig
from scenarios.procs import (
    ProcessRecord,
    free_port,
    is_running,
    log_tail,
    python_env,
    spawn,
    terminate,
    wait_until,
)

__all__ = [
    "DEFAULT_RUN_DIR",
    "ReceiverBackup",
    "StackConfig",
    "StackState",
    "chaos_env",
    "load_state",
    "main",
    "restart_process",
    "restore_drill_receiver",
    "set_drill_receiver",
    "stack_allow_list",
    "stack_status",
    "start_stack",
    "stop_stack",
]

DEFAULT_RUN_DIR = Path("out/staging")
STATE_FILE = "state.json"
#: Start order; stopped in reverse.
ORDER = ("gateway", "proxy", "target", "alertmanager", "prometheus")


class StackConfig(BaseModel):
    """How to start the stack."""

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
    target_admin_token_file: Path
    proxy_admin_token_file: Path | None
    chaos_env_file: Path
    load_dir: Path
    compression_factor: float
    versions: dict[str, str]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _state_path(run_dir: Path) -> Path:
    return run_dir / STATE_FILE


def load_state(run_dir: Path) -> StackState | None:
    """The recorded state of ``run_dir``, or None if no stack was started there."""
    path = _state_path(run_dir)
    if not path.exists():
        return None
    return StackState.model_validate_json(path.read_text())


def _save_state(state: StackState) -> None:
    path = _state_path(state.run_dir)
    tmp = path.with_suffix(".tmp")
    write_secret(tmp, state.model_dump_json(indent=2))
    tmp.replace(path)


def _ready(url: str) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            with httpx.Client(trust_env=False, timeout=1.0) as client:
                return client.get(url).status_code == httpx.codes.OK
        except httpx.HTTPError:
            return False

    return probe


def _wait_ready(
    records: Mapping[str, ProcessRecord], urls: Mapping[str, str], timeout: float
) -> None:
    """Poll every process's ready URL until all answer; fail fast if one of them exits."""
    pending = dict(records)

    def all_ready() -> bool:
        for name, record in list(pending.items()):
            if not is_running(record):
                raise RunFailed(
                    f"{name} exited while starting; its log ends with:\n{log_tail(record.log_path)}"
                )
            if _ready(urls[name])():
                del pending[name]
        return not pending

    try:
        wait_until(all_ready, timeout=timeout, what="the stack", interval=0.1)
    except RunFailed as exc:
        if pending and "timed out" in str(exc):
            raise RunFailed(
                f"{', '.join(pending)} not ready after {timeout:g}s "
                f"(log: {next(iter(pending.values())).log_path})"
            ) from exc
        raise


def _python(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


@dataclass(frozen=True)
class _Plan:
    """Command lines, ready URLs, public URLs and binary versions (ports chosen)."""

    argv: dict[str, list[str]]
    ready: dict[str, str]
    urls: dict[str, str]
    versions: dict[str, str]


def _plan(config: StackConfig, run_dir: Path) -> _Plan:
    binaries = require_binaries()
    ports = {name: free_port() for name in (*ORDER, "proxy_control")}
    secret_dir = run_dir / "secrets"
    argv: dict[str, list[str]] = {}
    ready: dict[str, str] = {}
    urls: dict[str, str] = {}
    allow = [arg for host in config.allowed_targets for arg in ("--allow-target", host)]
    if config.with_gateway:
        argv["gateway"] = _python("scenarios.target.gateway", "--port", str(ports["gateway"]))
        urls["gateway"] = f"http://127.0.0.1:{ports['gateway']}"
        ready["gateway"] = urls["gateway"] + "/healthz"
        argv["proxy"] = _python(
            "scenarios.faultproxy",
            "--listen-port", str(ports["proxy"]),
            "--upstream", f"127.0.0.1:{ports['gateway']}",
            "--control-port", str(ports["proxy_control"]),
            "--admin-token-file", str(secret_dir / "proxy-admin.token"),
            *allow,
        )  # fmt: skip
        urls["proxy"] = f"http://127.0.0.1:{ports['proxy']}"
        urls["proxy_control"] = f"http://127.0.0.1:{ports['proxy_control']}"
        ready["proxy"] = urls["proxy_control"] + "/healthz"
    target_args = [
        "--port", str(ports["target"]),
        "--admin-token-file", str(secret_dir / "target-admin.token"),
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
    argv["alertmanager"] = alertmanager_argv(
        binaries.alertmanager,
        config_file=run_dir / "alertmanager.yml",
        data_dir=run_dir / "alertmanager-data",
        port=ports["alertmanager"],
    )
    urls["alertmanager"] = f"http://127.0.0.1:{ports['alertmanager']}"
    ready["alertmanager"] = urls["alertmanager"] + "/-/ready"
    argv["prometheus"] = prometheus_argv(
        binaries.prometheus,
        config_file=run_dir / "prometheus.yml",
        data_dir=run_dir / "prometheus-data",
        port=ports["prometheus"],
    )
    urls["prometheus"] = f"http://127.0.0.1:{ports['prometheus']}"
    ready["prometheus"] = urls["prometheus"] + "/-/ready"
    versions = {
        "prometheus": version(binaries.prometheus),
        "alertmanager": version(binaries.alertmanager),
    }
    return _Plan(argv=argv, ready=ready, urls=urls, versions=versions)


def _write_configs(config: StackConfig, run_dir: Path, urls: dict[str, str]) -> None:
    host_port = urls["target"].removeprefix("http://")
    write_monitoring_files(
        run_dir,
        rules=RulesConfig(
            compression=config.compression, scrape_interval_seconds=config.scrape_interval_seconds
        ),
        prometheus=PrometheusConfig(
            targets=(host_port,),
            alertmanagers=(urls["alertmanager"].removeprefix("http://"),),
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


def _write_tokens(run_dir: Path, *, proxy: bool) -> dict[str, SecretStr]:
    """Fresh admin tokens for the target (and the proxy), in 0600 files."""
    names = ["target"] + (["proxy"] if proxy else [])
    tokens: dict[str, SecretStr] = {}
    for name in names:
        token = secrets.token_urlsafe(24)
        write_secret(run_dir / "secrets" / f"{name}-admin.token", token)
        tokens[f"{name}_admin_token"] = SecretStr(token)
    return tokens


def _fresh_monitoring_state(run_dir: Path) -> None:
    """Every stack start gets empty Prometheus and Alertmanager data: series of an earlier
    target (a dead one keeps ``ServiceDown`` firing for minutes) and old silences or
    notification logs must not leak into this run's alerts."""
    for name in ("prometheus-data", "alertmanager-data"):
        shutil.rmtree(run_dir / name, ignore_errors=True)


def start_stack(config: StackConfig) -> StackState:
    """Start the whole stack (or return it if it is already fully up) and wait until ready."""
    run_dir = config.run_dir.resolve()
    existing = load_state(run_dir)
    if existing is not None:
        if all(is_running(record) for record in existing.processes.values()):
            return existing
        stop_stack(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    _fresh_monitoring_state(run_dir)
    plan = _plan(config, run_dir)
    urls = plan.urls
    tokens = _write_tokens(run_dir, proxy=config.with_gateway)
    _write_configs(config, run_dir, urls)
    records: dict[str, ProcessRecord] = {}
    try:
        for name in ORDER:
            if name in plan.argv:
                records[name] = spawn(
                    name,
                    plan.argv[name],
                    log_path=run_dir / "logs" / f"{name}.log",
                    env=python_env(),
                )
        _wait_ready(records, plan.ready, config.ready_timeout_seconds)
    except BaseException:
        for record in reversed(records.values()):
            terminate(record)
        raise
    state = StackState(
        run_dir=run_dir,
        started_at=_now(),
        processes=records,
        ready_urls=plan.ready,
        target_url=urls["target"],
        gateway_url=urls.get("gateway"),
        proxy_url=urls.get("proxy"),
        proxy_control_url=urls.get("proxy_control"),
        prometheus_url=urls["prometheus"],
        alertmanager_url=urls["alertmanager"],
        target_admin_token_file=run_dir / "secrets" / "target-admin.token",
        proxy_admin_token_file=(
            run_dir / "secrets" / "proxy-admin.token" if config.with_gateway else None
        ),
        chaos_env_file=run_dir / "chaos.env",
        load_dir=run_dir / "load",
        compression_factor=config.compression.factor,
        versions=plan.versions,
    )
    write_secret(state.chaos_env_file, chaos_env(state, tokens, config.allowed_targets))
    _save_state(state)
    return state


def stop_stack(run_dir: Path, *, timeout: float = 10.0) -> list[str]:
    """Stop every recorded process (and a load run still going). Returns what was running."""
    run_dir = run_dir.resolve()
    state = load_state(run_dir)
    stopped: list[str] = []
    if stop_recorded_load(run_dir / "load", timeout=timeout):
        stopped.append("load")
    if state is None:
        return stopped
    for name in reversed(ORDER):
        record = state.processes.get(name)
        if record is not None and terminate(record, timeout=timeout):
            stopped.append(name)
    _state_path(run_dir).unlink(missing_ok=True)
    return stopped


def stack_status(run_dir: Path) -> dict[str, bool]:
    """Whether each recorded process is running (empty when no stack is recorded)."""
    state = load_state(run_dir.resolve())
    if state is None:
        return {}
    return {name: is_running(record) for name, record in state.processes.items()}


def restart_process(run_dir: Path, name: str, *, timeout: float = 30.0) -> ProcessRecord:
    """Start ``name`` again with its recorded command line if it is not running (idempotent).

    This is how a crash experiment's rollback brings the target back.
    """
    run_dir = run_dir.resolve()
    state = load_state(run_dir)
    if state is None or name not in state.processes:
        raise RunFailed(f"no staging stack with a {name!r} process recorded in {run_dir}")
    record = state.processes[name]
    if is_running(record):
        return record
    fresh = spawn(name, record.argv, log_path=record.log_path, env=python_env())
    try:
        _wait_ready({name: fresh}, state.ready_urls, timeout)
    except BaseException:
        terminate(fresh)
        raise
    _save_state(state.model_copy(update={"processes": {**state.processes, name: fresh}}))
    return fresh


def stack_allow_list(state: StackState) -> AllowList:
    """The allow-list the stack was started with (loopback plus its extra targets)."""
    extra = ""
    if state.chaos_env_file.exists():
        for line in state.chaos_env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "DRILLBIT_ALLOWED_TARGETS":
                extra = value.strip()
    return AllowList.with_extra(extra)


class ReceiverBackup(BaseModel):
    """The ``drill`` receiver as it was before :func:`set_drill_receiver` changed it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_dir: Path
    config_text: str
    token: SecretStr | None


def _drill_token_file(run_dir: Path) -> Path:
    return run_dir / "secrets" / "drill-receiver.token"


def _reload_alertmanager(state: StackState, allow: AllowList, *, timeout: float) -> None:
    url = allow.check_url(f"{state.alertmanager_url}/-/reload")
    try:
        with httpx.Client(trust_env=False, follow_redirects=False, timeout=timeout) as client:
            response = client.post(url)
    except httpx.HTTPError as exc:
        raise RunFailed(f"cannot reload Alertmanager at {url}: {exc}") from exc
    if response.status_code != httpx.codes.OK:
        raise RunFailed(f"Alertmanager refused the new configuration: {response.text[:500]}")


def _require_state(run_dir: Path) -> StackState:
    state = load_state(run_dir)
    if state is None or not is_running(state.processes["alertmanager"]):
        raise RunFailed(f"no running staging stack (with Alertmanager) in {run_dir}")
    return state


def set_drill_receiver(
    run_dir: Path, target: WebhookTarget | None, *, timeout: float = 10.0
) -> ReceiverBackup:
    """Point a running stack's ``drill`` receiver at ``target`` and reload Alertmanager.

    The target is allow-listed first (the stack's list). Its bearer token goes to the 0600
    token file Alertmanager reads on every notification; the YAML only names the file. If
    Alertmanager refuses the new file, the old one is put back. Returns what was there, for
    :func:`restore_drill_receiver`.
    """
    run_dir = run_dir.resolve()
    state = _require_state(run_dir)
    allow = stack_allow_list(state)
    if target is not None:
        allow.check_url(target.url)
    path = run_dir / "alertmanager.yml"
    token_file = _drill_token_file(run_dir)
    backup = ReceiverBackup(
        run_dir=run_dir,
        config_text=path.read_text(),
        token=SecretStr(token_file.read_text()) if token_file.exists() else None,
    )
    document = safe_load(backup.config_text, source=str(path))
    has_token = target is not None and target.token is not None
    if target is not None and target.token is not None:
        write_secret(token_file, target.token.get_secret_value())
    document["receivers"] = [
        receiver_config(DRILL_RECEIVER, target, token_file if has_token else None)
        if receiver.get("name") == DRILL_RECEIVER
        else receiver
        for receiver in document["receivers"]
    ]
    path.write_text(dump_yaml(document))
    try:
        _reload_alertmanager(state, allow, timeout=timeout)
    except BaseException:
        restore_drill_receiver(backup, timeout=timeout)
        raise
    return backup


def restore_drill_receiver(backup: ReceiverBackup, *, timeout: float = 10.0) -> None:
    """Put back the ``drill`` receiver saved by :func:`set_drill_receiver` (and reload)."""
    state = _require_state(backup.run_dir)
    (backup.run_dir / "alertmanager.yml").write_text(backup.config_text)
    token_file = _drill_token_file(backup.run_dir)
    if backup.token is None:
        token_file.unlink(missing_ok=True)
    else:
        write_secret(token_file, backup.token.get_secret_value())
    _reload_alertmanager(state, stack_allow_list(state), timeout=timeout)


def _print_state(state: StackState) -> None:
    print(f"staging stack up in {state.run_dir} (time compressed {state.compression_factor:g}x)")
    for label, url in (
        ("target", state.target_url),
        ("gateway via proxy", state.proxy_url),
        ("proxy control", state.proxy_control_url),
        ("prometheus", state.prometheus_url),
        ("alertmanager", state.alertmanager_url),
    ):
        if url:
            print(f"  {label:<18} {url}")
    print(
        "run an experiment:\n"
        f"  chaos run --var-file {state.chaos_env_file} "
        "scenarios/experiments/latency-injection.yaml"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenarios.stack")
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR)
    parser.add_argument("--compression", type=float, default=60.0)
    parser.add_argument("--drill-url", help="the drill room's Alertmanager webhook URL")
    parser.add_argument(
        "--drill-token-file",
        type=Path,
        help="file holding the room's bearer token (or set DRILLBIT_DRILL_TOKEN)",
    )
    parser.add_argument("--team-url", help="optional webhook for non-critical alerts")
    parser.add_argument("--allow-target", action="append", default=[])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            drill_token = load_settings().drill_token
            token = drill_token.get_secret_value() if drill_token else None
            if args.drill_token_file is not None:
                token = args.drill_token_file.read_text().strip()
            config = StackConfig(
                run_dir=args.run_dir,
                compression=TimeCompression(factor=args.compression),
                drill_receiver=(
                    WebhookTarget(url=args.drill_url, token=SecretStr(token) if token else None)
                    if args.drill_url
                    else None
                ),
                team_receiver=WebhookTarget(url=args.team_url) if args.team_url else None,
                allowed_targets=tuple(args.allow_target),
            )
            state = start_stack(config)
            if args.json:
                print(state.model_dump_json(indent=2))
            else:
                _print_state(state)
        elif args.command == "down":
            stopped = stop_stack(args.run_dir)
            print(
                json.dumps(stopped) if args.json else f"stopped: {', '.join(stopped) or 'nothing'}"
            )
        else:
            status = stack_status(args.run_dir)
            if args.json:
                print(json.dumps(status))
            elif not status:
                print("staging stack is down")
            else:
                for name, running in status.items():
                    print(f"  {name:<13} {'running' if running else 'STOPPED'}")
            return 0 if status and all(status.values()) else 1
    except (DrillbitError, ValueError, OSError) as exc:
        print(f"stack: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
