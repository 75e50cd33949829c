"""The whole score report of a world drill (``score_session`` with a world) and of a game
day: what it says besides each criterion's points, derived by hand from the conn-pool-leak
world's log, the default rubric (playbook/data/rubric.yaml) and the default playbook.

The log of the textbook play (``world_play``): impact starts at minute 14, the pool warning
(the first alert, and a real one) fires at 15, alice acknowledges at 17 and declares SEV2 at
19, bob rolls back at 27, the impact stops at 30, alice resolves at 35."""

from __future__ import annotations

from datetime import date

import pytest

from drills.actions import Acknowledge, Declare
from drills.gamedayroom import gameday_script
from drills.library import find_script
from drills.scoring import Improvement, ProcessFigures, ScoreReport, score_session, update_problems
from drills.script import DrillScript
from drills.world.run import World
from playbook.events import ActionItem
from playbook.model import Playbook
from playbook.rubric import default_rubric
from tests.drills.conftest import Drill
from tests.drills.test_gameday_kind import ALERT, SPEC
from tests.drills.test_judging import ROLLBACK, world_play

RUBRIC = default_rubric()


def report_of(d: Drill, *, world: World | None = None, now: float | None = None) -> ScoreReport:
    s = d.session
    return score_session(s.records(), session_id=s.id, script=s.script, playbook=s.playbook,
                         rubric=s.rubric, now=s.now() if now is None else now, world=world)


def drill(book: Playbook) -> Drill:
    return Drill(find_script("conn-pool-leak", playbook=book), book).start()


def test_an_over_classified_world_drill_reports_both_severities(book: Playbook) -> None:
    d = drill(book)
    world_play(d, severity="SEV1")
    report = report_of(d, world=d.session.world)
    assert (report.expected_severity, report.declared_severity) == ("SEV2", "SEV1")
    assert (report.session_id, report.script_id) == (d.session.id, "conn-pool-leak")
    assert report.script_title == d.session.script.title
    assert report.rubric == "default"
    assert report.max == 100
    assert report.total == 100 - 2.0  # SEV1 for SEV2: one level over, 25 % of 8 points


def test_a_world_rebuilt_from_the_log_scores_like_the_sessions_own(book: Playbook) -> None:
    d = drill(book)
    world_play(d)
    own = report_of(d, world=d.session.world)
    assert report_of(d) == own
    # A world that saw other operations (none) is not trusted: the log's are replayed.
    spec = d.session.script.world
    assert spec is not None
    assert report_of(d, world=World(spec, start_hour=14.2, ops=[])) == own


def test_the_process_figures_are_the_logs_times_from_the_first_alert(book: Playbook) -> None:
    d = drill(book)
    world_play(d)
    assert report_of(d).metrics == ProcessFigures(
        time_to_detect=1.0,  # impact 14, alert 15
        time_to_acknowledge=2.0,  # 17
        time_to_declare=4.0,  # 19
        time_to_mitigate=15.0,  # 30
        time_to_resolve=20.0,  # 35
    )


def test_the_improvement_plan_lists_each_shortfall_most_urgent_first(book: Playbook) -> None:
    # No hypothesis (diagnosis 0: Unable, P1), the IC rolls back herself (ic_separation 0.5:
    # Major, P2), SEV1 declared (severity 0.75: Some, P3); ratings P >= 1, S >= 0.7, M >= 0.35.
    d = drill(book)
    scores = world_play(d, hypotheses=(), severity="SEV1", ops=((27.0, "alice", ROLLBACK),))
    plan = report_of(d).improvement_plan
    expected = [("diagnosis", "U", "P1"), ("ic_separation", "M", "P2"), ("severity", "S", "P3")]
    assert plan == [
        Improvement(criterion=c, rating=r, issue=scores[c].explanation,  # type: ignore[arg-type]
                    corrective_action=RUBRIC.criterion(c).improvement, priority=p)
        for c, r, p in expected
    ]
    assert (scores["severity"].points, scores["ic_separation"].points) == (6.0, 2.5)


def test_the_teams_action_items_come_from_the_postmortem(book: Playbook) -> None:
    d = drill(book)
    world_play(d)
    # world_play's postmortem has one action-item row: | Add a pool exhaustion alert | @bob | ...
    item = ActionItem(action="Add a pool exhaustion alert", owner="@bob", due=date(2026, 5, 1), priority="P1")
    assert report_of(d).team_action_items == [item]


def test_a_world_drill_is_complete_only_once_ended(book: Playbook) -> None:
    d = drill(book)
    world_play(d)
    assert not report_of(d).complete
    d.session.end("debrief done")
    assert report_of(d).complete


# --- a game day: every alert came from the real system ---------------------------------------


def game_day(library: list[DrillScript], book: Playbook) -> Drill:
    briefing = next(s for s in library if s.id == "checkout-slow-burn")
    return Drill(gameday_script(SPEC, briefing=briefing), book).start()


def test_a_game_day_times_the_response_from_the_first_outside_alert(
    library: list[DrillScript], book: Playbook
) -> None:
    d = game_day(library, book)
    d.at(2)
    d.session.inject(ALERT)
    d.at(3).act("alice", Acknowledge())
    report = report_of(d)
    ack = next(c for c in report.criteria if c.id == "acknowledge")
    assert ack.explanation.startswith("acknowledged 1 min after the first real alert")
    assert report.metrics.time_to_acknowledge == 1.0


@pytest.mark.parametrize(("declared", "expected"), [("SEV2", "SEV2"), (None, "SEV4")])
def test_a_game_day_without_alerts_expects_the_declared_or_the_least_severity(
    library: list[DrillScript], book: Playbook, declared: str | None, expected: str
) -> None:
    d = game_day(library, book)
    if declared is not None:
        d.at(1).act("alice", Declare(severity=declared, title="Checkout slow"))
    d.at(2)
    assert report_of(d).expected_severity == expected


def test_a_game_day_without_alerts_has_no_acknowledgement_to_score(
    library: list[DrillScript], book: Playbook
) -> None:
    d = game_day(library, book)
    d.at(2)
    ack = next(c for c in report_of(d).criteria if c.id == "acknowledge")
    assert (ack.points, ack.evidence, ack.explanation) == (0.0, [], "no real alert fired during the drill")


# --- update content (the rubric's rules, playbook/data/rubric.yaml) ---------------------------


def test_update_content_rules_ignore_case() -> None:
    text = ("CHECKOUT: 40% OF REQUESTS FAIL. WE ARE ROLLING BACK AND EXPECT IT FIXED SOON, "
            "WITHIN 30 MINUTES. NEXT UPDATE AT 15:00 UTC.")
    assert update_problems(text, RUBRIC.parameters) == []
    assert update_problems(text.replace(", WITHIN 30 MINUTES", ""), RUBRIC.parameters) == [
        "says 'FIXED SOON' without an estimate"
    ]


def test_a_phrase_banned_outright_is_named_without_an_estimate_note() -> None:
    text = "Checkout: users see errors. We are improving stability. Next update at 15:00 UTC."
    assert update_problems(text, RUBRIC.parameters) == ["says 'improving stability'"]
