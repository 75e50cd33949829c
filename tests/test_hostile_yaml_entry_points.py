"""Every way YAML comes in refuses every hostile document with one InvalidDefinition."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drills.script import load_script
from playbook.errors import InvalidDefinition
from playbook.model import load_playbook
from playbook.rubric import load_rubric
from simulator.study import load_study
from tests.hostile_yaml import CASES
from webui.studies import parse_variants


def _study_upload(path: Path) -> Any:
    # The web UI's upload: the text is decoded there, then validated as this file name.
    return load_study(path, text=path.read_bytes().decode("utf-8", "replace"))


def _variants_field(path: Path) -> Any:
    return parse_variants(path.read_bytes().decode("utf-8", "replace"))


ENTRY_POINTS: dict[str, Callable[[Path], Any]] = {
    "playbook": load_playbook,
    "rubric": load_rubric,
    "study file": load_study,
    "study upload": _study_upload,
    "drill script": load_script,
    "variants form field": _variants_field,
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_entry_point_refuses_each_hostile_document(
    tmp_path: Path, entry: str, name: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(CASES[name])
    with pytest.raises(InvalidDefinition) as caught:
        ENTRY_POINTS[entry](path)
    assert "\n" not in str(caught.value)
