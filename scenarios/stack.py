"""The staging stack on one machine: start it, stop it, restart one of its processes.

::

    load (Locust) ──► checkout target ──► fault proxy ──► payment gateway
                           ▲
          Prometheus (scrapes, evaluates the rules) ──► Alertmanager ──► drill room

or, for a user's own service (``--target URL``)::

    load (Locust) ──► fault proxy (counts HTTP requests) ──► the user's service
                           ▲ /metrics
          Prometheus (bundled, or the user's) ──► Alertmanager ──► drill room

Every process binds 127.0.0.1 on a free port, runs in its own session, and is recorded in
``RUN_DIR/state.json`` (:mod:`scenarios.stackstate`). ``start_stack`` starts Prometheus and
Alertmanager on empty data directories (no series or alerts of an earlier run), waits for each
process's ready endpoint (bounded) and stops what it started if any fails; ``stop_stack``
stops everything, including a load run still going. The processes and their files are planned
in :mod:`scenarios.stackplan`; the drill receiver is repointed by :mod:`scenarios.receiver`.

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
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import SecretStr, ValidationError

from drillbit.settings import load_settings
from playbook.errors import DrillbitError, RunFailed
from scenarios.load.runner import stop_recorded_load
from scenarios.monitoring.alertmanager import WebhookTarget
from scenarios.monitoring.compression import TimeCompression
from scenarios.monitoring.files import write_secret
from scenarios.procs import (
    ProcessRecord,
    is_running,
    log_tail,
    python_env,
    spawn,
    terminate,
    wait_until,
)
from scenarios.receiver import ReceiverBackup, restore_drill_receiver, set_drill_receiver
from scenarios.stackplan import ORDER, plan_stack, write_configs
from scenarios.stackstate import (
    DEFAULT_RUN_DIR,
    STATE_FILE,
    StackConfig,
    StackState,
    chaos_env,
    load_state,
    save_state,
    stack_allow_list,
    stack_status,
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


def _now() -> str:
    return datetime.now(UTC).isoformat()


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


def _write_tokens(run_dir: Path, names: list[str]) -> dict[str, SecretStr]:
    """Fresh admin tokens for the target and the proxy (those started), in 0600 files."""
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
    plan = plan_stack(config, run_dir)
    urls = plan.urls
    secret_dir = run_dir / "secrets"
    tokens = _write_tokens(run_dir, [name for name in ("target", "proxy") if name in plan.argv])
    write_configs(config, run_dir, plan)
    records: dict[str, ProcessRecord] = {}
    try:
        for name in ORDER:
            if name in plan.argv:
                records[name] = spawn(
                    name,
                    plan.argv[name],
                    log_path=run_dir / "logs" / f"{name}.log",
                    env=python_env(),
                    die_with_us=config.die_with_runner,
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
        target_admin_token_file=secret_dir / "target-admin.token" if "target" in plan.argv else None,
        proxy_admin_token_file=secret_dir / "proxy-admin.token" if "proxy" in plan.argv else None,
        chaos_env_file=run_dir / "chaos.env",
        load_dir=run_dir / "load",
        compression_factor=config.compression.factor,
        versions=plan.versions,
        scrape_job=plan.job,
        own_target=config.own_target,
        service=config.service if config.own_target else None,
        external_monitoring="prometheus" not in plan.argv,
    )
    write_secret(state.chaos_env_file, chaos_env(state, tokens, config.allowed_targets))
    save_state(state)
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
    (run_dir / STATE_FILE).unlink(missing_ok=True)
    return stopped


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
    save_state(state.model_copy(update={"processes": {**state.processes, name: fresh}}))
    return fresh


def _print_state(state: StackState) -> None:
    print(f"staging stack up in {state.run_dir} (time compressed {state.compression_factor:g}x)")
    for label, url in (
        ("target", state.target_url if state.own_target is None else f"{state.own_target} via {state.target_url}"),
        ("gateway via proxy", state.proxy_url if state.own_target is None else None),
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
    parser.add_argument("--target", help="your own HTTP service (http://HOST:PORT) behind the fault proxy")
    parser.add_argument("--service", default="staging", help="its service label in the proxy's metrics")
    parser.add_argument("--prometheus", help="your Prometheus (with --alertmanager): none is started")
    parser.add_argument("--alertmanager", help="your Alertmanager (with --prometheus)")
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
                own_target=args.target,
                service=args.service,
                prometheus_url=args.prometheus,
                alertmanager_url=args.alertmanager,
            )
            state = start_stack(config)
            if args.json:
                print(state.model_dump_json(indent=2))
            else:
                _print_state(state)
                if state.external_monitoring:
                    print(f"your Prometheus: add {state.run_dir / 'scrape.yml'} and load {state.run_dir / 'rules.yml'}")
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
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        print(f"stack: error: {'.'.join(map(str, first['loc']))}: {first['msg']}", file=sys.stderr)
        return 2
    except (DrillbitError, ValueError, OSError) as exc:
        print(f"stack: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
