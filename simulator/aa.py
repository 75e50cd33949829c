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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from playbook.errors import InvalidDefinition
from simulator.runner import run_study
from simulator.stats import ALPHA
from simulator.study import Study

__all__ = ["AaRun", "aa_run", "aa_study", "summarise_aa", "validate_aa", "wilson_interval"]

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


@dataclass(frozen=True)
class AaRun:
    """One A/A study's outcome: the main family's tests and how many came out significant."""

    run: int
    copies: int
    metrics: tuple[str, ...]
    tests: int
    raw_significant: int
    adjusted_significant: int


def aa_run(
    study: Study,
    run: int,
    *,
    replications: int | None = None,
    copies: int | None = None,
    workers: int | None = None,
) -> AaRun:
    """Run A/A study ``run`` and count its false positives, raw and Holm-adjusted."""
    result = run_study(
        aa_study(study, run, copies=copies),
        replications=replications,
        workers=workers,
        keep_incidents=False,
    )
    family = result.families()[0]
    comparisons = result.comparisons()
    tested = [
        c for v in comparisons for m in family if not math.isnan((c := comparisons[v][m]).p_value)
    ]
    return AaRun(
        run=run,
        copies=len(comparisons),
        metrics=family,
        tests=len(tested),
        raw_significant=sum(1 for c in tested if c.p_value < ALPHA),
        adjusted_significant=sum(1 for c in tested if c.significant),
    )


def summarise_aa(study: Study, runs: Sequence[AaRun], replications: int | None) -> dict[str, Any]:
    """The JSON shape of ``drillbit validate aa --json`` from the A/A runs."""
    seeds = len(runs)
    tests = sum(r.tests for r in runs)
    raw = sum(r.raw_significant for r in runs)
    hit = sum(1 for r in runs if r.adjusted_significant > 0)
    rate = hit / seeds if seeds else math.nan
    lo, hi = wilson_interval(hit, seeds)
    return {
        "study": study.name,
        "seeds": seeds,
        "copies": runs[0].copies if runs else 0,
        "replications": replications or study.replications,
        "metrics": list(runs[0].metrics) if runs else [],
        "tests": tests,
        "raw_significant": raw,
        "raw_per_test_rate": raw / tests if tests else math.nan,
        "studies_with_a_raw_false_positive": sum(1 for r in runs if r.raw_significant > 0),
        "adjusted_significant": sum(r.adjusted_significant for r in runs),
        "studies_with_a_false_positive": hit,
        "family_wise_false_positive_rate": rate,
        "family_wise_ci95": [lo, hi],
        "limit": ALPHA,
        "ok": rate <= ALPHA,
    }


def validate_aa(
    study: Study,
    *,
    seeds: int = 20,
    replications: int | None = None,
    copies: int | None = None,
    workers: int | None = None,
    progress: Callable[[AaRun], None] | None = None,
) -> dict[str, Any]:
    """Run ``seeds`` A/A studies; the JSON shape of ``drillbit validate aa --json``."""
    if not 1 <= seeds <= _MAX_SEEDS:
        raise InvalidDefinition(f"--seeds must be from 1 to {_MAX_SEEDS}")
    if replications is not None and replications < 2:
        raise InvalidDefinition("--replications must be at least 2 (a paired test needs two)")
    runs = []
    for run in range(seeds):
        outcome = aa_run(study, run, replications=replications, copies=copies, workers=workers)
        runs.append(outcome)
        if progress is not None:
            progress(outcome)
    return summarise_aa(study, runs, replications)
