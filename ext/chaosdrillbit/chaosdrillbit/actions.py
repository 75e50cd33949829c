"""Chaos Toolkit actions: break the target, break its network, load it, and drive a drill.

Every action checks all the URLs it will use against the allow-list (default: loopback only)
*before* it sends anything, and refuses a target that is not listed, naming it. Admin tokens
come from the experiment's ``secrets`` (scope ``drillbit``), never from arguments.

The two drill actions speak the web UI's drill API (:mod:`scenarios.room.drillapi`):
open a room, fire an inject into it.
"""

# No ``from __future__ import annotations`` here: Chaos Toolkit's discovery reads the real
# annotation objects to describe argument types.

import os
import time
from pathlib import Path
from typing import Any

import httpx

from chaosdrillbit.guard import Configuration, Secrets, admin_call, guarded, secret
from playbook.errors import RunFailed
from scenarios.chaosallow import STACK_DIR_ENV
from scenarios.crashwatch import end_crash_lease, grant_crash_lease
from scenarios.faultproxy.model import ProxyFaults
from scenarios.lease import DEFAULT_LEASE_SECONDS
from scenarios.load import runner as load_runner
from scenarios.procs import wait_until
from scenarios.room import drillapi
from scenarios.stack import DEFAULT_RUN_DIR, load_state, restart_process
from scenarios.target.faults import Faults

__all__ = [
    "clear_faults",
    "clear_proxy_faults",
    "crash_target",
    "fire_drill_inject",
    "inject_fault",
    "restart_target",
    "set_proxy_faults",
    "start_drill_session",
    "start_load",
    "stop_load",
]


def _healthy(target_url: str) -> bool:
    try:
        with httpx.Client(trust_env=False, follow_redirects=False, timeout=1.0) as client:
            return client.get(f"{target_url.rstrip('/')}/healthz").status_code == httpx.codes.OK
    except httpx.HTTPError:
        return False


def inject_fault(
    target_url: str,
    latency_ms: int = 0,
    error_rate: float = 0.0,
    pool_leak: bool = False,
    dependency_hang: bool = False,
    cpu_burn_threads: int = 0,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    configuration: Configuration | None = None,
    secrets: Secrets | None = None,
) -> dict[str, Any]:
    """Set the target's fault switches to exactly these values (``PUT /admin/faults``).

    The faults hold a lease of ``lease_seconds``: the running experiment's safeguard control
    renews it; if the runner dies, the target clears them when it runs out."""
    faults = Faults(
        latency_ms=latency_ms,
        error_rate=error_rate,
        pool_leak=pool_leak,
        dependency_hang=dependency_hang,
        cpu_burn_threads=cpu_burn_threads,
    )
    report: dict[str, Any] = admin_call(
        "PUT",
        target_url,
        "/admin/faults",
        auth_from="target_admin_token",
        configuration=configuration,
        secrets=secrets,
        body=faults.model_dump(),
        params={"lease_seconds": f"{lease_seconds:g}"},
    )
    return report


def clear_faults(
    target_url: str,
    recover_timeout_seconds: float = 15.0,
    configuration: Configuration | None = None,
    secrets: Secrets | None = None,
) -> dict[str, Any]:
    """Clear every fault switch (reclaiming leaked connections) and wait until healthy."""
    report: dict[str, Any] = admin_call(
        "DELETE",
        target_url,
        "/admin/faults",
        auth_from="target_admin_token",
        configuration=configuration,
        secrets=secrets,
    )
    wait_until(
        lambda: _healthy(target_url),
        timeout=recover_timeout_seconds,
        what=f"{target_url} to answer /healthz",
    )
    return report


def _stack_of(target_url: str) -> Path | None:
    """The stack directory (``DRILLBIT_STACK_DIR``) whose recorded target is ``target_url``."""
    stack_dir = Path(os.environ.get(STACK_DIR_ENV) or DEFAULT_RUN_DIR).resolve()
    state = load_state(stack_dir)
    if state is None or "target" not in state.processes or state.target_url.rstrip("/") != target_url.rstrip("/"):
        return None
    return stack_dir


def crash_target(
    target_url: str,
    down_timeout_seconds: float = 10.0,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    configuration: Configuration | None = None,
    secrets: Secrets | None = None,
) -> dict[str, Any]:
    """Crash the target process (``POST /admin/crash``) and wait until it stops answering.

    If the target is the recorded stack's, the crash is leased like any fault
    (:mod:`scenarios.crashwatch`): a keeper restarts it ``lease_seconds`` after the running
    experiment last renewed the lease, so a dead runner does not leave it down."""
    guarded(configuration, target_url)
    stack_dir = _stack_of(target_url)
    if stack_dir is not None:
        grant_crash_lease(stack_dir, "target", lease_seconds)
    report: dict[str, Any] = admin_call(
        "POST",
        target_url,
        "/admin/crash",
        auth_from="target_admin_token",
        configuration=configuration,
        secrets=secrets,
        expect=(202,),
    )
    started = time.monotonic()
    wait_until(
        lambda: not _healthy(target_url),
        timeout=down_timeout_seconds,
        what=f"{target_url} to go down",
    )
    return {**report, "down_after_seconds": round(time.monotonic() - started, 3)}


def restart_target(
    stack_dir: str,
    timeout_seconds: float = 30.0,
    configuration: Configuration | None = None,
) -> dict[str, Any]:
    """Start the local stack's target again if it is down (the crash rollback)."""
    state = load_state(Path(stack_dir).resolve())
    if state is None:
        raise RunFailed(f"no staging stack recorded in {stack_dir}")
    guarded(configuration, state.target_url)
    was_down = not _healthy(state.target_url)
    end_crash_lease(Path(stack_dir), timeout=timeout_seconds)
    record = restart_process(Path(stack_dir), "target", timeout=timeout_seconds)
    return {"target_url": state.target_url, "pid": record.pid, "restarted": was_down}


def set_proxy_faults(
    proxy_control_url: str,
    latency_ms: int = 0,
    jitter_ms: int = 0,
    bandwidth_bytes_per_s: int = 0,
    reset_probability: float = 0.0,
    blackhole: bool = False,
    down: bool = False,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    configuration: Configuration | None = None,
    secrets: Secrets | None = None,
) -> dict[str, Any]:
    """Set the fault proxy's faults to exactly these values (``PUT /faults``), leased like
    the target's (see :func:`inject_fault`)."""
    faults = ProxyFaults(
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        bandwidth_bytes_per_s=bandwidth_bytes_per_s,
        reset_probability=reset_probability,
        blackhole=blackhole,
        down=down,
    )
    result: dict[str, Any] = admin_call(
        "PUT",
        proxy_control_url,
        "/faults",
        auth_from="proxy_admin_token",
        configuration=configuration,
        secrets=secrets,
        body=faults.model_dump(),
        params={"lease_seconds": f"{lease_seconds:g}"},
    )
    return result


def clear_proxy_faults(
    proxy_control_url: str,
    configuration: Configuration | None = None,
    secrets: Secrets | None = None,
) -> dict[str, Any]:
    """Clear every fault of the fault proxy (``DELETE /faults``)."""
    result: dict[str, Any] = admin_call(
        "DELETE",
        proxy_control_url,
        "/faults",
        auth_from="proxy_admin_token",
        configuration=configuration,
        secrets=secrets,
    )
    return result


def start_load(
    target_url: str,
    load_dir: str,
    users: int = 8,
    spawn_rate: float = 8.0,
    duration_seconds: int = 180,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    paths: list[str] | None = None,
    configuration: Configuration | None = None,
) -> dict[str, Any]:
    """Start Locust against the target in its own process; returns at once.

    The checkout shoppers by default; with ``paths`` (a user's own service) a generic user
    that GETs them. The load holds a lease like a fault: it stops by itself
    ``lease_seconds`` after the running experiment last renewed it."""
    allow = guarded(configuration, target_url)
    run = load_runner.start_load(
        load_runner.LoadSpec(
            target_url=target_url,
            users=users,
            spawn_rate=spawn_rate,
            duration_seconds=duration_seconds,
            output_dir=Path(load_dir),
            lease_seconds=lease_seconds,
            **({"locustfile": load_runner.BROWSE_LOCUSTFILE, "paths": tuple(paths)} if paths else {}),
        ),
        allow=allow,
    )
    return {"pid": run.process.pid, "csv_prefix": str(run.csv_prefix), "users": users}


def stop_load(load_dir: str, configuration: Configuration | None = None) -> dict[str, Any] | None:
    """Stop the load run recorded in ``load_dir`` and return its statistics (None if none)."""
    stats = load_runner.stop_load(Path(load_dir))
    return None if stats is None else stats.model_dump(mode="json")


def start_drill_session(
    drill_api_url: str,
    script: str,
    speed: float = 1.0,
    configuration: Configuration | None = None,
    secrets: Secrets | None = None,
) -> dict[str, Any]:
    """Open a drill room for this experiment and start its clock (``POST /api/v1/rooms``).

    The secret ``drill_api_token`` is the web UI's admin token. The answer names the room
    (id, join code and link) but holds none of its secrets, since it goes into the journal.
    """
    allow = guarded(configuration, drill_api_url)
    return drillapi.start_session(
        drill_api_url,
        drillapi.RoomRequest(script=script, speed=speed, start=True),
        allow=allow,
        token=secret(secrets, "drill_api_token"),
    ).public()


def fire_drill_inject(
    drill_api_url: str,
    session_id: str,
    inject: str,
    detail: dict[str, Any] | None = None,
    configuration: Configuration | None = None,
    secrets: Secrets | None = None,
) -> dict[str, Any]:
    """Fire an inject into a running drill (``POST /api/v1/rooms/{id}/injects``).

    ``drill_api_token`` may be the admin token, the room's facilitator key or its receiver
    token. With ``detail["type"]`` the detail is a drill-script inject (``log``, ``alert``...).
    """
    allow = guarded(configuration, drill_api_url)
    return drillapi.fire_inject(
        drill_api_url,
        session_id,
        drillapi.InjectRequest(inject=inject, detail=detail or {}),
        allow=allow,
        token=secret(secrets, "drill_api_token"),
    ).model_dump(mode="json")
