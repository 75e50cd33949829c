"""Study files validate completely before anything runs; errors name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbook.errors import InvalidDefinition
from simulator.study import load_study
from tests.simulator.helpers import TINY, tiny_study

STUDIES = Path(__file__).parents[2] / "simulator" / "studies"


@pytest.mark.parametrize("name", ["reference", "follow_the_sun", "noise_reduction", "mmc"])
def test_every_shipped_study_loads_with_all_its_variants(name: str) -> None:
    study = load_study(STUDIES / f"{name}.yaml")
    scenarios = study.scenarios()
    assert scenarios[0].name == "baseline"
    assert [s.name for s in scenarios[1:]] == [v.name for v in study.variants]


def test_the_reference_study_is_eight_people_a_year_and_four_variants() -> None:
    study = load_study(STUDIES / "reference.yaml")
    assert study.horizon_days == 365 and study.replications == 30
    assert len(study.variants) == 4
    primary = study.book.schedule("checkout-primary").layers[0].users
    assert len(primary) == 8


def test_a_variant_patches_the_playbook_by_dotted_path() -> None:
    study = load_study(STUDIES / "reference.yaml")
    variant = next(s for s in study.scenarios() if s.name == "secondary_after_5")
    rules = variant.book.policy("sev2").rules
    assert rules[0].escalation_delay_in_minutes == 5
    assert study.book.policy("sev2").rules[0].escalation_delay_in_minutes == 15


def test_an_unknown_field_names_its_file_line_and_field() -> None:
    text = TINY.replace("grouping: {enabled: false}", "grouping: {enabled: false, group_weight: 3}")
    with pytest.raises(InvalidDefinition) as info:
        load_study(Path("tiny.yaml"), text=text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "group_weight" in row)
    assert (
        str(info.value)
        == f"tiny.yaml:{line}: grouping.group_weight: unknown field (not allowed here)"
    )


def test_a_route_to_an_unknown_policy_fails_at_its_line() -> None:
    text = TINY.replace(
        "dispatch: {mode: on_call, when_busy: queue}",
        "dispatch: {mode: on_call}\npaging:\n  policy_by_service: {web: nope}",
    )
    with pytest.raises(InvalidDefinition) as info:
        load_study(Path("tiny.yaml"), text=text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "nope" in row)
    assert (
        str(info.value)
        == f"tiny.yaml:{line}: paging.policy_by_service.web: unknown escalation policy 'nope'"
    )


def test_a_required_role_without_candidates_is_an_error() -> None:
    text = TINY.replace(
        '    Communications Lead: {candidates: ["user:manager"], join_minutes: 5}\n', ""
    )
    with pytest.raises(InvalidDefinition, match="requires Communications Lead for SEV1"):
        load_study(Path("tiny.yaml"), text=text)


def test_a_bad_variant_fails_at_the_line_of_its_override() -> None:
    text = TINY + "variants:\n  - name: broken\n    set:\n      grouping.group_wait_seconds: -5\n"
    with pytest.raises(InvalidDefinition) as info:
        load_study(Path("tiny.yaml"), text=text)
    line = len(text.splitlines())
    assert str(info.value).startswith(
        f"tiny.yaml:{line}: variants[0].set.grouping.group_wait_seconds: variant 'broken'"
    )


def test_a_variant_path_that_leads_nowhere_is_an_error() -> None:
    text = (
        TINY
        + "variants:\n  - name: lost\n    set:\n      alerts.services.nosuch.actionable_per_day: 3\n"
    )
    with pytest.raises(InvalidDefinition, match="no item named 'nosuch'"):
        load_study(Path("tiny.yaml"), text=text)


def test_a_variant_that_breaks_the_playbook_is_caught_at_load() -> None:
    text = (
        TINY
        + "variants:\n  - name: badpolicy\n    set:\n      playbook.severities.SEV3.escalation_policy: ghost\n"
    )
    with pytest.raises(InvalidDefinition, match="unknown escalation policy 'ghost'"):
        load_study(Path("tiny.yaml"), text=text)


def test_a_naive_start_is_rejected() -> None:
    text = TINY.replace("start: 2025-01-06T00:00:00+00:00", "start: 2025-01-06T00:00:00")
    with pytest.raises(InvalidDefinition, match="start must carry a UTC offset"):
        load_study(Path("tiny.yaml"), text=text)


def test_per_person_profile_changes_merge_with_the_default() -> None:
    study = tiny_study({"responders.people": {"bob": {"sleep_hours": [1, 9]}}})
    bob = study.responders.profile("bob")
    assert bob.sleep_hours == (1, 9)
    assert bob.working_hours == (9, 17)


def test_a_bad_per_person_profile_field_is_an_error() -> None:
    with pytest.raises(InvalidDefinition, match=r"people\.bob\.work_days"):
        tiny_study({"responders.people": {"bob": {"work_days": [9]}}})


def test_a_status_update_must_take_less_than_its_cadence() -> None:
    with pytest.raises(InvalidDefinition, match="must take less than SEV1's update cadence"):
        tiny_study({"work.update_minutes": 30})
