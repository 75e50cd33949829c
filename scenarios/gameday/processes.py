"""What a game day starts and stops: the web UI, the staging stack, signals and the log.

Everything started is registered on an :class:`contextlib.ExitStack` so it is stopped in
reverse order, also on failure; SIGTERM and SIGHUP (a closed terminal) interrupt the game day
like Ctrl-C, and further signals are ignored while it stops (:func:`shielded`).
"""

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import httpx
from pydantic import SecretStr

from playbook.errors import InvalidDefinition
from scenarios.allowlist import AllowList
from scenarios.faultstate import clear_faults, prometheus_vector
from scenarios.gameday.plan import Checked, Say, refuse_dirty_stack, stack_if_up
from scenarios.monitoring.alertmanager import DRILL_RECEIVER, WebhookTarget
from scenarios.monitoring.files import write_secret
from scenarios.procs import wait_until
from scenarios.receiver import receiver_snippet, restore_drill_receiver, set_drill_receiver
from scenarios.room.drillapi import (
    DrillApi,
    Room,
)
from scenarios.stack import start_stack, stop_stack
from scenarios.stackstate import StackConfig, StackState
from scenarios.webserver import start_web_ui, stop_web_ui

__all__ = [
    "clear_stack_faults",
    "logged",
    "quietly",
    "shielded",
    "start_or_reuse_stack",
    "terminate_as_interrupt",
    "wait_for_monitoring",
    "web_ui",
]

log = logging.getLogger("drillbit.scenarios.gameday")

# -- signals ----------------------------------------------------------------------------------


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP (a closed terminal) raise KeyboardInterrupt, so cleanup runs; in the
    main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Ignore SIGINT, SIGTERM and SIGHUP while stopping what was started (a second Ctrl-C
    must not leave processes behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


# -- the run ----------------------------------------------------------------------------------


def web_ui(
    checked: Checked, run_dir: Path, cleanup: contextlib.ExitStack, say: Say, stopped: list[str]
) -> tuple[DrillApi, SecretStr]:
    options = checked.options
    if options.web_url is not None:
        api = DrillApi(options.web_url, allow=checked.allow)
        cleanup.callback(api.close)
        if api.healthy():
            if options.admin_token is None:
                raise InvalidDefinition(
                    f"the web UI at {options.web_url} needs its admin token: set "
                    "DRILLBIT_ADMIN_TOKEN or give --admin-token-file",
                    field="admin_token",
                )
            say(f"web UI: {options.web_url} (already running)")
            return api, options.admin_token
        say(f"no web UI answers at {options.web_url}: starting one")
    # The runner's own processes end with it, kill -9 included (scenarios/deathsig.py).
    ui = start_web_ui(checked.plan.web_data_dir, log_path=run_dir / "webui.log", die_with_us=True)

    def stop() -> None:
        if stop_web_ui(ui):
            stopped.append("webui")

    cleanup.callback(stop)
    say(f"web UI: {ui.url} (started, pid {ui.record.pid}; log {ui.log_path})")
    api = DrillApi(ui.url, allow=checked.allow)
    cleanup.callback(api.close)
    return api, ui.admin_token


def start_or_reuse_stack(
    checked: Checked, room: Room, cleanup: contextlib.ExitStack, say: Say, stopped: list[str]
) -> StackState:
    options = checked.options
    target = WebhookTarget(
        url=room.alert_webhook_url,
        token=SecretStr(room.receiver_token.get_secret_value()),
    )
    state = stack_if_up(options.stack_dir)
    if state is not None and state.external_monitoring:
        _print_receiver(state, target, say)
        cleanup.callback(quietly, "clear the faults", clear_stack_faults, state)
        say(f"staging stack: running in {state.run_dir}")
        return state
    if state is not None:
        backup = set_drill_receiver(options.stack_dir, target)
        cleanup.callback(quietly, "put back the drill receiver", restore_drill_receiver, backup)
        cleanup.callback(quietly, "clear the faults", clear_stack_faults, state)
        say(f"staging stack: running in {state.run_dir}; drill receiver now the room")
        return state
    say(f"staging stack: starting in {options.stack_dir} ...")

    def stop() -> None:
        stopped.extend(stop_stack(options.stack_dir))

    # Registered before starting: start_stack stops what it started if it fails half-way,
    # and stop_stack is harmless when nothing runs.
    cleanup.callback(stop)
    state = start_stack(
        StackConfig(
            run_dir=options.stack_dir,
            drill_receiver=target,
            allowed_targets=options.allowed_targets,
            ready_timeout_seconds=options.ready_timeout_seconds,
            own_target=options.target,
            service=options.service,
            prometheus_url=options.prometheus_url,
            alertmanager_url=options.alertmanager_url,
            die_with_runner=True,
        )
    )
    if state.own_target is not None:
        say(f"fault proxy: {state.target_url} -> {state.own_target} (request metrics at {state.proxy_control_url}/metrics)")
    if state.external_monitoring:
        _print_receiver(state, target, say)
    say(
        f"staging stack: up (target {state.target_url}, Prometheus {state.prometheus_url}, "
        f"Alertmanager {state.alertmanager_url})"
    )
    return state


def _print_receiver(state: StackState, target: WebhookTarget, say: Say) -> None:
    """With the user's Alertmanager: what to paste into their files (drillbit cannot)."""
    token_file = write_secret(state.run_dir / "secrets" / "drill-receiver.token", target.token.get_secret_value() if target.token else "")
    say(f"your Prometheus: scrape the proxy ({state.run_dir / 'scrape.yml'}) and load {state.run_dir / 'rules.yml'}")
    say("your Alertmanager: add this receiver and route (alertmanager.yml), then reload it:")
    for line in receiver_snippet(target, token_file, state.service or DRILL_RECEIVER).splitlines():
        say(f"    {line}")


def quietly(what: str, action: Callable[..., object], *args: object) -> None:
    """Run a cleanup step; log (never raise) its failure so the next steps still run."""
    try:
        action(*args)
    except Exception:
        log.exception("game day cleanup: could not %s", what)


def clear_stack_faults(state: StackState) -> None:
    """Clear the target's and the proxy's faults (a reused stack is left as it was found)."""
    clear_faults(state.run_dir)


def wait_for_monitoring(state: StackState, allow: AllowList, timeout: float) -> None:
    """Prometheus scrapes the target; then refuse (exit 2) if an alert is already firing,
    since the experiment's steady state could not hold and the alert would not be its own."""
    allow.check_url(state.prometheus_url)

    def scraped() -> bool:
        try:
            return bool(prometheus_vector(state.prometheus_url, f'up{{job="{state.scrape_job}"}} == 1'))
        except httpx.HTTPError:
            return False

    wait_until(scraped, timeout=timeout, what="Prometheus to scrape the target", interval=0.25)
    refuse_dirty_stack(state)


@contextlib.contextmanager
def logged(path: Path) -> Iterator[None]:
    """Chaos Toolkit's, its extensions' and drillbit's log records go to ``path`` while the
    game day runs, at INFO (``logzero_default`` is the logger of chaostoolkit-prometheus and
    chaostoolkit-toxiproxy, DEBUG and on the terminal by default)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in ("chaostoolkit", "drillbit", "logzero_default")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        handler.close()
