"""Dotted paths reach any field: keys, list indices and list items by name."""

from __future__ import annotations

import pytest

from simulator.overrides import OverrideError, apply_overrides, set_path

DATA = {"services": [{"name": "a", "rate": 1}, {"name": "b", "rate": 2}], "roles": [{"role": "IC"}]}


def test_a_list_item_is_found_by_its_name() -> None:
    out = apply_overrides(DATA, {"services.b.rate": 5})
    assert out["services"][1]["rate"] == 5
    assert DATA["services"][1]["rate"] == 2  # the input is not touched


def test_a_list_item_is_found_by_index_or_role() -> None:
    out = apply_overrides(DATA, {"services.0.rate": 7, "roles.IC.weight": 1})
    assert out["services"][0]["rate"] == 7
    assert out["roles"][0] == {"role": "IC", "weight": 1}


def test_missing_mapping_keys_are_created() -> None:
    data: dict[str, object] = {}
    set_path(data, "responders.people.alice.ack", 3)
    assert data == {"responders": {"people": {"alice": {"ack": 3}}}}


def test_an_unknown_item_or_a_bad_index_is_an_error() -> None:
    with pytest.raises(OverrideError, match="no item named 'zzz'"):
        apply_overrides(DATA, {"services.zzz.rate": 1})
    with pytest.raises(OverrideError, match="out of range"):
        apply_overrides(DATA, {"services.9.rate": 1})
    with pytest.raises(OverrideError, match="cannot descend"):
        apply_overrides(DATA, {"services.a.rate.x": 1})
