"""Chaos safety figures for the closing note (``make chaos-safety``; not part of ``make test``).

Two tables, printed as Markdown and written to ``bench/chaos_safety.json``:

* **Interrupts.** A real staging stack (``scenarios.stack``: target, gateway, fault proxy,
  Prometheus, Alertmanager) and the stock ``chaos run`` in its own session, running the
  shipped ``latency-injection`` experiment's own load, fault and rollbacks (its safeguard
  control and stop conditions included; the alert waits replaced by a 120 s hold, so the
  signal always lands during the fault). Once the fault is in and Locust runs, the runner
  gets SIGINT, SIGTERM, SIGHUP or SIGKILL; the table gives the time from the signal to the
  steady state holding again (no fault held, the target answering ``/healthz`` with no
  injected latency), whether the load stopped and when, and the runner's exit. The leases
  are the defaults (30 s), as a game day has them.
* **Allow-list routes.** Every route of ``tests/chaosdrillbit/test_control.py``'s ``ROUTES``
  (the list the tests use), run as those tests run them, against a recording socket on a port
  the operator did not allow; plus Locust's two users redirected by an allowed target
  (``tests/scenarios/test_load.py``'s route) and drillbit's own HTTP client redirected.
  ``tried`` is the route's requests, ``refused`` whether the safeguard (or the client)
  refused it, ``leaked`` the connections the recording socket accepted.

* **Interrupts of a game day.** ``drillbit gameday run`` (the same experiment, its own stack
  and web UI in a scratch directory) gets each signal once its fault is in under load: when
  the faults were cleared, the load stopped, the stack and web UI stopped, and what was left
  running (a killed game day cannot stop its stack: this script then stops it).

Run: ``.venv/bin/python bench/chaos_safety.py [--skip-interrupts] [--skip-gameday] [--skip-routes]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# After the path set-up: the tests' own routes and recorder, so the table and the tests agree.
from chaoslib.experiment import run_experiment  # type: ignore[import-untyped]  # noqa: E402

from playbook.errors import RunFailed  # noqa: E402
from scenarios.allowlist import AllowList  # noqa: E402
from scenarios.faultstate import fault_status  # noqa: E402
from scenarios.httpcall import call  # noqa: E402
from scenarios.load.runner import BROWSE_LOCUSTFILE, CURRENT, LoadRun, LoadSpec, run_load  # noqa: E402
from scenarios.procs import is_running, python_env, wait_until  # noqa: E402
from scenarios.stack import StackConfig, start_stack, stop_stack  # noqa: E402
from scenarios.stackstate import StackState, load_state  # noqa: E402
from tests.chaosdrillbit.test_control import ROUTES, allowed_server, experiment, route_env  # noqa: E402
from tests.scenarios.conftest import connection_recorder  # noqa: E402

OUT = ROOT / "bench" / "chaos_safety.json"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL)
HOLD_SECONDS = 120


@contextlib.contextmanager
def environment(changes: dict[str, str | None]) -> Iterator[None]:
    """``os.environ`` with ``changes`` (None: unset) for the block, then as it was."""
    saved = {k: os.environ.get(k) for k in changes}
    try:
        for key, value in changes.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# -- interrupts -------------------------------------------------------------------------------


def held_experiment() -> dict[str, Any]:
    """The shipped latency experiment with its alert waits replaced by a hold (and no steady
    state before: a previous run's alert may still be resolving)."""
    experiment: dict[str, Any] = yaml.safe_load((ROOT / "scenarios/experiments/latency-injection.yaml").read_text())
    experiment.pop("steady-state-hypothesis", None)
    hold = {"type": "action", "name": "hold-the-fault", "provider": {"type": "process", "path": "sleep", "arguments": [str(HOLD_SECONDS)]}}
    experiment["method"] = [a for a in experiment["method"] if a["provider"].get("func") not in ("wait_for_alert", "wait_for_routed_alert")] + [hold]
    return experiment


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _steady(stack_dir: Path, target_url: str) -> bool:
    try:
        if fault_status(stack_dir)["faults"]:
            return False
        answer = httpx.get(f"{target_url}/healthz", trust_env=False, timeout=2)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200 and answer.elapsed.total_seconds() < 1.0


def _load_running(stack_dir: Path) -> bool:
    return any(run["running"] for run in fault_status(stack_dir)["load"])


def interrupt_once(stack_dir: Path, target_url: str, sig: signal.Signals, tmp: Path) -> dict[str, Any]:
    path = tmp / f"hold-{sig.name}.yaml"
    path.write_text(yaml.safe_dump(held_experiment()))
    env = python_env({"DRILLBIT_STACK_DIR": str(stack_dir), "DRILLBIT_CHAOS_ALLOW": "127.0.0.1,::1,exec:/usr/bin/sleep"})
    runner = subprocess.Popen(  # noqa: S603 - our own interpreter and files
        [sys.executable, "-m", "chaostoolkit", "--no-version-check", "--log-file", str(tmp / f"chaos-{sig.name}.log"),
         "run", "--var-file", str(stack_dir / "chaos.env"), "--journal-path", str(tmp / f"journal-{sig.name}.json"), str(path)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True, preexec_fn=_default_sigint,  # noqa: PLW1509 - one signal call before exec
    )  # fmt: skip
    try:
        wait_until(lambda: bool(fault_status(stack_dir)["faults"]) and _load_running(stack_dir), timeout=90, what="the fault under load", interval=0.1)
        held = [f["kind"] for f in fault_status(stack_dir)["faults"]]
        sent = time.monotonic()
        os.kill(runner.pid, sig)
        wait_until(lambda: _steady(stack_dir, target_url), timeout=90, what="the steady state", interval=0.05)
        steady = time.monotonic() - sent
        load_stopped: float | None = None
        with contextlib.suppress(Exception):
            wait_until(lambda: not _load_running(stack_dir), timeout=60, what="the load to stop", interval=0.1)
            load_stopped = time.monotonic() - sent
        runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate(timeout=30)
    return {
        "signal": sig.name,
        "faults_held": held,
        "steady_state_seconds": round(steady, 2),
        "load_stopped_seconds": None if load_stopped is None else round(load_stopped, 2),
        "runner_exit": runner.returncode,
    }


def interrupts() -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="chaos-safety-") as name:
        tmp = Path(name)
        stack_dir = tmp / "stack"
        state = start_stack(StackConfig(run_dir=stack_dir))
        try:
            for sig in SIGNALS:
                rows.append(interrupt_once(stack_dir, state.target_url, sig, tmp))
                print(f"  {rows[-1]}", file=sys.stderr)
        finally:
            stop_stack(stack_dir)
    return rows


# -- interrupts of drillbit gameday run -------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return False


def _gameday_up(stack_dir: Path, log: Path) -> tuple[StackState, LoadRun, int] | None:
    """(stack, load run, web UI pid) once the fault is in under load."""
    state = load_state(stack_dir) if (stack_dir / "state.json").exists() else None
    current = stack_dir / "load" / CURRENT
    web = re.search(r"web UI: \S+ \(started, pid (\d+)", log.read_text()) if log.exists() else None
    if state is None or web is None or not current.exists():
        return None
    try:
        held = fault_status(stack_dir)["faults"]
    except (httpx.HTTPError, OSError):
        return None
    if not any(f["kind"] == "latency_ms" for f in held):
        return None
    return state, LoadRun.model_validate_json(current.read_text()), int(web.group(1))


def _faults_cleared(state: StackState) -> bool:
    target = state.processes["target"]
    if not is_running(target):
        return True  # stopped with the stack: nothing holds a fault
    try:
        return not fault_status(state.run_dir)["faults"]
    except (httpx.HTTPError, OSError):
        return False


def gameday_once(sig: signal.Signals, tmp: Path) -> dict[str, Any]:
    stack_dir, log = tmp / f"stack-{sig.name}", tmp / f"gameday-{sig.name}.log"
    with log.open("wb") as out:
        runner = subprocess.Popen(  # noqa: S603 - our own interpreter and files
            [sys.executable, "-m", "drillbit", "gameday", "run", str(ROOT / "scenarios/experiments/latency-injection.yaml"),
             "--stack-dir", str(stack_dir), "--out-dir", str(tmp / f"out-{sig.name}")],
            env=python_env(), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_default_sigint,  # noqa: PLW1509 - one signal call before exec
        )  # fmt: skip
    up: list[tuple[StackState, LoadRun, int]] = []

    def fault_in() -> bool:
        found = _gameday_up(stack_dir, log)
        if found is not None:
            up.append(found)
        return found is not None

    try:
        wait_until(fault_in, timeout=240, what="the game day's fault under load", interval=0.2)
        state, load, web_pid = up[0]
        sent = time.monotonic()
        os.kill(runner.pid, sig)
        marks: dict[str, float | None] = {"faults": None, "load": None, "stack": None}
        deadline = sent + 30 + 15  # the lease, and some
        while time.monotonic() < deadline and None in marks.values():
            now = time.monotonic() - sent
            if marks["faults"] is None and _faults_cleared(state):
                marks["faults"] = now
            if marks["load"] is None and not is_running(load.process):
                marks["load"] = now
            if marks["stack"] is None and not any(is_running(r) for r in state.processes.values()) and not _alive(web_pid):
                marks["stack"] = now
            time.sleep(0.05)  # a poll's interval
        runner.wait(timeout=60)
        left = sorted(name for name, record in state.processes.items() if is_running(record))
        left += ["webui"] if _alive(web_pid) else []
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait(timeout=30)
        if up:
            stop_stack(stack_dir)  # what a killed game day left running
            if _alive(up[0][2]):
                os.kill(up[0][2], signal.SIGTERM)
    return {
        "signal": sig.name,
        "faults_cleared_seconds": _rounded(marks["faults"]),
        "load_stopped_seconds": _rounded(marks["load"]),
        "stack_stopped_seconds": _rounded(marks["stack"]),
        "left_running": left,
        "runner_exit": runner.returncode,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def gameday_interrupts() -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="chaos-safety-gameday-") as name:
        for sig in SIGNALS:
            rows.append(gameday_once(sig, Path(name)))
            print(f"  {rows[-1]}", file=sys.stderr)
    return rows


# -- allow-list routes ------------------------------------------------------------------------


def _route_row(name: str) -> dict[str, Any]:


    with connection_recorder() as recorder, allowed_server(redirect_to=f"http://127.0.0.1:{recorder.port}/stolen") as allowed:
        with environment(route_env(name, recorder.port, allowed.port)):
            journal = run_experiment(experiment(ROUTES[name](recorder.port, allowed.port)))
        time.sleep(0.1)  # not synchronisation: a leaked connection's accept has time to be recorded
        guard = journal.get("drillbit_safeguard") or {}
        refused = len(guard.get("refused") or []) + len(guard.get("connections_refused") or [])
        return {"route": name, "tried": 1, "refused": refused > 0, "leaked": len(recorder.accepted)}


def _locust_rows(tmp: Path) -> list[dict[str, Any]]:
    rows = []
    for label, extra in (("Locust shoppers, redirected by an allowed target", {}),
                         ("Locust browse user (own staging), redirected", {"locustfile": BROWSE_LOCUSTFILE, "paths": ("/redirect",)})):  # fmt: skip
        with connection_recorder() as recorder, allowed_server(redirect_to=f"{recorder.url}/stolen") as allowed:
            target = allowed.url if extra else f"{allowed.url}/redirect"
            spec = LoadSpec(target_url=target, users=2, spawn_rate=2, duration_seconds=3, output_dir=tmp / label[:6], **extra)
            run_load(spec)
            redirects = sum(1 for p in allowed.paths if p.startswith("/redirect"))
            rows.append({"route": label, "tried": redirects, "refused": bool(redirects), "leaked": len(recorder.accepted)})
    return rows


def _client_row() -> dict[str, Any]:
    with connection_recorder() as recorder, allowed_server(redirect_to=f"{recorder.url}/stolen") as allowed:
        refused = False
        try:
            call("GET", f"{allowed.url}/redirect", allow=AllowList.of([f"127.0.0.1:{allowed.port}"]))
        except RunFailed:
            refused = True  # the 302 is an answer; it is not followed
        return {"route": "drillbit's HTTP client (httpcall), redirected", "tried": 1, "refused": refused, "leaked": len(recorder.accepted)}


def routes() -> list[dict[str, Any]]:
    rows = []
    for name in sorted(ROUTES):
        rows.append(_route_row(name))
    rows.append(_client_row())
    with tempfile.TemporaryDirectory(prefix="chaos-safety-load-") as name:
        rows += _locust_rows(Path(name))
    return rows


# -- output -----------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "did not stop" if value is None else f"{value:.2f} s"


def markdown(figures: dict[str, Any]) -> str:
    lines = []
    if figures.get("interrupts"):
        lines += [
            "| signal to the runner (`chaos run`, fault under load) | faults held | steady state back after | load stopped after | runner exit |",
            "|---|---|---|---|---|",
        ]
        for row in figures["interrupts"]:
            lines.append(
                f"| {row['signal']} | {', '.join(row['faults_held'])} | {row['steady_state_seconds']:.2f} s "
                f"| {_seconds(row['load_stopped_seconds'])} | {row['runner_exit']} |"
            )
        lines.append("")
    if figures.get("gameday_interrupts"):
        lines += [
            "| signal to `drillbit gameday run` (fault under load) | faults cleared after | load stopped after | stack and web UI stopped after | left running | exit |",
            "|---|---|---|---|---|---|",
        ]
        for row in figures["gameday_interrupts"]:
            lines.append(
                f"| {row['signal']} | {_seconds(row['faults_cleared_seconds'])} | {_seconds(row['load_stopped_seconds'])} "
                f"| {_seconds(row['stack_stopped_seconds'])} | {', '.join(row['left_running']) or 'nothing'} | {row['runner_exit']} |"
            )
        lines.append("")
    if figures.get("routes"):
        rows = figures["routes"]
        lines += ["| route to a refused target | tried | refused | leaked |", "|---|---|---|---|"]
        lines += [f"| {r['route']} | {r['tried']} | {'yes' if r['refused'] else 'NO'} | {r['leaked']} |" for r in rows]
        lines.append(
            f"| **{len(rows)} routes** | {sum(r['tried'] for r in rows)} | {sum(1 for r in rows if r['refused'])} "
            f"| {sum(r['leaked'] for r in rows)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-interrupts", action="store_true")
    parser.add_argument("--skip-routes", action="store_true")
    parser.add_argument("--skip-gameday", action="store_true")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "lease_seconds": 30}
    if not args.skip_routes:
        figures["routes"] = routes()
    if not args.skip_interrupts:
        figures["interrupts"] = interrupts()
    if not args.skip_gameday:
        figures["gameday_interrupts"] = gameday_interrupts()
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(markdown(figures))
    leaked = sum(r["leaked"] for r in figures.get("routes", []))
    return 1 if leaked else 0


if __name__ == "__main__":
    raise SystemExit(main())
