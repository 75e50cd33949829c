"""Trace mode rebuilds incidents as playbook events that playbook.metrics reads correctly."""

from __future__ import annotations

import math
from pathlib import Path

from playbook.metrics import time_to_acknowledge, time_to_resolve
from simulator.compiled import compile_scenario
from simulator.runner import run_scenario_replication
from simulator.study import load_study
from simulator.trace import example_incident, incident_timelines, trace_replication
from tests.simulator.helpers import alert_table, run_alerts, tiny_study

REFERENCE = Path(__file__).parents[2] / "simulator" / "studies" / "reference.yaml"


def test_an_escalated_sev1_reads_as_its_exact_timeline() -> None:
    study = tiny_study(
        {"responders.people": {"alice": {"miss": {"working": 1, "off_hours": 1, "asleep": 1}}}}
    )
    records = run_alerts(study, [600.0], ["SEV1"], trace=True)
    compiled = compile_scenario(study.scenarios()[0])
    events = incident_timelines(compiled, alert_table([600.0]), records)["INC-00000"]
    summary = [(e.at, e.kind, e.actor) for e in events]  # type: ignore[attr-defined]
    assert summary == [
        (600.0, "alert_fired", None),
        (600.0, "page_sent", None),
        (605.0, "escalated", None),
        (605.0, "page_sent", None),
        (606.0, "acknowledged", "bob"),
        (606.0, "incident_declared", "bob"),
        (606.0, "role_assigned", None),
        (611.0, "role_assigned", None),
        (611.0, "role_assigned", None),
        (626.0, "mitigated", "bob"),
        (636.0, "update_posted", "manager"),
        (636.0, "resolved", "bob"),
    ]
    assert [e.payload()["target"] for e in events if e.payload().get("target")] == ["alice", "bob"]


def test_playbook_metrics_agree_with_the_simulators_records() -> None:
    study = load_study(REFERENCE).with_overrides({"horizon_days": 10, "warmup_days": 0})
    scenario = study.scenarios()[0]
    timelines = trace_replication(scenario, 0)
    records, _ = run_scenario_replication(scenario, 0)
    inc = records.incidents
    assert len(timelines) == len(inc["open"])
    for i, events in enumerate(timelines.values()):
        tta = time_to_acknowledge(events)
        if math.isnan(inc["ack"][i]):
            assert tta is None
            continue
        assert tta is not None and math.isclose(tta, inc["ack"][i] - inc["detect"][i], abs_tol=1e-9)
        ttr = time_to_resolve(events)
        assert ttr is not None and math.isclose(
            ttr, inc["resolved"][i] - inc["detect"][i], abs_tol=1e-9
        )


def test_the_example_incident_escalated_and_needed_roles() -> None:
    study = load_study(REFERENCE).with_overrides({"horizon_days": 30, "warmup_days": 1})
    events = example_incident(study.scenarios()[0])
    kinds = [e.kind for e in events]  # type: ignore[attr-defined]
    assert "escalated" in kinds and "role_assigned" in kinds and kinds[-1] == "resolved"


def test_an_upgrade_and_a_clear_read_as_severity_changed_and_resolved_events() -> None:
    study = tiny_study(
        {"grouping.enabled": True, "grouping.group_by": ["service"],
         "grouping.group_interval_minutes": 4,
         "responders.people": {"alice": {"miss": {"working": 1, "off_hours": 1, "asleep": 1}}}}
    )  # fmt: skip
    # SEV3 at 600 (ticks every 4 minutes from 600.5), SEV1 joins at the 604.5 tick and p1
    # restarts; both clear at 607, resolved at the 608.5 tick, before bob's page at 609.5.
    records = run_alerts(study, [600.0, 602.0], ["SEV3", "SEV1"], ends=[607.0, 607.0], trace=True)
    compiled = compile_scenario(study.scenarios()[0])
    table = alert_table([600.0, 602.0], [607.0, 607.0])
    events = incident_timelines(compiled, table, records, severity=[1, 0])["INC-00000"]
    assert [(e.at, e.kind) for e in events] == [
        (600.0, "alert_fired"),
        (600.5, "page_sent"),
        (602.0, "alert_fired"),
        (604.5, "severity_changed"),
        (604.5, "page_sent"),
        (608.5, "resolved"),
    ]
    changed = next(e for e in events if e.kind == "severity_changed")
    assert (changed.old, changed.new) == ("SEV3", "SEV1")  # type: ignore[attr-defined]
