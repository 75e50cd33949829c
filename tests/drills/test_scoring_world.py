"""The whole score report of a world drill (``score_session`` with a world): what it says
besides the criteria, derived by hand from the conn-pool-leak world (first real alert, the pool
warning, at minute 15; the truth is SEV2) and the default rubric."""

from __future__ import annotations

from drills.library import find_script
from drills.scoring import ScoreReport, score_session
from playbook.model import Playbook
from tests.drills.conftest import Drill
from tests.drills.test_judging import world_play


def report_of(d: Drill, *, rebuild: bool = False) -> ScoreReport:
    s = d.session
    return score_session(s.records(), session_id=s.id, script=s.script, playbook=s.playbook,
                         rubric=s.rubric, now=s.now(), world=None if rebuild else s.world)


def test_an_over_classified_world_drill_reports_both_severities(book: Playbook) -> None:
    d = Drill(find_script("conn-pool-leak", playbook=book), book).start()
    world_play(d, severity="SEV1")
    report = report_of(d)
    assert (report.expected_severity, report.declared_severity) == ("SEV2", "SEV1")
    assert report.script_id == "conn-pool-leak"
    assert report.total == round(sum(c.points for c in report.criteria), 1)


def test_a_world_rebuilt_from_the_log_scores_like_the_sessions_own(book: Playbook) -> None:
    d = Drill(find_script("conn-pool-leak", playbook=book), book).start()
    world_play(d)
    assert report_of(d, rebuild=True) == report_of(d)
