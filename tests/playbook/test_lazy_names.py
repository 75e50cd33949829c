"""Names the playbook modules resolve on first use: each is the object its home module defines,
and an unknown name fails as Python's own missing attributes do, naming module and name."""

from __future__ import annotations

import pytest

import playbook
from playbook import loader, safeyaml


def test_the_loader_re_exports_the_yaml_readers_own_objects() -> None:
    assert loader.parse_yaml is safeyaml.parse_yaml
    assert loader.LineMap is safeyaml.LineMap


def test_an_unknown_loader_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError) as caught:
        loader.read_yaml  # noqa: B018 - the lookup is the test
    assert str(caught.value) == "module 'playbook.loader' has no attribute 'read_yaml'"


def test_an_unknown_package_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError) as caught:
        playbook.no_such_name  # noqa: B018
    assert str(caught.value) == "module 'playbook' has no attribute 'no_such_name'"


def test_a_listed_name_no_module_declares_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(playbook, "__all__", [*playbook.__all__, "ghost"])
    with pytest.raises(AttributeError) as caught:
        playbook.ghost  # noqa: B018
    assert str(caught.value) == "no module of playbook declares 'ghost'"
