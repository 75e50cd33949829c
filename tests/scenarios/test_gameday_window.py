"""The team's window on a real target: the experiment's own steady-state probe is sampled,
the rollback waits for the team's fix, and the recovery is credited to that fix."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import httpx
import pytest
from chaoslib.exit import exit_signals  # type: ignore[import-untyped]
from pydantic import SecretStr

from scenarios.allowlist import AllowList
from scenarios.chaosrun import ChaosEvent
from scenarios.gameday.fixwindow import GameDayHandler
from scenarios.gameday.realops import RealSystem
from scenarios.gameday.scoring import find_recovery
from scenarios.gameday.series import SteadyStateSampler, target_probes
from scenarios.procs import wait_until
from tests.scenarios.conftest import RunningTarget


def experiment() -> dict[str, Any]:
    """A steady state like the shipped experiments': p95 of real checkouts, plus a Prometheus
    probe that the sampler must leave out (it does not take the target's URL)."""
    return {
        "steady-state-hypothesis": {
            "title": "fast",
            "probes": [
                {
                    "type": "probe", "name": "p95-at-most-200ms",
                    "tolerance": {"type": "range", "range": [0.0, 0.2]},
                    "provider": {"type": "python", "module": "chaosdrillbit.probes", "func": "checkout_p95_seconds",
                                 "arguments": {"target_url": "${target_url}", "concurrency": 3}},
                },
                {
                    "type": "probe", "name": "no-alert", "tolerance": 0,
                    "provider": {"type": "python", "module": "chaosdrillbit.probes", "func": "critical_alerts_firing",
                                 "arguments": {"prometheus_url": "http://127.0.0.1:9"}},
                },
            ],
        }
    }  # fmt: skip


def test_only_the_probes_that_measure_the_target_are_sampled() -> None:
    assert [p["name"] for p in target_probes(experiment())] == ["p95-at-most-200ms"]


def test_the_rollback_waits_for_the_teams_fix_and_the_recovery_is_credited_to_it(target: RunningTarget) -> None:
    auth = {"Authorization": f"Bearer {target.token}"}
    httpx.patch(f"{target.url}/admin/faults", json={"latency_ms": 400}, headers=auth, trust_env=False).raise_for_status()
    sampler = SteadyStateSampler(experiment(), {"target_url": target.url}, pause=0.05)
    events: list[ChaosEvent] = []
    said: list[str] = []
    handler = GameDayHandler(events.append, sampler, window_seconds=60, halted=lambda: False, say=said.append)
    system = RealSystem(target.url, SecretStr(target.token), allow=AllowList())

    def team() -> None:
        wait_until(lambda: any(not s.ok for s in sampler.samples), timeout=30, what="a failing sample")
        system.carry_out({"verb": "set_config", "target": "checkout", "key": "latency_ms", "value": "0"}, "bob")

    try:
        handler.start_method({})
        fixer = threading.Thread(target=team)
        fixer.start()
        handler.start_hypothesis_after({})  # blocks until the probes hold again
        fixer.join(timeout=30)
    finally:
        handler.finish({"status": "completed"})
    assert handler.fixed_in_window
    assert said[-1].startswith("  steady state restored after")
    [fix] = system.actions
    samples = sampler.samples
    first_failing = next(s for s in samples if not s.ok)
    assert first_failing.values["p95-at-most-200ms"] is not None
    assert first_failing.values["p95-at-most-200ms"] >= 0.4  # the injected 400 ms, as a user saw it
    recovery = find_recovery(samples, fault_at=samples[0].started, actions=[fix], rollback_at=None)
    assert recovery.by == fix and recovery.by_team
    assert recovery.confirmed_at is not None and recovery.confirmed_at >= fix.wall
    assert [e.kind for e in events] == ["method_started", "finished"]


def test_without_a_fix_the_window_closes_and_the_rollback_is_the_safety_net(target: RunningTarget) -> None:
    auth = {"Authorization": f"Bearer {target.token}"}
    httpx.patch(f"{target.url}/admin/faults", json={"latency_ms": 300}, headers=auth, trust_env=False).raise_for_status()
    sampler = SteadyStateSampler(experiment(), {"target_url": target.url}, pause=0.05)
    said: list[str] = []
    halt = threading.Event()
    handler = GameDayHandler(lambda _e: None, sampler, window_seconds=60, halted=halt.is_set, say=said.append)
    try:
        handler.start_method({})
        wait_until(lambda: len(sampler.samples) >= 2, timeout=30, what="two samples")
        halt.set()  # a halt ends the window at once, as the room's Halt button does
        handler.start_hypothesis_after({})
    finally:
        handler.finish({})
        httpx.delete(f"{target.url}/admin/faults", headers=auth, trust_env=False)
    assert not handler.fixed_in_window
    assert handler.waited_seconds is not None and handler.waited_seconds < 5
    assert "the rollback is the safety net" in said[-1]


def test_a_sigterm_during_the_window_interrupts_at_once_as_chaos_toolkit_would(target: RunningTarget) -> None:
    auth = {"Authorization": f"Bearer {target.token}"}
    httpx.patch(f"{target.url}/admin/faults", json={"latency_ms": 300}, headers=auth, trust_env=False).raise_for_status()
    sampler = SteadyStateSampler(experiment(), {"target_url": target.url}, pause=0.05)
    sent: list[float] = []

    def terminate_once() -> bool:  # the operator's SIGTERM, while the window waits
        if not sent:
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGTERM)
        return False

    handler = GameDayHandler(lambda _e: None, sampler, window_seconds=60, halted=terminate_once, say=lambda _s: None)
    try:
        handler.start_method({})
        with exit_signals(), pytest.raises(KeyboardInterrupt):  # Chaos Toolkit's own handlers
            handler.start_hypothesis_after({})
    finally:
        handler.finish({})
        httpx.delete(f"{target.url}/admin/faults", headers=auth, trust_env=False)
    assert time.monotonic() - sent[0] < 5
