"""Drill scripts: the library loads against the default playbook, expected severities come
from the classifier, and a bad script fails at load with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from drills.errors import UnknownScript
from drills.library import find_script, library_paths
from drills.script import DrillScript, load_script
from playbook.errors import InvalidDefinition
from playbook.model import Playbook
from tests.drills.conftest import SCRIPTED

LEAK = SCRIPTED
TEXT = LEAK.read_text(encoding="utf-8")


def test_every_shipped_drill_loads_and_matches_its_file_name(library: list[DrillScript]) -> None:
    assert [s.id for s in library] == [p.stem for p in library_paths()]


def test_the_library_covers_the_seed_incidents(library: list[DrillScript]) -> None:
    assert {s.id for s in library} >= {
        "conn-pool-leak", "eu-migration-pool", "dropped-index", "checkout-slow-burn",
        "credential-leak", "payment-provider-outage", "alert-storm",
    }


def test_a_scripted_drill_expects_the_classifier_on_its_worst_real_alert(leak: DrillScript, book: Playbook) -> None:
    # The 45 % error rate on a revenue service (api-gateway, critical tier): errors-critical-service.
    assert leak.expected_severity(book) == "SEV2"


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT, old
    path = tmp_path / "conn-pool-leak.yaml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "message"),
    [
        ("\nsummary:", "\nmood: tense\nsummary:", "mood: tense", "mood", "unknown field"),
        ("{id: m2,", "{id: m1,", "{id: m1, at: 13", "injects[3].id", "duplicate inject id 'm1'"),
        ("duration_minutes: 90", "duration_minutes: 10", "{id: m2, at: 13", "injects[3].at",
         "after the drill ends"),
        ("  - {id: m1, at: 5,", "  - {id: m1, at: -5,", "{id: m1, at: -5", "injects[1].at",
         "greater than or equal to 0"),
        ("type: exec_message, sender: Head", "type: memo, sender: Head", "type: memo",
         "injects[2].type", "unknown inject type 'memo'"),
        ("      label: Raise the database pool", "      cost: 3\n      label: Raise the database pool",
         "cost: 3", "truth.mitigations[2].cost", "unknown field"),
        ("rb-m2, at: 4, type: metrics", "rb-m2, at: 4, type: metrics, colour: red", "colour: red",
         "truth.mitigations[0].reaction[2].colour", "unknown field"),
        ("impact_started_at: 15", "impact_started_at: 15\n  expected_severity: SEV9", "SEV9",
         "truth.expected_severity", "unknown severity 'SEV9'"),
    ],
)
def test_a_bad_script_names_its_file_line_and_field(
    tmp_path: Path, book: Playbook, old: str, new: str, needle: str, field: str, message: str
) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(InvalidDefinition) as caught:
        load_script(path, playbook=book)
    error = caught.value
    assert (error.source, error.line, error.field) == (str(path), line_of(path, needle), field)
    assert message in error.message


def test_a_script_where_nothing_works_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(TEXT.replace("effect: works", "effect: no_effect"), encoding="utf-8")
    with pytest.raises(InvalidDefinition, match="no mitigation works"):
        load_script(path)


def test_a_library_file_must_be_named_after_its_id(tmp_path: Path, book: Playbook) -> None:
    (tmp_path / "other.yaml").write_text(TEXT, encoding="utf-8")
    with pytest.raises(InvalidDefinition, match="must match its file name 'other'") as caught:
        find_script("other", playbook=book, directory=tmp_path)
    assert caught.value.line == line_of(tmp_path / "other.yaml", "id: scripted-pool-leak")


def test_an_unknown_drill_lists_the_library(book: Playbook) -> None:
    with pytest.raises(UnknownScript, match=r"no drill 'nope' in the library.*conn-pool-leak"):
        find_script("nope", playbook=book)


def test_a_script_can_be_loaded_from_a_path(tmp_path: Path, book: Playbook) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(TEXT, encoding="utf-8")
    assert find_script(str(path), playbook=book).id == "scripted-pool-leak"


def test_the_digest_changes_with_the_content(leak: DrillScript) -> None:
    assert leak.digest() != leak.model_copy(update={"title": "other"}).digest()
