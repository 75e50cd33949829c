"""Replaying a history runs the simulator's own grouping model and counts a pager's view."""

from __future__ import annotations

import numpy as np

from simulator.grouping import group_alerts
from simulator.history import parse_history
from simulator.replay import ReplaySettings, group_key, replay
from simulator.sections import GroupingSpec
from tests.simulator.helpers import alert_table

# Instance a fires 10:00-10:12 and again from 11:00; b fires 10:02-10:31 (same alertname).
HISTORY = "\n".join(
    [
        '{"labels": {"alertname": "HighErrors", "service": "payments", "instance": "a"},'
        ' "startsAt": "2025-03-01T10:00:00Z", "endsAt": "2025-03-01T10:12:00Z"}',
        '{"labels": {"alertname": "HighErrors", "service": "payments", "instance": "b"},'
        ' "startsAt": "2025-03-01T10:02:00Z", "endsAt": "2025-03-01T10:31:00Z"}',
        '{"labels": {"alertname": "HighErrors", "service": "payments", "instance": "a"},'
        ' "startsAt": "2025-03-01T11:00:00Z", "endsAt": null}',
    ]
)
SETTINGS = ReplaySettings(
    group_by=("alertname",), group_wait=30, group_interval=300, repeat_interval=14400
)


def test_a_replay_lists_every_notification_with_its_reason_and_alerts() -> None:
    result = replay(parse_history(HISTORY, "h"), SETTINGS)
    notes = result.notifications()
    # a at 10:00:30; b new at the 10:05:30 tick; a resolved (10:12) goes with b at 10:15:30;
    # b resolved (10:31) at 10:35:30 deletes the group; a's re-fire starts a new one.
    assert [(n["at"], n["status"], n["reason"]) for n in notes] == [
        ("2025-03-01T10:00:30.000Z", "firing", "new"),
        ("2025-03-01T10:05:30.000Z", "firing", "new"),
        ("2025-03-01T10:15:30.000Z", "firing", "resolved"),
        ("2025-03-01T10:35:30.000Z", "resolved", "resolved"),
        ("2025-03-01T11:00:30.000Z", "firing", "new"),
    ]
    assert [[(a["labels"]["instance"], a["status"]) for a in n["alerts"]] for n in notes][2:4] == [
        [("a", "resolved"), ("b", "firing")],
        [("b", "resolved")],
    ]
    assert notes[0]["group_key"] == '{}:{alertname="HighErrors"}'
    assert notes[0]["group_labels"] == {"alertname": "HighErrors"}
    # The first incident opens at 10:00:30 and closes at 10:35:30; the re-fire opens another.
    assert result.summary() == {"notifications": 5, "pager_incidents": 2, "pages": 4}


def test_without_send_resolved_the_incident_never_closes_and_the_refire_merges() -> None:
    settings = ReplaySettings(("alertname",), 30, 300, 14400, send_resolved=False)
    result = replay(parse_history(HISTORY, "h"), settings)
    assert result.summary() == {"notifications": 3, "pager_incidents": 1, "pages": 3}


def test_grouping_by_all_labels_gives_each_instance_its_own_group() -> None:
    result = replay(parse_history(HISTORY, "h"), ReplaySettings(("...",), 30, 300, 14400))
    keys = {n["group_key"] for n in result.notifications()}
    assert len(keys) == 2


def test_group_keys_are_alertmanagers_root_route_keys_with_sorted_names() -> None:
    assert group_key({"service": "a", "alertname": 'x"y'}) == '{}:{alertname="x\\"y", service="a"}'
    assert group_key({}) == "{}:{}"


def test_a_replay_and_the_simulator_agree_on_the_same_alerts() -> None:
    # The same three episodes in simulator minutes (grouped by service: one group).
    table = alert_table([0.0, 2.0, 60.0], [12.0, 31.0, 1e9], fingerprint=[0, 1, 0])
    simulated = group_alerts(table, GroupingSpec(group_by=("service",)), until=65.0)
    replayed = replay(parse_history(HISTORY, "h"), SETTINGS).notes
    assert np.allclose(simulated.time, replayed.time)
    assert simulated.reason == replayed.reason and simulated.alerts == replayed.alerts
