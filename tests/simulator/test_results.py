"""Comparisons are corrected for the family they belong to (Holm-Bonferroni)."""

from __future__ import annotations

import math

import pytest
from scipy import stats as reference

from simulator.catalog import HEADLINE
from tests.simulator.test_objectives import NOISE, result

# Differences with a raw paired p of about 0.04: significant alone, not among 26 tests.
NUDGE = [0.9, -0.5, 1.2, 0.3, 1.0, -0.2, 0.8, 0.5, 1.1, -0.3]


def nudged() -> list[float]:
    return [10 + x + d for x, d in zip(NOISE, NUDGE, strict=True)]


def test_a_difference_significant_alone_is_not_once_the_family_is_counted() -> None:
    study = result({"a": {"mtta": nudged()}, "b": {}}, None)
    raw = reference.ttest_rel(nudged(), [10 + x for x in NOISE]).pvalue
    assert 0.001 < raw < 0.05
    cmp = study.comparisons()["a"]["mtta"]
    assert cmp.p_value == pytest.approx(raw, rel=1e-9)
    # 13 headline metrics x 2 variants = 26 tests; the other 25 have p = 1, so Holm gives 26 p.
    assert cmp.p_adjusted == pytest.approx(min(1.0, 2 * len(HEADLINE) * raw), rel=1e-9)
    assert not cmp.significant


def test_objective_metrics_join_the_main_family() -> None:
    plain = result({"a": {"mtta.SEV3": nudged()}}, None)
    main, rest = plain.families()
    assert "mtta" in main and "mtta.SEV3" in rest
    named = result({"a": {"mtta.SEV3": nudged()}}, {"primary": ["mtta.SEV3"]})
    assert named.families()[0][-1] == "mtta.SEV3"


def test_results_json_comparisons_carry_the_adjusted_p_value() -> None:
    data = result({"a": {"mtta": nudged()}}, None).to_dict()
    mtta = data["comparisons"]["a"]["mtta"]
    assert mtta["p_adjusted"] >= mtta["p_value"]
    assert mtta["significant"] is (mtta["p_adjusted"] < 0.05)
    assert not math.isnan(mtta["p_adjusted"])
