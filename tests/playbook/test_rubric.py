"""The drill rubric: the shipped default, HSEEP rating thresholds, and bad rubrics failing with
file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbook.errors import InvalidDefinition
from playbook.roles import Role
from playbook.rubric import CRITERIA, DEFAULT_RUBRIC_PATH, Ratings, default_rubric, load_rubric

TEXT = DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8")


def test_the_default_rubric_scores_every_criterion_out_of_100() -> None:
    rubric = default_rubric()
    assert [c.id for c in rubric.criteria] == list(CRITERIA)
    assert rubric.max_points == 100


def test_the_default_parameters_come_from_the_seeds() -> None:
    p = default_rubric().parameters
    assert (p.role_window_minutes, p.status_page_window_minutes, p.postmortem_within_hours) == (2, 10, 48)
    assert p.roles_required == (Role.INCIDENT_COMMANDER, Role.TECH_LEAD, Role.COMMS_LEAD)
    assert p.under_classification_penalty > p.over_classification_penalty
    assert any("fixed soon" in b.pattern for b in p.content.banned)


def test_ratings_follow_the_thresholds() -> None:
    ratings = Ratings(performed=1.0, some=0.7, major=0.35)
    assert [ratings.rate(f) for f in (1.0, 0.99, 0.7, 0.5, 0.35, 0.2, 0.0)] == ["P", "S", "S", "M", "M", "U", "U"]


@given(st.floats(0, 1), st.floats(0, 1))
def test_a_better_result_never_gets_a_worse_rating(a: float, b: float) -> None:
    order = "PSMU"
    ratings = default_rubric().ratings
    low, high = sorted((a, b))
    assert order.index(ratings.rate(high)) <= order.index(ratings.rate(low))


def test_a_criterion_can_override_the_thresholds() -> None:
    rubric = default_rubric()
    strict = rubric.criteria[0].model_copy(update={"ratings": Ratings(performed=1, some=0.99, major=0.98)})
    assert rubric.ratings_for(strict).rate(0.9) == "U"
    assert rubric.ratings_for(rubric.criteria[1]) == rubric.ratings


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "message"),
    [
        ("  role_window_minutes: 2 ", "  role_window_minutes: -2 ", "role_window_minutes: -2",
         "parameters.role_window_minutes", "greater than 0"),
        ("  - id: declare\n", "  - id: acknowledge  # twice\n", "# twice", "criteria[1].id",
         "listed twice"),
        ("  - id: timeline\n", "  - id: vibes\n", "id: vibes", "criteria[10].id", "Input should be"),
        ("ratings: {performed: 1.0, some: 0.7, major: 0.35}", "ratings: {performed: 0.5, some: 0.7, major: 0.35}",
         "ratings:", "ratings", "performed >= some >= major"),
        ("unless_estimate: false", "unless_estimate: false\n        colour: red", "colour: red",
         "parameters.content.banned[3].colour", "unknown field"),
        ("pattern: '\\bsoon fixed\\b'", "pattern: '(soon fixed'", "(soon fixed",
         "parameters.content.banned[1].pattern", "bad regular expression"),
    ],
)
def test_a_bad_rubric_names_its_file_line_and_field(
    tmp_path: Path, old: str, new: str, needle: str, field: str, message: str
) -> None:
    assert old in TEXT, old
    text = TEXT.replace(old, new, 1)
    path = tmp_path / "rubric.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDefinition) as caught:
        load_rubric(path)
    error = caught.value
    assert (error.source, error.line, error.field) == (str(path), line_of(text, needle), field)
    assert message in error.message
