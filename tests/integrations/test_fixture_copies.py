"""The in-repo copies of the shared fixtures are the originals, byte for byte."""

from __future__ import annotations

import pytest

from tests.integrations.conftest import PAGERDUTY, SEED004_TF, shared_dir


def test_pagerduty_fixture_copies_equal_the_shared_originals() -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared/ is not beside this checkout")
    originals = sorted((shared / "fixtures" / "pagerduty").glob("*.json"))
    assert [p.name for p in originals] == sorted(p.name for p in PAGERDUTY.glob("*.json"))
    for original in originals:
        assert (PAGERDUTY / original.name).read_bytes() == original.read_bytes()


def test_seed_004_terraform_copy_is_in_the_seed_verbatim() -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared/ is not beside this checkout")
    (seed,) = (shared / "seeds").glob("004_*.txt")
    assert SEED004_TF.read_text(encoding="utf-8") in seed.read_text(encoding="utf-8")
