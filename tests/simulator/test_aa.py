"""A/A studies: the baseline against copies of itself that differ only in their random keys."""

from __future__ import annotations

import pytest

from simulator.aa import AaRun, aa_study, summarise_aa, wilson_interval
from tests.simulator.helpers import tiny_study


def test_an_aa_study_has_one_rekeyed_copy_per_variant_and_nothing_else() -> None:
    study = tiny_study(
        {
            "variants": [
                {"name": f"v{i}", "set": {"dispatch.when_busy": "escalate"}} for i in range(3)
            ]
        }
    )
    first, second = aa_study(study, 0), aa_study(study, 1)
    assert [v.name for v in first.variants] == ["copy_1", "copy_2", "copy_3"]
    assert all(set(v.set) == {"seed"} for v in first.variants)
    seeds = [first.seed, *(v.set["seed"] for v in first.variants)]
    seeds += [second.seed, *(v.set["seed"] for v in second.variants)]
    assert len(set(seeds)) == len(seeds) and study.seed not in seeds
    # Everything but the seed and the variants is the study as written.
    same = first.model_dump(exclude={"seed", "variants"})
    assert same == study.model_dump(exclude={"seed", "variants"})
    scenario = first.scenarios()[1]
    assert scenario.study.seed == first.variants[0].set["seed"]


def test_a_study_without_variants_gets_one_copy() -> None:
    assert len(aa_study(tiny_study(), 0).variants) == 1


def test_the_wilson_interval_of_no_successes_is_not_empty() -> None:
    # By hand for 0 of 20 at z = 1.96: centre = half = (z^2 / 40) / (1 + z^2 / 20) = 0.0806.
    lo, hi = wilson_interval(0, 20)
    assert lo == 0.0 and hi == pytest.approx(0.1611, abs=1e-4)
    lo, hi = wilson_interval(10, 20)
    assert lo == pytest.approx(1 - hi) and lo < 0.5 < hi


def test_the_family_wise_rate_counts_studies_with_any_false_positive() -> None:
    metrics = ("mtta", "mttr")
    runs = [
        AaRun(0, 2, metrics, tests=4, raw_significant=1, adjusted_significant=0),
        AaRun(1, 2, metrics, tests=4, raw_significant=2, adjusted_significant=2),
        AaRun(2, 2, metrics, tests=4, raw_significant=0, adjusted_significant=0),
    ]
    report = summarise_aa(tiny_study(), runs, replications=None)
    assert report["seeds"] == 3 and report["tests"] == 12 and report["copies"] == 2
    assert report["raw_per_test_rate"] == 3 / 12
    assert report["studies_with_a_raw_false_positive"] == 2
    assert report["studies_with_a_false_positive"] == 1  # two hits in one study count once
    assert report["family_wise_false_positive_rate"] == 1 / 3 and not report["ok"]
