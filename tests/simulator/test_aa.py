"""A/A studies: the baseline against copies of itself that differ only in their random keys."""

from __future__ import annotations

import pytest

from simulator.aa import aa_study, wilson_interval
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
