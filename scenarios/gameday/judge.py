"""Judging a game day from what it recorded: the room's log and score, the journal, the probe
series and the team's actions on the real system (:mod:`scenarios.gameday.scoring` says how).

A pure function of those records, so a recorded game day can be judged again (tests do).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from drills.manager import rubric_of
from playbook.model import Playbook
from scenarios.gameday.realops import RealAction
from scenarios.gameday.report import fault_time, rollback_time, room_alerts
from scenarios.gameday.scoring import GameDayScore, find_recovery, score_gameday
from scenarios.gameday.series import ProbeSample

__all__ = ["judge_gameday", "rollbacks_started"]


def rollbacks_started(journal: Mapping[str, Any]) -> datetime | None:
    """When the experiment's first rollback began (its safety net)."""
    starts = [r["start"] for r in journal.get("rollbacks") or [] if r.get("start")]
    return datetime.fromisoformat(min(starts)) if starts else rollback_time(journal)


def judge_gameday(
    room_score: Mapping[str, Any],
    *,
    records: list[dict[str, Any]],
    journal: Mapping[str, Any],
    experiment_valid: bool,
    samples: Sequence[ProbeSample],
    actions: Sequence[RealAction],
    playbook: Playbook,
    expected_severity: str,
    speed: float,
) -> GameDayScore:
    """The room's score with its mitigation criteria read from the real probe series; invalid
    when no real alert reached the room."""
    alerts = room_alerts(records, fault_time(journal), journal)
    recovery = find_recovery(samples, fault_at=fault_time(journal), actions=actions, rollback_at=rollbacks_started(journal))
    expected = str(room_score.get("expected_severity") or expected_severity)
    level = playbook.severity(expected)
    return score_gameday(
        room_score,
        real_alerts=len(alerts),
        experiment_valid=experiment_valid,
        recovery=recovery,
        first_alert=alerts[0].wall if alerts else None,
        rto_minutes=level.resolution_minutes,
        rubric=rubric_of(playbook),
        acknowledged_at=alerts[0].acknowledged_at if alerts else None,
        response_minutes=level.response_minutes,
        speed=speed,
    )
