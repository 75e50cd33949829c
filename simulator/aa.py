"""``drillbit validate aa``: the verdict's false-positive rate, measured on the study itself.

An A/A study compares a design with itself: the baseline against *re-keyed copies* of it,
variants that change nothing but the seed every random stream derives from. Nothing
differs, so every "significant" difference is a false positive. For each of ``seeds``
independent A/A studies (as many copies as the study has variants, so the family has the
study's size) the paired tests and the Holm-Bonferroni correction of the real verdict are
applied (:meth:`simulator.results.StudyResult.comparisons`); the **family-wise
false-positive rate** is the share of A/A studies in which any test of the main family
(headline and objective metrics x copies) came out significant. Holm keeps it at or below
5% whatever the dependence between metrics; the raw per-test rate is reported beside it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from playbook.errors import InvalidDefinition
from simulator.runner import run_study
from simulator.stats import ALPHA
from simulator.study import Study

__all__ = ["aa_study", "validate_aa", "wilson_interval"]

_MAX_SEEDS = 1000


def _derived_seed(seed: int, run: int, copy: int) -> int:
    """A seed for copy ``copy`` of A/A study ``run``, independent of every other (SeedSequence)."""
    state = np.random.SeedSequence(entropy=seed, spawn_key=(run, copy)).generate_state(2)
    return int(state[0]) << 31 | int(state[1]) >> 1


def aa_study(study: Study, run: int, *, copies: int | None = None) -> Study:
    """A/A study ``run`` of ``study``: its baseline, re-keyed, against ``copies`` re-keyed copies."""
    count = copies if copies is not None else max(1, len(study.variants))
    variants = [
        {
            "name": f"copy_{k}",
            "description": "the baseline with every random stream re-keyed",
            "set": {"seed": _derived_seed(study.seed, run, k)},
        }
        for k in range(1, count + 1)
    ]
    return study.with_overrides({"seed": _derived_seed(study.seed, run, 0), "variants": variants})


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion (sound at 0 successes, unlike Wald)."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def validate_aa(
    study: Study,
    *,
    seeds: int = 20,
    replications: int | None = None,
    copies: int | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Run ``seeds`` A/A studies; the JSON shape of ``drillbit validate aa --json``."""
    if not 1 <= seeds <= _MAX_SEEDS:
        raise InvalidDefinition(f"--seeds must be from 1 to {_MAX_SEEDS}")
    if replications is not None and replications < 2:
        raise InvalidDefinition("--replications must be at least 2 (a paired test needs two)")
    tests = raw_hits = adjusted_hits = studies_hit = studies_hit_raw = 0
    family: tuple[str, ...] = ()
    count = 0
    for run in range(seeds):
        result = run_study(
            aa_study(study, run, copies=copies),
            replications=replications,
            workers=workers,
            keep_incidents=False,
        )
        family = result.families()[0]
        comparisons = result.comparisons()
        count = len(comparisons)
        cells = [comparisons[v][m] for v in comparisons for m in family]
        tested = [c for c in cells if not math.isnan(c.p_value)]
        tests += len(tested)
        raw = sum(1 for c in tested if c.p_value < ALPHA)
        adjusted = sum(1 for c in tested if c.significant)
        raw_hits += raw
        adjusted_hits += adjusted
        studies_hit_raw += raw > 0
        studies_hit += adjusted > 0
    rate = studies_hit / seeds
    lo, hi = wilson_interval(studies_hit, seeds)
    return {
        "study": study.name,
        "seeds": seeds,
        "copies": count,
        "replications": replications or study.replications,
        "metrics": list(family),
        "tests": tests,
        "raw_significant": raw_hits,
        "raw_per_test_rate": raw_hits / tests if tests else math.nan,
        "studies_with_a_raw_false_positive": studies_hit_raw,
        "adjusted_significant": adjusted_hits,
        "studies_with_a_false_positive": studies_hit,
        "family_wise_false_positive_rate": rate,
        "family_wise_ci95": [lo, hi],
        "limit": ALPHA,
        "ok": rate <= ALPHA,
    }
