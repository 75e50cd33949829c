"""Loading playbooks: the default is valid, bad files name their file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbook.errors import InvalidDefinition
from playbook.model import DEFAULT_PLAYBOOK_PATH, Playbook, load_playbook

DEFAULT_TEXT = DEFAULT_PLAYBOOK_PATH.read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in DEFAULT_TEXT, old
    path = tmp_path / "bad.yaml"
    path.write_text(DEFAULT_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_default_playbook_encodes_the_seed_severity_table(book: Playbook) -> None:
    sev1, sev2, sev3, sev4 = book.severities
    assert (sev1.response_minutes, sev1.resolution_minutes, sev1.update_every_minutes) == (
        5,
        30,
        30,
    )
    assert sev1.status_page_within_minutes == 10
    assert (sev1.comms.war_room, sev1.comms.status_page, sev1.comms.exec_notice) == (
        True,
        True,
        True,
    )
    assert (sev2.response_minutes, sev2.resolution_minutes) == (15, 120)
    assert (sev3.response_minutes, sev3.resolution_minutes) == (60, 480)
    assert (sev4.response, sev4.page) == ("next business day", False)
    assert book.severity_order == ("SEV1", "SEV2", "SEV3", "SEV4")


def test_default_playbook_has_the_names_other_parts_rely_on(book: Playbook) -> None:
    assert {s.name for s in book.schedules} >= {"checkout-primary", "checkout-secondary"}
    assert {p.name for p in book.escalation_policies} >= {
        "checkout",
        "sev1",
        "sev2",
        "sev3",
        "sev4",
    }
    assert book.policy("checkout").num_loops == 2
    assert book.warnings() == []


def test_unknown_key_names_file_line_and_field(tmp_path: Path) -> None:
    path = broken(
        tmp_path, "    response_minutes: 15\n", "    response_minutes: 15\n    respnse: 3\n"
    )
    with pytest.raises(InvalidDefinition) as caught:
        load_playbook(path)
    err = caught.value
    assert (err.source, err.line, err.field) == (
        str(path),
        line_of(path, "respnse"),
        "severities[1].respnse",
    )
    assert str(err) == f"{path}:{err.line}: severities[1].respnse: unknown field (not allowed here)"


def test_wrong_type_names_the_line_of_the_value(tmp_path: Path) -> None:
    path = broken(tmp_path, "resolution_minutes: 120", "resolution_minutes: two hours")
    with pytest.raises(InvalidDefinition) as caught:
        load_playbook(path)
    assert caught.value.line == line_of(path, "two hours")
    assert caught.value.field == "severities[1].resolution_minutes"


def test_missing_field_names_its_parent(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        "      severity: SEV1\n      when: {is_data_loss: true}\n",
        "      when: {is_data_loss: true}\n",
    )
    with pytest.raises(
        InvalidDefinition, match=r"classifier\.rules\[0\]\.severity: Field required"
    ):
        load_playbook(path)


def test_rule_naming_an_unknown_severity_is_a_bad_reference(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        "      severity: SEV1\n      when: {is_data_loss: true}",
        "      severity: SEV0\n      when: {is_data_loss: true}",
    )
    with pytest.raises(InvalidDefinition) as caught:
        load_playbook(path)
    assert caught.value.line == line_of(path, "SEV0")
    assert "unknown severity 'SEV0'" in str(caught.value)


def test_policy_naming_an_unknown_schedule_is_refused(tmp_path: Path) -> None:
    path = broken(tmp_path, '["schedule:checkout-secondary"]', '["schedule:checkout-tertiary"]')
    with pytest.raises(InvalidDefinition, match="unknown schedule 'checkout-tertiary'"):
        load_playbook(path)


def test_schedule_user_must_be_a_known_person(tmp_path: Path) -> None:
    path = broken(tmp_path, "users: [alice, bob, carol, dave]", "users: [alice, bob, carol, eve]")
    with pytest.raises(InvalidDefinition, match="unknown person 'eve'"):
        load_playbook(path)


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    path = broken(tmp_path, "name: default\n", "name: default\nname: again\n")
    with pytest.raises(InvalidDefinition, match="duplicate key 'name'") as caught:
        load_playbook(path)
    assert caught.value.line == 2 + DEFAULT_TEXT[: DEFAULT_TEXT.index("name: default")].count("\n")


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nseverities: [\n  - a\n", encoding="utf-8")
    with pytest.raises(InvalidDefinition, match="invalid YAML") as caught:
        load_playbook(path)
    assert caught.value.line is not None


def test_empty_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InvalidDefinition, match="empty"):
        load_playbook(empty)
    with pytest.raises(InvalidDefinition, match="cannot read file"):
        load_playbook(tmp_path / "nope.yaml")


def test_role_rules_in_the_default(book: Playbook) -> None:
    required = {spec.role.value: spec.required_for for spec in book.roles}
    assert required["Incident Commander"] == ("SEV1", "SEV2")
    assert required["Scribe"] == ("SEV1",)


def test_an_unknown_policy_names_the_known_ones_in_playbook_order(book: Playbook) -> None:
    # playbook/data/default.yaml lists checkout, sev1, sev2, sev3, sev4 under escalation_policies.
    with pytest.raises(KeyError) as caught:
        book.policy("nope")
    assert caught.value.args[0] == (
        "unknown escalation policy 'nope' (known: checkout, sev1, sev2, sev3, sev4)"
    )


@pytest.mark.parametrize(
    ("section", "what"),
    [("severities", "severity"), ("schedules", "schedule"),
     ("escalation_policies", "escalation policy"), ("people", "person")],
)  # fmt: skip
def test_a_duplicate_name_names_its_section_index_and_kind(
    tmp_path: Path, section: str, what: str
) -> None:
    import yaml

    data = yaml.safe_load(DEFAULT_TEXT)
    first = data[section][0]["name"]
    data[section][1]["name"] = first
    path = tmp_path / "dup.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(InvalidDefinition) as caught:
        load_playbook(path)
    assert caught.value.field == f"{section}[1].name"
    assert caught.value.message == f"duplicate {what} name {first!r}"
