"""The faults a staging stack holds right now: list them, renew their leases, halt them.

Reads the stack recorded in a run directory (``state.json``) and asks its components over
their admin APIs (tokens from the stack's 0600 files): the target's ``/admin/faults`` and the
fault proxy's ``/leases``; a crashed process's lease (:mod:`scenarios.crashwatch`); the load
run from ``load/current.json``.

* :func:`fault_status` is ``drillbit chaos status``:
  ``{"faults": [{"target", "kind", "since", "expires_at"}], "load": [...]}``;
* :func:`renew_leases` is what a running experiment's safeguard control calls every few
  seconds (and touches the load's lease file, so Locust stops when nobody renews it);
* :func:`halt` is ``drillbit chaos halt``: writes the halt marker (the running experiment's
  safeguard stops it, rollbacks run), clears every fault and stops the load at once.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import httpx

from playbook.errors import DrillbitError, RunFailed
from scenarios.crashwatch import crash_lease, end_crash_lease, renew_crash_lease
from scenarios.lease import DEFAULT_LEASE_SECONDS
from scenarios.load.runner import CURRENT, LEASE_FILE, LoadRun, stop_load
from scenarios.procs import is_running
from scenarios.stackstate import StackState, load_state

__all__ = [
    "HALT_FILE",
    "clear_faults",
    "fault_status",
    "firing_alerts",
    "halt",
    "halt_requested",
    "prometheus_vector",
    "renew_leases",
]

#: The marker ``drillbit chaos halt`` (and a halted drill room) leaves in the stack directory.
HALT_FILE = "halt"


def _state(stack_dir: Path) -> StackState:
    state = load_state(stack_dir.resolve())
    if state is None:
        raise RunFailed(f"no staging stack recorded in {stack_dir}")
    return state


def _token(path: Path | None) -> dict[str, str]:
    if path is None or not path.exists():
        return {}
    return {"Authorization": f"Bearer {path.read_text().strip()}"}


def _client() -> httpx.Client:
    return httpx.Client(trust_env=False, follow_redirects=False, timeout=3.0)


def _target_faults(client: httpx.Client, state: StackState) -> list[dict[str, Any]]:
    if state.target_admin_token_file is None:
        return []  # own staging: the user's service holds no drillbit fault switches
    answer = client.get(f"{state.target_url}/admin/faults", headers=_token(state.target_admin_token_file))
    answer.raise_for_status()
    report = answer.json()
    lease = report.get("lease") or {}
    return [
        {"target": state.target_url, "kind": kind, "since": lease.get("since"), "expires_at": lease.get("expires_at")}
        for kind in report.get("active", [])
    ]


def _proxy_faults(client: httpx.Client, state: StackState) -> list[dict[str, Any]]:
    if not state.proxy_control_url:
        return []
    answer = client.get(f"{state.proxy_control_url}/leases", headers=_token(state.proxy_admin_token_file))
    answer.raise_for_status()
    return [
        {
            "target": f"{state.proxy_control_url} proxy {item['proxy']}",
            "kind": kind,
            "since": item["since"],
            "expires_at": item["expires_at"],
        }
        for item in answer.json()
        for kind in item["faults"]
    ]


def _load(state: StackState) -> list[dict[str, Any]]:
    path = state.load_dir / CURRENT
    if not path.exists():
        return []
    run = LoadRun.model_validate_json(path.read_text())
    return [
        {
            "pid": run.process.pid,
            "target": run.spec.target_url,
            "users": run.spec.users,
            "running": is_running(run.process),
            "started_at": run.started_at,
        }
    ]


def fault_status(stack_dir: Path) -> dict[str, Any]:
    """Active faults with their expiry, and the load runs (``drillbit chaos status``)."""
    state = _state(stack_dir)
    faults: list[dict[str, Any]] = []
    with _client() as client:
        for read in (_target_faults, _proxy_faults):
            try:
                faults += read(client, state)
            except httpx.HTTPError as exc:
                faults.append({"target": "?", "kind": "unreachable", "since": None, "expires_at": None, "error": str(exc)})
    held = crash_lease(state.run_dir)
    if held is not None:
        faults.append(
            {
                "target": f"{held.process} process",
                "kind": "process_crash",
                "since": held.lease.since.isoformat(),
                "expires_at": held.lease.expires_at.isoformat(),
            }
        )
    return {"faults": faults, "load": _load(state)}


def firing_alerts(prometheus_url: str) -> list[dict[str, Any]]:
    """The alerts Prometheus has firing now (``GET /api/v1/alerts``)."""
    with _client() as client:
        answer = client.get(f"{prometheus_url}/api/v1/alerts")
        answer.raise_for_status()
    return [a for a in answer.json()["data"]["alerts"] if a.get("state") == "firing"]


def renew_leases(stack_dir: Path, seconds: float = DEFAULT_LEASE_SECONDS) -> None:
    """Extend every fault's lease by ``seconds`` from now, and the load's."""
    state = _state(stack_dir)
    # First: a crashed target does not answer, so the calls below fail while it is down.
    renew_crash_lease(state.run_dir, seconds)
    lease = state.load_dir / LEASE_FILE
    if lease.exists():
        os.utime(lease)
    body = {"seconds": seconds}
    with _client() as client:
        if state.target_admin_token_file is not None:
            client.post(f"{state.target_url}/admin/lease", json=body, headers=_token(state.target_admin_token_file))
        if state.proxy_control_url:
            client.post(f"{state.proxy_control_url}/leases", json=body, headers=_token(state.proxy_admin_token_file))


def halt_requested(stack_dir: Path) -> bool:
    """Whether someone asked the running experiment to stop (``drillbit chaos halt``)."""
    return (stack_dir / HALT_FILE).exists()


def prometheus_vector(prometheus_url: str, query: str) -> list[dict[str, Any]]:
    """An instant query's result vector (``GET /api/v1/query``)."""
    with _client() as client:
        answer = client.get(f"{prometheus_url}/api/v1/query", params={"query": query})
        answer.raise_for_status()
    result: list[dict[str, Any]] = answer.json()["data"]["result"]
    return result


def clear_faults(stack_dir: Path) -> list[str]:
    """Clear the target's and every proxy's faults; returns which were reached."""
    state = _state(stack_dir)
    cleared: list[str] = []
    with _client() as client:
        if state.target_admin_token_file is not None:  # own staging: no fault switches
            with contextlib.suppress(httpx.HTTPError):
                client.delete(f"{state.target_url}/admin/faults", headers=_token(state.target_admin_token_file)).raise_for_status()
                cleared.append("target")
        if state.proxy_control_url:
            with contextlib.suppress(httpx.HTTPError):
                client.post(f"{state.proxy_control_url}/reset", headers=_token(state.proxy_admin_token_file)).raise_for_status()
                cleared.append("proxy")
    with contextlib.suppress(DrillbitError, OSError):
        if end_crash_lease(state.run_dir) is not None:
            cleared.append("crashed process (restarted)")
    return cleared


def halt(stack_dir: Path) -> dict[str, Any]:
    """Ask the running experiment to stop, clear every fault and stop the load at once."""
    state = _state(stack_dir)
    (stack_dir / HALT_FILE).write_text("halt\n")
    cleared = clear_faults(stack_dir)
    stats = stop_load(state.load_dir)
    return {"cleared": cleared, "load_stopped": stats is not None}
