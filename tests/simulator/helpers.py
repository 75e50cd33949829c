"""A tiny study with an inline playbook, and a way to feed the model hand-made alerts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simulator.arrivals import ACTIONABLE, AlertTable
from simulator.compiled import compile_scenario
from simulator.grouping import Notifications, group_alerts
from simulator.model import RunRecords, simulate
from simulator.study import Study, load_study

# Alice is always the primary and Bob always the secondary (one-year turns, UTC).
# Minute 0 is Monday 2025-01-06 00:00 UTC: asleep until 07:00, working 09:00-17:00.
TINY = """
name: tiny
playbook:
  name: tiny
  severities:
    - {name: SEV1, criteria: big, response_minutes: 5, resolution_minutes: 60,
       update_every_minutes: 30, escalation_policy: p1}
    - {name: SEV3, criteria: small, response_minutes: 60, resolution_minutes: 480, escalation_policy: p3}
    - {name: SEV4, criteria: tiny, page: false}
  classifier: {rules: [], default_severity: SEV3}
  roles:
    - {role: Incident Commander, duties: [lead], required_for: [SEV1]}
    - {role: Communications Lead, duties: [talk], required_for: [SEV1]}
  people:
    - {name: alice}
    - {name: bob}
    - {name: manager}
    - {name: ic}
  schedules:
    - name: primary
      time_zone: UTC
      layers:
        - {name: L, start: 2025-01-01T00:00:00, rotation_virtual_start: 2025-01-01T00:00:00,
           rotation_turn_length_seconds: 31536000, users: [alice]}
    - name: secondary
      time_zone: UTC
      layers:
        - {name: L, start: 2025-01-01T00:00:00, rotation_virtual_start: 2025-01-01T00:00:00,
           rotation_turn_length_seconds: 31536000, users: [bob]}
  escalation_policies:
    - name: p1
      steps:
        - {at_minute: 0, targets: ["schedule:primary"]}
        - {at_minute: 5, targets: ["schedule:secondary"]}
        - {at_minute: 10, targets: ["user:manager"]}
    - name: p3
      steps:
        - {at_minute: 0, targets: ["schedule:primary"]}
        - {at_minute: 15, targets: ["schedule:secondary"]}
start: 2025-01-06T00:00:00+00:00
horizon_days: 7
replications: 2
seed: 1
alerts:
  services: [{name: web, actionable_per_day: 1}]
grouping: {enabled: false}
responders:
  default:
    working_hours: [9, 17]
    sleep_hours: [23, 7]
    ack:
      working: {dist: fixed, value: 1}
      off_hours: {dist: fixed, value: 2}
      asleep: {dist: fixed, value: 7}
    miss: {working: 0, off_hours: 0, asleep: 0}
  fatigue: {enabled: false}
dispatch: {mode: on_call, when_busy: queue}
work:
  severities:
    SEV1: {mitigate: {dist: fixed, value: 20}, resolve: {dist: fixed, value: 10}}
    SEV3: {mitigate: {dist: fixed, value: 30}}
  noise_triage: {dist: fixed, value: 5}
  duplicate_triage: {dist: fixed, value: 2}
  update_minutes: 5
  roles:
    Incident Commander: {candidates: ["user:ic", "user:manager"], join_minutes: 5}
    Communications Lead: {candidates: ["user:manager"], join_minutes: 5}
"""


def tiny_study(overrides: Mapping[str, Any] | None = None, *, text: str = TINY) -> Study:
    study = load_study(Path("tiny.yaml"), text=text)
    return study.with_overrides(overrides) if overrides else study


def alert_table(
    times: Sequence[float],
    ends: Sequence[float] | None = None,
    *,
    kind: Sequence[int] | None = None,
    service: Sequence[int] | None = None,
    alertname: Sequence[int] | None = None,
    fingerprint: Sequence[int] | None = None,
    services: tuple[str, ...] = ("web",),
) -> AlertTable:
    """A hand-made alert stream (sorted by the caller); contexts are zero."""
    n = len(times)
    zeros = np.zeros(n)
    ints = np.arange(n, dtype=np.int64)
    return AlertTable(
        services=services,
        time=np.asarray(times, dtype=np.float64),
        end=np.asarray(ends if ends is not None else [t + 60.0 for t in times], dtype=np.float64),
        service=np.asarray(service if service is not None else [0] * n, dtype=np.int64),
        alertname=np.asarray(alertname if alertname is not None else [0] * n, dtype=np.int64),
        fingerprint=np.asarray(fingerprint if fingerprint is not None else ints, dtype=np.int64),
        kind=np.asarray(kind if kind is not None else [ACTIONABLE] * n, dtype=np.int64),
        root=ints.copy(),
        error_rate=zeros.copy(),
        latency_p99_ms=zeros.copy(),
        affected_users_pct=zeros.copy(),
        dependents=np.zeros(n, dtype=np.int64),
        data_loss=np.zeros(n, dtype=bool),
        security=np.zeros(n, dtype=bool),
        revenue=np.zeros(n, dtype=bool),
        z1=zeros.copy(),
        u1=np.full(n, 0.5),
        z2=zeros.copy(),
        u2=np.full(n, 0.5),
    )


def run_alerts(
    study: Study,
    times: Sequence[float],
    severities: Sequence[str],
    *,
    kind: Sequence[int] | None = None,
    ends: Sequence[float] | None = None,
    fingerprint: Sequence[int] | None = None,
    notes: Notifications | None = None,
    trace: bool = False,
) -> RunRecords:
    """Run the study's baseline on exactly these alerts (each lasts an hour by default)."""
    scenario = study.scenarios()[0]
    compiled = compile_scenario(scenario)
    table = alert_table(times, ends, kind=kind, fingerprint=fingerprint)
    order = scenario.book.severity_order
    severity = np.asarray([order.index(s) for s in severities], dtype=np.int64)
    notes = notes or group_alerts(table, study.grouping)
    return simulate(compiled, table, severity, notes, replication=0, trace=trace)


def pages(records: RunRecords, incident: int = 0) -> list[tuple[float, str]]:
    """(minute, person) of an incident's pages, with people named as in the tiny study."""
    names = ["alice", "bob", "manager", "ic"]
    mask = records.pages["incident"] == incident
    return [
        (round(float(t), 6), names[int(p)])
        for t, p in zip(records.pages["time"][mask], records.pages["person"][mask], strict=True)
    ]


def column(records: RunRecords, name: str) -> list[float]:
    return [round(float(v), 6) for v in records.incidents[name]]
