"""What the script and the playbook make happen: pages on the escalation timeline until
acknowledged, reactions to mitigations, and injects that only exist while the impact lasts."""

from __future__ import annotations

from drills.actions import Acknowledge, ApplyMitigation
from tests.drills.conftest import Drill


def pages(d: Drill) -> list[tuple[float, str, int]]:
    return [
        (r.at, r.event.target, r.event.rule)  # type: ignore[union-attr]
        for r in d.session.records() if r.kind == "page_sent"
    ]


def test_an_unacknowledged_alert_pages_along_its_severity_policy(drill: Drill) -> None:
    drill.at(16 + 61)
    # SEV2 policy (seed 003): primary at 0, secondary at 15, manager at 30, director at 60.
    assert pages(drill) == [
        (16, "schedule:checkout-primary", 1),
        (31, "schedule:checkout-secondary", 2),
        (46, "user:engineering_manager", 3),
        (76, "user:director", 4),
    ]
    escalations = [r.at for r in drill.session.records() if r.kind == "escalated"]
    assert escalations == [31, 46, 76]


def test_acknowledging_stops_the_escalation(drill: Drill) -> None:
    drill.at(20).act("alice", Acknowledge())
    drill.at(200)
    assert pages(drill) == [(16, "schedule:checkout-primary", 1)]


def test_a_working_mitigation_stops_the_impact_after_its_delay_and_clears_the_alert(drill: Drill) -> None:
    drill.at(20).act("bob", ApplyMitigation(mitigation="rollback-order-service"))
    drill.at(30)
    s = drill.session.state
    assert s.mitigated_at == 24
    assert s.alerts["high-error-rate"].resolved_at == 24
    reaction = [(r.at, r.ref) for r in drill.session.records() if r.source == "reaction"]
    assert reaction == [(21, "rb-log"), (22, "rb-m1"), (24, "rb-m2"), (24, "rollback-order-service"),
                        (24, "high-error-rate")]
    assert pages(drill) == [(16, "schedule:checkout-primary", 1)]  # cleared alerts stop paging


def test_a_harmful_mitigation_makes_the_metrics_worse_and_stops_nothing(drill: Drill) -> None:
    drill.at(20).act("bob", ApplyMitigation(mitigation="failover-database"))
    drill.at(40)
    worse = [r.event.content["values"]["error_rate"] for r in drill.session.records()  # type: ignore[union-attr]
             if r.source == "reaction"]
    assert worse == [100, 60]
    assert drill.session.state.mitigated_at is None


def test_injects_of_the_broken_world_are_skipped_once_the_impact_stopped(drill: Drill) -> None:
    drill.at(20).act("bob", ApplyMitigation(mitigation="rollback-order-service"))
    drill.at(90)
    delivered = drill.session.state.delivered
    assert {"x2", "m4"}.isdisjoint(delivered)  # the VP's "what's the ETA?" and the 52% snapshot
    assert drill.session.next_due_at() is None


def test_without_a_fix_the_broken_world_keeps_arriving(drill: Drill) -> None:
    drill.at(90)
    assert {"x2", "m4"} <= drill.session.state.delivered
    assert drill.session.state.impact_started_at == 15
